import type { Sample } from '../../ingest/sample.ts';
import type { Contribution, RulEstimate, Verdict } from '../types.ts';
import { EW_STRIDE, ewAdd, ewFit, ewShift, type LineFit } from '../numerics/ew-regression.ts';
import { place, readDerived, type Detector, type DerivedMetric } from './detector.ts';

/**
 * Degradation trend of one failure mode → remaining useful life with a confidence band.
 *
 * Health indicator (HI): each indicator metric's deviation from the device's own baseline, in
 * the direction the mode moves it, divided by the deviation expected at functional failure:
 * 0 = as learnt at warm-up, 1 = failed. The mode HI is the weighted mean of these terms (a
 * "weighted fused HI", Saxena et al. PHM 2008 style). An indicator seen only under some
 * condition (compressor running) keeps its last term in between. The regression gets the raw
 * HI (white noise keeps the standard errors honest); health and agreement use an EWMA of it.
 *
 * Trend: a straight line through the HI with exponential forgetting (half-life ≈ a fraction
 * of the mode's degradation span; see numerics/ew-regression.ts). Extrapolating the line to
 * the failure threshold gives RUL; the band uses the standard errors of level and slope at the
 * requested confidence (normal quantile), so a noisy or flat trend widens it, up to an open
 * upper end when the slope is not significantly positive.
 */
export interface TrendIndicator extends DerivedMetric {
  direction: 1 | -1;
  weight: number;
  /** Deviation at functional failure, absolute (metric unit) or relative to the baseline. */
  failureDelta: number;
  relative: boolean;
  /** Only samples for which this returns true update the indicator (operating condition). */
  when?: (sample: Sample) => boolean;
  /** Known healthy value; else learnt from the first `warmup` samples. */
  baseline?: number;
}

export interface TrendConfig {
  modeId: string;
  indicators: readonly TrendIndicator[];
  failureThreshold?: number;
  /** HI level at which a significant upward trend becomes a verdict. */
  alertThreshold?: number;
  /**
   * Share of indicator weight whose own term must be at least half the HI before alerting:
   * another mode that moves one shared metric a lot (a leak heating the discharge line) must
   * not pass for this one.
   */
  minAgreement?: number;
  halfLifeMs: number;
  warmup?: number;
  /** Two-sided confidence of the RUL band. */
  confidence?: number;
  /** While alerting, repeat the verdict (with a fresh RUL) at most this often. */
  reportEveryMs?: number;
  /** EWMA rate of the per-indicator terms. */
  smoothing?: number;
  /**
   * The regression gets one point per bucket (the mean HI of the bucket's samples); default
   * half-life/16. Make it ≥ the period of operating cycles (a day for most devices): samples
   * inside a cycle are not independent, and treating them as such makes a wandering HI look
   * like a significant trend.
   */
  bucketMs?: number;
}

// Header slots, then the regression, then 4 slots per indicator.
const LAST_TS = 0;
const ALERTING = 1;
const LAST_REPORT = 2;
const START = 3; // ts from which the HI has been above half the alert threshold
const HI = 4;
const B_START = 5; // start of the current bucket
const B_SUM = 6; // sum and count of raw HI in it
const B_N = 7;
const NOW = 8; // ts of the newest sample (the regression's origin is the last bucket's middle)
const HEAD = 9;
const REG = HEAD;
const IND = HEAD + EW_STRIDE;
const I_N = 0;
const I_BASE = 1;
const I_TERM = 2;
const I_RAW = 3; // unsmoothed term: the regression gets white noise, not EWMA-correlated noise
const I_M2 = 4; // warm-up sum of squared deviations: the baseline's own uncertainty
const I_STRIDE = 5;

export interface TrendState {
  config: TrendConfig;
  s: Float64Array;
  /** Offset of this state in `s`. */
  o: number;
}

/** Normal quantile for the usual two-sided levels (no inverse-erf needed at run time). */
export function zFor(confidence: number): number {
  if (confidence >= 0.99) return 2.576;
  if (confidence >= 0.95) return 1.96;
  if (confidence >= 0.9) return 1.645;
  if (confidence >= 0.8) return 1.282;
  return 1;
}

/** RUL from the current fit, or undefined while the trend cannot be extrapolated. */
export function trendRul(st: TrendState): RulEstimate | undefined {
  const fit = fitNow(st);
  if (!fit) return undefined;
  const c = st.config;
  const thr = c.failureThreshold ?? 1;
  const conf = c.confidence ?? 0.9;
  const z = zFor(conf);
  const toMs = c.halfLifeMs;
  const left = thr - fit.level;
  // The level is measured from a baseline that is itself an estimate: add its variance.
  fit.levelSe = Math.sqrt(fit.levelSe * fit.levelSe + baselineVar(st));
  if (left <= 0) return { rulMs: 0, lowMs: 0, highMs: Math.max(0, (left + z * fit.levelSe) / Math.max(fit.slope, 1e-12)) * toMs, confidence: conf };
  if (fit.slope <= 0) return { rulMs: Infinity, lowMs: lowBound(left, fit.levelSe, fit.slope, fit.slopeSe, z) * toMs, highMs: Infinity, confidence: conf };
  const slopeLo = fit.slope - z * fit.slopeSe;
  return {
    rulMs: (left / fit.slope) * toMs,
    lowMs: lowBound(left, fit.levelSe, fit.slope, fit.slopeSe, z) * toMs,
    highMs: slopeLo > 0 ? ((left + z * fit.levelSe) / slopeLo) * toMs : Infinity,
    confidence: conf,
  };
}

/** Variance of the HI due to the warm-up estimate of each indicator's baseline. */
function baselineVar(st: TrendState): number {
  const inds = st.config.indicators;
  let wsum = 0;
  for (const ind of inds) wsum += ind.weight;
  let v = 0;
  inds.forEach((ind, k) => {
    const o = st.o + IND + k * I_STRIDE;
    const n = Math.min(st.s[o + I_N]!, st.config.warmup ?? 30);
    if (!(n > 1) || !Number.isFinite(st.s[o + I_N]!)) return; // a known baseline has none
    const scale = ind.relative ? ind.failureDelta * Math.abs(st.s[o + I_BASE]!) : ind.failureDelta;
    if (scale > 0) v += ((ind.weight / wsum) ** 2 * st.s[o + I_M2]!) / (n - 1) / n / (scale * scale);
  });
  return v;
}

/** The fitted line moved to the newest sample. */
function fitNow(st: TrendState): LineFit | null {
  const fit = ewFit(st.s, st.o + REG);
  return fit && ewShift(fit, (st.s[st.o + NOW]! - st.s[st.o + LAST_TS]!) / st.config.halfLifeMs);
}

function lowBound(left: number, levelSe: number, slope: number, slopeSe: number, z: number): number {
  const hi = slope + z * slopeSe;
  return hi > 0 ? Math.max(0, left - z * levelSe) / hi : Infinity;
}

/** Current HI and the per-metric share of it, scaled to health points (100 = healthy). */
export function trendHealth(st: TrendState): { indicator: number; contributions: Contribution[] } {
  const inds = st.config.indicators;
  const thr = st.config.failureThreshold ?? 1;
  let wsum = 0;
  for (const ind of inds) wsum += ind.weight;
  const contributions = inds.map((ind, k) => {
    const o = st.o + IND + k * I_STRIDE;
    const base = st.s[o + I_BASE]!;
    const smoothedTerm = st.s[o + I_TERM]!;
    const term = Math.max(0, smoothedTerm);
    // The smoothed reading, rebuilt from its term (not stored: 8 bytes × 100,000 devices × modes).
    const scale = ind.relative ? ind.failureDelta * Math.abs(base) : ind.failureDelta;
    return { metric: ind.metric, points: (100 * ind.weight * term) / (wsum * thr), value: base + ind.direction * smoothedTerm * scale, baseline: base };
  });
  return { indicator: st.s[st.o + HI]!, contributions };
}

/** Per-mode degradation trend and RUL. */
export const trendDetector: Detector<TrendConfig, TrendState> = {
  name: 'trend',
  init(config, at) {
    const { s, o } = place(trendDetector.size!(config), at);
    config.indicators.forEach((ind, k) => {
      if (ind.baseline !== undefined) {
        s[o + IND + k * I_STRIDE + I_N] = Infinity;
        s[o + IND + k * I_STRIDE + I_BASE] = ind.baseline;
      }
    });
    return { config, s, o };
  },
  size: (config) => IND + config.indicators.length * I_STRIDE,
  update(st, sample) {
    const c = st.config;
    const s = st.s;
    const b = st.o;
    const warmup = c.warmup ?? 30;
    const alpha = c.smoothing ?? 0.1;
    let seen = false;
    let ready = true;
    let hi = 0; // raw, for the regression
    let hiSmooth = 0; // smoothed, for health and display
    let wsum = 0;
    for (let k = 0; k < c.indicators.length; k++) {
      const ind = c.indicators[k]!;
      const o = st.o + IND + k * I_STRIDE;
      wsum += ind.weight;
      const x = readDerived(sample, ind);
      if (x === x && (ind.when === undefined || ind.when(sample))) {
        const n = s[o + I_N]!;
        if (n < warmup) {
          s[o + I_N] = n + 1;
          const d = x - s[o + I_BASE]!;
          s[o + I_BASE] = s[o + I_BASE]! + d / (n + 1);
          s[o + I_M2] = s[o + I_M2]! + d * (x - s[o + I_BASE]!);
        } else {
          const base = s[o + I_BASE]!;
          const scale = ind.relative ? ind.failureDelta * Math.abs(base) : ind.failureDelta;
          const term = scale > 0 ? (ind.direction * (x - base)) / scale : 0;
          s[o + I_TERM] = n === warmup ? term : s[o + I_TERM]! + alpha * (term - s[o + I_TERM]!);
          s[o + I_RAW] = term;
          if (n === warmup) s[o + I_N] = n + 1;
          seen = true;
        }
      }
      if (s[o + I_N]! <= warmup) ready = false;
      hi += ind.weight * s[o + I_RAW]!;
      hiSmooth += ind.weight * s[o + I_TERM]!;
    }
    if (!seen || !ready) return null;
    hi /= wsum;
    s[b + HI] = hiSmooth / wsum;
    // Bucket the raw HI; a finished bucket's mean becomes one regression point.
    const bucket = c.bucketMs ?? c.halfLifeMs / 16;
    if (s[b + B_N] === 0) s[b + B_START] = sample.ts;
    else if (sample.ts - s[b + B_START]! >= bucket) {
      const mid = s[b + B_START]! + bucket / 2;
      const last = s[b + LAST_TS]!;
      ewAdd(s, b + REG, last > 0 ? Math.max(0, mid - last) / c.halfLifeMs : 0, s[b + B_SUM]! / s[b + B_N]!);
      s[b + LAST_TS] = mid;
      s[b + B_SUM] = 0;
      s[b + B_N] = 0;
      s[b + B_START] = sample.ts;
    }
    s[b + B_SUM] = s[b + B_SUM]! + hi;
    s[b + B_N] = s[b + B_N]! + 1;
    s[b + NOW] = sample.ts;
    const alertAt = c.alertThreshold ?? 0.3;
    if (hi < alertAt / 2 || s[b + START] === 0) s[b + START] = sample.ts;
    if (s[b + ALERTING] === 1 && sample.ts - s[b + LAST_REPORT]! < (c.reportEveryMs ?? c.halfLifeMs / 4)) return null;
    const fit = fitNow(st);
    if (!fit) return null;
    if (fit.level < alertAt) {
      if (fit.level < 0.8 * alertAt) s[b + ALERTING] = 0; // hysteresis: leave only clearly below
      return null;
    }
    const z = zFor(c.confidence ?? 0.9);
    // Significant degradation: level above the threshold and rising beyond noise, or failed.
    if (!(fit.slope > z * fit.slopeSe) && fit.level < (c.failureThreshold ?? 1)) return null;
    if (agreement(st, fit.level) < (c.minAgreement ?? 0)) return null;
    const rul = trendRul(st);
    s[b + ALERTING] = 1;
    s[b + LAST_REPORT] = sample.ts;
    return verdictOf(st, sample.ts, fit.level, rul);
  },
};

/** Weighted share of indicators whose smoothed term is at least half of `level`. */
function agreement(st: TrendState, level: number): number {
  let agree = 0;
  let wsum = 0;
  st.config.indicators.forEach((ind, k) => {
    wsum += ind.weight;
    if (st.s[st.o + IND + k * I_STRIDE + I_TERM]! >= 0.5 * level) agree += ind.weight;
  });
  return wsum > 0 ? agree / wsum : 0;
}

function verdictOf(st: TrendState, ts: number, level: number, rul: RulEstimate | undefined): Verdict {
  const { contributions } = trendHealth(st);
  const days = rul ? (rul.rulMs / 86_400_000).toFixed(1) : '?';
  return {
    detector: 'trend',
    severity: 'minor',
    findings: contributions.map((c) => ({ metric: c.metric, value: c.value, expected: c.baseline, score: c.points / 100 })),
    windowStart: st.s[st.o + START]!,
    windowEnd: ts,
    message: `${st.config.modeId}: health indicator ${level.toFixed(2)} rising, failure in ~${days} d`,
    modeId: st.config.modeId,
    ...(rul ? { rul } : {}),
  };
}
