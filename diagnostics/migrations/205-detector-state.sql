-- Each device's detector state (issue 22, cluster mode): the numbers its detectors learnt (one
-- Float64Array, engine/device-state.ts), its open candidates and its latest generic anomaly,
-- saved by the node that owns the device (the one ingesting its telemetry) in batches, when it
-- goes offline and on shutdown, and loaded by whichever node sees the device next, so a node's
-- death or a reconnect elsewhere does not start warm-up again.
--   owner        the node that holds the state now; a node claims a device when it first sees
--                it, and a save by any other node is refused (it lost the device: it forgets it)
--   fingerprint  the layout and configuration the numbers belong to (a hash of the compiled
--                plan): a changed profile, calibration or model does not load stale numbers
--   last_ts      the newest sample the state has folded in (device time)
CREATE TABLE diagnostics_detector_state (
  device_id   text PRIMARY KEY,
  owner       text NOT NULL,
  category    text NOT NULL,
  model       text NOT NULL,
  fingerprint text NOT NULL,
  last_ts     double precision NOT NULL,
  numbers     bytea NOT NULL,
  open        jsonb NOT NULL,
  anomaly     jsonb,
  saved_at    timestamptz NOT NULL
);
CREATE INDEX diagnostics_detector_state_owner ON diagnostics_detector_state (owner);
