-- Fleet analytics over millions of repair records (issue 7, measured by bench/quality.ts): the
-- analytics read a few narrow columns of every record, but the records' heap is mostly the
-- hash-covered JSON body (about 1 KB a record), so a sequential scan reads all of it. These two
-- indexes carry the columns the analytics read, so the planner can answer from them alone
-- (index-only scans: records are append-only, so the visibility map stays set).

-- Overview (failures by model and component, remedies and cost): every record, in the (serial,
-- seq) order the effective-record anti-join and the join to the units want.
CREATE INDEX warranty_repair_records_facts ON warranty_repair_records (serial, seq)
  INCLUDE (cause, component, remedy, charges_cny);

-- Reliability and exposure of one component: its quality failures only, by unit.
CREATE INDEX warranty_repair_records_quality_component ON warranty_repair_records
  (component, serial, seq) INCLUDE (dropped_off_at) WHERE cause = 'quality';
