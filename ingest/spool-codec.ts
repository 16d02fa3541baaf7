import type { ByteWriter } from './byte-writer.ts';
import { METRICS, type Category, type Sample } from '../core/index.ts';
import { memoOf } from './device-memo.ts';
import type { SpoolRecord } from './spool.ts';
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
import type { DeviceContext } from './validate.ts';

/**
 * On-disk form of a spooled message: the device, the payload exactly as it arrived (already
 * checked), and, when the telemetry store has one, the store's encoding of it made in the same
 * pass (TelemetryEncoding). Copying bytes costs a fraction of building samples on the broker's
 * hot path; the payload is parsed when the spool is read back, without the checks it already
 * passed (a catalogue change between runs must not refuse a message that was acknowledged),
 * and only when someone needs samples: a store with an encoding gets the encoded bytes.
 *
 * Layout (0x02): 0x02, kind ('s' | 'e'), device id, category and model each as u16 length +
 * UTF-8 (the head, the same bytes for every message of a device), then the payload, then the
 * encoding, then a 9-byte trailer: u32 encoding length, u32 items (samples or events), u8
 * encoding id (0: none). Read back, the trailer tells where the payload ends.
 * Earlier forms stay readable: 0x01 (head, then the payload to the end) and plain JSON
 * (`JSON.stringify(record)`, a body starting with '{').
 */
const MAGIC = 0x02;
const MAGIC_V1 = 0x01;
const TRAILER = 9;

/**
 * The part of a record's on-disk form before the payload: magic, kind and the device. The same
 * for every message of a connection, so it is built once per device context (the broker keeps
 * one per connection) and the spool copies it and the payload into its group buffer.
 */
export function spoolHead(kind: 's' | 'e', dev: DeviceContext): Buffer {
  const memo = memoOf(dev);
  if (kind === 's') return (memo.spoolHeadS ??= encodeHead(MAGIC, kind, dev));
  return (memo.spoolHeadE ??= encodeHead(MAGIC, kind, dev));
}

function encodeHead(magic: number, kind: 's' | 'e', dev: DeviceContext): Buffer {
  const parts = [dev.deviceId, dev.category, dev.model].map((s) => Buffer.from(s, 'utf8'));
  const out = Buffer.alloc(2 + parts.reduce((n, p) => n + 2 + p.length, 0));
  out[0] = magic;
  out[1] = kind.charCodeAt(0);
  let off = 2;
  for (const p of parts) {
    out.writeUInt16LE(p.length, off);
    p.copy(out, off + 2);
    off += 2 + p.length;
  }
  return out;
}

/**
 * Ends a record's tail: `w` holds the encoding (`w.length` bytes, none when 0) and gets the
 * trailer. The record is then the head, the payload and `w`'s bytes.
 */
export function writeTrailer(w: ByteWriter, items: number, encoding: number): void {
  const encoded = w.length;
  w.room(TRAILER);
  w.buf.writeUInt32LE(encoded, w.length);
  w.buf.writeUInt32LE(items, w.length + 4);
  w.buf[w.length + 8] = encoding;
  w.length += TRAILER;
}

/** A whole record body without an encoding (tests, tools): head, payload, trailer. */
export function encodeSpoolBody(
  kind: 's' | 'e',
  dev: DeviceContext,
  payload: Buffer,
  items = 1,
): Buffer {
  const t = Buffer.alloc(TRAILER);
  t.writeUInt32LE(items, 4);
  return Buffer.concat([spoolHead(kind, dev), payload, t]);
}

/** The first form (0x01: head, then the payload to the end), as spools written before hold it. */
export function encodeSpoolBodyV1(kind: 's' | 'e', dev: DeviceContext, payload: Buffer): Buffer {
  return Buffer.concat([encodeHead(MAGIC_V1, kind, dev), payload]);
}

interface Entry {
  ts: number | string;
  metrics?: Record<string, number>;
  code?: string;
  severity?: 'info' | 'warning' | 'error' | 'critical';
  detail?: string;
}

const toEpochMs = (ts: number | string) =>
  typeof ts === 'number' ? Math.round(ts) : Date.parse(ts);

/** Where the parts of a record body are, read without making strings. */
export interface RecordParts {
  kind: 's' | 'e';
  /** The payload is `body[payloadStart..payloadEnd)`, the encoding follows it. */
  payloadStart: number;
  payloadEnd: number;
  /** Samples or events in the payload; 0 when the form does not tell (0x01). */
  items: number;
  /** Id of the store encoding that follows the payload, 0 for none. */
  encoding: number;
}

/** The parts of a body of the 0x02 or 0x01 form; undefined for plain JSON. */
export function readRecordParts(body: Buffer): RecordParts | undefined {
  const magic = body[0];
  if (magic !== MAGIC && magic !== MAGIC_V1) return undefined;
  let off = 2;
  for (let i = 0; i < 3; i++) off += 2 + body.readUInt16LE(off);
  const kind = body[1] === 0x65 ? 'e' : 's';
  if (magic === MAGIC_V1)
    return { kind, payloadStart: off, payloadEnd: body.length, items: 0, encoding: 0 };
  const t = body.length - TRAILER;
  const encoded = body.readUInt32LE(t);
  return {
    kind,
    payloadStart: off,
    payloadEnd: t - encoded,
    items: body.readUInt32LE(t + 4),
    encoding: body[t + 8]!,
  };
}

/** The store's encoding in a record body (0x02 form), as the trailer places it. */
export function encodedPart(body: Buffer, parts: RecordParts): Buffer {
  return body.subarray(parts.payloadEnd, body.length - TRAILER);
}

/** A device as read back from its records' heads, with the shape of its last payload. */
interface ReadHead {
  bytes: Buffer;
  dev: DeviceContext;
  /** The shape of the device's last payload of one reading set, once decoded in full. */
  shape: PayloadShape | undefined;
  /** Records still to decode by JSON.parse alone after a payload that has no shape here. */
  skip: number;
}

/**
 * After a payload without a shape (an uncatalogued metric, a backlog array…), the device's next
 * records are not scanned to learn one: a device that keeps sending such payloads pays JSON.parse
 * only, as before shapes, plus one scan in SKIP_AFTER_NO_SHAPE + 1.
 */
const SKIP_AFTER_NO_SHAPE = 64;

/** Heads read so far, by the FNV-1a hash of their bytes (checked byte for byte on a hit). */
const readHeads = new Map<number, ReadHead>();
const MAX_READ_HEADS = 100_000;

/**
 * The device of a record body (0x02 or 0x01 form) whose payload starts at `end`. A device sends
 * many messages and its head is the same bytes every time: one context per device is kept, so
 * reading a batch back makes no strings and every sample of a device shares its context.
 */
function readHead(body: Buffer, end: number): ReadHead {
  const h = headHash(body, 2, end);
  const hit = readHeads.get(h);
  if (hit && sameBytes(hit.bytes, body, 2, end)) return hit;
  let off = 2;
  const strs: string[] = [];
  for (let i = 0; i < 3; i++) {
    const len = body.readUInt16LE(off);
    strs.push(body.toString('utf8', off + 2, off + 2 + len));
    off += 2 + len;
  }
  const [deviceId, category, model] = strs as [string, Category, string];
  const head: ReadHead = {
    bytes: Buffer.from(body.subarray(2, end)),
    dev: { deviceId, category, model },
    shape: undefined,
    skip: 0,
  };
  // Bounded: a fleet larger than the cache only costs reading heads again.
  if (readHeads.size >= MAX_READ_HEADS) readHeads.clear();
  readHeads.set(h, head);
  return head;
}

const readDevice = (body: Buffer, end: number): DeviceContext => readHead(body, end).dev;

/**
 * FNV-1a over `b[start..end)` taken four bytes at a time (a head is some 70 bytes, read for
 * every record). Only a key: a hit is checked byte for byte, and two heads with one hash cost
 * reading the head again, not a wrong device.
 */
function headHash(b: Buffer, start: number, end: number): number {
  let h = 0x811c9dc5;
  let i = start;
  for (; i + 4 <= end; i += 4)
    h = Math.imul(
      h ^ (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)),
      0x01000193,
    );
  for (; i < end; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  return h;
}

/** Whether `a` holds the bytes `b[start..end)` (a loop: Buffer#compare is a native call). */
function sameBytes(a: Buffer, b: Buffer, start: number, end: number): boolean {
  if (a.length !== end - start) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[start + i]) return false;
  return true;
}

/**
 * Decoding a payload by its device's shape (telemetry-scan.ts): the drainer reads nearly every
 * record's numbers in place, as the broker's check did, instead of making its text and parsing
 * it (the text and JSON.parse cost twice as much). The samples are the same, value for value
 * and in the same key order: a shape's numbers are JSON numbers, read as JSON.parse rounds them,
 * in payload order (spool-codec.test.ts checks the two agree). Nothing is checked here (a
 * catalogue change between runs must not refuse what was acknowledged): a metric the catalogue
 * does not name, or anything else the reader declines, is decoded by JSON.parse.
 */
class ShapeDecoder implements ShapeVisitor, TelemetryVisitor {
  cat!: MetricCatalogue;
  metrics: Record<string, number> = {};
  ts = 0;
  /** (start, end, slot) triples of the payload being learnt (a full scan). */
  readonly spans: number[] = [];

  metricAt(index: number, _b: Buffer, _vs: number, _ve: number, value: number): boolean {
    this.metrics[this.cat.names[index]!] = value;
    return true;
  }

  metric(b: Buffer, start: number, end: number, h: number, vs: number, ve: number): boolean {
    const i = this.cat.find(b, start, end, h);
    if (i < 0) return false;
    this.spans.push(vs, ve, i);
    return true;
  }

  entry(_b: Buffer, ts: number, tsStart: number, tsEnd: number): boolean {
    this.ts = ts;
    this.spans.push(tsStart, tsEnd, TS_SLOT);
    return true;
  }
}

const decoder = new ShapeDecoder();

/** The one sample of a payload of the head's shape pushed to `out`, or false (another shape). */
function pushByShape(body: Buffer, parts: RecordParts, head: ReadHead, out: Sample[]): boolean {
  if (!head.shape) return false;
  const { deviceId, category, model } = head.dev;
  const d = decoder;
  d.cat = metricCatalogue(category);
  d.metrics = {};
  if (!scanShape(body, parts.payloadStart, parts.payloadEnd, head.shape, d)) return false;
  out.push({ deviceId, category, model, ts: Math.round(d.ts), metrics: d.metrics });
  return true;
}

/**
 * The shape of a payload of one reading set whose metrics the category's catalogue all names,
 * for the device's next records; undefined for any other (and a category unknown here).
 */
function learnShape(
  body: Buffer,
  parts: RecordParts,
  category: Category,
): PayloadShape | undefined {
  if (!Object.hasOwn(METRICS, category)) return undefined;
  const d = decoder;
  d.cat = metricCatalogue(category);
  d.spans.length = 0;
  const { payloadStart: start, payloadEnd: end } = parts;
  if (scanTelemetry(body, start, end, d) !== 1) return undefined;
  const triples: number[][] = [];
  for (let k = 0; k < d.spans.length; k += 3) triples.push(d.spans.slice(k, k + 3));
  triples.sort((x, y) => x[0]! - y[0]!);
  return internShape(category, shapeOf(body, start, end, triples.flat()));
}

/** The head's shape from this record's payload, or none for the next SKIP_AFTER_NO_SHAPE. */
function learn(head: ReadHead, body: Buffer, parts: RecordParts): void {
  if (head.skip > 0) {
    head.skip--;
    return;
  }
  head.shape = learnShape(body, parts, head.dev.category);
  if (!head.shape) head.skip = SKIP_AFTER_NO_SHAPE;
}

/**
 * The samples of a telemetry record body (`parts.kind` 's'), decoded from its payload and
 * appended to `out`; returns how many. The drainer's path for every record the diagnostics
 * listener hears: no record object, no array per message, no closure, and for a payload of the
 * device's last shape no text and no JSON.parse.
 */
export function pushSamples(body: Buffer, parts: RecordParts, out: Sample[]): number {
  const head = readHead(body, parts.payloadStart);
  if (pushByShape(body, parts, head, out)) return 1;
  const { deviceId, category, model } = head.dev;
  const json = JSON.parse(body.toString('utf8', parts.payloadStart, parts.payloadEnd)) as
    Entry | Entry[];
  if (!Array.isArray(json)) {
    out.push({ deviceId, category, model, ts: toEpochMs(json.ts), metrics: json.metrics ?? {} });
    learn(head, body, parts);
    return 1;
  }
  for (let i = 0; i < json.length; i++) {
    const e = json[i]!;
    out.push({ deviceId, category, model, ts: toEpochMs(e.ts), metrics: e.metrics ?? {} });
  }
  return json.length;
}

/** A record body's samples or events, decoded from its payload. */
export function decodeSpoolBody(body: Buffer, parts = readRecordParts(body)): SpoolRecord {
  if (!parts) return JSON.parse(body.toString('utf8')) as SpoolRecord;
  if (parts.kind === 's') {
    const d: Sample[] = [];
    pushSamples(body, parts, d);
    return { k: 's', d };
  }
  const { deviceId, category, model } = readDevice(body, parts.payloadStart);
  const json = JSON.parse(body.toString('utf8', parts.payloadStart, parts.payloadEnd)) as
    Entry | Entry[];
  const entries = Array.isArray(json) ? json : [json];
  return {
    k: 'e',
    d: entries.map((e) => ({
      deviceId,
      category,
      model,
      ts: toEpochMs(e.ts),
      code: e.code ?? '',
      severity: e.severity ?? 'error',
      ...(e.detail === undefined ? {} : { detail: e.detail }),
    })),
  };
}
