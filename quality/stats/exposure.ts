/**
 * Warranty exposure: how many units will fail while their 三包 exchange/return window is still
 * open, in the next 30 and 90 days.
 *
 * A unit of age a whose window closes in w days fails inside the horizon h with probability
 *   p = 1 − S(a + m)/S(a) = 1 − exp(−[H(a + m) − H(a)]),  m = min(h, w),  H(t) = (t/η)^β,
 * the Weibull conditioned on survival to its age. Summed over units, the count is a sum of
 * independent Bernoullis (Poisson-binomial): mean Σp, variance Σp(1 − p). That is the process
 * noise; the fitted parameters add an error that does not average out over units (every unit
 * uses the same β̂, η̂), taken by the delta method from the fit's covariance of (β, ln η):
 * ∂p/∂β = (1 − p)[H₂ ln(t₂/η) − H₁ ln(t₁/η)], ∂p/∂ln η = −β(1 − p)(H₂ − H₁).
 * The interval is normal on the total variance, cut at 0. Only the first failure of a unit is
 * counted (a repaired unit's next failure is a repairable-system question).
 */
import { checkConfidence } from './guards.ts';
import type { LifeData } from './life-data.ts';
import { normalQuantile } from './special.ts';
import type { Interval, WeibullCovariance, WeibullParams } from './weibull.ts';

/** One unit, or `count` units with the same age and remaining window. */
export interface UnitWindow {
  /** Time in service now, in days. */
  ageDays: number;
  /** Days until its 三包 exchange/return window closes (0: closed). */
  remainingWindowDays: number;
  /** Units in this row, default 1. */
  count?: number;
}

export interface ExposureOptions {
  /** Horizons in days, default [30, 90]. */
  horizonsDays?: readonly number[];
  confidence?: number;
  /** Days per time unit of the Weibull fit: 1 if fitted in days (default), 365.25 in years. */
  daysPerTimeUnit?: number;
}

export interface HorizonForecast {
  days: number;
  /** Expected failures inside the open windows within `days`. */
  expected: number;
  /** √Σp(1 − p): the spread if the parameters were exact. */
  processSd: number;
  /** Delta-method spread from the fit's covariance; 0 when no covariance was given. */
  parameterSd: number;
  /** √(process² + parameter²). */
  sd: number;
  /** expected ± z·sd, lower cut at 0. */
  interval: Interval;
  /** Units whose window is open at the start (remainingWindowDays > 0). */
  unitsAtRisk: number;
}

export interface ExposureForecast {
  confidence: number;
  units: number;
  horizons: HorizonForecast[];
}

/**
 * Expected failures inside the remaining 三包 windows over each horizon. `model` is a Weibull
 * fit of the component (its `covariance` adds the parameter uncertainty when present).
 */
export function forecastWarrantyFailures(
  model: WeibullParams & { covariance?: WeibullCovariance },
  units: readonly UnitWindow[],
  options: ExposureOptions = {},
): ExposureForecast {
  const horizons = options.horizonsDays ?? [30, 90];
  const confidence = checkConfidence(options.confidence ?? 0.95);
  for (const h of horizons) {
    if (!(h > 0) || !Number.isFinite(h))
      throw new RangeError(`horizons must be > 0 days, got ${h}`);
  }
  const perUnit = options.daysPerTimeUnit ?? 1;
  const { shape: beta, scale } = model;
  const etaDays = scale * perUnit;
  const z = normalQuantile(0.5 + confidence / 2);
  let total = 0;
  units.forEach((u, i) => {
    const c = u.count ?? 1;
    if (!(u.ageDays >= 0) || !(u.remainingWindowDays >= 0) || !(c >= 0) || !Number.isFinite(c)) {
      throw new RangeError(
        `units[${i}]: ageDays and remainingWindowDays must be ≥ 0 and count a finite number ≥ 0`,
      );
    }
    total += c;
  });
  const forecasts = horizons.map((h) => {
    let mean = 0;
    let variance = 0;
    let gBeta = 0;
    let gLogScale = 0;
    let atRisk = 0;
    for (const u of units) {
      const c = u.count ?? 1;
      const m = Math.min(h, u.remainingWindowDays);
      if (m <= 0 || c === 0) continue;
      atRisk += c;
      const l1 = u.ageDays > 0 ? Math.log(u.ageDays / etaDays) : -Infinity;
      const l2 = Math.log((u.ageDays + m) / etaDays);
      const h1 = u.ageDays > 0 ? Math.exp(beta * l1) : 0;
      const h2 = Math.exp(beta * l2);
      const p = -Math.expm1(-(h2 - h1));
      const q = 1 - p;
      mean += c * p;
      variance += c * p * q;
      gBeta += c * q * (h2 * l2 - (h1 > 0 ? h1 * l1 : 0));
      gLogScale += c * q * -beta * (h2 - h1);
    }
    const cov = model.covariance;
    const parameterVar = cov
      ? gBeta * gBeta * cov.shapeShape +
        2 * gBeta * gLogScale * cov.shapeLogScale +
        gLogScale * gLogScale * cov.logScaleLogScale
      : 0;
    const sd = Math.sqrt(variance + Math.max(0, parameterVar));
    return {
      days: h,
      expected: mean,
      processSd: Math.sqrt(variance),
      parameterSd: Math.sqrt(Math.max(0, parameterVar)),
      sd,
      interval: { lower: Math.max(0, mean - z * sd), upper: mean + z * sd },
      unitsAtRisk: atRisk,
    };
  });
  return { confidence, units: total, horizons: forecasts };
}

/**
 * Weibull "exposure" of life data: Σ (tⱼ/η)^β over its units, the failures expected under the
 * model. Pass it as a group's exposure to `flagOutlierGroups` to compare batches of different
 * ages under a wear-out hazard (the rate test then compares observed to model-expected).
 */
export function weibullExposure(data: LifeData, model: WeibullParams): number {
  let sum = 0;
  for (let i = 0; i < data.times.length; i++) {
    const n = data.failures[i]! + data.censored[i]!;
    sum += n * Math.pow(data.times[i]! / model.scale, model.shape);
  }
  return sum;
}
