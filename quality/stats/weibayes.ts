/**
 * Weibayes: the Weibull scale with the shape taken as known (from engineering experience or
 * the component's fleet-wide fit), for groups with zero or one failure where the shape cannot
 * be estimated (Abernethy, "The New Weibull Handbook", 5th ed., ch. 6; Nelson 1985).
 * With β fixed, λ = η^(−β) is a Poisson rate over the transformed exposure T = Σⱼ tⱼ^β:
 * the likelihood is λ^r·exp(−λT). So η̂ = (T/r)^(1/β), and Garwood's interval for λ gives an
 * exact interval for η. With r = 0 only the lower bound exists (the classic "zero-failure"
 * demonstration bound, using the two-sided level's upper quantile here).
 */
import { checkConfidence } from './guards.ts';
import type { LifeData } from './life-data.ts';
import { poissonMeanInterval } from './rates.ts';

export interface WeibayesFit {
  shape: number;
  /** η̂; null with no failures. */
  scale: number | null;
  /** Exact interval; upper is null (unbounded) with no failures. */
  scaleCi: { lower: number; upper: number | null };
  confidence: number;
  failures: number;
  units: number;
}

/** Scale of a Weibull with known shape, from right-censored life data. */
export function fitWeibayes(data: LifeData, shape: number, confidence = 0.95): WeibayesFit {
  if (!(shape > 0) || !Number.isFinite(shape)) {
    throw new RangeError(`shape must be a finite number > 0, got ${shape}`);
  }
  checkConfidence(confidence);
  // T = Σ tⱼ^β, with the largest time factored out: ln T = β ln tmax + ln Σ (tⱼ/tmax)^β.
  const n = data.times.length;
  const tmax = n > 0 ? data.times[n - 1]! : 0;
  let s = 0;
  for (let i = 0; i < n; i++) {
    s += (data.failures[i]! + data.censored[i]!) * Math.pow(data.times[i]! / tmax, shape);
  }
  const r = data.totalFailures;
  const base = { shape, confidence, failures: r, units: data.units };
  if (s === 0) return { ...base, scale: null, scaleCi: { lower: 0, upper: null } };
  const lnT = shape * Math.log(tmax) + Math.log(s);
  const mean = poissonMeanInterval(r, confidence);
  const etaFor = (count: number) => Math.exp((lnT - Math.log(count)) / shape);
  return {
    ...base,
    scale: r > 0 ? etaFor(r) : null,
    scaleCi: { lower: etaFor(mean.upper), upper: mean.lower > 0 ? etaFor(mean.lower) : null },
  };
}
