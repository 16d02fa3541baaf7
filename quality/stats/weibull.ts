/**
 * Two-parameter Weibull by maximum likelihood on right-censored life data.
 *
 * F(t) = 1 − exp(−(t/η)^β), shape β > 0, scale η > 0. With r failures at times tᵢ and every
 * unit j (failed or censored) observed to tⱼ, the log-likelihood is
 *   ℓ(β, η) = r ln β − rβ ln η + (β − 1) Σᵢ ln tᵢ − Σⱼ (tⱼ/η)^β.
 * For fixed β the scale has the closed form η̂(β)^β = Σⱼ tⱼ^β / r, leaving the profile
 *   ℓp(β) = r ln β − r ln(Σⱼ tⱼ^β / r) + (β − 1) Σᵢ ln tᵢ − r,
 * whose derivative g(β) = r/β + Σᵢ ln tᵢ − r·Σⱼ tⱼ^β ln tⱼ / Σⱼ tⱼ^β is strictly decreasing
 * (g′ = −r/β² − r·Var_w(ln t), a weighted variance), so ℓp is concave and the root is unique
 * when it exists (Lawless, "Statistical Models and Methods for Lifetime Data", 2nd ed., §5.2;
 * Meeker & Escobar, "Statistical Methods for Reliability Data", §8.2). The root is found by
 * Newton steps kept inside a shrinking bracket (bisection when a step leaves it).
 *
 * Times are divided by the geometric mean of the failure times and the sums are taken with the
 * largest term factored out, so t^β never overflows whatever the unit or the shape.
 *
 * Uncertainty: the observed Fisher information in (β, ln η) at the MLE, inverted; Wald
 * intervals on the log scale for β and η (they stay positive and are closer to symmetric
 * there), the likelihood-ratio interval for β from the profile (better with few failures),
 * and the delta method for quantiles such as B10 life.
 */
import { checkConfidence } from './guards.ts';
import type { LifeData } from './life-data.ts';
import { chiSquareQuantile, normalQuantile } from './special.ts';

export interface WeibullParams {
  /** β: < 1 infant mortality, ≈ 1 random failures, > 1 wear-out. */
  shape: number;
  /** η: the age by which 63.2 % have failed, in the unit of the input times. */
  scale: number;
}

export interface Interval {
  lower: number;
  upper: number;
}

/** Covariance of (β, ln η) at the MLE: the inverse of the observed Fisher information. */
export interface WeibullCovariance {
  shapeShape: number;
  shapeLogScale: number;
  logScaleLogScale: number;
}

export interface WeibullFit extends WeibullParams {
  /** Confidence level of every interval here (e.g. 0.95). */
  confidence: number;
  /** Wald interval for β on the log scale: β·exp(±z·se(β)/β). */
  shapeCi: Interval;
  /** Likelihood-ratio interval for β: {β : 2(ℓp(β̂) − ℓp(β)) ≤ χ²₁(confidence)}; upper may be ∞. */
  shapeLrCi: Interval;
  /** Wald interval for η on the log scale: η·exp(±z·se(ln η)). */
  scaleCi: Interval;
  /** Standard errors (delta method for η: η·se(ln η)). */
  se: { shape: number; scale: number };
  covariance: WeibullCovariance;
  /** B10 life: the age by which 10 % have failed, with its log-scale delta-method interval. */
  b10: { value: number } & Interval;
  /** ℓ(β̂, η̂) in the unit of the input times (densities per that unit). */
  logLikelihood: number;
  failures: number;
  censored: number;
  units: number;
  distinctTimes: number;
  /** Newton/bisection iterations for β̂. */
  iterations: number;
}

export type WeibullNoFitReason =
  'no_failures' | 'single_failure' | 'identical_failure_times' | 'no_convergence';

export type WeibullFitResult =
  | { ok: true; fit: WeibullFit }
  | {
      ok: false;
      reason: WeibullNoFitReason;
      /** What went wrong and what to do, for a person. */
      message: string;
      failures: number;
      censored: number;
      units: number;
    };

export interface WeibullFitOptions {
  /** Confidence level of the intervals, default 0.95. */
  confidence?: number;
}

/** Life data prepared for the sums: ln(t/tref), failure and total weights (shared with compare.ts). */
export interface Prepared {
  lnu: Float64Array;
  d: Float64Array;
  w: Float64Array;
  r: number;
  /** Σ dᵢ ln uᵢ */
  lf: number;
  /** max ln u (factored out of every sum). */
  m: number;
  lnTref: number;
}

export interface Profile {
  /** ℓp(β) in scaled time. */
  lp: number;
  /** dℓp/dβ */
  g: number;
  /** d²ℓp/dβ² (< 0) */
  dg: number;
}

export function prepare(data: LifeData): Prepared {
  const n = data.times.length;
  let r = 0;
  let sumLnF = 0;
  for (let i = 0; i < n; i++) {
    const d = data.failures[i]!;
    r += d;
    if (d > 0) sumLnF += d * Math.log(data.times[i]!);
  }
  const lnTref = sumLnF / r;
  const lnu = new Float64Array(n);
  const w = new Float64Array(n);
  let m = -Infinity;
  let lf = 0;
  for (let i = 0; i < n; i++) {
    lnu[i] = Math.log(data.times[i]!) - lnTref;
    w[i] = data.failures[i]! + data.censored[i]!;
    if (w[i]! > 0 && lnu[i]! > m) m = lnu[i]!;
    lf += data.failures[i]! * lnu[i]!;
  }
  return { lnu, d: data.failures, w, r, lf, m, lnTref };
}

export function profile(p: Prepared, beta: number): Profile {
  const { lnu, w, m, r, lf } = p;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  for (let j = 0; j < lnu.length; j++) {
    const v = lnu[j]! - m;
    const e = w[j]! * Math.exp(beta * v);
    s0 += e;
    s1 += e * v;
    s2 += e * v * v;
  }
  const mean = s1 / s0;
  const variance = Math.max(0, s2 / s0 - mean * mean);
  const lnS = beta * m + Math.log(s0);
  return {
    lp: r * Math.log(beta) - r * (lnS - Math.log(r)) + (beta - 1) * lf - r,
    g: r / beta + lf - r * (m + mean),
    dg: -r / (beta * beta) - r * variance,
  };
}

/** ln η̂(β) in scaled time: (1/β) ln(Σ w u^β / r). */
function logScaleAt(p: Prepared, beta: number): number {
  let s0 = 0;
  for (let j = 0; j < p.lnu.length; j++) s0 += p.w[j]! * Math.exp(beta * (p.lnu[j]! - p.m));
  return p.m + (Math.log(s0) - Math.log(p.r)) / beta;
}

const SHAPE_MAX = 1e4;

/**
 * Root of a decreasing function on (lo, hi) by Newton steps with bisection fallback; `f`
 * returns the value and its derivative. hi may be ∞ (then steps may grow freely).
 */
export function solveDecreasing(
  f: (x: number) => { v: number; dv: number },
  x0: number,
  lo: number,
  hi: number,
): { x: number; iterations: number; converged: boolean } {
  let x = x0;
  for (let it = 1; it <= 200; it++) {
    const { v, dv } = f(x);
    if (v === 0) return { x, iterations: it, converged: true };
    if (v > 0) lo = x;
    else hi = x;
    let next = x - v / dv;
    if (!(next > lo && next < hi) || !Number.isFinite(next)) {
      next = Number.isFinite(hi) ? 0.5 * (lo + hi) : 2 * x;
    }
    if (Math.abs(next - x) <= 1e-13 * x) return { x: next, iterations: it, converged: true };
    if (next > SHAPE_MAX) return { x: next, iterations: it, converged: false };
    x = next;
  }
  return { x, iterations: 200, converged: false };
}

function shapeStart(p: Prepared): number {
  // Uncensored Weibull: sd(ln T) = π / (β√6). A start only; censoring biases it.
  let s = 0;
  let ss = 0;
  for (let i = 0; i < p.lnu.length; i++) {
    s += p.d[i]! * p.lnu[i]!;
    ss += p.d[i]! * p.lnu[i]! * p.lnu[i]!;
  }
  const sd = Math.sqrt(Math.max(0, ss / p.r - (s / p.r) ** 2));
  const b = Math.PI / (Math.sqrt(6) * sd);
  return Number.isFinite(b) ? Math.min(Math.max(b, 0.05), 100) : 1;
}

/**
 * Fits a 2-parameter Weibull by maximum likelihood. Never throws on data it cannot fit:
 * no failures, one failure, or failures all at one time with nothing observed beyond it
 * come back as `{ ok: false, reason, message }` (fit a shape-fixed Weibayes instead).
 */
export function fitWeibull(data: LifeData, options: WeibullFitOptions = {}): WeibullFitResult {
  const confidence = checkConfidence(options.confidence ?? 0.95);
  const base = {
    failures: data.totalFailures,
    censored: data.totalCensored,
    units: data.units,
  };
  if (data.totalFailures <= 0) {
    return {
      ok: false,
      reason: 'no_failures',
      message: `no failures among ${data.units} units: the Weibull scale has no finite estimate; use a Weibayes bound with an assumed shape`,
      ...base,
    };
  }
  if (data.totalFailures < 2) {
    return {
      ok: false,
      reason: 'single_failure',
      message:
        'one failure cannot identify the Weibull shape; use a Weibayes fit with an assumed shape',
      ...base,
    };
  }
  const p = prepare(data);
  let failureTimes = 0;
  let lastFailure = -Infinity;
  let lastObserved = -Infinity;
  for (let i = 0; i < data.times.length; i++) {
    if (data.failures[i]! > 0) {
      failureTimes++;
      lastFailure = data.times[i]!;
    }
    if (p.w[i]! > 0) lastObserved = data.times[i]!;
  }
  if (failureTimes === 1 && lastObserved <= lastFailure) {
    return {
      ok: false,
      reason: 'identical_failure_times',
      message: `all ${data.totalFailures} failures at one time (${lastFailure}) and no unit observed beyond it: the likelihood grows without bound as the shape → ∞`,
      ...base,
    };
  }

  const solved = solveDecreasing(
    (b) => {
      const pr = profile(p, b);
      return { v: pr.g, dv: pr.dg };
    },
    shapeStart(p),
    0,
    Infinity,
  );
  if (!solved.converged) {
    return {
      ok: false,
      reason: 'no_convergence',
      message: `the shape did not converge (last value ${solved.x.toPrecision(4)} after ${solved.iterations} steps): the failure times are too tightly clustered for a Weibull fit`,
      ...base,
    };
  }
  const beta = solved.x;
  const lnEtaScaled = logScaleAt(p, beta);
  const at = profile(p, beta);

  // Observed information in (β, a = ln η); y = ln(t/η), z = (t/η)^β, Σ w z = r at the MLE.
  let sA = 0;
  let sB = 0;
  for (let j = 0; j < p.lnu.length; j++) {
    const y = p.lnu[j]! - lnEtaScaled;
    const wz = p.w[j]! * Math.exp(beta * y);
    sA += wz * y;
    sB += wz * y * y;
  }
  const r = p.r;
  const iaa = r * beta * beta;
  const iba = -beta * sA;
  const ibb = r / (beta * beta) + sB;
  const det = iaa * ibb - iba * iba;
  const covariance: WeibullCovariance = {
    shapeShape: iaa / det,
    shapeLogScale: -iba / det,
    logScaleLogScale: ibb / det,
  };
  const z = normalQuantile(0.5 + confidence / 2);
  const scale = Math.exp(lnEtaScaled + p.lnTref);
  const seShape = Math.sqrt(covariance.shapeShape);
  const seLogScale = Math.sqrt(covariance.logScaleLogScale);
  const shapeCi = logWald(beta, seShape / beta, z);
  const fit: WeibullFit = {
    shape: beta,
    scale,
    confidence,
    shapeCi,
    shapeLrCi: shapeLikelihoodRatioInterval(p, beta, at.lp, confidence, shapeCi),
    scaleCi: logWald(scale, seLogScale, z),
    se: { shape: seShape, scale: scale * seLogScale },
    covariance,
    b10: { value: 0, lower: 0, upper: 0 },
    logLikelihood: at.lp - r * p.lnTref,
    failures: data.totalFailures,
    censored: data.totalCensored,
    units: data.units,
    distinctTimes: data.times.length,
    iterations: solved.iterations,
  };
  fit.b10 = weibullQuantileWithCi(fit, 0.1);
  return { ok: true, fit };
}

function logWald(value: number, seLog: number, z: number): Interval {
  return { lower: value * Math.exp(-z * seLog), upper: value * Math.exp(z * seLog) };
}

function shapeLikelihoodRatioInterval(
  p: Prepared,
  beta: number,
  lpMax: number,
  confidence: number,
  wald: Interval,
): Interval {
  const target = lpMax - chiSquareQuantile(confidence, 1) / 2;
  const h = (b: number) => {
    const pr = profile(p, b);
    return { v: pr.lp - target, dv: pr.g };
  };
  // ℓp is concave with its maximum at β̂, so (0, β̂) and (β̂, ∞) each hold one root; the
  // log-Wald bounds (the quadratic approximation) are the starting points.
  const lower = solveDecreasing(
    (b) => {
      const v = h(b);
      return { v: -v.v, dv: -v.dv }; // h increases below β̂
    },
    wald.lower,
    0,
    beta,
  );
  const upper = solveDecreasing(h, wald.upper, beta, Infinity);
  return { lower: lower.x, upper: upper.converged ? upper.x : Infinity };
}

/** Quantile t_p = η(−ln(1 − p))^{1/β}: the age by which a fraction p has failed. */
export function weibullQuantile(params: WeibullParams, p: number): number {
  return params.scale * Math.pow(-Math.log1p(-p), 1 / params.shape);
}

/**
 * Quantile with a delta-method interval on the log scale:
 * ln t_p = ln η + k/β with k = ln(−ln(1 − p)).
 */
export function weibullQuantileWithCi(fit: WeibullFit, p: number): { value: number } & Interval {
  const value = weibullQuantile(fit, p);
  const k = Math.log(-Math.log1p(-p));
  const b = fit.shape;
  const c = fit.covariance;
  const dB = -k / (b * b);
  const variance = dB * dB * c.shapeShape + 2 * dB * c.shapeLogScale + c.logScaleLogScale;
  const z = normalQuantile(0.5 + fit.confidence / 2);
  return { value, ...logWald(value, Math.sqrt(Math.max(0, variance)), z) };
}

/** Cumulative hazard H(t) = (t/η)^β. */
export function weibullCumulativeHazard(params: WeibullParams, t: number): number {
  return t <= 0 ? 0 : Math.pow(t / params.scale, params.shape);
}

/** Survival S(t) = exp(−(t/η)^β). */
export function weibullSurvival(params: WeibullParams, t: number): number {
  return Math.exp(-weibullCumulativeHazard(params, t));
}

/**
 * ℓ(β, η) of life data (densities per unit of the input times); for checks and for
 * likelihood-ratio comparisons between groups (e.g. one batch against the pooled fleet).
 */
export function weibullLogLikelihood(data: LifeData, params: WeibullParams): number {
  const { shape: b, scale: eta } = params;
  let ll = 0;
  for (let i = 0; i < data.times.length; i++) {
    const t = data.times[i]!;
    const d = data.failures[i]!;
    const n = d + data.censored[i]!;
    const lt = Math.log(t / eta);
    if (d > 0) ll += d * (Math.log(b / eta) + (b - 1) * lt);
    ll -= n * Math.exp(b * lt);
  }
  return ll;
}
