import { seededRandom } from '../numerics/gbt.ts';

/**
 * The validation protocol of `sanbao diagnose replay` (diagnostics/README.md "Validation"):
 * unit-wise k-fold cross-validation. Whole units are held out; each held-out unit is cut at
 * random rows and its remaining life is predicted from the rows up to the cut, then scored
 * against the true, uncapped remaining life with RMSE and the PHM08 score.
 *
 * Where the cuts fall decides what the figure means. Two protocols:
 * - `horizon` (the headline): the true remaining life at the cut is uniform over
 *   [one row, horizon], horizon = ¾ of the median training life by default. This is the
 *   prognostic question a maintenance planner asks ("how long has this unit left, now that it
 *   is within reach of failure"), and the situation of a test file of units "stopped some time
 *   before failure". The models here cap their target (nothing in the sensors tells 300 from
 *   400 cycles left), so they are built for this range.
 * - `life`: the cut is uniform over the unit's whole life after its first window. Early cuts
 *   have remaining lives far beyond any cap, so a capped model scores badly there; reported so
 *   that nobody mistakes the headline for a whole-life figure.
 * The old learner cut at 15–85 % of each life, a third protocol that rewarded uncapped,
 * extrapolating models (see the README for how that misled the choice).
 */
export type Protocol = 'horizon' | 'life';

export interface Cut {
  unit: number;
  /** Row index of the last row the prediction may use. */
  row: number;
  /** True remaining life after that row (file time units, uncapped). */
  truth: number;
}

/** Units shuffled by seed and dealt into `k` folds. */
export function assignFolds(units: number, k: number, seed: number): number[] {
  const order = Array.from({ length: units }, (_, i) => i);
  const rand = seededRandom(seed * 2654435761);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const fold = new Array<number>(units);
  order.forEach((u, i) => (fold[u] = i % k));
  return fold;
}

/**
 * `perUnit` cut rows of a unit with `times` (its row times), none before row `window − 1`.
 * Deterministic for (seed, unit).
 */
export function cutRows(
  times: Float64Array,
  unit: number,
  window: number,
  protocol: Protocol,
  horizon: number,
  perUnit: number,
  seed: number,
): Cut[] {
  const n = times.length;
  const end = times[n - 1]!;
  const eligible: number[] = [];
  for (let r = window - 1; r < n - 1; r++) {
    if (protocol === 'life' || end - times[r]! <= horizon) eligible.push(r);
  }
  if (eligible.length === 0) return [];
  const rand = seededRandom((seed + 1) * 7919 + unit * 104729);
  const out: Cut[] = [];
  for (let c = 0; c < perUnit; c++) {
    if (protocol === 'life') {
      const row = eligible[Math.floor(rand() * eligible.length)]!;
      out.push({ unit, row, truth: end - times[row]! });
    } else {
      // Uniform in remaining life (not in rows, in case rows are unevenly spaced).
      const lo = end - times[eligible[eligible.length - 1]!]!;
      const hi = end - times[eligible[0]!]!;
      const target = lo + rand() * (hi - lo);
      let best = eligible[0]!;
      for (const r of eligible)
        if (Math.abs(end - times[r]! - target) < Math.abs(end - times[best]! - target)) best = r;
      out.push({ unit, row: best, truth: end - times[best]! });
    }
  }
  return out;
}

export interface Scores {
  n: number;
  rmse: number;
  /** PHM08 score per 100 predictions (the C-MAPSS test files hold 100 units). */
  phm08Per100: number;
  /** Mean error (predicted − true): < 0 is early, the safe side. */
  bias: number;
}

/** d = predicted − true. PHM08: Σ exp(−d/13) − 1 for early, exp(d/10) − 1 for late predictions. */
export function score(errors: ArrayLike<number>): Scores {
  let se = 0;
  let s = 0;
  let b = 0;
  const n = errors.length;
  for (let i = 0; i < n; i++) {
    const d = errors[i]!;
    se += d * d;
    b += d;
    s += d < 0 ? Math.exp(-d / 13) - 1 : Math.exp(d / 10) - 1;
  }
  return {
    n,
    rmse: n ? Math.sqrt(se / n) : Number.NaN,
    phm08Per100: n ? (s / n) * 100 : Number.NaN,
    bias: n ? b / n : Number.NaN,
  };
}
