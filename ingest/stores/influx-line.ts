import type { Sample, Category } from '../../core/index.ts';
import type { ByteWriter } from '../byte-writer.ts';
import { memoOf } from '../device-memo.ts';
import { metricCatalogue } from '../telemetry-scan.ts';
import type { TelemetryEncoder } from '../telemetry-store.ts';
import type { DeviceContext } from '../validate.ts';
import { InfluxErrors, TELEMETRY, assertStorableName, fieldKey } from './influx-schema.ts';

/**
 * Line protocol for telemetry samples (InfluxDB 1.x and 2.x), written directly instead of through
 * the `influx` package's point objects, which cost more than the rest of the drainer: the same
 * schema (influx-schema.ts) and the same escaping — `,`, `=` and space are backslash-escaped in
 * tag values and field keys, the measurement needs none, every metric is a float field written
 * as `String(value)` (shortest round-trip form, never an `i` suffix), timestamps in ms.
 * Names are checked once per distinct device/model and metric, not once per sample.
 */
export class SampleLineEncoder {
  /** `telemetry,device=…,category=…[,model=…] ` per device, checked once. */
  private readonly seriesPrefix = new Map<string, { category: string; model: string; p: string }>();

  /** Escaped field key per metric name, checked once. */
  private readonly fieldKeys = new Map<string, string>();

  /** One line per sample, `\n`-separated. @throws INGEST_ERR_INFLUX_BAD_NAME / _BAD_VALUE */
  encode(samples: readonly Sample[]): string {
    let out = '';
    for (let i = 0; i < samples.length; i++) {
      const s = samples[i]!;
      if (i > 0) out += '\n';
      out += this.prefix(s);
      let first = true;
      for (const metric of Object.keys(s.metrics)) {
        const value = s.metrics[metric]!;
        if (!Number.isFinite(value)) throw new InfluxErrors.BadValue(metric, String(value));
        out += `${first ? ' ' : ','}${this.fieldKey(metric)}=${value}`;
        first = false;
      }
      out += ` ${s.ts}`;
    }
    return out;
  }

  /** The series of a device: `telemetry,device=…,category=…[,model=…]` (names checked). */
  seriesOf(dev: DeviceContext): string {
    return this.prefix(dev);
  }

  private prefix(s: DeviceContext): string {
    const hit = this.seriesPrefix.get(s.deviceId);
    if (hit && hit.category === s.category && hit.model === s.model) return hit.p;
    // Empty tag values are not allowed in line protocol: the model tag is left out instead.
    assertStorableName('device id', s.deviceId);
    if (s.model !== '') assertStorableName('model', s.model);
    const p =
      `${TELEMETRY},device=${escapeTag(s.deviceId)},category=${escapeTag(s.category)}` +
      (s.model === '' ? '' : `,model=${escapeTag(s.model)}`);
    // Bounded: a fleet larger than the cache only costs the checks again.
    if (this.seriesPrefix.size >= MAX_CACHED) this.seriesPrefix.clear();
    this.seriesPrefix.set(s.deviceId, { category: s.category, model: s.model, p });
    return p;
  }

  private fieldKey(metric: string): string {
    let k = this.fieldKeys.get(metric);
    if (k === undefined) {
      assertStorableName('metric', metric);
      k = escapeTag(fieldKey(metric));
      if (this.fieldKeys.size >= MAX_CACHED) this.fieldKeys.clear();
      this.fieldKeys.set(metric, k);
    }
    return k;
  }
}

const MAX_CACHED = 100_000;
const TAG_SPECIAL = /[,= ]/g;

/** Escapes a tag key, tag value or field key. */
export function escapeTag(s: string): string {
  return s.replace(TAG_SPECIAL, '\\$&');
}

/** Id of the line-protocol encoding in spooled records (TelemetryEncoding.id). */
export const LINE_PROTOCOL = 1;

/**
 * Fills `w` with encoded messages (whole lines each) from `encoded[from]` on, until it holds
 * about `maxBytes` (a request body ends at a message boundary); returns where to go on from.
 */
export function fillBody(
  w: ByteWriter,
  encoded: readonly Uint8Array[],
  from: number,
  maxBytes: number,
): number {
  w.length = 0;
  let i = from;
  while (i < encoded.length && w.length < maxBytes) w.bytes(encoded[i++]!);
  return i;
}

const SPACE = 0x20;
const COMMA = 0x2c;
const EQUALS = 0x3d;
const NEWLINE = 0x0a;
const ZERO = 0x30;

/** Whether `b[start..end)` is a plain integer (digits only): a timestamp to copy as it is. */
function plainInteger(b: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (b[i]! < 0x30 || b[i]! > 0x39) return false;
  return end > start;
}

/** Escaped field keys of a category's catalogued metrics, by catalogue index. */
const keysByCategory = new Map<Category, Buffer[]>();
function fieldKeysOf(category: Category): Buffer[] {
  let keys = keysByCategory.get(category);
  if (!keys) {
    keys = metricCatalogue(category).names.map((n) => {
      assertStorableName('metric', n);
      return Buffer.from(escapeTag(fieldKey(n)), 'utf8');
    });
    keysByCategory.set(category, keys);
  }
  return keys;
}

/**
 * Line protocol made as ingest checks a payload (TelemetryEncoder): the same lines as
 * SampleLineEncoder writes for the payload's samples, but from the payload's bytes, numbers as
 * the device wrote them (JSON numbers are line-protocol floats; every zero is written `0`).
 * Payloads the reader declines are decoded, and their samples written by SampleLineEncoder.
 */
export class LineEncoder implements TelemetryEncoder {
  private out!: ByteWriter;
  private start0 = 0;
  private prefix: Buffer = Buffer.alloc(0);
  private keys: Buffer[] = [];
  private fields = 0;

  constructor(private readonly lines: SampleLineEncoder) {}

  start(dev: DeviceContext, out: ByteWriter): void {
    this.out = out;
    this.start0 = out.length;
    // The device's series prefix, made once per device (DeviceMemo) by this encoder.
    const memo = memoOf(dev);
    if (memo.lineOwner !== this) {
      memo.linePrefix = Buffer.from(this.lines.seriesOf(dev), 'utf8');
      memo.lineOwner = this;
    }
    this.prefix = memo.linePrefix!;
    this.keys = fieldKeysOf(dev.category);
    this.fields = 0;
  }

  reset(): void {
    this.out.length = this.start0;
    this.fields = 0;
  }

  samples(samples: readonly Sample[]): void {
    this.reset();
    if (samples.length > 0) this.out.text(`${this.lines.encode(samples)}\n`);
  }

  metric(index: number, b: Buffer, vs: number, ve: number, v: number): void {
    const key = this.keys[index]!;
    const first = this.fields++ === 0;
    const w = this.out;
    w.room((first ? this.prefix.length : 0) + key.length + (ve - vs) + 2);
    const out = w.buf;
    let len = w.length;
    if (first) {
      out.set(this.prefix, len);
      len += this.prefix.length;
      out[len++] = SPACE;
    } else out[len++] = COMMA;
    out.set(key, len);
    len += key.length;
    out[len++] = EQUALS;
    if (v === 0) out[len++] = ZERO;
    else for (let i = vs; i < ve; i++) out[len++] = b[i]!;
    w.length = len;
  }

  entry(b: Buffer, ts: number, tsStart: number, tsEnd: number): void {
    const w = this.out;
    // Epoch ms as an integer, like Math.round in validation: copied when written so.
    if (plainInteger(b, tsStart, tsEnd)) {
      w.room(tsEnd - tsStart + 2);
      const out = w.buf;
      let len = w.length;
      out[len++] = SPACE;
      for (let i = tsStart; i < tsEnd; i++) out[len++] = b[i]!;
      out[len++] = NEWLINE;
      w.length = len;
    } else w.text(` ${Math.round(ts)}\n`);
    this.fields = 0;
  }
}
