import {
  flux,
  fluxDateTime,
  fluxDuration,
  fluxExpression,
  fluxInteger,
  type ParameterizedQuery,
} from '@influxdata/influxdb-client';
import type { Aggregate, EventQuery, TelemetryQuery } from '../telemetry-store.ts';
import { EVENTS, TELEMETRY, fieldKey } from './influx-schema.ts';

/**
 * Flux text for the 2.x backend. Every value goes through the client's `flux` template, which
 * quotes strings and escapes `"`, `\`, newlines and `${` (Flux string interpolation), so device
 * ids and metric names cannot change the query.
 */

const FLUX_FN: Record<Aggregate, string> = { mean: 'mean', min: 'min', max: 'max', count: 'count' };

/** A Flux time from epoch ms; `range()` treats start as inclusive and stop as exclusive. */
const at = (t: number) => fluxDateTime(new Date(t).toISOString());

const limitOf = (n: number) => fluxInteger(Math.max(0, Math.floor(n)));

/** Points of one metric of one device, raw or aggregated per epoch-aligned window. */
export function telemetryFlux(bucket: string, q: TelemetryQuery): ParameterizedQuery {
  const base = flux`from(bucket: ${bucket})
  |> range(start: ${at(q.from)}, stop: ${at(q.to)})
  |> filter(fn: (r) => r._measurement == ${TELEMETRY} and r.device == ${q.deviceId} and r._field == ${fieldKey(q.metric)})
  |> group()`;
  if (q.every === undefined) {
    return flux`${fluxExpression(base.toString())}
  |> sort(columns: ["_time"])
  |> limit(n: ${limitOf(q.limit)})`;
  }
  // Flux windows are aligned to the Unix epoch (offset 0s). `timeSrc: "_start"` reports a window
  // by its start; the first window's _start is clipped to the range start, which toPoints undoes.
  return flux`${fluxExpression(base.toString())}
  |> aggregateWindow(every: ${fluxDuration(`${Math.floor(q.every)}ms`)}, fn: ${fluxExpression(FLUX_FN[q.agg ?? 'mean'])}, createEmpty: false, timeSrc: "_start")
  |> sort(columns: ["_time"])
  |> limit(n: ${limitOf(q.limit)})`;
}

/**
 * Near the end of InfluxDB's int64-nanosecond time range. range()'s default stop is now(), which
 * would hide points from a device whose clock runs ahead (ingest accepts some future skew).
 */
const END_OF_TIME = fluxDateTime('2262-01-01T00:00:00.000Z');

/** The last point of every field of a device (one row per field and series). */
export function latestFlux(bucket: string, deviceId: string): ParameterizedQuery {
  return flux`from(bucket: ${bucket})
  |> range(start: ${at(0)}, stop: ${END_OF_TIME})
  |> filter(fn: (r) => r._measurement == ${TELEMETRY} and r.device == ${deviceId})
  |> last()`;
}

/** A device's events in [from, to), one row per event with its fields pivoted into columns. */
export function eventsFlux(bucket: string, q: EventQuery): ParameterizedQuery {
  return flux`from(bucket: ${bucket})
  |> range(start: ${at(q.from)}, stop: ${at(q.to)})
  |> filter(fn: (r) => r._measurement == ${EVENTS} and r.device == ${q.deviceId})
  |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")
  |> group()
  |> sort(columns: ["_time", "code"])
  |> limit(n: ${limitOf(q.limit)})`;
}

/**
 * Epoch ms from an RFC 3339 time as Flux returns it (up to 9 fractional digits). Parsed by hand
 * because the fraction may be longer than the 3 digits Date.parse is specified for.
 */
export function rfc3339ToMs(s: string): number {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(s);
  if (!m) throw new Error(`not an RFC 3339 time: ${s}`);
  const whole = Date.parse(`${m[1]}${m[3]}`);
  return whole + Number((m[2] ?? '').padEnd(3, '0').slice(0, 3));
}
