-- What other modules may read of warranty's tables (issue 21: a module reaches another's data
-- through that module's door). quality/ reads these views and `warranty_records_in_force`
-- (migration 303), never the tables. A column not named here stays warranty's own: the owner's
-- account and contact hash, the verification code hash, the chain's hashes and anchor, the
-- outlets' price lists, the technicians' names.
--
-- Plain projections, which the planner inlines: the tables' indexes (migrations 100, 300, 301)
-- answer queries over the views as they did over the tables, index-only scans included.
--
-- Numbered after 302 and 303 although warranty's: file names order migrations across modules
-- (core/db.ts), and these views name columns that 300 (quality's production facts and the
-- records' generated columns) and 302 (`kind`, `corrects` re-created) add.

CREATE VIEW warranty_units_v AS
  SELECT serial, category, model, manufacturer, device_id, invoice_date, delivery_date,
         installation_completed_date, exchange_date, price_cny, production_batch,
         production_date, components, created_at
    FROM warranty_units;

-- Every record, superseded ones included (a unit's history); `warranty_records_in_force` for
-- the records that count.
CREATE VIEW warranty_repair_records_v AS
  SELECT serial, seq, kind, corrects, recorded_at, body,
         component, dropped_off_at, remedy, cause, charges_cny
    FROM warranty_repair_records;

CREATE VIEW warranty_outlets_v AS
  SELECT id, name, manufacturer, address, service_phone, authorized_from, authorized_to
    FROM warranty_outlets;

CREATE VIEW warranty_technicians_v AS
  SELECT certificate, outlet_id, valid_from, valid_to
    FROM warranty_technicians;
