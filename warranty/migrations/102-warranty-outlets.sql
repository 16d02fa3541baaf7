-- Authorized service outlets and certified technicians (warranty/): the repair-order checks use
-- them (outlet authorized on the drop-off date, technician certificate valid, fees on the
-- outlet's published price list), and owners can verify an outlet or a service phone number.
CREATE TABLE warranty_outlets (
  id                   text PRIMARY KEY,
  name                 text NOT NULL,
  manufacturer         text,
  address              text,
  service_phone        text,
  service_phone_digits text,                       -- digits only, for lookup
  authorized_from      text NOT NULL,
  authorized_to        text,
  price_list           jsonb                       -- 明码标价: labour rate, towing, work items
);
CREATE INDEX warranty_outlets_phone ON warranty_outlets (service_phone_digits);

CREATE TABLE warranty_technicians (
  certificate text PRIMARY KEY,
  name        text NOT NULL,
  outlet_id   text REFERENCES warranty_outlets (id),
  valid_from  text NOT NULL,
  valid_to    text
);
