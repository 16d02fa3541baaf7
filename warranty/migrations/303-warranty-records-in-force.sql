-- Records in force (issue 21): which repair records count. One rule, stated here for SQL and in
-- warranty/repair-facts.ts (`effectiveRecords`) for TypeScript, and tested on both by one table
-- of cases (warranty/records-in-force.test.ts):
--
--   Records are taken in seq order. A correction that names an earlier record supersedes the
--   record then in force for that repair: the record it names, or, when a later record has
--   already superseded that one, the last record of that line. A record is in force while no
--   record supersedes it. So every repair has exactly one record in force, its latest word:
--   two corrections of the same record leave the later one in force and the earlier superseded.
--
-- A corrected record stays in the chain (the audit trail), but it is no longer the repair's
-- record: counting both the superseded and the superseding record would count one repair twice,
-- and complete and honest repair records (CAR21 Art. 17) state each repair once.
--
-- Until now fleet figures (quality/overview.ts) dropped only the records a correction names, so
-- two corrections of one record both counted. Which record a correction supersedes depends on the
-- records before it, a walk no inlinable view can make; so it is worked out once, when the
-- correction is stored, by the trigger below, into `supersedes`. The view is then one anti-join,
-- the shape the fleet figures had (migration 301's indexes still answer them), on a small partial
-- index. Like `corrects` (migration 302) the column cannot be edited apart from the hashed body:
-- it is set on insert only, from the body, and an update that changes it is refused.
--
-- Numbered after 302 (the chain anchor, which re-creates `kind` and `corrects`) because file
-- names order migrations across modules (core/db.ts) and this one must run after it.

ALTER TABLE warranty_repair_records ADD COLUMN supersedes integer;

-- The record a correction of `corrects`, stored as `seq`, supersedes (null for an original, or
-- for a correction that names no earlier record). Volatile: it must see the rows stored before
-- it in the same statement (bulk loads).
CREATE FUNCTION warranty_record_supersedes(p_serial text, p_corrects integer, p_seq integer)
RETURNS integer LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  cur integer := p_corrects;
  nxt integer;
BEGIN
  IF p_corrects IS NULL OR p_corrects >= p_seq THEN
    RETURN NULL;
  END IF;
  LOOP
    SELECT r.seq INTO nxt FROM warranty_repair_records r
     WHERE r.serial = p_serial AND r.supersedes = cur;
    EXIT WHEN NOT FOUND;
    cur := nxt;
  END LOOP;
  RETURN cur;
END $$;

-- Each record is superseded at most once: the index the walk above and the view below probe.
CREATE UNIQUE INDEX warranty_repair_records_supersedes ON warranty_repair_records (serial, supersedes)
  WHERE supersedes IS NOT NULL;

-- Existing corrections, in seq order per unit (the rule's order).
DO $$
DECLARE
  r record;
BEGIN
  FOR r IN SELECT serial, seq, corrects FROM warranty_repair_records
            WHERE corrects IS NOT NULL ORDER BY serial, seq LOOP
    UPDATE warranty_repair_records
       SET supersedes = warranty_record_supersedes(r.serial, r.corrects, r.seq)
     WHERE serial = r.serial AND seq = r.seq;
  END LOOP;
END $$;

-- On insert, from the hashed body (generated columns are not computed yet in a BEFORE trigger);
-- a value given by the writer is ignored.
CREATE FUNCTION warranty_repair_records_set_supersedes() RETURNS trigger
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  NEW.supersedes := warranty_record_supersedes(NEW.serial, (NEW.body ->> 'corrects')::integer, NEW.seq);
  RETURN NEW;
END $$;
CREATE TRIGGER warranty_repair_records_supersedes_on_insert
  BEFORE INSERT ON warranty_repair_records
  FOR EACH ROW EXECUTE FUNCTION warranty_repair_records_set_supersedes();

CREATE FUNCTION warranty_repair_records_keep_supersedes() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.supersedes IS DISTINCT FROM OLD.supersedes THEN
    RAISE EXCEPTION 'warranty_repair_records.supersedes is set from the hashed body on insert only'
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER warranty_repair_records_supersedes_read_only
  BEFORE UPDATE OF supersedes ON warranty_repair_records
  FOR EACH ROW EXECUTE FUNCTION warranty_repair_records_keep_supersedes();

-- The records in force, with the columns other modules may read (quality/: fleet figures,
-- reports, labels). Not the hashes: chain verification is warranty's (hash-chain.ts).
CREATE VIEW warranty_records_in_force AS
  SELECT r.serial, r.seq, r.kind, r.corrects, r.recorded_at, r.body,
         r.component, r.dropped_off_at, r.remedy, r.cause, r.charges_cny
    FROM warranty_repair_records r
   WHERE NOT EXISTS (SELECT 1 FROM warranty_repair_records s
                      WHERE s.serial = r.serial AND s.supersedes = r.seq);
