/**
 * Prediction intervals by split-conformal calibration on cross-validation residuals (Vovk et al.
 * 2005; Lei et al. 2018), Mondrian by predicted remaining life: residuals grow with the horizon
 * (a unit near failure is read more precisely than one still on its plateau), so one band for
 * all would be too wide near failure and too narrow far from it. Residual = true − predicted;
 * the interval is [predicted + q_lo, predicted + q_hi] with the residuals' (1 ∓ level)/2
 * quantiles in the prediction's bin, floored at zero.
 */
export interface IntervalBin {
  /** Predictions up to this value (file time units) use this bin; null = the rest. */
  upTo: number | null;
  lo: number;
  hi: number;
}

export interface IntervalModel {
  level: number;
  bins: IntervalBin[];
}

/** Least residuals a bin needs; thinner bins take the pooled quantiles. */
const MIN_PER_BIN = 30;

/** Bins at ¼, ½ and ¾ of the cap. */
export function calibrateIntervals(
  predicted: ArrayLike<number>,
  truth: ArrayLike<number>,
  cap: number,
  level: number,
): IntervalModel {
  const edges = [0.25 * cap, 0.5 * cap, 0.75 * cap];
  const all: number[] = [];
  const per: number[][] = [[], [], [], []];
  for (let i = 0; i < predicted.length; i++) {
    const r = truth[i]! - predicted[i]!;
    all.push(r);
    per[binOf(predicted[i]!, edges)]!.push(r);
  }
  const pooled = quantiles(all, level);
  return {
    level,
    bins: per.map((rs, b) => ({
      upTo: b < edges.length ? edges[b]! : null,
      ...(rs.length >= MIN_PER_BIN ? quantiles(rs, level) : pooled),
    })),
  };
}

/** The interval around a prediction. */
export function intervalFor(
  model: IntervalModel,
  predicted: number,
): { lower: number; upper: number } {
  const bin =
    model.bins.find((b) => b.upTo === null || predicted <= b.upTo) ??
    model.bins[model.bins.length - 1]!;
  return { lower: Math.max(0, predicted + bin.lo), upper: Math.max(0, predicted + bin.hi) };
}

function binOf(x: number, edges: number[]): number {
  let b = 0;
  while (b < edges.length && x > edges[b]!) b++;
  return b;
}

function quantiles(xs: number[], level: number): { lo: number; hi: number } {
  if (xs.length === 0) return { lo: 0, hi: 0 };
  const s = [...xs].sort((a, b) => a - b);
  return { lo: quantile(s, (1 - level) / 2), hi: quantile(s, (1 + level) / 2) };
}

/** Linear-interpolated quantile of a sorted array. */
function quantile(s: number[], q: number): number {
  const pos = q * (s.length - 1);
  const i = Math.floor(pos);
  const f = pos - i;
  return i + 1 < s.length ? s[i]! * (1 - f) + s[i + 1]! * f : s[i]!;
}
