import type { Finding } from '../types.ts';
import { metricIdsOf, place, readMetricAt, shared, type Detector } from './detector.ts';

/**
 * Two-sided tabular CUSUM (Page 1954, "Continuous inspection schemes"; the tabular form of
 * Montgomery, "Introduction to Statistical Quality Control", §9.1) on each metric standardised
 * by its own warm-up baseline. It accumulates small persistent shifts that an EWMA chart with
 * robust limits would take long to see: drift of a sensor, slow fouling.
 *
 * With reference value k (in σ) and decision interval h, the in-control average run length is
 * roughly exp(2k·(h+1.166))/(2k²) samples for Gaussian noise (Siegmund's approximation); k = 0.5,
 * h = 15 gives ~10^7 samples between false alarms per metric and side with a known mean, and
 * still ~10^6 when the mean comes from a few hundred warm-up samples. The baseline is frozen
 * after warm-up on purpose: CUSUM measures the distance from a reference, and letting the
 * reference follow the data would hide the drift it is meant to find.
 */
export interface CusumConfig {
  metrics: readonly string[];
  /** Allowance in σ: half of the smallest shift worth detecting. */
  k?: number;
  /** Decision interval in σ. */
  h?: number;
  warmup?: number;
  /** Floor of σ relative to |mean|. */
  minRelSigma?: number;
}

const N = 0;
const MEAN = 1;
const VAR = 2;
const SP = 3; // upper sum
const SN = 4; // lower sum
const ALARM = 5; // +1 / -1 while an alarm is open on that side
// Last time both sums were 0: Page's change-point estimate for whichever side alarms next.
const START = 6;
const STRIDE = 7;

/** Parameters derived from the config, shared by all devices. */
export interface CusumParams {
  metrics: readonly string[];
  /** The metrics' ids (detector.ts `metricId`), to read a sample's values by index. */
  ids: Int32Array;
  k: number;
  h: number;
  warmup: number;
  minRelSigma: number;
}

export interface CusumState {
  p: CusumParams;
  s: Float64Array;
  o: number;
}

const params = new WeakMap<CusumConfig, CusumParams>();

/** Page's two-sided CUSUM over a fixed list of metrics. */
export const cusumDetector: Detector<CusumConfig, CusumState> = {
  name: 'cusum',
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
      if (n <= p.warmup) {
        const d = x - s[o + MEAN]!;
        s[o + MEAN] = s[o + MEAN]! + d / n;
        s[o + VAR] = s[o + VAR]! + d * (x - s[o + MEAN]!);
        if (n === p.warmup) s[o + VAR] = s[o + VAR]! / (n - 1);
        s[o + START] = sample.ts;
        continue;
      }
      const mean = s[o + MEAN]!;
      const sigma = Math.max(Math.sqrt(s[o + VAR]!), p.minRelSigma * Math.abs(mean), 1e-9);
      const u = (x - mean) / sigma;
      // Sums are capped at 2h so that recovery after a long excursion does not take forever.
      const sp = Math.min(2 * p.h, Math.max(0, s[o + SP]! + u - p.k));
      const sn = Math.min(2 * p.h, Math.max(0, s[o + SN]! - u - p.k));
      s[o + SP] = sp;
      s[o + SN] = sn;
      if (sp === 0 && sn === 0) s[o + START] = sample.ts;
      const alarm = s[o + ALARM]!;
      if (alarm === 0 && (sp > p.h || sn > p.h)) {
        const up = sp > p.h;
        s[o + ALARM] = up ? 1 : -1;
        findings ??= [];
        findings.push({ metric: p.metrics[i]!, value: x, expected: mean, score: up ? sp : -sn });
        start = Math.min(start, s[o + START]!);
      } else if ((alarm > 0 && sp === 0) || (alarm < 0 && sn === 0)) {
        s[o + ALARM] = 0; // the process came back to the reference: re-arm
      }
    }
    if (findings === null) return null;
    return {
      detector: 'cusum',
      severity: 'minor',
      findings,
      windowStart: start,
      windowEnd: sample.ts,
      message: findings
        .map(
          (f) =>
            `${f.metric} drifted ${f.score > 0 ? 'up' : 'down'} from ${f.expected.toPrecision(4)} (CUSUM ${Math.abs(f.score).toFixed(1)})`,
        )
        .join('; '),
    };
  },
};

function derive(config: CusumConfig): CusumParams {
  return {
    metrics: config.metrics,
    ids: metricIdsOf(config.metrics),
    k: config.k ?? 0.5,
    h: config.h ?? 15,
    warmup: Math.max(2, config.warmup ?? 50),
    minRelSigma: config.minRelSigma ?? 0.002,
  };
}
