import type { Sample } from '../../core/index.ts';
import type { Contribution, RulEstimate } from '../types.ts';
import { EW_STRIDE, ewFit, ewLevelAt, ewShift, type LineFit } from '../numerics/ew-regression.ts';
import type { DerivedMetric } from './detector.ts';

/**
 * Config, state layout and read-outs (RUL, health, agreement) of the trend detector
 * (trend.ts). Kept apart so the detector file holds the update rule alone.
 */
/**
 * What the units of one product model looked like when first seen, for one indicator: shared by
 * those units' states (one per model, not per device), updated as each finishes its warm-up.
 */
export interface FleetReference {
  /** Units of this fleet that joined (Welford count, mean and sum of squared deviations). */
  n: number;
  mean: number;
  m2: number;
  /**
   * Healthy units known beforehand (an uploaded `references` document, a training fleet):
   * pooled with the fleet's own, so a small fleet is judged from its first unit.
   */
  prior?: Readonly<{ n: number; mean: number; m2: number }>;
}

/** Fewest reference units (prior and fleet, the unit itself left out) that judge a unit. */
export const FLEET_MIN = 5;

export interface TrendIndicator extends DerivedMetric {
  direction: 1 | -1;
  weight: number;
  /** Deviation at functional failure, absolute (metric unit) or relative to the baseline. */
  failureDelta: number;
  relative: boolean;
  /** Only samples for which this returns true update the indicator (operating condition). */
  when?: (sample: Sample) => boolean;
  /** Name of that condition (keys its fleet reference); 'always' when absent. */
  condition?: string;
  /** Known healthy value; else learnt from the first `warmup` samples. */
  baseline?: number;
  /** The model's fleet, to catch a unit that was already degrading when first seen. */
  fleet?: FleetReference;
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
  /** Units a fleet reference needs before it judges a unit (default FLEET_MIN). */
  fleetMin?: number;
  /**
   * A trend whose point RUL is beyond this is not this mode: the mode runs from onset to
   * failure within its span, so a slower drift is ordinary wear or ageing (pads wearing at a
   * normal rate, a TV's slow reboot count). Default: no limit.
   */
  horizonMs?: number;
  /** Wear-out that accelerates (bearings, fans, sulphation): RUL by exponential growth. */
  accelerating?: boolean;
}

// Header slots, then the regression, then 4 slots per indicator.
export const LAST_TS = 0;
export const ALERTING = 1;
export const LAST_REPORT = 2;
export const START = 3; // ts from which the HI has been above half the alert threshold
export const HI = 4;
export const B_START = 5; // start of the current bucket
export const B_SUM = 6; // sum and count of raw HI in it
export const B_N = 7;
export const NOW = 8; // ts of the newest sample (the regression's origin is the last bucket's middle)
export const HEAD = 9;
export const REG = HEAD;
export const IND = HEAD + EW_STRIDE;
export const I_N = 0;
export const I_BASE = 1;
export const I_TERM = 2;
export const I_RAW = 3; // unsmoothed term: the regression gets white noise, not EWMA-correlated noise
export const I_M2 = 4; // warm-up sum of squared deviations: the baseline's own uncertainty
export const I_STRIDE = 5;

export interface TrendState {
  config: TrendConfig;
  s: Float64Array;
  /** Offset of this state in `s`. */
  o: number;
  /** The indicators' metric ids (detector.ts `derivedIdsOf`); made when absent. */
  ids?: Int32Array;
}

/** Normal quantile for the usual two-sided levels (no inverse-erf needed at run time). */
export function zFor(confidence: number): number {
  if (confidence >= 0.99) return 2.576;
  if (confidence >= 0.95) return 1.96;
  if (confidence >= 0.9) return 1.645;
  if (confidence >= 0.8) return 1.282;
  return 1;
}

/**
 * RUL from the current fit, or undefined while the trend cannot be extrapolated. A mode whose
 * wear accelerates (`accelerating`) is extrapolated as exponential growth, HI + g = Y·e^{kt},
 * with Y and k those of the curve that the forgetting line's level and slope imply: a straight
 * line lags behind a wear-out curve and under-predicts its end, which made most predictions
 * late. `linear` forces the straight line (the test of whether a drift is this mode at all).
 */
export function trendRul(st: TrendState, linear = false): RulEstimate | undefined {
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
  if (c.accelerating && !linear && left > 0 && fit.slope > 0) {
    const g = GROWTH_OFFSET * thr;
    const lambda = Math.LN2; // forgetting rate per half-life, the fit's time unit
    /** Time (half-lives) for exponential growth seen as this level and slope to reach thr. */
    const reach = (level: number, slope: number): number => {
      if (level >= thr) return 0;
      if (!(slope > 0)) return Infinity;
      // A line fitted with weights e^{−λu} (u = age) to y = Y·e^{kt} ends at level
      // Yλ(λ + 2k)/(λ + k)² with slope Ykλ²/(λ + k)²: it lags behind the curve. Solve for the
      // growth rate k and the current value Y instead of extrapolating the lagging line.
      const from = Math.max(level, 0) + g;
      const r = slope / from;
      const k = (r * lambda) / Math.max(lambda - 2 * r, 0.1 * lambda);
      const y = (from * (lambda + k) ** 2) / (lambda * (lambda + 2 * k));
      return y >= thr + g ? 0 : Math.log((thr + g) / y) / k;
    };
    const slopeLo = fit.slope - z * fit.slopeSe;
    return {
      rulMs: reach(fit.level, fit.slope) * toMs,
      lowMs: reach(fit.level + z * fit.levelSe, fit.slope + z * fit.slopeSe) * toMs,
      highMs: slopeLo > 0 ? reach(fit.level - z * fit.levelSe, slopeLo) * toMs : Infinity,
      confidence: conf,
    };
  }
  if (left <= 0)
    return {
      rulMs: 0,
      lowMs: 0,
      highMs: Math.max(0, (left + z * fit.levelSe) / Math.max(fit.slope, 1e-12)) * toMs,
      confidence: conf,
    };
  if (fit.slope <= 0)
    return {
      rulMs: Infinity,
      lowMs: lowBound(left, fit.levelSe, fit.slope, fit.slopeSe, z) * toMs,
      highMs: Infinity,
      confidence: conf,
    };
  const slopeLo = fit.slope - z * fit.slopeSe;
  return {
    rulMs: (left / fit.slope) * toMs,
    lowMs: lowBound(left, fit.levelSe, fit.slope, fit.slopeSe, z) * toMs,
    highMs: slopeLo > 0 ? ((left + z * fit.levelSe) / slopeLo) * toMs : Infinity,
    confidence: conf,
  };
}

/**
 * Offset of the exponential growth model, as a share of the failure threshold: keeps the rate
 * finite near a healthy HI of 0 (wear-out curves start slowly, not from nothing).
 */
const GROWTH_OFFSET = 0.1;

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
    if (scale > 0)
      v += ((ind.weight / wsum) ** 2 * st.s[o + I_M2]!) / (n - 1) / n / (scale * scale);
  });
  return v;
}

/** Fitted HI now (the regression's level, steadier than the smoothed HI); undefined early on. */
export function trendLevel(st: TrendState): number | undefined {
  return fitNow(st)?.level;
}

/** `fitNow(st)?.level` without making the fit (undefined where `fitNow` is null). */
export function levelNow(st: TrendState): number | undefined {
  return ewLevelAt(
    st.s,
    st.o + REG,
    (st.s[st.o + NOW]! - st.s[st.o + LAST_TS]!) / st.config.halfLifeMs,
  );
}

/** The fitted line moved to the newest sample. */
export function fitNow(st: TrendState): LineFit | null {
  const fit = ewFit(st.s, st.o + REG);
  return fit && ewShift(fit, (st.s[st.o + NOW]! - st.s[st.o + LAST_TS]!) / st.config.halfLifeMs);
}

function lowBound(
  left: number,
  levelSe: number,
  slope: number,
  slopeSe: number,
  z: number,
): number {
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
    return {
      metric: ind.metric,
      points: (100 * ind.weight * term) / (wsum * thr),
      value: base + ind.direction * smoothedTerm * scale,
      baseline: base,
    };
  });
  return { indicator: st.s[st.o + HI]!, contributions };
}

/** Each indicator's baseline once its warm-up is complete (learnt or given). */
export function trendBaselines(
  st: TrendState,
): Array<{ metric: string; condition: string; baseline: number }> {
  const warmup = st.config.warmup ?? 30;
  return st.config.indicators.flatMap((ind, k) => {
    const o = st.o + IND + k * I_STRIDE;
    return st.s[o + I_N]! > warmup
      ? [{ metric: ind.metric, condition: ind.condition ?? 'always', baseline: st.s[o + I_BASE]! }]
      : [];
  });
}

/** Weighted share of indicators whose smoothed term is at least half of `level`. */
export function agreement(st: TrendState, level: number): number {
  let agree = 0;
  let wsum = 0;
  st.config.indicators.forEach((ind, k) => {
    wsum += ind.weight;
    if (st.s[st.o + IND + k * I_STRIDE + I_TERM]! >= 0.5 * level) agree += ind.weight;
  });
  return wsum > 0 ? agree / wsum : 0;
}

/** Marks in an indicator's count slot once its warm-up is over (see trend.ts). */
export const OWN_BASELINE = 1; // warm-up + 1: learnt from the unit itself, joined its fleet
export const FLEET_BASELINE = 2; // warm-up + 2: the unit started degraded, judged from its fleet

/**
 * One-sided 99.865 % quantiles of Student's t (the 3σ of a normal) by degrees of freedom: the
 * bound a new unit's baseline must exceed is a prediction interval from n reference units,
 * t(n − 1)·sd·√(1 + 1/n), so a fleet of five judges as soundly as one of a thousand, only less
 * sharply.
 */
const T_3SIGMA: ReadonlyArray<[number, number]> = [
  [2, 19.21],
  [3, 9.22],
  [4, 6.62],
  [5, 5.51],
  [6, 4.9],
  [7, 4.53],
  [8, 4.28],
  [9, 4.09],
  [10, 3.96],
  [12, 3.76],
  [15, 3.59],
  [20, 3.42],
  [30, 3.27],
  [50, 3.16],
  [100, 3.08],
];

function t3(df: number): number {
  let q = 3;
  for (let k = T_3SIGMA.length - 1; k >= 0; k--) if (df <= T_3SIGMA[k]![0]) q = T_3SIGMA[k]![1];
  return df < 2 ? Infinity : q;
}

type Stats = { n: number; mean: number; m2: number };

/** The reference a unit is judged against: prior pooled with the fleet (minus `own` if a member). */
function referenceOf(f: FleetReference, member?: number): Stats {
  let live: Stats = { n: f.n, mean: f.mean, m2: f.m2 };
  if (member !== undefined && f.n > 0) {
    // Welford in reverse: the unit's own baseline leaves the statistics it is compared with.
    const n = f.n - 1;
    const mean = n > 0 ? (f.n * f.mean - member) / n : 0;
    live = { n, mean, m2: n > 1 ? Math.max(0, f.m2 - (member - f.mean) * (member - mean)) : 0 };
  }
  const p = f.prior;
  if (!p || p.n === 0) return live;
  if (live.n === 0) return { ...p };
  // Chan et al.'s pairwise combination of two sets of running moments.
  const n = p.n + live.n;
  const d = live.mean - p.mean;
  return {
    n,
    mean: p.mean + (d * live.n) / n,
    m2: p.m2 + live.m2 + (d * d * p.n * live.n) / n,
  };
}

/** The reference's mean and spread if `own` is clearly worse than it in the mode's direction. */
function worseThan(
  ind: TrendIndicator,
  own: number,
  ref: Stats,
  fleetMin: number,
): { base: number; variance: number } | undefined {
  if (ref.n < Math.max(fleetMin, 2)) return undefined;
  const sd = Math.sqrt(ref.m2 / (ref.n - 1));
  const scale = ind.relative ? ind.failureDelta * Math.abs(ref.mean) : ind.failureDelta;
  const worse = ind.direction * (own - ref.mean);
  const bound = t3(ref.n - 1) * sd * Math.sqrt(1 + 1 / ref.n);
  return worse > bound && worse > 0.1 * scale ? { base: ref.mean, variance: sd * sd } : undefined;
}

/**
 * Compares a unit's freshly learnt baseline with its model's reference (the fleet's healthy
 * units, pooled with any prior). A unit that starts clearly worse than its siblings in the
 * mode's direction (beyond a 3σ prediction bound and 10 % of the failure move) was already
 * degrading when first seen: it is judged from the reference's mean, with the reference's
 * spread as that baseline's uncertainty. Other units join the fleet statistics (`joined`).
 */
export function reconcileBaseline(
  ind: TrendIndicator,
  own: number,
  ownVar: number,
  fleetMin: number,
): { base: number; variance: number; joined: boolean } {
  const f = ind.fleet;
  if (!f) return { base: own, variance: ownVar, joined: false };
  const worse = worseThan(ind, own, referenceOf(f), fleetMin);
  if (worse) return { ...worse, joined: false };
  joinReference(f, own);
  return { base: own, variance: ownVar, joined: true };
}

/** Adds one unit's baseline to a fleet's statistics (Welford). */
export function joinReference(f: FleetReference, x: number): void {
  f.n++;
  const d = x - f.mean;
  f.mean += d / f.n;
  f.m2 += d * (x - f.mean);
}

/**
 * Takes one member's baseline out of a fleet's statistics (Welford in reverse): exact up to
 * rounding, and reset to nothing when the last member leaves, so joins and leaves over a
 * node's life do not accumulate rounding. A fleet with no member left is not touched.
 */
export function leaveReference(f: FleetReference, x: number): void {
  if (f.n < 1) return;
  const n = f.n - 1;
  const mean = n > 0 ? (f.n * f.mean - x) / n : 0;
  f.m2 = n > 1 ? Math.max(0, f.m2 - (x - f.mean) * (x - mean)) : 0;
  f.mean = mean;
  f.n = n;
}

/**
 * Judges again, against the fleet as it is now, a unit that learnt its own baseline: units
 * of a new fleet warm up together, so the first ones joined before any reference existed,
 * one already degrading among them (the demo's excavator, clogged from the start). The unit
 * is compared with the others (its own baseline taken out of the statistics); if clearly
 * worse, it leaves the fleet and is judged from the others' mean from now on. Returns the
 * baseline to adopt, or undefined.
 */
export function recheckBaseline(
  ind: TrendIndicator,
  own: number,
  fleetMin: number,
): { base: number; variance: number } | undefined {
  const f = ind.fleet;
  if (!f || f.n < 1) return undefined;
  const worse = worseThan(ind, own, referenceOf(f, own), fleetMin);
  if (!worse) return undefined;
  leaveReference(f, own);
  return worse;
}
