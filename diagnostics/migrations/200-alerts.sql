-- Alerts of diagnostics/ (docs/design.md "Diagnostics"): one active (open or acknowledged) alert per
-- device and failure mode, enforced by a partial unique index so that two writers cannot open
-- the same alert twice. Evidence, predicted failure, action and parts are kept as JSON: they are
-- read whole, never queried inside.
CREATE TABLE alerts (
  id                text PRIMARY KEY,
  device_id         text NOT NULL,
  category          text NOT NULL,
  model             text NOT NULL,
  mode_id           text NOT NULL,
  mode_name         text NOT NULL,
  component         text NOT NULL,
  severity          text NOT NULL CHECK (severity IN ('info', 'minor', 'major', 'critical')),
  status            text NOT NULL CHECK (status IN ('open', 'acknowledged', 'resolved', 'dismissed')),
  revision          integer NOT NULL DEFAULT 1,
  detected_at       timestamptz NOT NULL,   -- time of the sample or event that opened it
  opened_at         timestamptz NOT NULL,
  updated_at        timestamptz NOT NULL,
  predicted_failure jsonb,
  evidence          jsonb NOT NULL,
  action            jsonb NOT NULL,
  parts             jsonb NOT NULL,
  assignee          text,
  acknowledged_by   text,
  acknowledged_at   timestamptz,
  closed_by         text,
  closed_at         timestamptz,
  repair_ref        text,
  dismiss_reason    text,
  escalations       integer NOT NULL DEFAULT 0,
  escalated_at      timestamptz
);
CREATE UNIQUE INDEX alerts_one_active ON alerts (device_id, mode_id)
  WHERE status IN ('open', 'acknowledged');
CREATE INDEX alerts_status_opened ON alerts (status, opened_at DESC);
CREATE INDEX alerts_device ON alerts (device_id, opened_at DESC);

-- Every state change, in order: who did what, when (the audit engineers and 三包 disputes need).
CREATE TABLE alert_history (
  seq         bigserial PRIMARY KEY,
  alert_id    text NOT NULL REFERENCES alerts (id),
  at          timestamptz NOT NULL,
  actor       text,
  action      text NOT NULL,
  from_status text,
  to_status   text NOT NULL,
  severity    text NOT NULL,
  detail      jsonb
);
CREATE INDEX alert_history_alert ON alert_history (alert_id, seq);

CREATE TABLE alert_comments (
  seq      bigserial PRIMARY KEY,
  alert_id text NOT NULL REFERENCES alerts (id),
  at       timestamptz NOT NULL,
  author   text NOT NULL,
  text     text NOT NULL
);
CREATE INDEX alert_comments_alert ON alert_comments (alert_id, seq);

-- Webhook subscriptions; the secret signs deliveries (HMAC-SHA256), so it is kept as given.
CREATE TABLE alert_webhooks (
  id                text PRIMARY KEY,
  url               text NOT NULL,
  secret            text NOT NULL,
  min_severity      text NOT NULL DEFAULT 'info',
  created_at        timestamptz NOT NULL DEFAULT now(),
  deliveries        integer NOT NULL DEFAULT 0,
  failures          integer NOT NULL DEFAULT 0,
  last_delivered_at timestamptz,
  last_error        text,
  last_error_at     timestamptz
);
