-- Warranty registry and repair records (warranty/). Repair records are append-only and form a
-- hash chain per unit: each row carries the hash of the previous record of the same unit, so an
-- edit or a deletion behind the API's back is detected by verification (docs/design.md "Storage").
-- Dates are kept as the ISO strings the API received: the hash covers them byte for byte.
CREATE TABLE warranty_units (
  serial                      text PRIMARY KEY,
  category                    text NOT NULL,
  model                       text NOT NULL,
  manufacturer                text,
  device_id                   text,               -- linked telemetry device, when connected
  invoice_date                text NOT NULL,
  delivery_date               text,
  installation_completed_date text,
  exchange_date               text,
  price_cny                   double precision,
  seller                      text,
  owner_contact_hash          text,               -- sha256 of the owner's contact, never the contact itself
  created_at                  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX warranty_units_device ON warranty_units (device_id) WHERE device_id IS NOT NULL;

CREATE TABLE warranty_repair_records (
  serial      text NOT NULL REFERENCES warranty_units (serial),
  seq         integer NOT NULL CHECK (seq >= 1),
  kind        text NOT NULL CHECK (kind IN ('repair', 'correction')),
  corrects    integer,                            -- seq of the record a correction replaces
  recorded_at text NOT NULL,
  body        jsonb NOT NULL,
  prev_hash   text NOT NULL,
  hash        text NOT NULL,
  PRIMARY KEY (serial, seq)
);
