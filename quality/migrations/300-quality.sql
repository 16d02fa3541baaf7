-- Closing the loop (quality/, issue 7): repair orders opened from alerts, production facts for
-- fleet analytics, and query columns over the repair records.

-- Production facts of a unit: its batch, and the suppliers/batches of its main components
-- ([{component, supplier?, batch?}]), so failure rates and Weibull fits can be split by them.
ALTER TABLE warranty_units ADD COLUMN production_batch text;
ALTER TABLE warranty_units ADD COLUMN production_date text;
ALTER TABLE warranty_units ADD COLUMN components jsonb;
CREATE INDEX warranty_units_model ON warranty_units (category, model);

-- Read-only projections of the hash-covered body, computed by the database: analytics group by
-- them over millions of records without parsing JSON per query. The body stays the only truth.
ALTER TABLE warranty_repair_records
  ADD COLUMN component text GENERATED ALWAYS AS (body -> 'diagnosis' ->> 'component') STORED,
  ADD COLUMN dropped_off_at text GENERATED ALWAYS AS (body ->> 'droppedOffAt') STORED,
  ADD COLUMN remedy text GENERATED ALWAYS AS (coalesce(body ->> 'remedyGranted', 'repair')) STORED,
  ADD COLUMN cause text GENERATED ALWAYS AS (body -> 'diagnosis' ->> 'cause') STORED,
  ADD COLUMN charges_cny double precision GENERATED ALWAYS AS (
    coalesce((body -> 'charges' ->> 'labourHours')::double precision, 0)
      * coalesce((body -> 'charges' ->> 'labourRateCNY')::double precision, 0)
    + coalesce((body -> 'charges' ->> 'materialsCNY')::double precision, 0)
    + coalesce((body -> 'charges' ->> 'towingCNY')::double precision, 0)
  ) STORED;
-- Effective records (a correction replaces the record it names) are found by an anti-join on this.
CREATE INDEX warranty_repair_records_dropped_off ON warranty_repair_records (dropped_off_at);
CREATE INDEX warranty_repair_records_corrects ON warranty_repair_records (serial, corrects)
  WHERE corrects IS NOT NULL;

-- A repair order: opened by an engineer from one or more alerts of one device (their evidence,
-- suspected component and parts carried over), closed with the repair record it produced (the
-- record's seq in the unit's hash chain). After closing, telemetry verifies the repair: the
-- failure mode must stay quiet for the verification window, or the order is marked a repeat.
CREATE TABLE repair_orders (
  id                    text PRIMARY KEY,
  serial                text NOT NULL REFERENCES warranty_units (serial),
  device_id             text,
  status                text NOT NULL CHECK (status IN ('open', 'closed', 'cancelled')),
  alert_ids             jsonb NOT NULL,            -- ["a…", …]
  mode_ids              jsonb NOT NULL,            -- failure modes of those alerts
  suspected_component   text,
  parts_called_for      jsonb NOT NULL,
  evidence              jsonb NOT NULL,            -- the alerts' evidence, as it was when opened
  outlet_id             text NOT NULL,
  technician_certificate text,
  dropped_off_at        text NOT NULL,
  handed_back_at        text,
  note                  text,
  opened_by             text NOT NULL,
  opened_at             timestamptz NOT NULL,
  closed_by             text,
  closed_at             timestamptz,
  record_seq            integer,                   -- the repair record in the unit's chain
  verification          text NOT NULL DEFAULT 'pending'
    CHECK (verification IN ('pending', 'verifying', 'verified', 'not_recovered', 'no_telemetry', 'repeat_failure')),
  verify_until          timestamptz,
  repeat_alert_id       text
);
CREATE INDEX repair_orders_serial ON repair_orders (serial, opened_at DESC);
CREATE INDEX repair_orders_status ON repair_orders (status, opened_at DESC);
CREATE INDEX repair_orders_device_verifying ON repair_orders (device_id)
  WHERE verification = 'verifying';
