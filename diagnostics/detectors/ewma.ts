import type { Finding, Verdict } from '../types.ts';
import { metricIdsOf, place, readMetricAt, shared, type Detector } from './detector.ts';

/**
 * EWMA control chart against the device's own baseline (Roberts 1959; limits as in Lucas &
 * Saccucci 1990), combined with a Shewhart check for large steps, the classic "combined
 * Shewhart–EWMA" scheme: the EWMA sees small persistent shifts, the Shewhart part sees a sudden
 * large one within `shewhartRun` samples without waiting for the average to move.
 *
 * The baseline mean/variance is learnt during a warm-up (Welford), then follows slow changes
 * with a small rate while the metric is in control, so seasons and ageing do not alarm; it is
 * frozen while the metric is out of control so that a fault is not learnt as normal.
 */
export interface EwmaConfig {
  metrics: readonly string[];
  /** EWMA smoothing of the monitored statistic (0.1–0.3 is usual). */
  lambda?: number;
  /** Control limit of the EWMA in its own standard deviations. */
  limit?: number;
  /** Shewhart limit on a single sample, in baseline σ. */
  shewhart?: number;
  /** Consecutive samples beyond the Shewhart limit before firing (1 = instant). */
  shewhartRun?: number;
  /** Samples used to learn the baseline before any verdict. */
  warmup?: number;
  /** Rate at which an in-control baseline follows the data after warm-up. */
  baselineRate?: number;
  /** Floor of σ relative to |mean|, so quantised or near-constant metrics do not alarm on one step. */
  minRelSigma?: number;
  /** Absolute floor of σ, per metric (e.g. the sensor resolution); default 1e-6. */
  minSigma?: Readonly<Record<string, number>>;
}

// Per-metric slots in the state array.
const N = 0;
const MEAN = 1;
const VAR = 2; // M2 during warm-up, variance after
const Z = 3;
const RUN = 4;
const ALARM = 5;
const START = 6;
const STRIDE = 7;

/** Parameters derived from the config, shared by all devices. */
export interface EwmaParams {
  metrics: readonly string[];
  /** The metrics' ids (detector.ts `metricId`), to read a sample's values by index. */
  ids: Int32Array;
  lambda: number;
  zLimit: number;
  shewhart: number;
  shewhartRun: number;
  warmup: number;
  baselineRate: number;
  minRelSigma: number;
  /** Absolute σ floor per metric. */
  floors: Float64Array;
}

export interface EwmaState {
  p: EwmaParams;
  s: Float64Array;
  o: number;
}

const params = new WeakMap<EwmaConfig, EwmaParams>();

/** EWMA/Shewhart anomaly detector over a fixed list of metrics. */
export const ewmaDetector: Detector<EwmaConfig, EwmaState> = {
  name: 'ewma',
  init(config, at) {
    return { p: shared(params, config, derive), ...place(this.size!(config), at) };
  },
  size: (config) => config.metrics.length * STRIDE,
  update(st, sample) {
    const s = st.s;
    const p = st.p;
    let findings: Finding[] | null = null;
    let start = sample.ts;
    let severe = false;
    for (let i = 0; i < p.metrics.length; i++) {
      const x = readMetricAt(sample, p.metrics[i]!, p.ids[i]!);
      if (x !== x) continue; // NaN: metric absent in this sample
      const o = st.o + i * STRIDE;
      const n = s[o + N]! + 1;
      s[o + N] = n;
      let mean = s[o + MEAN]!;
      if (n <= p.warmup) {
        const d = x - mean;
        mean += d / n;
        s[o + MEAN] = mean;
        s[o + VAR] = s[o + VAR]! + d * (x - mean);
        if (n === p.warmup) s[o + VAR] = s[o + VAR]! / (n - 1);
        s[o + Z] = mean;
        continue;
      }
      const sigma = Math.max(Math.sqrt(s[o + VAR]!), p.minRelSigma * Math.abs(mean), p.floors[i]!);
      const z = s[o + Z]! + p.lambda * (x - s[o + Z]!);
      s[o + Z] = z;
      const dev = (x - mean) / sigma;
      const run = Math.abs(dev) > p.shewhart ? s[o + RUN]! + 1 : 0;
      s[o + RUN] = run;
      const zDev = (z - mean) / sigma;
      const out = Math.abs(zDev) > p.zLimit || run >= p.shewhartRun;
      if (s[o + ALARM] === 0) {
        if (out) {
          s[o + ALARM] = 1;
          findings ??= [];
          findings.push({
            metric: p.metrics[i]!,
            value: x,
            expected: mean,
            score: run >= p.shewhartRun ? dev : zDev / Math.sqrt(p.lambda / (2 - p.lambda)),
          });
          start = Math.min(start, s[o + START]! || sample.ts);
          if (run >= p.shewhartRun) severe = true;
        } else if (Math.abs(dev) < 3) {
          // In control: let the baseline follow slow, legitimate change.
          const d = x - mean;
          s[o + MEAN] = mean + p.baselineRate * d;
          s[o + VAR] = (1 - p.baselineRate) * (s[o + VAR]! + p.baselineRate * d * d);
        }
        // Remember when the statistic left the centre: the start of the evidence window.
        if (Math.abs(zDev) < 0.5 * p.zLimit && Math.abs(dev) < 3) s[o + START] = sample.ts;
      } else if (Math.abs(zDev) < 0.5 * p.zLimit && run === 0) {
        s[o + ALARM] = 0; // back in control: re-arm
        s[o + START] = sample.ts;
      }
    }
    if (findings === null) return null;
    const verdict: Verdict = {
      detector: 'ewma',
      severity: severe ? 'major' : 'minor',
      findings,
      windowStart: start,
      windowEnd: sample.ts,
      message: findings
        .map(
          (f) =>
            `${f.metric} ${f.score > 0 ? 'above' : 'below'} its baseline (${f.score.toFixed(1)}σ)`,
        )
        .join('; '),
    };
    return verdict;
  },
};

/** Current baseline of a metric (mean, σ), for evidence and health; null during warm-up. */
export function ewmaBaseline(
  st: EwmaState,
  metric: string,
): { mean: number; sigma: number } | null {
  const i = st.p.metrics.indexOf(metric);
  const o = st.o + i * STRIDE;
  if (i < 0 || st.s[o + N]! < st.p.warmup) return null;
  return { mean: st.s[o + MEAN]!, sigma: Math.sqrt(st.s[o + VAR]!) };
}

function derive(config: EwmaConfig): EwmaParams {
  const lambda = config.lambda ?? 0.2;
  return {
    metrics: config.metrics,
    ids: metricIdsOf(config.metrics),
    lambda,
    // Asymptotic σ of the EWMA statistic is σ·sqrt(λ/(2−λ)).
    zLimit: (config.limit ?? 5) * Math.sqrt(lambda / (2 - lambda)),
    shewhart: config.shewhart ?? 8,
    shewhartRun: config.shewhartRun ?? 2,
    warmup: Math.max(2, config.warmup ?? 30),
    baselineRate: config.baselineRate ?? 0.002,
    minRelSigma: config.minRelSigma ?? 0.002,
    floors: Float64Array.from(config.metrics, (m) => config.minSigma?.[m] ?? 1e-6),
  };
}
