-- Telemetry in SQL, used when INFLUX_URL is unset. Narrow (one row per metric value) because
-- metrics are an open map: a new firmware metric needs no schema change. The primary key makes
-- writes idempotent (spool replay, MQTT redelivery).
CREATE TABLE telemetry (
  device_id text NOT NULL,
  metric    text NOT NULL,
  ts        timestamptz NOT NULL,
  value     double precision NOT NULL,
  PRIMARY KEY (device_id, metric, ts)
);

CREATE TABLE device_events (
  device_id text NOT NULL,
  ts        timestamptz NOT NULL,
  code      text NOT NULL,
  category  text NOT NULL,
  model     text NOT NULL,
  severity  text NOT NULL,
  detail    text,
  PRIMARY KEY (device_id, ts, code)
);
