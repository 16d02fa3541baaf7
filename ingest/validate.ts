import { z } from 'zod';
import { zodIssues, METRICS, type Category, type DeviceEvent, type Sample } from '../core/index.ts';
import { memoOf, type Memoised } from './device-memo.ts';
import {
  EventPayloadSchema,
  METRIC_NAME,
  TelemetryPayloadSchema,
  type TelemetryEntry,
} from './payloads.ts';
import { checkUtf8, findInvalidText } from './text.ts';
import {
  internShape,
  metricCatalogue,
  scanShape,
  scanTelemetry,
  shapeOf,
  TS_SLOT,
  type MetricCatalogue,
  type PayloadShape,
  type ShapeVisitor,
  type TelemetryVisitor,
} from './telemetry-scan.ts';
import type { TelemetryEncoder } from './telemetry-store.ts';

export interface DeviceContext extends Memoised {
  deviceId: string;
  category: Category;
  model: string;
}

export interface Limits {
  maxFutureMs: number;
  maxPastMs: number;
}

/** Why a payload was refused: a reason code for counters and a precise message for the device. */
export interface Rejection {
  ok: false;
  reason: 'malformed_json' | 'invalid_text' | 'schema' | 'out_of_range' | 'timestamp';
  message: string;
  details: Array<{ path: string; message: string }>;
}

export type Decoded<T> = { ok: true; items: T[]; unknownMetrics: string[] } | Rejection;

/** A verdict without the samples: how many the payload holds, and its metrics not catalogued. */
export type Checked = { ok: true; items: number; unknownMetrics: readonly string[] } | Rejection;

const NONE: readonly string[] = Object.freeze([]);
const ONE: Checked = Object.freeze({ ok: true, items: 1, unknownMetrics: NONE });

/**
 * The scan's visitor on the hot path: every metric catalogued for the category, in its range,
 * once per entry, and the timestamp within the limits. Anything else declines, so the general
 * path decides and words the reason (an unknown metric is accepted there, and named).
 */
class Check implements TelemetryVisitor, ShapeVisitor {
  private cat!: MetricCatalogue;
  private min = 0;
  private max = 0;
  /** seen[i] === gen: metric i was read in this entry already. */
  private readonly seen = new Int32Array(256);
  private gen = 0;
  /** Told of every metric and entry the check accepts (the store's encoding), if any. */
  private encoder: TelemetryEncoder | undefined;
  /** Where the numbers of the payload are, and what they are: (start, end, slot) triples. */
  readonly spans: number[] = [];

  for(category: Category, now: number, limits: Limits, encoder?: TelemetryEncoder): this {
    this.cat = metricCatalogue(category);
    this.min = now - limits.maxPastMs;
    this.max = now + limits.maxFutureMs;
    this.encoder = encoder;
    this.spans.length = 0;
    this.next();
    return this;
  }

  private next(): void {
    if (++this.gen > 0x3fffffff) {
      this.seen.fill(0);
      this.gen = 1;
    }
  }

  metric(b: Buffer, start: number, end: number, h: number, vs: number, ve: number, v: number) {
    const i = this.cat.find(b, start, end, h);
    if (i < 0 || this.seen[i] === this.gen) return false;
    this.seen[i] = this.gen;
    this.spans.push(vs, ve, i);
    return this.metricAt(i, b, vs, ve, v);
  }

  metricAt(i: number, b: Buffer, vs: number, ve: number, v: number): boolean {
    const spec = this.cat.specs[i]!;
    if (!(v >= spec.min && v <= spec.max)) return false;
    this.encoder?.metric(i, b, vs, ve, v);
    return true;
  }

  entry(b: Buffer, ts: number, tsStart: number, tsEnd: number): boolean {
    this.next();
    const t = Math.round(ts);
    if (!(t >= this.min && t <= this.max)) return false;
    this.spans.push(tsStart, tsEnd, TS_SLOT);
    this.encoder?.entry(b, ts, tsStart, tsEnd);
    return true;
  }

  /** The shape of the payload just scanned in full (one reading set), for the next ones. */
  shape(b: Buffer): PayloadShape {
    const triples: number[][] = [];
    for (let k = 0; k < this.spans.length; k += 3) triples.push(this.spans.slice(k, k + 3));
    triples.sort((x, y) => x[0]! - y[0]!);
    return shapeOf(b, 0, b.length, triples.flat());
  }
}

const check = new Check();

/**
 * Telemetry's verdict without building samples: the byte reader (telemetry-scan.ts) for the
 * payloads nearly every device sends, decodeTelemetry for all others. The same verdict as
 * decodeTelemetry, item count for item count (telemetry-scan.test.ts). With `encoder` (started
 * for this message), an accepted payload is also encoded, in the same pass where it can be.
 */
export function checkTelemetry(
  payload: Buffer,
  dev: DeviceContext,
  now: number,
  limits: Limits,
  encoder?: TelemetryEncoder,
): Checked {
  const c = check.for(dev.category, now, limits, encoder);
  // Most payloads have the shape of the device's last one: its numbers are read in place.
  const memo = memoOf(dev);
  const shape = memo.shape;
  if (shape) {
    if (scanShape(payload, 0, payload.length, shape, c)) return ONE;
    encoder?.reset();
    c.spans.length = 0;
  }
  const n = scanTelemetry(payload, 0, payload.length, c);
  if (n === 1) {
    // The shape of the device's last payload of one reading set (see PayloadShape).
    memo.shape = internShape(dev.category, c.shape(payload));
    return ONE;
  }
  if (n > 1) return { ok: true, items: n, unknownMetrics: NONE };
  const d = decodeTelemetry(payload, dev, now, limits);
  if (!d.ok) return d;
  encoder?.samples(d.items);
  return { ok: true, items: d.items.length, unknownMetrics: d.unknownMetrics };
}

/** Steps of telemetry decoding, in order (docs/style.md §5); each refuses the whole message. */
export function decodeTelemetry(
  payload: Buffer,
  dev: DeviceContext,
  now: number,
  limits: Limits,
): Decoded<Sample> {
  const json = parseJson(payload);
  if (!json.ok) return json;
  const isArray = Array.isArray(json.value);
  let entries = commonTelemetryShape(json.value, dev.category);
  if (!entries) {
    // Anything unusual goes through the schema, which also words the precise reason.
    const parsed = TelemetryPayloadSchema.safeParse(json.value);
    if (!parsed.success) return schemaRejection(parsed.error, isArray);
    entries = Array.isArray(parsed.data) ? parsed.data : [parsed.data];
  }
  const known = METRICS[dev.category];
  let unknown: Set<string> | undefined;
  let problems: Rejection['details'] | undefined;
  const samples: Sample[] = new Array<Sample>(entries.length);
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    const prefix = isArray ? `[${i}].` : '';
    const ts = toEpochMs(e.ts);
    const tsProblem = checkTs(ts, now, limits);
    if (tsProblem) (problems ??= []).push({ path: `${prefix}ts`, message: tsProblem });
    const metrics = e.metrics;
    for (const name of Object.keys(metrics)) {
      const value = metrics[name]!;
      if (!Number.isFinite(value)) {
        (problems ??= []).push({
          path: `${prefix}metrics.${name}`,
          message: 'must be a finite number',
        });
        continue;
      }
      // Own keys only: a metric named `constructor` or `toString` is unknown, not Object's.
      const spec = Object.hasOwn(known, name) ? known[name] : undefined;
      if (!spec) (unknown ??= new Set()).add(name);
      else if (value < spec.min || value > spec.max) {
        (problems ??= []).push({
          path: `${prefix}metrics.${name}`,
          message: `${value} is outside the plausible range ${spec.min}..${spec.max} ${spec.unit} for ${dev.category}`,
        });
      }
    }
    samples[i] = {
      deviceId: dev.deviceId,
      category: dev.category,
      model: dev.model,
      ts,
      metrics,
    };
  }
  if (problems) {
    const reason = problems.some((p) => p.path.endsWith('ts')) ? 'timestamp' : 'out_of_range';
    return { ok: false, reason, message: summarise(problems), details: problems };
  }
  return { ok: true, items: samples, unknownMetrics: unknown ? [...unknown] : [] };
}

/**
 * The payload shape nearly every message has, checked without zod (a tenth of its cost): an
 * object, or a non-empty array of up to 5000 objects, each with a finite epoch-ms `ts` and
 * 1–256 metrics whose names and values TelemetryPayloadSchema accepts. Returns the entries
 * (the parsed JSON itself: the schema would only copy it and strip other keys, which nothing
 * reads), or undefined to let the schema decide and explain. It must never accept what the
 * schema refuses; validate.test.ts checks the two agree.
 */
export function commonTelemetryShape(
  value: unknown,
  category: Category,
): TelemetryEntry[] | undefined {
  if (!Array.isArray(value)) return isCommonEntry(value, METRICS[category]) ? [value] : undefined;
  if (value.length < 1 || value.length > 5000) return undefined;
  const known = METRICS[category];
  for (const e of value) if (!isCommonEntry(e, known)) return undefined;
  return value as TelemetryEntry[];
}

function isCommonEntry(e: unknown, known: Record<string, unknown>): e is TelemetryEntry {
  if (typeof e !== 'object' || e === null || Array.isArray(e)) return false;
  const { ts, metrics } = e as { ts?: unknown; metrics?: unknown };
  // ISO strings are left to the schema's datetime check.
  if (typeof ts !== 'number' || !Number.isFinite(ts)) return false;
  if (typeof metrics !== 'object' || metrics === null || Array.isArray(metrics)) return false;
  const names = Object.keys(metrics);
  if (names.length < 1 || names.length > 256) return false;
  for (const name of names) {
    const v = (metrics as Record<string, unknown>)[name];
    if (typeof v !== 'number' || !Number.isFinite(v)) return false;
    // Catalogue names are valid names (categories.test.ts); others are checked.
    if (!Object.hasOwn(known, name) && !METRIC_NAME.test(name)) return false;
  }
  return true;
}

/** Events' verdict: decodeEvents without the events (they are rare; no fast path). */
export function checkEvents(
  payload: Buffer,
  dev: DeviceContext,
  now: number,
  limits: Limits,
): Checked {
  const d = decodeEvents(payload, dev, now, limits);
  return d.ok ? { ok: true, items: d.items.length, unknownMetrics: NONE } : d;
}

export function decodeEvents(
  payload: Buffer,
  dev: DeviceContext,
  now: number,
  limits: Limits,
): Decoded<DeviceEvent> {
  const json = parseJson(payload);
  if (!json.ok) return json;
  const parsed = EventPayloadSchema.safeParse(json.value);
  if (!parsed.success) return schemaRejection(parsed.error, Array.isArray(json.value));
  const entries = Array.isArray(parsed.data) ? parsed.data : [parsed.data];
  const problems: Rejection['details'] = [];
  const events = entries.map((e, i): DeviceEvent => {
    const ts = toEpochMs(e.ts);
    const p = checkTs(ts, now, limits);
    if (p) problems.push({ path: `${Array.isArray(parsed.data) ? `[${i}].` : ''}ts`, message: p });
    return {
      deviceId: dev.deviceId,
      category: dev.category,
      model: dev.model,
      ts,
      code: e.code,
      severity: e.severity,
      ...(e.detail === undefined ? {} : { detail: e.detail }),
    };
  });
  if (problems.length > 0)
    return { ok: false, reason: 'timestamp', message: summarise(problems), details: problems };
  return { ok: true, items: events, unknownMetrics: [] };
}

/**
 * The payload as JSON, refused when it is not UTF-8, not JSON, or holds text no store can keep
 * as it came (text.ts: U+0000, lone surrogates); the reason names where.
 */
function parseJson(payload: Buffer): { ok: true; value: unknown } | Rejection {
  const notUtf8 = checkUtf8(payload);
  if (notUtf8) return invalidText(notUtf8);
  const text = payload.toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const message = `payload is not valid JSON: ${(err as Error).message}`;
    return { ok: false, reason: 'malformed_json', message, details: [{ path: '', message }] };
  }
  const bad = findInvalidText(text, value);
  return bad ? invalidText(bad) : { ok: true, value };
}

function invalidText(p: { path: string; message: string }): Rejection {
  return { ok: false, reason: 'invalid_text', message: summarise([p]), details: [p] };
}

function schemaRejection(err: z.ZodError, isArray: boolean): Rejection {
  // For a union of object | array, report against the shape the device actually sent.
  const issues = err.issues.flatMap((i) =>
    i.code === 'invalid_union'
      ? (i.errors[isArray ? 1 : 0] ?? []).map((e) => ({ ...e, path: [...i.path, ...e.path] }))
      : [i],
  );
  const details = zodIssues(issues as z.core.$ZodIssue[]);
  return { ok: false, reason: 'schema', message: summarise(details), details };
}

function toEpochMs(ts: number | string): number {
  return typeof ts === 'number' ? Math.round(ts) : Date.parse(ts);
}

function checkTs(ts: number, now: number, l: Limits): string | undefined {
  if (ts > now + l.maxFutureMs)
    return `${when(ts)} is more than ${l.maxFutureMs / 1000} s in the future (check the device clock)`;
  if (ts < now - l.maxPastMs)
    return `${when(ts)} is more than ${Math.round(l.maxPastMs / 86_400_000)} days in the past`;
  return undefined;
}

/** An instant for a message: ISO-8601 where a Date can hold it (±8.64e15 ms), else the number. */
const when = (ts: number) =>
  Number.isFinite(ts) && Math.abs(ts) <= 8.64e15 ? new Date(ts).toISOString() : String(ts);

function summarise(details: Rejection['details']): string {
  const first = details.slice(0, 3).map((d) => `${d.path || '(payload)'}: ${d.message}`);
  return first.join('; ') + (details.length > 3 ? ` (and ${details.length - 3} more)` : '');
}
