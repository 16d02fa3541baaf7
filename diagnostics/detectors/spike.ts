import type { Finding } from '../types.ts';
import { metricIdsOf, place, readMetricAt, shared, type Detector } from './detector.ts';

/**
 * Spikes: single-sample outliers that revert, judged one sample late (the sample after the
 * spike shows whether it reverted; a jump that stays is a step, the EWMA detector's job).
 *
 * Scale is robust: an EWMA of the absolute first difference, with each update winsorised at
 * 3× the current scale (in the spirit of the Hampel filter and of Huber's M-estimators), so
 * the spikes themselves do not inflate it. For Gaussian noise of σ the mean |Δx| is 2σ/√π.
 * A spike at t−1 needs |x[t−1] − x[t−2]| and |x[t−1] − x[t]| both above k·scale, in the same
 * direction, while x[t] is back near x[t−2].
 */
export interface SpikeConfig {
  metrics: readonly string[];
  /** Threshold in units of the robust scale of first differences. */
  k?: number;
  warmup?: number;
  /** Scale floor relative to |value|, for quantised signals. */
  minRelScale?: number;
}

const N = 0;
const P2 = 1; // x[t-2]
const P1 = 2; // x[t-1]
const SCALE = 3;
const STRIDE = 4;
// One header slot: ts of the previous sample (where a spike found now happened).
const HEAD = 1;

/** Parameters derived from the config, shared by all devices. */
export interface SpikeParams {
  metrics: readonly string[];
  /** The metrics' ids (detector.ts `metricId`), to read a sample's values by index. */
  ids: Int32Array;
  k: number;
  warmup: number;
  minRelScale: number;
}

export interface SpikeState {
  p: SpikeParams;
  s: Float64Array;
  o: number;
}

const params = new WeakMap<SpikeConfig, SpikeParams>();

/** Robust single-sample spike detector. */
export const spikeDetector: Detector<SpikeConfig, SpikeState> = {
  name: 'spike',
  init(config, at) {
    return { p: shared(params, config, derive), ...place(this.size!(config), at) };
  },
  size: (config) => HEAD + config.metrics.length * STRIDE,
  update(st, sample) {
    const s = st.s;
    const p = st.p;
    let findings: Finding[] | null = null;
    let start = sample.ts;
    for (let i = 0; i < p.metrics.length; i++) {
      const x = readMetricAt(sample, p.metrics[i]!, p.ids[i]!);
      if (x !== x) continue;
      const o = st.o + HEAD + i * STRIDE;
      const n = s[o + N]! + 1;
      s[o + N] = n;
      const p1 = s[o + P1]!;
      const p2 = s[o + P2]!;
      if (n >= 2) {
        const scale = Math.max(s[o + SCALE]!, p.minRelScale * Math.abs(p1), 1e-9);
        const d = Math.abs(x - p1);
        if (n >= p.warmup && n >= 3) {
          const lim = p.k * scale;
          const up = p1 - p2;
          const down = p1 - x;
          if (
            Math.abs(up) > lim &&
            Math.abs(down) > lim &&
            up * down > 0 &&
            Math.abs(x - p2) < 0.5 * Math.abs(up)
          ) {
            findings ??= [];
            findings.push({
              metric: p.metrics[i]!,
              value: p1,
              expected: (p2 + x) / 2,
              score: up / scale,
            });
            start = Math.min(start, s[st.o]!);
          }
        }
        // Winsorised EWMA of |Δx| (running mean while young).
        const w = 1 / Math.min(n - 1, 100);
        const cap = n > 10 ? 3 * scale : d;
        s[o + SCALE] = s[o + SCALE]! + w * (Math.min(d, cap) - s[o + SCALE]!);
      }
      s[o + P2] = p1;
      s[o + P1] = x;
    }
    s[st.o] = sample.ts;
    if (findings === null) return null;
    return {
      detector: 'spike',
      severity: 'info',
      findings,
      windowStart: start,
      windowEnd: sample.ts,
      message: findings
        .map((f) => `${f.metric} spiked to ${f.value.toPrecision(4)} and reverted`)
        .join('; '),
    };
  },
};

function derive(config: SpikeConfig): SpikeParams {
  return {
    metrics: config.metrics,
    ids: metricIdsOf(config.metrics),
    k: config.k ?? 8,
    warmup: config.warmup ?? 30,
    minRelScale: config.minRelScale ?? 0.002,
  };
}
