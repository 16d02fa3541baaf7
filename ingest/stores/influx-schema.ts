import { defineError, type DeviceEvent, type Sample } from '../../core/index.ts';

/**
 * The InfluxDB schema shared by the 1.x and 2.x backends (docs/influxdb.md explains the choice).
 *
 * - `telemetry`: tags `device`, `category`, `model`; one float field per metric. category and
 *   model are functions of the device, so series cardinality is one per device, and a point is
 *   identified by (device, ts): writing a sample again overwrites the same fields with the same
 *   values, which is what makes replays idempotent.
 * - `device_events`: tags `device`, `category`, `model`, `code`; fields `severity`, `detail`.
 *   `code` is a tag so that two different codes at the same instant are two points, while the
 *   same event written twice is one.
 */
export const TELEMETRY = 'telemetry';
export const EVENTS = 'device_events';

export const InfluxErrors = {
  BadName: defineError(
    'INGEST_ERR_INFLUX_BAD_NAME',
    'cannot store %s in InfluxDB: empty, or contains a backslash or control character',
    400,
  ),
  BadValue: defineError(
    'INGEST_ERR_INFLUX_BAD_VALUE',
    'cannot store metric %s = %s: not a finite number',
    400,
  ),
  Rejected: defineError('INGEST_ERR_INFLUX_REJECTED', 'InfluxDB refused the write: %s', 502),
  Unavailable: defineError(
    'INGEST_ERR_INFLUX_UNAVAILABLE',
    'InfluxDB at %s does not answer: %s',
    503,
  ),
};

/**
 * Field keys that would clash: InfluxDB drops a field named `time`, and a field named like a tag
 * becomes ambiguous in InfluxQL (`device` vs `device_1`). Such metrics (valid metric names in
 * ingest/payloads.ts) are stored as `~name`. So is a metric starting with `~` (the mapping stays
 * reversible) or `$` (influx-ql.ts uses `$series` for the series name in result rows).
 */
const RESERVED = new Set(['time', 'device', 'category', 'model', 'code', 'severity', 'detail']);

/** The field key a metric is stored under. */
export function fieldKey(metric: string): string {
  return RESERVED.has(metric) || /^[~$]/.test(metric) ? `~${metric}` : metric;
}

/** The metric a field key holds (inverse of fieldKey). */
export function metricName(key: string): string {
  return key.startsWith('~') ? key.slice(1) : key;
}

/**
 * Line protocol (1.x and 2.x) escapes `,`, `=` and space in tag values and field keys, but a
 * backslash before one of those or at the end of a value cannot be written back unchanged, and
 * newlines end the line. Ingest already refuses such names; this guard keeps a bad name from
 * corrupting a whole batch if something else calls the store.
 */
// eslint-disable-next-line no-control-regex
const UNSTORABLE = /[\\\u0000-\u001f\u007f]/;

/** Throws INGEST_ERR_INFLUX_BAD_NAME unless `name` can be a tag value or field key. */
export function assertStorableName(what: string, name: string): void {
  if (name.length === 0 || UNSTORABLE.test(name))
    throw new InfluxErrors.BadName(`${what} ${JSON.stringify(name)}`);
}

/** A point, independent of the client library that serialises it. */
export interface InfluxPoint {
  measurement: string;
  tags: Record<string, string>;
  fields: Record<string, number | string>;
  /** Epoch ms. */
  ts: number;
}

/** Empty tag values are not allowed in line protocol: leave the tag out instead. */
function tagsOf(d: { deviceId: string; category: string; model: string }): Record<string, string> {
  assertStorableName('device id', d.deviceId);
  const tags: Record<string, string> = { device: d.deviceId, category: d.category };
  if (d.model !== '') {
    assertStorableName('model', d.model);
    tags.model = d.model;
  }
  return tags;
}

/** One point per sample; every metric becomes a float field. */
export function samplePoint(s: Sample): InfluxPoint {
  const fields: Record<string, number> = {};
  for (const [metric, value] of Object.entries(s.metrics)) {
    assertStorableName('metric', metric);
    if (!Number.isFinite(value)) throw new InfluxErrors.BadValue(metric, String(value));
    fields[fieldKey(metric)] = value;
  }
  return { measurement: TELEMETRY, tags: tagsOf(s), fields, ts: s.ts };
}

/** One point per event, identified by (device, code, ts). */
export function eventPoint(e: DeviceEvent): InfluxPoint {
  assertStorableName('event code', e.code);
  const fields: Record<string, string> = { severity: e.severity };
  if (e.detail !== undefined) fields.detail = e.detail;
  return { measurement: EVENTS, tags: { ...tagsOf(e), code: e.code }, fields, ts: e.ts };
}
