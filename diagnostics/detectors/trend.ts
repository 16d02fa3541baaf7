import type { Verdict, RulEstimate } from '../types.ts';
import { ewAdd } from '../numerics/ew-regression.ts';
import { place, readDerived, type Detector } from './detector.ts';
import {
  agreement,
  ALERTING,
  B_N,
  B_START,
  B_SUM,
  fitNow,
  HI,
  I_BASE,
  I_M2,
  I_N,
  I_RAW,
  I_STRIDE,
  I_TERM,
  IND,
  LAST_REPORT,
  LAST_TS,
  NOW,
  reconcileBaseline,
  REG,
  START,
  trendHealth,
  trendRul,
  zFor,
  type TrendConfig,
  type TrendState,
} from './trend-state.ts';

export {
  agreement as trendAgreement,
  trendBaselines,
  trendHealth,
  trendLevel,
  trendRul,
  zFor,
} from './trend-state.ts';
export type { FleetReference, TrendConfig, TrendIndicator, TrendState } from './trend-state.ts';

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
 * upper end when the slope is not significantly positive. The regression takes one point per
 * bucket (a day, in the engine): samples within a daily cycle are not independent.
 */
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
    // Which indicators this sample is judged on. One whose operating condition does not hold
    // keeps its last term, unless another conditioned indicator's does: then the mode is being
    // observed under another condition (an air conditioner heating instead of cooling), and a
    // term a season old would only dilute what that condition shows.
    const count = c.indicators.length;
    const on = scratch.length >= count ? scratch : (scratch = new Uint8Array(2 * count));
    let anyOn = false;
    for (let k = 0; k < count; k++) {
      const when = c.indicators[k]!.when;
      on[k] = when === undefined ? 2 : when(sample) ? 1 : 0;
      if (on[k] === 1) anyOn = true;
    }
    for (let k = 0; k < count; k++) {
      if (anyOn && on[k] === 0) continue;
      const ind = c.indicators[k]!;
      const o = st.o + IND + k * I_STRIDE;
      wsum += ind.weight;
      const x = readDerived(sample, ind);
      if (x === x && on[k] !== 0) {
        const n = s[o + I_N]!;
        if (n < warmup) {
          s[o + I_N] = n + 1;
          const d = x - s[o + I_BASE]!;
          s[o + I_BASE] = s[o + I_BASE]! + d / (n + 1);
          s[o + I_M2] = s[o + I_M2]! + d * (x - s[o + I_BASE]!);
        } else {
          if (n === warmup && ind.fleet) {
            // Warm-up just ended: check the learnt baseline against the model's fleet.
            const own = s[o + I_BASE]!;
            const r = reconcileBaseline(ind, own, s[o + I_M2]! / (n - 1) / n, c.fleetMin ?? 20);
            s[o + I_BASE] = r.base;
            s[o + I_M2] = r.variance * n * (n - 1); // keeps baselineVar() = the estimate's variance
          }
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
      ewAdd(
        s,
        b + REG,
        last > 0 ? Math.max(0, mid - last) / c.halfLifeMs : 0,
        s[b + B_SUM]! / s[b + B_N]!,
      );
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
    if (
      s[b + ALERTING] === 1 &&
      sample.ts - s[b + LAST_REPORT]! < (c.reportEveryMs ?? c.halfLifeMs / 4)
    )
      return null;
    const fit = fitNow(st);
    if (!fit) return null;
    if (fit.level < alertAt) {
      if (fit.level < 0.8 * alertAt) s[b + ALERTING] = 0; // hysteresis: leave only clearly below
      return null;
    }
    const z = zFor(c.confidence ?? 0.9);
    // Significant degradation: level above the threshold and rising beyond noise, or failed.
    if (!(fit.slope > z * fit.slopeSe) && fit.level < (c.failureThreshold ?? 1)) return null;
    if (agreementNow(st, fit.level, anyOn ? on : undefined) < (c.minAgreement ?? 0)) return null;
    // Whether a drift is this mode at all is judged on the straight line (see horizonMs).
    const line = trendRul(st, true);
    if (line && c.horizonMs !== undefined && line.rulMs > c.horizonMs) return null;
    const rul = c.accelerating ? trendRul(st) : line;
    s[b + ALERTING] = 1;
    s[b + LAST_REPORT] = sample.ts;
    return verdictOf(st, sample.ts, fit.level, rul);
  },
};

/** Reused per-sample flags of which indicators count (no allocation per sample). */
let scratch = new Uint8Array(16);

/** {@link agreement} over the indicators this sample is judged on (`on[k]` ≠ 0; all if absent). */
function agreementNow(st: TrendState, level: number, on: Uint8Array | undefined): number {
  if (!on) return agreement(st, level);
  let agree = 0;
  let wsum = 0;
  st.config.indicators.forEach((ind, k) => {
    if (on[k] === 0) return;
    wsum += ind.weight;
    if (st.s[st.o + IND + k * I_STRIDE + I_TERM]! >= 0.5 * level) agree += ind.weight;
  });
  return wsum > 0 ? agree / wsum : 0;
}

function verdictOf(
  st: TrendState,
  ts: number,
  level: number,
  rul: RulEstimate | undefined,
): Verdict {
  const { contributions } = trendHealth(st);
  const days = rul ? (rul.rulMs / 86_400_000).toFixed(1) : '?';
  return {
    detector: 'trend',
    severity: 'minor',
    findings: contributions.map((c) => ({
      metric: c.metric,
      value: c.value,
      expected: c.baseline,
      score: c.points / 100,
    })),
    windowStart: st.s[st.o + START]!,
    windowEnd: ts,
    message: `${st.config.modeId}: health indicator ${level.toFixed(2)} rising, failure in ~${days} d`,
    modeId: st.config.modeId,
    ...(rul ? { rul } : {}),
  };
}
