import type { Finding } from '../types.ts';
import { metricIdsOf, place, readMetricAt, shared, type Detector } from './detector.ts';

/**
 * Stuck (flat-lined) sensor: the same reading repeated for longer than the sensor's own
 * behaviour makes plausible.
 *
 * A fixed "N identical samples" rule fails both ways: a noisy analogue sensor that repeats
 * three times is already suspicious, while a setpoint legitimately stays put for days. So the
 * detector learns each metric's change rate p (share of samples whose value differs from the
 * previous one, EWMA) and fires when a run of identical values has probability
 * (1 − p)^run < α, i.e. run ≥ log α / log(1 − p), never below `minRun`. Runs at a rest value
 * (0 by default: fan off, no flow) are the device being idle, not a stuck sensor.
 */
export interface StuckConfig {
  metrics: readonly string[];
  /** Probability of a run that is accepted as chance; smaller = fewer false alarms. */
  alpha?: number;
  /** Never fire on runs shorter than this. */
  minRun?: number;
  /** Samples before the change rate is trusted. */
  warmup?: number;
  /** Two values closer than this (relative to the magnitude) count as equal. */
  relEps?: number;
  /** Values that mean "idle" rather than "stuck". */
  restValues?: readonly number[];
}

const N = 0;
const LAST = 1;
const RUN = 2;
const RATE = 3; // EWMA of "value changed"
const START = 4; // ts of the first sample of the current run
const ALARM = 5;
const STRIDE = 6;

/** Parameters derived from the config, shared by all devices. */
export interface StuckParams {
  metrics: readonly string[];
  /** The metrics' ids (detector.ts `metricId`), to read a sample's values by index. */
  ids: Int32Array;
  logAlpha: number;
  minRun: number;
  warmup: number;
  relEps: number;
  restValues: readonly number[];
}

export interface StuckState {
  p: StuckParams;
  s: Float64Array;
  o: number;
}

const params = new WeakMap<StuckConfig, StuckParams>();

/** Flat-line detector with a learnt per-metric change rate. */
export const stuckDetector: Detector<StuckConfig, StuckState> = {
  name: 'stuck',
  init(config, at) {
    return { p: shared(params, config, derive), ...place(this.size!(config), at) };
  },
  size: (config) => config.metrics.length * STRIDE,
  update(st, sample) {
    const s = st.s;
    const p = st.p;
    let findings: Finding[] | null = null;
    let start = sample.ts;
    for (let i = 0; i < p.metrics.length; i++) {
      const x = readMetricAt(sample, p.metrics[i]!, p.ids[i]!);
      if (x !== x) continue;
      const o = st.o + i * STRIDE;
      const n = s[o + N]! + 1;
      s[o + N] = n;
      const same = n > 1 && Math.abs(x - s[o + LAST]!) <= p.relEps * Math.max(1, Math.abs(x));
      s[o + LAST] = x;
      if (!same) {
        // A change: the run is over, re-arm, and count the change in the learnt rate.
        s[o + RUN] = 1;
        s[o + START] = sample.ts;
        s[o + ALARM] = 0;
        if (n > 1) s[o + RATE] = s[o + RATE]! + (1 - s[o + RATE]!) / Math.min(n - 1, 200);
        continue;
      }
      const run = s[o + RUN]! + 1;
      s[o + RUN] = run;
      // Cap p below 1 so a perfectly noisy history still needs a few repeats.
      const rate = Math.min(s[o + RATE]!, 0.999);
      const needed = rate > 0 ? Math.max(p.minRun, p.logAlpha / Math.log(1 - rate)) : Infinity;
      if (run < needed) {
        // An ordinary repeat: it lowers the learnt rate. Long runs do not (they are suspect).
        s[o + RATE] = s[o + RATE]! * (1 - 1 / Math.min(n - 1, 200));
        continue;
      }
      if (s[o + ALARM] === 1 || n < p.warmup || p.restValues.includes(x)) continue;
      s[o + ALARM] = 1;
      findings ??= [];
      findings.push({ metric: p.metrics[i]!, value: x, expected: x, score: run });
      start = Math.min(start, s[o + START]!);
    }
    if (findings === null) return null;
    return {
      detector: 'stuck',
      severity: 'minor',
      findings,
      windowStart: start,
      windowEnd: sample.ts,
      message: findings
        .map((f) => `${f.metric} stuck at ${f.value} for ${f.score} samples`)
        .join('; '),
    };
  },
};

function derive(config: StuckConfig): StuckParams {
  return {
    metrics: config.metrics,
    ids: metricIdsOf(config.metrics),
    logAlpha: Math.log(config.alpha ?? 1e-9),
    minRun: config.minRun ?? 5,
    warmup: config.warmup ?? 50,
    relEps: config.relEps ?? 1e-9,
    restValues: config.restValues ?? [0],
  };
}
