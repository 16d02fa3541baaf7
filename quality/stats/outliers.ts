/**
 * Recall candidates: groups (production batches, part suppliers) whose failure rate stands out
 * from the rest of the fleet.
 *
 * Each group g has k failures over exposure E (unit-years under a constant hazard; for a
 * wear-out component, the expected cumulative hazard Σ (tⱼ/η)^β of its units under the pooled
 * Weibull fit, so batches of different ages compare fairly: see `weibullExposure`). Under H0
 * "g has the rate of the others", conditional on the n = k + k_rest failures of the whole
 * fleet, k ~ Binomial(n, π) with π = E / E_total: the exact test for two Poisson rates
 * (Przyborowski & Wileński 1940; Lehmann & Romano, "Testing Statistical Hypotheses", §4.5).
 * It needs no estimate of the common rate, so it is exact even when g is a large share of the
 * fleet, and its expected count n·π is the pooled rate × E. The rate ratio of g to the rest,
 * ρ = (k/E)/(k_rest/E_rest), has the exact interval ρ = p/(1−p) · E_rest/E from the
 * Clopper–Pearson interval of p = k/n.
 *
 * One test per group, so the p-values are adjusted across groups: Benjamini–Hochberg (false
 * discovery rate; default), Holm or Bonferroni (family-wise error).
 */
import { checkConfidence } from './guards.ts';
import { betaI, betaIInverse } from './special.ts';
import type { Interval } from './weibull.ts';

export interface GroupCount {
  /** Batch number, supplier code… */
  id: string;
  failures: number;
  exposure: number;
}

export type Correction = 'benjamini-hochberg' | 'holm' | 'bonferroni';
export type Alternative = 'greater' | 'two-sided';

export interface OutlierOptions {
  /** Level at which an adjusted p-value flags a group, default 0.05. */
  alpha?: number;
  correction?: Correction;
  /** 'greater' (default): only a higher rate is a recall candidate. */
  alternative?: Alternative;
  /** Confidence level of the rate-ratio interval, default 0.95. */
  confidence?: number;
  /** Flag only when the rate ratio to the rest is at least this, default 1. */
  minRateRatio?: number;
}

export interface GroupAssessment {
  id: string;
  failures: number;
  exposure: number;
  /** Failures expected at the pooled rate: n·E/E_total. */
  expected: number;
  /** failures / expected (standardised failure ratio); null when expected = 0. */
  observedToExpected: number | null;
  /** failures / exposure; null with zero exposure. */
  rate: number | null;
  /** Rate of the group over the rate of all other groups; null when undefined (0/0, x/0). */
  rateRatio: number | null;
  /** Exact conditional interval; upper is null (unbounded) when the others have no failures. */
  rateRatioCi: { lower: number; upper: number | null } | null;
  /** Exact conditional binomial p-value, unadjusted. */
  pValue: number;
  /** p-value after the correction across all tested groups. */
  adjustedP: number;
  /**
   * The critical value for this group's raw p-value at its rank (rank = position of its
   * p-value in ascending order): α/m (Bonferroni), α/(m − rank + 1) (Holm), α·rank/m (BH).
   * The decision is `adjustedP ≤ α`, which also accounts for the step-down (Holm: every
   * smaller p passed) and step-up (BH: a larger p passed its own value) rules.
   */
  threshold: number;
  flagged: boolean;
  /** Why a group was not tested (zero exposure); absent when it was. */
  skipped?: 'no_exposure';
}

export interface OutlierReport {
  alpha: number;
  correction: Correction;
  alternative: Alternative;
  confidence: number;
  totalFailures: number;
  totalExposure: number;
  /** Σ failures / Σ exposure; null with zero exposure. */
  pooledRate: number | null;
  /** Number of groups tested (the m of the correction). */
  tested: number;
  /** In input order. */
  groups: GroupAssessment[];
  /** Ids of the flagged groups, most significant first. */
  flagged: string[];
}

/** P(X ≥ k), X ~ Binomial(n, p). */
function binomialUpper(k: number, n: number, p: number): number {
  if (k <= 0) return 1;
  if (k > n) return 0;
  return betaI(k, n - k + 1, p);
}

/** P(X ≤ k), X ~ Binomial(n, p). */
function binomialLower(k: number, n: number, p: number): number {
  if (k >= n) return 1;
  return betaI(n - k, k + 1, 1 - p); // = 1 − I_p(k + 1, n − k), without the cancellation
}

/** Clopper–Pearson interval for a binomial proportion. */
export function clopperPearson(k: number, n: number, confidence = 0.95): Interval {
  const a = (1 - confidence) / 2;
  return {
    lower: k === 0 ? 0 : betaIInverse(k, n - k + 1, a),
    upper: k === n ? 1 : betaIInverse(k + 1, n - k, 1 - a),
  };
}

/** Adjusted p-values (same order as the input). */
export function adjustPValues(p: readonly number[], correction: Correction): number[] {
  const m = p.length;
  const order = p.map((_, i) => i).sort((a, b) => p[a]! - p[b]!);
  const adjusted = new Array<number>(m).fill(1);
  if (correction === 'bonferroni') return p.map((x) => Math.min(1, x * m));
  if (correction === 'holm') {
    let running = 0;
    order.forEach((i, rank) => {
      running = Math.max(running, Math.min(1, (m - rank) * p[i]!));
      adjusted[i] = running;
    });
    return adjusted;
  }
  let running = 1;
  for (let rank = m - 1; rank >= 0; rank--) {
    const i = order[rank]!;
    running = Math.min(running, (p[i]! * m) / (rank + 1));
    adjusted[i] = Math.min(1, running);
  }
  return adjusted;
}

/**
 * Tests each group's failures against the rest of the fleet and flags the ones that stand out.
 * Throws a RangeError on negative or non-finite counts (parse outside input with
 * `OutlierInputSchema`).
 */
export function flagOutlierGroups(
  groups: readonly GroupCount[],
  options: OutlierOptions = {},
): OutlierReport {
  const alpha = options.alpha ?? 0.05;
  const correction = options.correction ?? 'benjamini-hochberg';
  const alternative = options.alternative ?? 'greater';
  const confidence = checkConfidence(options.confidence ?? 0.95);
  if (!(alpha > 0 && alpha < 1))
    throw new RangeError(`alpha must be between 0 and 1, got ${alpha}`);
  const minRateRatio = options.minRateRatio ?? 1;
  let n = 0;
  let total = 0;
  groups.forEach((g, i) => {
    if (!Number.isInteger(g.failures) || g.failures < 0) {
      throw new RangeError(`groups[${i}].failures must be an integer ≥ 0, got ${g.failures}`);
    }
    if (!Number.isFinite(g.exposure) || g.exposure < 0) {
      throw new RangeError(`groups[${i}].exposure must be a finite number ≥ 0, got ${g.exposure}`);
    }
    n += g.failures;
    total += g.exposure;
  });

  const tested = groups.map((g, i) => ({ g, i })).filter(({ g }) => g.exposure > 0);
  const pValues = tested.map(({ g }) => {
    const pi = g.exposure / total;
    const upper = binomialUpper(g.failures, n, pi);
    if (alternative === 'greater') return upper;
    return Math.min(1, 2 * Math.min(upper, binomialLower(g.failures, n, pi)));
  });
  const adjusted = adjustPValues(pValues, correction);
  const m = tested.length;
  const rankOf = new Map<number, number>();
  tested
    .map((_, j) => j)
    .sort((a, b) => pValues[a]! - pValues[b]!)
    .forEach((j, rank) => rankOf.set(j, rank + 1));

  const out: GroupAssessment[] = groups.map((g) => ({
    id: g.id,
    failures: g.failures,
    exposure: g.exposure,
    expected: 0,
    observedToExpected: null,
    rate: null,
    rateRatio: null,
    rateRatioCi: null,
    pValue: 1,
    adjustedP: 1,
    threshold: 0,
    flagged: false,
    skipped: 'no_exposure',
  }));
  tested.forEach(({ g, i }, j) => {
    const restExposure = total - g.exposure;
    const restFailures = n - g.failures;
    const expected = (n * g.exposure) / total;
    const rank = rankOf.get(j)!;
    const threshold =
      correction === 'bonferroni'
        ? alpha / m
        : correction === 'holm'
          ? alpha / (m - rank + 1)
          : (alpha * rank) / m;
    let rateRatio: number | null = null;
    let rateRatioCi: GroupAssessment['rateRatioCi'] = null;
    if (restExposure > 0 && n > 0) {
      const odds = restExposure / g.exposure;
      rateRatio = restFailures > 0 ? (g.failures / restFailures) * odds : null;
      const cp = clopperPearson(g.failures, n, confidence);
      rateRatioCi = {
        lower: (cp.lower / (1 - cp.lower)) * odds,
        upper: cp.upper < 1 ? (cp.upper / (1 - cp.upper)) * odds : null,
      };
    }
    const higher = rateRatio === null ? g.failures > 0 && restFailures === 0 : rateRatio > 1;
    const flagged =
      adjusted[j]! <= alpha && higher && (rateRatio === null || rateRatio >= minRateRatio);
    out[i] = {
      id: g.id,
      failures: g.failures,
      exposure: g.exposure,
      expected,
      observedToExpected: expected > 0 ? g.failures / expected : null,
      rate: g.failures / g.exposure,
      rateRatio,
      rateRatioCi,
      pValue: pValues[j]!,
      adjustedP: adjusted[j]!,
      threshold,
      flagged,
    };
  });
  const flagged = out
    .filter((g) => g.flagged)
    .sort((a, b) => a.pValue - b.pValue)
    .map((g) => g.id);
  return {
    alpha,
    correction,
    alternative,
    confidence,
    totalFailures: n,
    totalExposure: total,
    pooledRate: total > 0 ? n / total : null,
    tested: m,
    groups: out,
    flagged,
  };
}
