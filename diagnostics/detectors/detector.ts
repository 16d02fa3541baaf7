import type { Sample } from '../../core/index.ts';
import type { DetectorName, Verdict } from '../types.ts';

/**
 * The fixed contract of a detector (docs/style.md §6): a pure `init` that builds bounded state from
 * a config, and an `update` that folds one input into that state and may return a verdict.
 * Time is read from the input (`sample.ts`), never from the wall clock, so replaying history
 * gives the same verdicts as the live stream.
 *
 * State is mutated in place: with 100,000 devices a fresh object per sample would cost more
 * than the statistics themselves. Per-metric numbers live in Float64Arrays (8 bytes a value).
 */
export interface Detector<Config, State, Input = Sample> {
  readonly name: DetectorName;
  /** Builds state; `at` places its numbers in a slice of a larger array (see {@link Placement}). */
  init(config: Config, at?: Placement): State;
  update(state: State, input: Input): Verdict | null;
  /** How many numbers the state needs in a shared array (detectors that support placement). */
  size?(config: Config): number;
}

/**
 * Where a detector keeps its numbers: by default its own Float64Array; the engine instead
 * gives every detector of a device a slice of one array, because each typed array costs
 * ~150 bytes of bookkeeping and a device has a dozen detectors.
 */
export interface Placement {
  buf: Float64Array;
  offset: number;
}

/** The array and offset for a state of `size` numbers. */
export function place(size: number, at?: Placement): { s: Float64Array; o: number } {
  return at ? { s: at.buf, o: at.offset } : { s: new Float64Array(size), o: 0 };
}

/**
 * Parameters derived from a config, computed once and shared by every device's state (a
 * per-device copy of eight numbers is 100,000 × 100 bytes for nothing).
 */
export function shared<C extends object, P>(
  cache: WeakMap<C, P>,
  config: C,
  derive: (c: C) => P,
): P {
  let p = cache.get(config);
  if (p === undefined) {
    p = derive(config);
    cache.set(config, p);
  }
  return p;
}

/** A detector that can also judge the passage of time without a sample (missing data). */
export interface TickingDetector<Config, State, Input = Sample> extends Detector<
  Config,
  State,
  Input
> {
  tick(state: State, now: number): Verdict | null;
}

/** Reads a metric; NaN when absent or not a finite number (a missing value, not a zero). */
export function readMetric(sample: Sample, metric: string): number {
  const v = sample.metrics[metric];
  return typeof v === 'number' && Number.isFinite(v) ? v : Number.NaN;
}

/*
 * A sample's metrics read once. The detectors of a plan read a sample's metrics by name some
 * 70 times (an air conditioner: 12 metrics, each watched by several detectors and conditions), a
 * keyed property load each. The engine instead reads the sample's own metrics once
 * (`beginSample`) into arrays indexed by a number every watched metric name gets when a plan is
 * compiled (`metricId`), and the detectors read those (`readMetricAt`, `rawMetricAt`): the same
 * values, by index. Outside the engine's `beginSample`…`endSample` (tests, other callers), or for
 * a name without a number, they read the sample by name, as before.
 */
const idByName = new Map<string, number>();
/** Per metric id: the current sample's value as `readMetric` gives it (NaN when absent). */
let values = new Float64Array(64).fill(Number.NaN);
/** Per metric id: the current sample's value as it is (undefined when absent). */
const raws: unknown[] = [];
/** Ids set for the current sample (the first `setCount`), to clear at the next. */
let setIds = new Int32Array(64);
let setCount = 0;
let current: Sample | undefined;
/** Number of the sample being judged (`beginSample`), for per-sample memos (`sampleEpoch`). */
let epoch = 0;

/**
 * The number of a metric name, for `readMetricAt` (made at plan compile time, never per sample);
 * -1 for a name `Object.prototype` has (`constructor`…), which a read by name finds on any
 * sample's metrics, and `beginSample` would not.
 */
export function metricId(name: string): number {
  if (name in Object.prototype) return -1;
  let id = idByName.get(name);
  if (id === undefined) {
    id = idByName.size;
    idByName.set(name, id);
    if (id >= values.length) {
      const grown = new Float64Array(values.length * 2).fill(Number.NaN);
      grown.set(values);
      values = grown;
    }
    raws.push(undefined);
    // A sample being judged now has it read too (a plan compiled in the middle of one).
    if (current) fill(id, current.metrics[name]);
  }
  return id;
}

function fill(id: number, v: unknown): void {
  raws[id] = v;
  values[id] = typeof v === 'number' && Number.isFinite(v) ? v : Number.NaN;
  if (setCount === setIds.length) {
    const grown = new Int32Array(setIds.length * 2);
    grown.set(setIds);
    setIds = grown;
  }
  setIds[setCount++] = id;
}

/** Reads `sample`'s metrics once for the reads by id that follow, until `endSample`. */
export function beginSample(sample: Sample): void {
  endSample();
  current = sample;
  epoch++;
  const m = sample.metrics;
  for (const name in m) {
    const id = idByName.get(name);
    if (id !== undefined) fill(id, m[name]);
  }
}

/** Ends what `beginSample` started: reads go by name again. */
export function endSample(): void {
  current = undefined;
  for (let k = 0; k < setCount; k++) {
    const id = setIds[k]!;
    values[id] = Number.NaN;
    raws[id] = undefined;
  }
  setCount = 0;
}

/**
 * A number that stays the same while `sample` is the one between `beginSample` and `endSample`
 * and is never reused for another: what the engine's per-sample memos are keyed by (a
 * condition several detectors test). 0 outside (no memo: the sample may change in between).
 */
export function sampleEpoch(sample: Sample): number {
  return sample === current ? epoch : 0;
}

/** `readMetric(sample, metric)`, by the metric's id (`metricId(metric)`) when it can. */
export function readMetricAt(sample: Sample, metric: string, id: number): number {
  return sample === current && id >= 0 ? values[id]! : readMetric(sample, metric);
}

/** `sample.metrics[metric]` as it is, by the metric's id (`metricId(metric)`) when it can. */
export function rawMetricAt(sample: Sample, metric: string, id: number): unknown {
  return sample === current && id >= 0 ? raws[id] : sample.metrics[metric];
}

/** Ids of a list of metric names (`metricId`), made once per config. */
export function metricIdsOf(names: readonly string[]): Int32Array {
  return Int32Array.from(names, metricId);
}

/** An indicator input: a metric, optionally minus another or per another (see profiles). */
export interface DerivedMetric {
  metric: string;
  minus?: string;
  /** Coefficient of `minus`; default 1. */
  minusFactor?: number;
  per?: string;
}

/** Reads a possibly normalised metric; NaN when a part is missing or the divisor is not > 0. */
export function readDerived(sample: Sample, d: DerivedMetric): number {
  const x = readMetric(sample, d.metric);
  if (d.minus !== undefined) return x - (d.minusFactor ?? 1) * readMetric(sample, d.minus);
  if (d.per !== undefined) {
    const q = readMetric(sample, d.per);
    return q > 0 ? x / q : Number.NaN;
  }
  return x;
}

/**
 * Ids of derived metrics' parts (`metricId`), three per metric: its metric, `minus` and `per`
 * (-1 for a part it does not have), for `readDerivedAt`. Made once per config.
 */
export function derivedIdsOf(ds: readonly DerivedMetric[]): Int32Array {
  const ids = new Int32Array(3 * ds.length).fill(-1);
  ds.forEach((d, k) => {
    ids[3 * k] = metricId(d.metric);
    if (d.minus !== undefined) ids[3 * k + 1] = metricId(d.minus);
    if (d.per !== undefined) ids[3 * k + 2] = metricId(d.per);
  });
  return ids;
}

/** `readDerived(sample, d)`, by the ids of its parts (`derivedIdsOf`, from `ids[at]` on). */
export function readDerivedAt(
  sample: Sample,
  d: DerivedMetric,
  ids: Int32Array,
  at: number,
): number {
  if (sample !== current) return readDerived(sample, d);
  const x = readMetricAt(sample, d.metric, ids[at]!);
  if (d.minus !== undefined)
    return x - (d.minusFactor ?? 1) * readMetricAt(sample, d.minus, ids[at + 1]!);
  if (d.per !== undefined) {
    const q = readMetricAt(sample, d.per, ids[at + 2]!);
    return q > 0 ? x / q : Number.NaN;
  }
  return x;
}
