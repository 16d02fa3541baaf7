/**
 * Ridge regression by the normal equations and a Cholesky factorisation: (XᵀX + λI)β = Xᵀy.
 * Sizes here are small (tens of features, thousands of rows), so accumulating XᵀX row by row
 * is both the fastest and the most memory-frugal way; the ridge term keeps near-collinear
 * sensors (common in run-to-failure data) from blowing the solution up. The intercept (column
 * 0 when `intercept` is set) is not penalised.
 */
export interface RidgeFit {
  /** Coefficients; with an intercept, beta[0] is it and beta[1 + j] belongs to feature j. */
  beta: Float64Array;
  intercept: boolean;
}

/** Accumulates XᵀX and Xᵀy for rows given as feature arrays (a leading 1 added if intercept). */
export class NormalEquations {
  readonly p: number;
  readonly xtx: Float64Array;
  readonly xty: Float64Array;
  private readonly row: Float64Array;
  n = 0;

  constructor(
    features: number,
    readonly intercept = true,
  ) {
    this.p = features + (intercept ? 1 : 0);
    this.xtx = new Float64Array(this.p * this.p);
    this.xty = new Float64Array(this.p);
    this.row = new Float64Array(this.p);
  }

  add(x: ArrayLike<number>, y: number, w = 1): void {
    const p = this.p;
    const r = this.row;
    const o = this.intercept ? 1 : 0;
    if (this.intercept) r[0] = 1;
    for (let j = 0; j < x.length; j++) r[j + o] = x[j]!;
    for (let i = 0; i < p; i++) {
      const ri = r[i]! * w;
      this.xty[i] = this.xty[i]! + ri * y;
      for (let j = i; j < p; j++) this.xtx[i * p + j] = this.xtx[i * p + j]! + ri * r[j]!;
    }
    this.n += w;
  }

  /** Solves with ridge penalty λ (scaled by the row count so it means the same for any n). */
  solve(lambda: number): RidgeFit {
    const p = this.p;
    const a = new Float64Array(p * p);
    for (let i = 0; i < p; i++) {
      for (let j = i; j < p; j++) a[i * p + j] = a[j * p + i] = this.xtx[i * p + j]!;
      if (!(this.intercept && i === 0)) a[i * p + i] = a[i * p + i]! + lambda * Math.max(1, this.n);
    }
    return { beta: choleskySolve(a, this.xty.slice(), p), intercept: this.intercept };
  }
}

/** Prediction of a ridge fit for one feature row. */
export function predict(fit: RidgeFit, x: ArrayLike<number>): number {
  const o = fit.intercept ? 1 : 0;
  let y = fit.intercept ? fit.beta[0]! : 0;
  for (let j = 0; j < x.length; j++) y += fit.beta[j + o]! * x[j]!;
  return y;
}

/** Solves A x = b for symmetric positive definite A (row-major, p×p), in place. */
export function choleskySolve(a: Float64Array, b: Float64Array, p: number): Float64Array {
  for (let j = 0; j < p; j++) {
    let d = a[j * p + j]!;
    for (let k = 0; k < j; k++) d -= a[j * p + k]! ** 2;
    // A tiny jitter rescues a singular column (a constant feature) instead of producing NaN.
    const l = Math.sqrt(Math.max(d, 1e-12));
    a[j * p + j] = l;
    for (let i = j + 1; i < p; i++) {
      let s = a[i * p + j]!;
      for (let k = 0; k < j; k++) s -= a[i * p + k]! * a[j * p + k]!;
      a[i * p + j] = s / l;
    }
  }
  for (let i = 0; i < p; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= a[i * p + k]! * b[k]!;
    b[i] = s / a[i * p + i]!;
  }
  for (let i = p - 1; i >= 0; i--) {
    let s = b[i]!;
    for (let k = i + 1; k < p; k++) s -= a[k * p + i]! * b[k]!;
    b[i] = s / a[i * p + i]!;
  }
  return b;
}
