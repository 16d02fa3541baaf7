/**
 * Failure rates under a constant hazard: k failures over an exposure T (unit-years, or any
 * time unit: the rate is per that unit) → λ̂ = k/T with the exact Poisson interval of Garwood
 * (Biometrika 1936): [χ²(α/2; 2k)/2, χ²(1 − α/2; 2k + 2)/2] / T, i.e. the gamma quantiles
 * Γ⁻¹(α/2; k) and Γ⁻¹(1 − α/2; k + 1). MTBF = 1/λ with the reciprocal interval; with k = 0
 * there is no point estimate and no upper bound, only the lower bound (the classic
 * time-truncated test bound, MIL-HDBK-338B §8.3.2.5).
 *
 * Also the Nelson–Aalen cumulative hazard and the Kaplan–Meier survival of life data, the
 * model-free curves a Weibull fit should follow.
 */
import { checkConfidence } from './guards.ts';
import type { LifeData } from './life-data.ts';
import { gammaPInverse, normalQuantile } from './special.ts';
import type { Interval } from './weibull.ts';

/** Exact (Garwood) interval for a Poisson mean given an observed count k ≥ 0. */
export function poissonMeanInterval(k: number, confidence = 0.95): Interval {
  const alpha = 1 - checkConfidence(confidence);
  return {
    lower: k === 0 ? 0 : gammaPInverse(k, alpha / 2),
    upper: gammaPInverse(k + 1, 1 - alpha / 2),
  };
}

export interface FailureRate {
  failures: number;
  /** Exposure: Σ time in service, in the caller's unit (unit-years for a rate per unit-year). */
  exposure: number;
  confidence: number;
  /** Failures per unit of exposure; null with zero exposure. */
  rate: number | null;
  /** Garwood interval; null with zero exposure. */
  rateCi: Interval | null;
  /** Mean time between failures = exposure / failures; null with no failures. */
  mtbf: number | null;
  /** 1 / rate bounds; upper is null (unbounded) with no failures; null with zero exposure. */
  mtbfCi: { lower: number; upper: number | null } | null;
}

/**
 * Failure rate and MTBF with exact Poisson intervals. Throws a RangeError on negative or
 * non-finite input (the HTTP boundary parses with `FailureRateInputSchema`).
 */
export function failureRate(failures: number, exposure: number, confidence = 0.95): FailureRate {
  if (!Number.isInteger(failures) || failures < 0) {
    throw new RangeError(`failures must be an integer ≥ 0, got ${failures}`);
  }
  if (!Number.isFinite(exposure) || exposure < 0) {
    throw new RangeError(`exposure must be a finite number ≥ 0, got ${exposure}`);
  }
  checkConfidence(confidence);
  if (exposure === 0) {
    return { failures, exposure, confidence, rate: null, rateCi: null, mtbf: null, mtbfCi: null };
  }
  const mean = poissonMeanInterval(failures, confidence);
  return {
    failures,
    exposure,
    confidence,
    rate: failures / exposure,
    rateCi: { lower: mean.lower / exposure, upper: mean.upper / exposure },
    mtbf: failures > 0 ? exposure / failures : null,
    mtbfCi: {
      lower: exposure / mean.upper,
      upper: mean.lower > 0 ? exposure / mean.lower : null,
    },
  };
}

/** One step of the survival table, at a time with at least one failure. */
export interface SurvivalStep {
  time: number;
  /** Units still observed just before `time` (censored at `time` count as at risk). */
  atRisk: number;
  failures: number;
  /** Nelson–Aalen H(t) = Σ dᵢ/nᵢ. */
  cumulativeHazard: number;
  /** √Σ dᵢ/nᵢ² (Aalen's variance estimator). */
  cumulativeHazardSe: number;
  /** Kaplan–Meier S(t) = Π (1 − dᵢ/nᵢ). */
  survival: number;
  /** Greenwood: S·√Σ dᵢ/(nᵢ(nᵢ − dᵢ)). */
  survivalSe: number;
  /** Log-log interval for S (stays in [0, 1]; Kalbfleisch & Prentice §1.3). */
  survivalCi: Interval;
}

/**
 * Nelson–Aalen and Kaplan–Meier estimates at each failure time. Ties: failures at a time
 * precede the censorings at that time (units censored at t were at risk at t).
 */
export function survivalTable(data: LifeData, confidence = 0.95): SurvivalStep[] {
  const z = normalQuantile(0.5 + checkConfidence(confidence) / 2);
  let atRisk = 0;
  for (let i = 0; i < data.times.length; i++) atRisk += data.failures[i]! + data.censored[i]!;
  const steps: SurvivalStep[] = [];
  let h = 0;
  let hVar = 0;
  let s = 1;
  let greenwood = 0;
  for (let i = 0; i < data.times.length; i++) {
    const d = data.failures[i]!;
    if (d > 0) {
      h += d / atRisk;
      hVar += d / (atRisk * atRisk);
      s *= 1 - d / atRisk;
      greenwood = atRisk > d ? greenwood + d / (atRisk * (atRisk - d)) : Infinity;
      steps.push({
        time: data.times[i]!,
        atRisk,
        failures: d,
        cumulativeHazard: h,
        cumulativeHazardSe: Math.sqrt(hVar),
        survival: s,
        survivalSe: s * Math.sqrt(greenwood),
        survivalCi: logLogInterval(s, greenwood, z),
      });
    }
    atRisk -= d + data.censored[i]!;
  }
  return steps;
}

function logLogInterval(s: number, greenwood: number, z: number): Interval {
  if (s <= 0 || s >= 1 || !Number.isFinite(greenwood)) return { lower: s, upper: s === 1 ? 1 : s };
  const se = Math.sqrt(greenwood) / Math.abs(Math.log(s));
  return { lower: Math.pow(s, Math.exp(z * se)), upper: Math.pow(s, Math.exp(-z * se)) };
}
