/**
 * Does a batch fail differently from the rest? Likelihood-ratio tests between two sets of
 * life data (Lawless 2003, §5.4; Meeker & Escobar 1998, §8.4):
 * - different Weibull (β and η) vs one pooled Weibull: Λ = 2(ℓ_a + ℓ_b − ℓ_pooled) ~ χ²₂;
 * - different shapes vs a common shape (each its own scale): Λ = 2(ℓ_a + ℓ_b − ℓ_common) ~ χ²₁,
 *   i.e. whether the failure mechanism (infant mortality, random, wear-out) differs, not only
 *   how soon it strikes.
 * The common-shape fit maximises Σ_g ℓp_g(β), a sum of concave profiles, so its root is unique.
 */
import { LifeDataError, type LifeData } from './life-data.ts';
import { gammaQ } from './special.ts';
import {
  fitWeibull,
  prepare,
  profile,
  solveDecreasing,
  type WeibullFit,
  type WeibullFitOptions,
  type WeibullFitResult,
  type WeibullNoFitReason,
} from './weibull.ts';

export interface LikelihoodRatioTest {
  statistic: number;
  df: number;
  pValue: number;
}

export type WeibullComparison =
  | {
      ok: true;
      a: WeibullFit;
      b: WeibullFit;
      pooled: WeibullFit;
      /** H0: one Weibull for both (χ²₂). */
      sameDistribution: LikelihoodRatioTest;
      /** H0: the same shape, scales free (χ²₁). */
      sameShape: LikelihoodRatioTest & { commonShape: number };
    }
  | { ok: false; group: 'a' | 'b' | 'pooled'; reason: WeibullNoFitReason; message: string };

function chiSquareSurvival(x: number, df: number): number {
  return x <= 0 ? 1 : gammaQ(df / 2, x / 2);
}

/** Pools life data of several groups (e.g. all batches but one). */
export function mergeLifeData(...parts: readonly LifeData[]): LifeData {
  const all = new Map<number, [number, number]>();
  for (const part of parts) {
    for (let i = 0; i < part.times.length; i++) {
      const at = all.get(part.times[i]!) ?? [0, 0];
      at[0] += part.failures[i]!;
      at[1] += part.censored[i]!;
      all.set(part.times[i]!, at);
    }
  }
  const times = Float64Array.from(all.keys()).sort();
  return {
    times,
    failures: times.map((t) => all.get(t)![0]),
    censored: times.map((t) => all.get(t)![1]),
    totalFailures: parts.reduce((s, p) => s + p.totalFailures, 0),
    totalCensored: parts.reduce((s, p) => s + p.totalCensored, 0),
    units: parts.reduce((s, p) => s + p.units, 0),
  };
}

/**
 * The units of `total` that are not in `part` (e.g. the rest of the fleet without one batch) in
 * O(distinct times): cheaper than merging all the other groups again for each group.
 * Throws a LifeDataError when `part` has units that `total` does not.
 */
export function subtractLifeData(total: LifeData, part: LifeData): LifeData {
  const n = total.times.length;
  const times = new Float64Array(n);
  const failures = new Float64Array(n);
  const censored = new Float64Array(n);
  let k = 0;
  let j = 0;
  for (let i = 0; i < n; i++) {
    const t = total.times[i]!;
    let f = total.failures[i]!;
    let c = total.censored[i]!;
    if (j < part.times.length && part.times[j] === t) {
      f -= part.failures[j]!;
      c -= part.censored[j]!;
      j++;
    }
    if (f < 0 || c < 0) throw new LifeDataError(`part has more units at time ${t} than total`);
    if (f + c > 0) {
      times[k] = t;
      failures[k] = f;
      censored[k] = c;
      k++;
    }
  }
  if (j < part.times.length) {
    throw new LifeDataError(`part has units at time ${part.times[j]} that total does not`);
  }
  return {
    times: times.slice(0, k),
    failures: failures.slice(0, k),
    censored: censored.slice(0, k),
    totalFailures: total.totalFailures - part.totalFailures,
    totalCensored: total.totalCensored - part.totalCensored,
    units: total.units - part.units,
  };
}

export interface CompareOptions extends WeibullFitOptions {
  /**
   * Fits already made (same confidence) of a, b or the pooled data: comparing each of G
   * batches with the rest needs the fleet's pooled fit once, not G times.
   */
  fits?: { a?: WeibullFitResult; b?: WeibullFitResult; pooled?: WeibullFitResult };
}

/** Likelihood-ratio comparison of two groups' Weibull fits (e.g. one batch against the rest). */
export function compareWeibull(
  a: LifeData,
  b: LifeData,
  options: CompareOptions = {},
): WeibullComparison {
  const fits = {
    a: options.fits?.a ?? fitWeibull(a, options),
    b: options.fits?.b ?? fitWeibull(b, options),
    pooled: options.fits?.pooled ?? fitWeibull(mergeLifeData(a, b), options),
  };
  for (const group of ['a', 'b', 'pooled'] as const) {
    const r = fits[group];
    if (!r.ok) return { ok: false, group, reason: r.reason, message: r.message };
  }
  if (!fits.a.ok || !fits.b.ok || !fits.pooled.ok) throw new Error('unreachable');
  const fa = fits.a.fit;
  const fb = fits.b.fit;
  const separate = fa.logLikelihood + fb.logLikelihood;

  const pa = prepare(a);
  const pb = prepare(b);
  const common = solveDecreasing(
    (beta) => {
      const x = profile(pa, beta);
      const y = profile(pb, beta);
      return { v: x.g + y.g, dv: x.dg + y.dg };
    },
    fits.pooled.fit.shape,
    0,
    Infinity,
  );
  const commonLl =
    profile(pa, common.x).lp - pa.r * pa.lnTref + profile(pb, common.x).lp - pb.r * pb.lnTref;
  const lrAll = Math.max(0, 2 * (separate - fits.pooled.fit.logLikelihood));
  const lrShape = Math.max(0, 2 * (separate - commonLl));
  return {
    ok: true,
    a: fa,
    b: fb,
    pooled: fits.pooled.fit,
    sameDistribution: { statistic: lrAll, df: 2, pValue: chiSquareSurvival(lrAll, 2) },
    sameShape: {
      statistic: lrShape,
      df: 1,
      pValue: chiSquareSurvival(lrShape, 1),
      commonShape: common.x,
    },
  };
}
