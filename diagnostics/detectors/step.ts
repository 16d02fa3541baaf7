import type { Sample } from '../../core/index.ts';
import type { Finding } from '../types.ts';
import {
  derivedIdsOf,
  place,
  readDerived,
  readDerivedAt,
  type Detector,
  type DerivedMetric,
} from './detector.ts';

/**
 * Sudden fault signature: the metrics of one sudden failure mode jump together, in the mode's
 * directions, by a good part of the move the mode makes at failure (a seized fan's speed to 0,
 * an open sensor to its rail). Unlike the generic EWMA chart, this is a matched test for a
 * known pattern (a "signature" or template match), so it can fire within `persist` samples
 * without paging anyone for moves the mode does not make.
 *
 * Each indicator keeps its own baseline mean and variance (Welford during warm-up, then a slow
 * follow while healthy). A term is the signed move over the move at failure, clamped, and
 * counts only when it is also well outside the noise (> `noiseSigmas` σ), so a small expected
 * move on a noisy metric cannot fire by chance.
 */
export interface StepIndicator extends DerivedMetric {
  direction: 1 | -1;
  weight: number;
  failureDelta?: number;
  failureRel?: number;
  failureValue?: number;
  when?: (sample: Sample) => boolean;
}

export interface StepConfig {
  modeId: string;
  indicators: readonly StepIndicator[];
  /** Weighted share of the failure move that counts as the fault (0.5 = half-way there). */
  threshold?: number;
  /**
   * Consecutive qualifying samples before firing. At 1 a single sample decides, and then only
   * if every indicator has made at least `threshold` of its failure move (the whole template):
   * persistence is what otherwise keeps a one-metric fluke (a glitch while idle) from firing.
   */
  persist?: number;
  warmup?: number;
  noiseSigmas?: number;
  /** Rate at which a healthy baseline follows slow change after warm-up. */
  baselineRate?: number;
  /**
   * Share of indicator weight that must itself have moved (term ≥ 0.25): one metric of a
   * many-metric signature jumping on its own (a phone warming up in a pocket) is not the mode.
   */
  minAgreement?: number;
}

const RUN = 0;
const SINCE = 1;
const ALARM = 2;
const HEAD = 3;
const I_N = 0;
const I_MEAN = 1;
const I_VAR = 2;
const I_TERM = 3;
const I_STRIDE = 4;

export interface StepState {
  config: StepConfig;
  s: Float64Array;
  /** Offset of this state in `s`. */
  o: number;
  /** The indicators' metric ids (detector.ts `derivedIdsOf`); made when absent. */
  ids?: Int32Array;
}

function failureMove(ind: StepIndicator, base: number): number {
  if (ind.failureDelta !== undefined) return ind.failureDelta;
  if (ind.failureRel !== undefined) return ind.failureRel * Math.abs(base);
  return Math.abs(base - (ind.failureValue ?? base));
}

/** Matched sudden-shift detector for one sudden failure mode. */
export const stepDetector: Detector<StepConfig, StepState> = {
  name: 'step',
  init(config, at) {
    return {
      config,
      ...place(stepDetector.size!(config), at),
      ids: derivedIdsOf(config.indicators),
    };
  },
  size: (config) => HEAD + config.indicators.length * I_STRIDE,
  update(st, sample) {
    const c = st.config;
    const s = st.s;
    const b = st.o;
    const ids = (st.ids ??= derivedIdsOf(c.indicators));
    const warmup = c.warmup ?? 30;
    const noise = c.noiseSigmas ?? 4;
    const rate = c.baselineRate ?? 0.01;
    let seen = false;
    let ready = true;
    let score = 0;
    let wsum = 0;
    let agree = 0;
    let least = Infinity;
    for (let k = 0; k < c.indicators.length; k++) {
      const ind = c.indicators[k]!;
      const o = b + HEAD + k * I_STRIDE;
      wsum += ind.weight;
      const x = readDerivedAt(sample, ind, ids, 3 * k);
      if (x === x && (ind.when === undefined || ind.when(sample))) {
        const n = s[o + I_N]! + 1;
        const mean = s[o + I_MEAN]!;
        if (n <= warmup) {
          s[o + I_N] = n;
          const d = x - mean;
          s[o + I_MEAN] = mean + d / n;
          s[o + I_VAR] = s[o + I_VAR]! + d * (x - s[o + I_MEAN]!);
          if (n === warmup) s[o + I_VAR] = s[o + I_VAR]! / (n - 1);
        } else {
          seen = true;
          const move = failureMove(ind, mean);
          const d = ind.direction * (x - mean);
          const sigma = Math.sqrt(s[o + I_VAR]!);
          let term =
            move > 0 && d > noise * sigma
              ? Math.min(1.5, d / move)
              : Math.max(-1, Math.min(0, d / (move || 1)));
          // A rail (open circuit, stopped motor) is a value, not a direction: a big move that
          // stops short of it is some other fault, so it counts for little.
          if (
            ind.failureValue !== undefined &&
            term > 0 &&
            Math.abs(x - ind.failureValue) > 0.1 * move
          )
            term = Math.min(term, 0.25);
          s[o + I_TERM] = term;
          if (term < 0.25 && s[b + ALARM] !== 1) {
            // Healthy: follow slow legitimate change (ageing, seasons).
            const e = x - mean;
            s[o + I_MEAN] = mean + rate * e;
            s[o + I_VAR] = (1 - rate) * (s[o + I_VAR]! + rate * e * e);
          }
        }
      }
      if (s[o + I_N]! < warmup) ready = false;
      score += ind.weight * s[o + I_TERM]!;
      if (s[o + I_TERM]! >= 0.25) agree += ind.weight;
      if (s[o + I_TERM]! < least) least = s[o + I_TERM]!;
    }
    if (!seen || !ready) return null;
    score /= wsum;
    const threshold = c.threshold ?? 0.5;
    const persist = c.persist ?? 2;
    if (
      score < threshold ||
      agree < (c.minAgreement ?? 0.5) * wsum ||
      (persist <= 1 && least < threshold)
    ) {
      s[b + RUN] = 0;
      if (score < threshold / 2) s[b + ALARM] = 0;
      return null;
    }
    if (s[b + RUN] === 0) s[b + SINCE] = sample.ts;
    s[b + RUN] = s[b + RUN]! + 1;
    if (s[b + ALARM] === 1 || s[b + RUN]! < persist) return null;
    s[b + ALARM] = 1;
    const findings: Finding[] = c.indicators.map((ind, k) => ({
      metric: ind.metric,
      value: readDerived(sample, ind),
      expected: s[b + HEAD + k * I_STRIDE + I_MEAN]!,
      score: s[b + HEAD + k * I_STRIDE + I_TERM]!,
    }));
    return {
      detector: 'step',
      severity: 'major',
      findings,
      windowStart: s[b + SINCE]!,
      windowEnd: sample.ts,
      message: `${c.modeId}: ${findings.map((f) => `${f.metric} ${f.value.toPrecision(4)} (was ${f.expected.toPrecision(4)})`).join(', ')}`,
      modeId: c.modeId,
    };
  },
};

/** Current sudden-fault score (0 healthy … 1 at the failure move) and the per-metric terms. */
export function stepHealth(st: StepState): {
  score: number;
  alarmed: boolean;
  terms: Array<{ metric: string; term: number; baseline: number; weight: number }>;
} {
  let score = 0;
  let wsum = 0;
  const terms = st.config.indicators.map((ind, k) => {
    const term = st.s[st.o + HEAD + k * I_STRIDE + I_TERM]!;
    score += ind.weight * term;
    wsum += ind.weight;
    return {
      metric: ind.metric,
      term,
      baseline: st.s[st.o + HEAD + k * I_STRIDE + I_MEAN]!,
      weight: ind.weight,
    };
  });
  return { score: wsum > 0 ? score / wsum : 0, alarmed: st.s[st.o + ALARM] === 1, terms };
}
