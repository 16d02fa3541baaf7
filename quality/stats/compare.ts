/**
 * Does a batch fail differently from the rest? Likelihood-ratio tests between two sets of
 * life data (Lawless 2003, §5.4; Meeker & Escobar 1998, §8.4):
 * - different Weibull (β and η) vs one pooled Weibull: Λ = 2(ℓ_a + ℓ_b − ℓ_pooled) ~ χ²₂;
 * - different shapes vs a common shape (each its own scale): Λ = 2(ℓ_a + ℓ_b − ℓ_common) ~ χ²₁,
 *   i.e. whether the failure mechanism (infant mortality, random, wear-out) differs, not only
 *   how soon it strikes.
 * The common-shape fit maximises Σ_g ℓp_g(β), a sum of concave profiles, so its root is unique.
 */
import type { LifeData } from './life-data.ts';
import { gammaQ } from './special.ts';
import {
  fitWeibull,
  prepare,
  profile,
  solveDecreasing,
  type WeibullFit,
  type WeibullFitOptions,
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

/** Likelihood-ratio comparison of two groups' Weibull fits (e.g. one batch against the rest). */
export function compareWeibull(
  a: LifeData,
  b: LifeData,
  options: WeibullFitOptions = {},
): WeibullComparison {
  const pooledData = mergeLifeData(a, b);
  const fits = {
    a: fitWeibull(a, options),
    b: fitWeibull(b, options),
    pooled: fitWeibull(pooledData, options),
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
