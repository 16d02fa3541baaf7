import type { Verdict, RulEstimate } from '../types.ts';
import { ewAdd } from '../numerics/ew-regression.ts';
import { derivedIdsOf, place, readDerivedAt, type Detector } from './detector.ts';
import {
  agreement,
  ALERTING,
  B_N,
  B_START,
  B_SUM,
  fitNow,
  FLEET_BASELINE,
  FLEET_MIN,
  HI,
  I_BASE,
  I_M2,
  I_N,
  I_RAW,
  I_STRIDE,
  I_TERM,
  IND,
  joinReference,
  LAST_REPORT,
  leaveReference,
  LAST_TS,
  levelNow,
  NOW,
  OWN_BASELINE,
  recheckBaseline,
  reconcileBaseline,
  REG,
  START,
  trendHealth,
  trendRul,
  zFor,
  type FleetReference,
  type TrendConfig,
  type TrendIndicator,
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
    return { config, s, o, ids: derivedIdsOf(config.indicators) };
  },
  size: (config) => IND + config.indicators.length * I_STRIDE,
  update(st, sample) {
    const c = st.config;
    const s = st.s;
    const b = st.o;
    const ids = (st.ids ??= derivedIdsOf(c.indicators));
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
      const x = readDerivedAt(sample, ind, ids, 3 * k);
      if (x === x && on[k] !== 0) {
        const n = s[o + I_N]!;
        if (n < warmup) {
          s[o + I_N] = n + 1;
          const d = x - s[o + I_BASE]!;
          s[o + I_BASE] = s[o + I_BASE]! + d / (n + 1);
          s[o + I_M2] = s[o + I_M2]! + d * (x - s[o + I_BASE]!);
        } else {
          let marker = 0;
          if (n === warmup) {
            // Warm-up just ended: check the learnt baseline against the model's reference.
            const own = s[o + I_BASE]!;
            const r = reconcileBaseline(ind, own, s[o + I_M2]! / (n - 1) / n, fleetMin(c));
            s[o + I_BASE] = r.base;
            s[o + I_M2] = r.variance * n * (n - 1); // keeps baselineVar() = the estimate's variance
            marker = r.joined || !ind.fleet ? OWN_BASELINE : FLEET_BASELINE;
          }
          const base = s[o + I_BASE]!;
          const scale = ind.relative ? ind.failureDelta * Math.abs(base) : ind.failureDelta;
          const term = scale > 0 ? (ind.direction * (x - base)) / scale : 0;
          s[o + I_TERM] = n === warmup ? term : s[o + I_TERM]! + alpha * (term - s[o + I_TERM]!);
          s[o + I_RAW] = term;
          if (marker) s[o + I_N] = n + marker;
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
      // Once a bucket: is a unit that learnt its own baseline still in line with its fleet?
      if (recheck(st, warmup)) return null;
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
    // The level first, without making the fit: below the threshold (almost every sample) it
    // is all that is needed.
    const level = levelNow(st);
    if (level === undefined) return null;
    if (level < alertAt) {
      if (level < 0.8 * alertAt) s[b + ALERTING] = 0; // hysteresis: leave only clearly below
      return null;
    }
    const fit = fitNow(st)!;
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

function fleetMin(c: TrendConfig): number {
  return c.fleetMin ?? FLEET_MIN;
}

/**
 * Re-judges each indicator that learnt its own baseline against its fleet as it is now
 * (trend-state.ts `recheckBaseline`). An indicator found to have started degraded takes the
 * fleet's baseline: its terms are recomputed from the readings they stand for, and the
 * regression starts over (the jump in the HI is not a slope). Returns whether any did.
 */
function recheck(st: TrendState, warmup: number): boolean {
  const s = st.s;
  let moved = false;
  st.config.indicators.forEach((ind, k) => {
    const o = st.o + IND + k * I_STRIDE;
    if (!ind.fleet || s[o + I_N] !== warmup + OWN_BASELINE) return;
    const own = s[o + I_BASE]!;
    const r = recheckBaseline(ind, own, fleetMin(st.config));
    if (!r) return;
    const scaleOf = (base: number) =>
      ind.relative ? ind.failureDelta * Math.abs(base) : ind.failureDelta;
    const oldScale = scaleOf(own);
    const newScale = scaleOf(r.base);
    for (const slot of [I_TERM, I_RAW]) {
      const x = own + ind.direction * s[o + slot]! * oldScale; // the reading the term stands for
      s[o + slot] = newScale > 0 ? (ind.direction * (x - r.base)) / newScale : 0;
    }
    s[o + I_BASE] = r.base;
    s[o + I_M2] = r.variance * warmup * (warmup - 1);
    s[o + I_N] = warmup + FLEET_BASELINE;
    moved = true;
  });
  if (!moved) return false;
  const b = st.o;
  s.fill(0, b + REG, b + IND); // regression sums
  s[b + LAST_TS] = 0;
  s[b + ALERTING] = 0;
  s[b + B_SUM] = 0;
  s[b + B_N] = 0;
  let hi = 0;
  let wsum = 0;
  st.config.indicators.forEach((ind, k) => {
    wsum += ind.weight;
    hi += ind.weight * s[st.o + IND + k * I_STRIDE + I_TERM]!;
  });
  s[b + HI] = wsum > 0 ? hi / wsum : 0;
  return true;
}

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

/**
 * Carries a device's trend state over to a recompiled config of the same mode (a catalogue
 * change: a calibration, a new profile version). Baselines learnt at warm-up are kept when
 * each indicator still reads the same (metric, direction, condition, normalisation) with the
 * same warm-up; the terms are recomputed from the readings they stand for when the failure
 * moves changed, and the regression then starts over (its points were on the old scale).
 * Returns false when nothing could be kept.
 */
export function carryTrendState(from: TrendState, to: TrendState): boolean {
  const a = from.config;
  const b = to.config;
  const same = (x: TrendIndicator, y: TrendIndicator) =>
    x.metric === y.metric &&
    x.direction === y.direction &&
    x.condition === y.condition &&
    x.minus === y.minus &&
    x.minusFactor === y.minusFactor &&
    x.per === y.per &&
    x.baseline === y.baseline;
  if (
    a.indicators.length !== b.indicators.length ||
    (a.warmup ?? 30) !== (b.warmup ?? 30) ||
    !a.indicators.every((x, k) => same(x, b.indicators[k]!))
  )
    return false;
  const size = trendDetector.size!(b);
  const scaleSame = a.indicators.every(
    (x, k) =>
      x.failureDelta === b.indicators[k]!.failureDelta &&
      x.relative === b.indicators[k]!.relative &&
      x.weight === b.indicators[k]!.weight,
  );
  const headSame =
    scaleSame &&
    (
      ['failureThreshold', 'alertThreshold', 'minAgreement', 'halfLifeMs', 'bucketMs'] as const
    ).every((k) => a[k] === b[k]);
  if (headSame) {
    to.s.set(from.s.subarray(from.o, from.o + size), to.o);
    return true;
  }
  let hi = 0;
  let wsum = 0;
  b.indicators.forEach((ind, k) => {
    const src = from.o + IND + k * I_STRIDE;
    const dst = to.o + IND + k * I_STRIDE;
    to.s.set(from.s.subarray(src, src + I_STRIDE), dst);
    const base = to.s[dst + I_BASE]!;
    const old = a.indicators[k]!;
    const oldScale = old.relative ? old.failureDelta * Math.abs(base) : old.failureDelta;
    const newScale = ind.relative ? ind.failureDelta * Math.abs(base) : ind.failureDelta;
    for (const slot of [I_TERM, I_RAW]) {
      const x = base + old.direction * to.s[dst + slot]! * oldScale;
      to.s[dst + slot] = newScale > 0 ? (ind.direction * (x - base)) / newScale : 0;
    }
    wsum += ind.weight;
    hi += ind.weight * to.s[dst + I_TERM]!;
  });
  to.s[to.o + HI] = wsum > 0 ? hi / wsum : 0;
  to.s[to.o + NOW] = from.s[from.o + NOW]!;
  return true;
}

/**
 * A unit's state installed on this node (cluster mode, engine `restore`): each indicator that
 * learnt its own baseline and joined its fleet (where it warmed up) joins this node's fleet
 * too, so the node's fleet statistics count it and a later re-judgement (`recheckBaseline`)
 * takes out what was put in. Paired with {@link leaveFleet} when the state leaves the node:
 * a node's fleet statistics are those of the states it holds, each unit counted once.
 */
export function rejoinFleet(st: TrendState): void {
  forEachMember(st, joinReference);
}

/**
 * A unit's state leaves this node (the engine forgets or replaces it): what it put into its
 * fleet's statistics ({@link rejoinFleet}, or joining at the end of its warm-up) comes out,
 * so the unit is not counted again when its state comes back.
 */
export function leaveFleet(st: TrendState): void {
  forEachMember(st, leaveReference);
}

/** Each indicator of the state that is a member of its fleet (own baseline, joined), with it. */
function forEachMember(st: TrendState, fn: (f: FleetReference, own: number) => void): void {
  const warmup = st.config.warmup ?? 30;
  st.config.indicators.forEach((ind, k) => {
    const f = ind.fleet;
    const o = st.o + IND + k * I_STRIDE;
    if (f && st.s[o + I_N] === warmup + OWN_BASELINE) fn(f, st.s[o + I_BASE]!);
  });
}
