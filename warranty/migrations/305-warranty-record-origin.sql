-- The first record of a repair's line (its `origin`), for each record in force.
--
-- A repair order that closes stores the repair record it wrote (`repair_orders.record_seq`, an
-- original). Corrections of that record make a line: 1 ← 2 (corrects 1) ← 3 (corrects 2). Fleet
-- figures that join a record in force to its order (quality/labels.ts: which failure modes a
-- failure confirms; quality/recalibrate.ts; quality/reports.ts) matched `record_seq` against the
-- record's own seq and the one it `corrects`: right for an original and its first correction,
-- wrong for a correction of a correction (3 names 2, the order names 1), whose failure then lost
-- its order's modes. The line's first record is worked out once, when a correction is stored
-- (like `supersedes`, migration 303): the origin of the record it names, or that record.
-- Set on insert only, from the hashed body; an update that changes it is refused.

ALTER TABLE warranty_repair_records ADD COLUMN origin integer;

-- The first record of the line of a correction of `corrects`, stored as `seq` (null for an
-- original, or for a correction that names no earlier record).
CREATE FUNCTION warranty_record_origin(p_serial text, p_corrects integer, p_seq integer)
RETURNS integer LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  o integer;
BEGIN
  IF p_corrects IS NULL OR p_corrects >= p_seq THEN
    RETURN NULL;
  END IF;
  SELECT COALESCE(r.origin, r.seq) INTO o FROM warranty_repair_records r
   WHERE r.serial = p_serial AND r.seq = p_corrects;
  RETURN o;
END $$;

-- Existing corrections, in seq order per unit (a correction's origin needs the one before).
DO $$
DECLARE
  r record;
BEGIN
  FOR r IN SELECT serial, seq, corrects FROM warranty_repair_records
            WHERE corrects IS NOT NULL ORDER BY serial, seq LOOP
    UPDATE warranty_repair_records
       SET origin = warranty_record_origin(r.serial, r.corrects, r.seq)
     WHERE serial = r.serial AND seq = r.seq;
  END LOOP;
END $$;

CREATE FUNCTION warranty_repair_records_set_origin() RETURNS trigger
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  NEW.origin := warranty_record_origin(NEW.serial, (NEW.body ->> 'corrects')::integer, NEW.seq);
  RETURN NEW;
END $$;
CREATE TRIGGER warranty_repair_records_origin_on_insert
  BEFORE INSERT ON warranty_repair_records
  FOR EACH ROW EXECUTE FUNCTION warranty_repair_records_set_origin();

CREATE FUNCTION warranty_repair_records_keep_origin() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.origin IS DISTINCT FROM OLD.origin THEN
    RAISE EXCEPTION 'warranty_repair_records.origin is set from the hashed body on insert only'
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER warranty_repair_records_origin_read_only
  BEFORE UPDATE OF origin ON warranty_repair_records
  FOR EACH ROW EXECUTE FUNCTION warranty_repair_records_keep_origin();

-- The view as in 303, with `origin` (the record's own seq for an original) added last, as
-- CREATE OR REPLACE VIEW allows.
CREATE OR REPLACE VIEW warranty_records_in_force AS
  SELECT r.serial, r.seq, r.kind, r.corrects, r.recorded_at, r.body,
         r.component, r.dropped_off_at, r.remedy, r.cause, r.charges_cny,
         COALESCE(r.origin, r.seq) AS origin
    FROM warranty_repair_records r
   WHERE NOT EXISTS (SELECT 1 FROM warranty_repair_records s
                      WHERE s.serial = r.serial AND s.supersedes = r.seq);
