-- What other modules may read of the devices table (issue 21: a module reaches another's data
-- through that module's door). quality/ counts devices online, offline and disabled per
-- category (quality/overview.ts, reports.ts); it reads this view, never the table. The MQTT
-- credential's hash stays core's own. A plain projection, which the planner inlines.
CREATE VIEW devices_v AS
  SELECT id, category, model, serial, online, disabled, last_seen_at
    FROM devices;
