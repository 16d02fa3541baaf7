-- The nodes that own detector states (issue 22, cluster mode), each saying it is alive: a node
-- running diagnostics on PostgreSQL refreshes its row every 5 s (by the database's clock, so the
-- nodes' clocks need not agree). The states of an owner whose row is older than the bound (20 s)
-- or missing are taken over by a live node (diagnostics/state-sync.ts), which then reports
-- their devices silent if they stay so: a node killed outright leaves no device unwatched.
CREATE TABLE diagnostics_state_owners (
  owner   text PRIMARY KEY,
  seen_at timestamptz NOT NULL
);
-- Owners of states saved before this table: nodes since restarted (a restart is a new owner).
INSERT INTO diagnostics_state_owners (owner, seen_at)
SELECT DISTINCT owner, 'epoch'::timestamptz FROM diagnostics_detector_state;
