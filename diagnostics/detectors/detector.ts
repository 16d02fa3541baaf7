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
