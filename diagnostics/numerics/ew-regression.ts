/**
 * Exponentially-forgotten weighted least squares of y on time, kept as six running sums in a
 * Float64Array slice: O(1) memory and O(1) work per point, whatever the window.
 *
 * This is recursive least squares with a forgetting factor (Ljung & Söderström, "Theory and
 * Practice of Recursive Identification", 1983) specialised to a straight line, where the
 * closed form of the 2×2 normal equations is cheaper than the RLS covariance update. The
 * forgetting is by elapsed time (half-life), not by sample count, so irregular sampling and
 * gaps weigh history correctly.
 *
 * The time origin is moved to the newest point on every update: the intercept is then the
 * fitted value *now* and the numbers stay small (time is in half-lives, ≤ ~50 in practice).
 */

/** Offsets of the sums inside the slice; `EW_STRIDE` values per regression. */
const S0 = 0; // Σw
const S1 = 1; // Σw·t
const S2 = 2; // Σw·t²
const SY = 3; // Σw·y
const STY = 4; // Σw·t·y
const SYY = 5; // Σw·y²
export const EW_STRIDE = 6;

/**
 * Adds point (now, y) after moving the origin forward by `du` half-lives and decaying the old
 * weights by 2^(-du).
 */
export function ewAdd(s: Float64Array, o: number, du: number, y: number): void {
  if (du > 0) {
    const f = Math.pow(2, -du);
    const s0 = s[o + S0]!;
    const s1 = s[o + S1]!;
    const sy = s[o + SY]!;
    // Shift t → t - du for every stored point, then decay (both are linear in the sums).
    s[o + S2] = (s[o + S2]! - 2 * du * s1 + du * du * s0) * f;
    s[o + S1] = (s1 - du * s0) * f;
    s[o + STY] = (s[o + STY]! - du * sy) * f;
    s[o + S0] = s0 * f;
    s[o + SY] = sy * f;
    s[o + SYY] = s[o + SYY]! * f;
  }
  s[o + S0] = s[o + S0]! + 1;
  s[o + SY] = s[o + SY]! + y;
  s[o + SYY] = s[o + SYY]! + y * y;
}

/** Result of a fit at the newest point; time unit = the half-life used in `ewAdd`. */
export interface LineFit {
  /** Fitted value at the newest point. */
  level: number;
  /** Slope per half-life. */
  slope: number;
  levelSe: number;
  slopeSe: number;
  /** Covariance of level and slope (for moving the origin). */
  cov: number;
  /** Effective number of points (Σw). */
  weight: number;
}

/** The same line seen `du` half-lives after its origin (level, and its standard error, move). */
export function ewShift(fit: LineFit, du: number): LineFit {
  const v = fit.levelSe ** 2 + du * du * fit.slopeSe ** 2 + 2 * du * fit.cov;
  return {
    ...fit,
    level: fit.level + fit.slope * du,
    levelSe: Math.sqrt(Math.max(0, v)),
    cov: fit.cov + du * fit.slopeSe ** 2,
  };
}

/**
 * Solves the weighted normal equations. Standard errors use the residual variance with
 * Σw − 2 degrees of freedom (the usual OLS formula with the weights as frequency weights);
 * returns null while the design is degenerate (fewer than ~3 effective points or no time
 * spread).
 */
export function ewFit(s: Float64Array, o: number): LineFit | null {
  const s0 = s[o + S0]!;
  const s1 = s[o + S1]!;
  const s2 = s[o + S2]!;
  const sy = s[o + SY]!;
  const sty = s[o + STY]!;
  const syy = s[o + SYY]!;
  const d = s0 * s2 - s1 * s1;
  if (s0 < 3 || !(d > 1e-12 * s0 * s0)) return null;
  const slope = (s0 * sty - s1 * sy) / d;
  const level = (sy - slope * s1) / s0;
  const rss = Math.max(0, syy - level * sy - slope * sty);
  const sigma2 = rss / (s0 - 2);
  return {
    level,
    slope,
    slopeSe: Math.sqrt((sigma2 * s0) / d),
    levelSe: Math.sqrt((sigma2 * s2) / d),
    cov: (-sigma2 * s1) / d,
    weight: s0,
  };
}

/**
 * The level `ewShift(ewFit(s, o), du)` gives, without making the fit (the same arithmetic, so
 * the same number): undefined where `ewFit` returns null. What a caller that mostly stops at
 * the level needs, per sample.
 */
export function ewLevelAt(s: Float64Array, o: number, du: number): number | undefined {
  const s0 = s[o + S0]!;
  const s1 = s[o + S1]!;
  const s2 = s[o + S2]!;
  const sy = s[o + SY]!;
  const sty = s[o + STY]!;
  const d = s0 * s2 - s1 * s1;
  if (s0 < 3 || !(d > 1e-12 * s0 * s0)) return undefined;
  const slope = (s0 * sty - s1 * sy) / d;
  const level = (sy - slope * s1) / s0;
  return level + slope * du;
}

/** Clears one regression. */
export function ewReset(s: Float64Array, o: number): void {
  s.fill(0, o, o + EW_STRIDE);
}
