-- Audit log of remote-diagnosis commands (diagnostics/commands.ts): every request and its outcome.
CREATE TABLE device_commands (
  request_id   text PRIMARY KEY,
  device_id    text NOT NULL,
  name         text NOT NULL,
  args         jsonb,
  requested_by text,
  requested_at timestamptz NOT NULL,
  timeout_ms   integer NOT NULL,
  status       text NOT NULL CHECK (status IN ('pending', 'ok', 'error', 'timeout')),
  result       jsonb,
  error        text,
  completed_at timestamptz
);
CREATE INDEX device_commands_device ON device_commands (device_id, requested_at DESC);
