import { METRICS, type Category, type MetricSpec } from '../core/index.ts';

/**
 * A byte-level reader of the telemetry payload nearly every device sends,
 * `{"ts": <epoch ms>, "metrics": {"<name>": <number>, …}}` or an array of those, that builds no
 * objects. At 10,000 messages/s, `JSON.parse` and the samples it yields on the broker's hot path
 * cost Sanbao more broker CPU than the rest of ingest together (bench/RESULTS.md, session 6);
 * this reader checks a payload in place, and the bytes go to the spool as they came.
 *
 * It reads a strict subset of JSON: two keys, `ts` a number and `metrics` an object of 1–256
 * numbers whose names hold no escapes. Whatever else (ISO timestamps, other keys, escapes,
 * duplicate names, white space aside) it declines, and the payload takes the general path
 * (JSON.parse and the zod schemas in validate.ts), which accepts it or words the reason. It must
 * never accept what the general path refuses: telemetry-scan.test.ts checks that the two agree.
 */

/** What a scan tells, as it reads: one call per metric, one per entry. */
export interface TelemetryVisitor {
  /**
   * A metric of the entry being read: its name at `b[nameStart..nameEnd)` (ASCII, no escapes)
   * with `hash` (nameHash of those bytes), its value as written at `b[valueStart..valueEnd)`
   * and as a number. Returns false to decline the payload.
   */
  metric(
    b: Buffer,
    nameStart: number,
    nameEnd: number,
    hash: number,
    valueStart: number,
    valueEnd: number,
    value: number,
  ): boolean;
  /**
   * The end of an entry whose metrics were all reported: its timestamp as written
   * (`b[tsStart..tsEnd)`) and as a number (not rounded). Returns false to decline the payload.
   */
  entry(b: Buffer, ts: number, tsStart: number, tsEnd: number): boolean;
}

/** Entries per message and metrics per entry, as TelemetryPayloadSchema bounds them. */
const MAX_ENTRIES = 5000;
const MAX_METRICS = 256;

const enum Ch {
  Tab = 9,
  Lf = 10,
  Cr = 13,
  Space = 32,
  Quote = 34,
  Plus = 43,
  Comma = 44,
  Minus = 45,
  Dot = 46,
  Zero = 48,
  Nine = 57,
  Colon = 58,
  UpperE = 69,
  LBracket = 91,
  Backslash = 92,
  RBracket = 93,
  LowerE = 101,
  LBrace = 123,
  RBrace = 125,
}

/** Powers of ten a double holds exactly: a product or quotient with them is correctly rounded. */
const EXACT_POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

// Results of the last number and key read. Module state instead of returned objects: the
// reader runs once per message on the broker's hot path and allocates nothing.
let num = 0;
let hash = 0;

/** FNV-1a over bytes, as the reader hashes metric names while it scans them. */
export function nameHash(b: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  return h;
}

function ws(b: Buffer, p: number, end: number): number {
  while (p < end) {
    const c = b[p]!;
    if (c !== Ch.Space && c !== Ch.Lf && c !== Ch.Cr && c !== Ch.Tab) break;
    p++;
  }
  return p;
}

const isDigit = (c: number | undefined) => c !== undefined && c >= Ch.Zero && c <= Ch.Nine;

/**
 * A JSON number at `p` (RFC 8259 §6); returns where it ends and sets `num`, or -1. Up to 15
 * significant digits and a power of ten within ±22 are computed exactly (one correctly rounded
 * operation, as JSON.parse rounds); anything longer is converted from its text.
 */
function number(b: Buffer, p: number, end: number): number {
  const start = p;
  let neg = false;
  if (p < end && b[p] === Ch.Minus) {
    neg = true;
    p++;
  }
  if (p >= end) return -1;
  let m = 0;
  let sig = 0;
  let e10 = 0;
  let long = false;
  let c = b[p]!;
  if (c === Ch.Zero) p++;
  else if (c > Ch.Zero && c <= Ch.Nine) {
    do {
      if (sig < 15) {
        m = m * 10 + (c - Ch.Zero);
        sig++;
      } else long = true;
      c = ++p < end ? b[p]! : -1;
    } while (c >= Ch.Zero && c <= Ch.Nine);
  } else return -1;
  if (p < end && b[p] === Ch.Dot) {
    p++;
    if (!(p < end && isDigit(b[p]))) return -1;
    do {
      c = b[p]!;
      if (m === 0 && c === Ch.Zero) e10--;
      else if (sig < 15) {
        m = m * 10 + (c - Ch.Zero);
        sig++;
        e10--;
      } else if (c !== Ch.Zero) long = true;
      p++;
    } while (p < end && isDigit(b[p]));
  }
  if (p < end && (b[p] === Ch.LowerE || b[p] === Ch.UpperE)) {
    p++;
    let eneg = false;
    if (p < end && (b[p] === Ch.Plus || b[p] === Ch.Minus)) eneg = b[p++] === Ch.Minus;
    if (!(p < end && isDigit(b[p]))) return -1;
    let x = 0;
    do {
      if (x < 1e6) x = x * 10 + (b[p]! - Ch.Zero);
      p++;
    } while (p < end && isDigit(b[p]));
    e10 += eneg ? -x : x;
  }
  // With more than 15 digits the integer part's dropped digits still count as powers of ten;
  // simpler and exact to let the engine convert the text.
  if (long || e10 > 22 || e10 < -22) num = Number(b.toString('latin1', start, p));
  else {
    const v = e10 >= 0 ? m * EXACT_POW10[e10]! : m / EXACT_POW10[-e10]!;
    num = neg ? -v : v;
  }
  return p;
}

/** A key or name after its opening quote: ASCII without escapes; returns the end, sets `hash`. */
function name(b: Buffer, p: number, end: number): number {
  let h = 0x811c9dc5;
  while (p < end) {
    const c = b[p]!;
    if (c === Ch.Quote) {
      hash = h;
      return p + 1;
    }
    // An escape, a control character (invalid JSON) or a non-ASCII byte: the general path.
    if (c === Ch.Backslash || c < Ch.Space || c >= 0x80) return -1;
    h = Math.imul(h ^ c, 0x01000193);
    p++;
  }
  return -1;
}

const TS = Buffer.from('ts');
const METRICS_KEY = Buffer.from('metrics');
/** Whether `b[start..end)` holds the bytes of `key` (a loop: Buffer#compare is a native call). */
function same(b: Uint8Array, start: number, end: number, key: Uint8Array): boolean {
  if (end - start !== key.length) return false;
  for (let i = 0; i < key.length; i++) if (b[start + i] !== key[i]) return false;
  return true;
}

function metrics(b: Buffer, p: number, end: number, v: TelemetryVisitor): number {
  if (!(p < end && b[p] === Ch.LBrace)) return -1;
  p = ws(b, p + 1, end);
  for (let n = 1; ; n++) {
    if (n > MAX_METRICS || !(p < end && b[p] === Ch.Quote)) return -1;
    const nameStart = p + 1;
    p = name(b, nameStart, end);
    if (p < 0) return -1;
    const nameEnd = p - 1;
    const h = hash;
    p = ws(b, p, end);
    if (!(p < end && b[p] === Ch.Colon)) return -1;
    const valueStart = ws(b, p + 1, end);
    p = number(b, valueStart, end);
    if (p < 0 || !v.metric(b, nameStart, nameEnd, h, valueStart, p, num)) return -1;
    p = ws(b, p, end);
    if (p >= end) return -1;
    if (b[p] === Ch.RBrace) return p + 1;
    if (b[p] !== Ch.Comma) return -1;
    p = ws(b, p + 1, end);
  }
}

function entry(b: Buffer, p: number, end: number, v: TelemetryVisitor): number {
  if (!(p < end && b[p] === Ch.LBrace)) return -1;
  p = ws(b, p + 1, end);
  let tsStart = -1;
  let tsEnd = -1;
  let ts = 0;
  let sawMetrics = false;
  for (;;) {
    if (!(p < end && b[p] === Ch.Quote)) return -1;
    const keyStart = p + 1;
    p = name(b, keyStart, end);
    if (p < 0) return -1;
    const keyEnd = p - 1;
    p = ws(b, p, end);
    if (!(p < end && b[p] === Ch.Colon)) return -1;
    p = ws(b, p + 1, end);
    // A key given twice takes the general path: JSON.parse keeps the last, this reader the first.
    if (same(b, keyStart, keyEnd, TS) && tsStart < 0) {
      tsStart = p;
      p = number(b, p, end);
      if (p < 0) return -1;
      tsEnd = p;
      ts = num;
    } else if (same(b, keyStart, keyEnd, METRICS_KEY) && !sawMetrics) {
      p = metrics(b, p, end, v);
      if (p < 0) return -1;
      sawMetrics = true;
    } else return -1;
    p = ws(b, p, end);
    if (p >= end) return -1;
    if (b[p] === Ch.RBrace) break;
    if (b[p] !== Ch.Comma) return -1;
    p = ws(b, p + 1, end);
  }
  if (tsStart < 0 || !sawMetrics || !v.entry(b, ts, tsStart, tsEnd)) return -1;
  return p + 1;
}

/**
 * Reads the telemetry payload at `b[start..end)`, telling `v` what it finds. Returns the number
 * of entries (1 for an object, the length of an array), or -1 when it declines the payload: not
 * of the shape it reads, or refused by the visitor. Visitor calls before a decline stand.
 */
export function scanTelemetry(b: Buffer, start: number, end: number, v: TelemetryVisitor): number {
  let p = ws(b, start, end);
  let n = 1;
  if (p < end && b[p] === Ch.LBracket) {
    p = ws(b, p + 1, end);
    for (n = 1; ; n++) {
      if (n > MAX_ENTRIES) return -1;
      p = entry(b, p, end, v);
      if (p < 0) return -1;
      p = ws(b, p, end);
      if (p >= end) return -1;
      if (b[p] === Ch.RBracket) {
        p++;
        break;
      }
      if (b[p] !== Ch.Comma) return -1;
      p = ws(b, p + 1, end);
    }
  } else {
    p = entry(b, p, end, v);
    if (p < 0) return -1;
  }
  return ws(b, p, end) === end ? n : -1;
}

/** A slot of a payload shape that holds the timestamp (the others hold catalogue indexes). */
export const TS_SLOT = -1;

/**
 * A device sends the same payload again and again with other numbers: the shape of a payload
 * of one reading set is its bytes outside the numbers (literal k ends at `litEnds[k]` in `lits`)
 * and what each number is (`slots[k]`: a metric's catalogue index, or TS_SLOT). A payload with
 * the same bytes around its numbers is the same JSON object with the same keys, so checking it
 * means comparing those bytes and reading the numbers: no names to hash and look up.
 */
export interface PayloadShape {
  lits: Buffer;
  litEnds: Int32Array;
  slots: Int32Array;
}

/**
 * The shape of the payload at `b[start..end)`, whose numbers are at `spans`: triples of
 * (start, end, slot) in payload order, as a full scan of it reported them.
 */
export function shapeOf(
  b: Buffer,
  start: number,
  end: number,
  spans: readonly number[],
): PayloadShape {
  const n = spans.length / 3;
  const slots = new Int32Array(n);
  const litEnds = new Int32Array(n + 1);
  const parts: Buffer[] = [];
  let at = start;
  let len = 0;
  for (let k = 0; k < n; k++) {
    parts.push(b.subarray(at, spans[3 * k]!));
    len += spans[3 * k]! - at;
    litEnds[k] = len;
    slots[k] = spans[3 * k + 2]!;
    at = spans[3 * k + 1]!;
  }
  parts.push(b.subarray(at, end));
  litEnds[n] = len + (end - at);
  return { lits: Buffer.concat(parts), litEnds, slots };
}

/** Shapes in use, by category, bytes and slots (see internShape). */
const shapes = new Map<string, PayloadShape>();
const MAX_SHAPES = 1024;
/** Shapes longer than this are not shared (rare; keeps the table's keys within ~1 MB). */
const MAX_SHARED_SHAPE_BYTES = 1024;

/**
 * One shape object for every device whose payloads have this shape: a fleet's devices of a
 * model send the same bytes around their numbers, so a thousand devices share a few shapes
 * instead of each reading its own (three objects apart in memory, one more cache miss per
 * message each). Shapes are never changed once made. Bounded: past MAX_SHAPES distinct ones
 * the table starts over (devices keep the shape they have), and long shapes are not shared.
 */
export function internShape(category: string, shape: PayloadShape): PayloadShape {
  if (shape.lits.length > MAX_SHARED_SHAPE_BYTES) return shape;
  const key = `${category}\n${shape.slots.join(',')}\n${shape.lits.toString('latin1')}`;
  const known = shapes.get(key);
  if (known) return known;
  if (shapes.size >= MAX_SHAPES) shapes.clear();
  shapes.set(key, shape);
  return shape;
}

/** What a scan by shape tells: the numbers, by the slot the shape gives them. */
export interface ShapeVisitor {
  /** Catalogued metric `index` at `b[valueStart..valueEnd)`; false declines the payload. */
  metricAt(index: number, b: Buffer, valueStart: number, valueEnd: number, value: number): boolean;
  /** The end of the reading set (after its metrics); false declines the payload. */
  entry(b: Buffer, ts: number, tsStart: number, tsEnd: number): boolean;
}

/**
 * Reads `b[start..end)` as a payload of `shape`: true when its bytes outside the numbers are
 * the shape's and every number is a JSON number the visitor took. False as soon as anything
 * differs (the caller scans the payload in full); visitor calls before stand.
 */
export function scanShape(
  b: Buffer,
  start: number,
  end: number,
  shape: PayloadShape,
  v: ShapeVisitor,
): boolean {
  const { lits, litEnds, slots } = shape;
  let p = start;
  let l = 0;
  let ts = 0;
  let tsStart = 0;
  let tsEnd = 0;
  for (let k = 0; k < slots.length; k++) {
    const le = litEnds[k]!;
    if (end - p < le - l) return false;
    for (; l < le; l++, p++) if (b[p] !== lits[l]) return false;
    const s = p;
    p = number(b, p, end);
    if (p < 0) return false;
    const slot = slots[k]!;
    if (slot === TS_SLOT) {
      ts = num;
      tsStart = s;
      tsEnd = p;
    } else if (!v.metricAt(slot, b, s, p, num)) return false;
  }
  const le = litEnds[slots.length]!;
  if (end - p !== le - l) return false;
  for (; l < le; l++, p++) if (b[p] !== lits[l]) return false;
  return v.entry(b, ts, tsStart, tsEnd);
}

/** A category's known metrics, found by the bytes of their names without making strings. */
export interface MetricCatalogue {
  readonly names: readonly string[];
  readonly specs: readonly MetricSpec[];
  /** Index of the metric named `b[start..end)` (whose nameHash is `h`), or -1 if unknown. */
  find(b: Buffer, start: number, end: number, h: number): number;
}

function catalogueOf(category: Category): MetricCatalogue {
  const names = Object.keys(METRICS[category]);
  const specs = names.map((n) => METRICS[category][n]!);
  const bytes = names.map((n) => Buffer.from(n, 'latin1'));
  const byHash = new Map<number, number>();
  bytes.forEach((nb, i) => {
    const h = nameHash(nb, 0, nb.length);
    // Two catalogue names with one hash would hide one of them (telemetry-scan.test.ts).
    if (byHash.has(h))
      throw new Error(`metric names ${names[byHash.get(h)!]} and ${names[i]} collide`);
    byHash.set(h, i);
  });
  return {
    names,
    specs,
    find(b, start, end, h) {
      const i = byHash.get(h);
      if (i === undefined) return -1;
      return same(b, start, end, bytes[i]!) ? i : -1;
    },
  };
}

const catalogues = new Map<Category, MetricCatalogue>();

/** The known metrics of a category (categories.ts), for scanning. */
export function metricCatalogue(category: Category): MetricCatalogue {
  let c = catalogues.get(category);
  if (!c) catalogues.set(category, (c = catalogueOf(category)));
  return c;
}
