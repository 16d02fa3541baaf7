-- Tamper evidence with an anchor (issue 24, finding 6). The hash chain alone could not show a
-- deletion of the last records, of all records of a unit, or a re-hash from one record on: the
-- chain's head and length now live outside the records table too, on the unit (written in the
-- same transaction as each record) and, for a record closed from a repair order, in the order;
-- the owner's status shows them to print on a receipt. Verification compares the chain with
-- every copy.
ALTER TABLE warranty_units ADD COLUMN chain_count integer NOT NULL DEFAULT 0;
ALTER TABLE warranty_units ADD COLUMN chain_head text NOT NULL
  DEFAULT '0000000000000000000000000000000000000000000000000000000000000000';
-- Existing chains are taken as they are today (the last record by seq).
UPDATE warranty_units u SET chain_count = r.seq, chain_head = r.hash
  FROM (SELECT DISTINCT ON (serial) serial, seq, hash FROM warranty_repair_records
         ORDER BY serial, seq DESC) r
 WHERE r.serial = u.serial;

-- `kind` and `corrects` drive the effective records that fleet figures and ledgers count, yet
-- were columns outside the hash: they become read-only projections of the hashed body, like
-- component, cause and charges (migration 300), so no column a report uses can be edited alone.
DROP INDEX warranty_repair_records_corrects;
ALTER TABLE warranty_repair_records DROP COLUMN kind;
ALTER TABLE warranty_repair_records DROP COLUMN corrects;
ALTER TABLE warranty_repair_records
  ADD COLUMN kind text GENERATED ALWAYS AS (coalesce(body ->> 'kind', 'repair')) STORED,
  ADD COLUMN corrects integer GENERATED ALWAYS AS ((body ->> 'corrects')::integer) STORED;
CREATE INDEX warranty_repair_records_corrects ON warranty_repair_records (serial, corrects)
  WHERE corrects IS NOT NULL;

-- The hash of the record an order closed with: a copy of that link of the chain.
ALTER TABLE repair_orders ADD COLUMN record_hash text;
UPDATE repair_orders o SET record_hash = r.hash
  FROM warranty_repair_records r
 WHERE r.serial = o.serial AND r.seq = o.record_seq;
