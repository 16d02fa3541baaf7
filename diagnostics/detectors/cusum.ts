import type { Finding } from '../types.ts';
import { readMetric, type Detector } from './detector.ts';

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
const STARTP = 6; // last time the upper sum was 0 (Page's change-point estimate)
const STARTN = 7;
const STRIDE = 8;

export interface CusumState {
  metrics: readonly string[];
  k: number;
  h: number;
  warmup: number;
  minRelSigma: number;
  s: Float64Array;
}

/** Page's two-sided CUSUM over a fixed list of metrics. */
export const cusumDetector: Detector<CusumConfig, CusumState> = {
  name: 'cusum',
  init(config) {
    return {
      metrics: config.metrics,
      k: config.k ?? 0.5,
      h: config.h ?? 15,
      warmup: Math.max(2, config.warmup ?? 50),
      minRelSigma: config.minRelSigma ?? 0.002,
      s: new Float64Array(config.metrics.length * STRIDE),
    };
  },
  update(st, sample) {
    const s = st.s;
    let findings: Finding[] | null = null;
    let start = sample.ts;
    for (let i = 0; i < st.metrics.length; i++) {
      const x = readMetric(sample, st.metrics[i]!);
      if (x !== x) continue;
      const o = i * STRIDE;
      const n = s[o + N]! + 1;
      s[o + N] = n;
      if (n <= st.warmup) {
        const d = x - s[o + MEAN]!;
        s[o + MEAN] = s[o + MEAN]! + d / n;
        s[o + VAR] = s[o + VAR]! + d * (x - s[o + MEAN]!);
        if (n === st.warmup) s[o + VAR] = s[o + VAR]! / (n - 1);
        s[o + STARTP] = s[o + STARTN] = sample.ts;
        continue;
      }
      const mean = s[o + MEAN]!;
      const sigma = Math.max(Math.sqrt(s[o + VAR]!), st.minRelSigma * Math.abs(mean), 1e-9);
      const u = (x - mean) / sigma;
      // Sums are capped at 2h so that recovery after a long excursion does not take forever.
      const sp = Math.min(2 * st.h, Math.max(0, s[o + SP]! + u - st.k));
      const sn = Math.min(2 * st.h, Math.max(0, s[o + SN]! - u - st.k));
      s[o + SP] = sp;
      s[o + SN] = sn;
      if (sp === 0) s[o + STARTP] = sample.ts;
      if (sn === 0) s[o + STARTN] = sample.ts;
      const alarm = s[o + ALARM]!;
      if (alarm === 0 && (sp > st.h || sn > st.h)) {
        const up = sp > st.h;
        s[o + ALARM] = up ? 1 : -1;
        findings ??= [];
        findings.push({ metric: st.metrics[i]!, value: x, expected: mean, score: up ? sp : -sn });
        start = Math.min(start, up ? s[o + STARTP]! : s[o + STARTN]!);
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
        .map((f) => `${f.metric} drifted ${f.score > 0 ? 'up' : 'down'} from ${f.expected.toPrecision(4)} (CUSUM ${Math.abs(f.score).toFixed(1)})`)
        .join('; '),
    };
  },
};
