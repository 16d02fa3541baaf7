/**
 * Special functions the estimators need: log-gamma, the regularised incomplete gamma and beta
 * functions and their inverses, and the normal and chi-square quantiles built on them. Written
 * here (no dependency) after Press et al., "Numerical Recipes", 3rd ed., §6.1–6.4 (Lanczos
 * log-gamma, series / Lentz continued fraction for P(a,x) and I_x(a,b)); the inverses are
 * Newton steps kept inside a bracket, so they cannot wander off where the CDF is flat.
 * special.test.ts checks them against scipy.special to ~1e-12.
 */

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
  -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
  1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9; relative error ~1e-15). */
export function lnGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lnGamma(1 - x);
  const z = x - 1;
  let a = LANCZOS[0]!;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i]! / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

const EPS = 1e-15;
const TINY = 1e-300;

/** Regularised lower incomplete gamma P(a, x) = γ(a, x) / Γ(a), a > 0, x ≥ 0. */
export function gammaP(a: number, x: number): number {
  if (x <= 0) return 0;
  if (x < a + 1) return gammaSeries(a, x);
  return 1 - gammaContinuedFraction(a, x);
}

/** Regularised upper incomplete gamma Q(a, x) = 1 − P(a, x), accurate in the upper tail. */
export function gammaQ(a: number, x: number): number {
  if (x <= 0) return 1;
  if (x < a + 1) return 1 - gammaSeries(a, x);
  return gammaContinuedFraction(a, x);
}

/**
 * x^a e^(−x) / Γ(a), the factor in front of both the series and the continued fraction. For
 * large a the three logarithms are ~1e9 and cancel; Stirling's form keeps the digits:
 * a(ln(x/a) − (x − a)/a) + ½ ln(a/2π) − stirlerr(a), with log1p for ln(x/a).
 */
function gammaFront(a: number, x: number): number {
  if (a < 50) return Math.exp(-x + a * Math.log(x) - lnGamma(a));
  const t = (x - a) / a;
  const a2 = a * a;
  const stirlerr = (1 / 12 - (1 / 360 - 1 / (1260 * a2)) / a2) / a; // lnΓ(a) − Stirling
  return Math.exp(a * (Math.log1p(t) - t) + 0.5 * Math.log(a / (2 * Math.PI)) - stirlerr);
}

/** Iteration cap: both expansions need O(√a) terms near x ≈ a. */
const MAX_TERMS = 10_000_000;

function gammaSeries(a: number, x: number): number {
  let ap = a;
  let sum = 1 / a;
  let del = sum;
  for (let n = 0; n < MAX_TERMS; n++) {
    ap += 1;
    del *= x / ap;
    sum += del;
    if (Math.abs(del) < Math.abs(sum) * EPS) break;
  }
  return sum * gammaFront(a, x);
}

/** Q(a, x) by the modified Lentz continued fraction (x ≥ a + 1). */
function gammaContinuedFraction(a: number, x: number): number {
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < MAX_TERMS; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < EPS) break;
  }
  return gammaFront(a, x) * h;
}

/** Regularised incomplete beta I_x(a, b), a, b > 0, 0 ≤ x ≤ 1. */
export function betaI(a: number, b: number, x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(
    lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log1p(-x),
  );
  // The continued fraction converges fast for x < (a + 1) / (a + b + 2); else use symmetry.
  if (x < (a + 1) / (a + b + 2)) return (front * betaContinuedFraction(a, b, x)) / a;
  return 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b;
}

function betaContinuedFraction(a: number, b: number, x: number): number {
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m < 10_000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < EPS) break;
  }
  return h;
}

/**
 * Solves cdf(x) = p for an increasing cdf on [lo, hi] by Newton steps with the density,
 * falling back to bisection whenever a step leaves the bracket: robust where the cdf is flat.
 */
function invertCdf(
  cdf: (x: number) => number,
  pdf: (x: number) => number,
  p: number,
  lo: number,
  hi: number,
  x0: number,
): number {
  let x = Math.min(Math.max(x0, lo), hi);
  for (let i = 0; i < 300; i++) {
    const f = cdf(x) - p;
    if (f === 0) return x;
    if (f < 0) lo = x;
    else hi = x;
    const dens = pdf(x);
    let next = dens > 0 && Number.isFinite(dens) ? x - f / dens : NaN;
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    if (Math.abs(next - x) <= 1e-15 * Math.max(Math.abs(x), 1e-300) || hi - lo <= 1e-15 * hi) {
      return next;
    }
    x = next;
  }
  return x;
}

/** x such that P(a, x) = p (the p-quantile of Gamma(a, 1)). */
export function gammaPInverse(a: number, p: number): number {
  if (p <= 0) return 0;
  if (p >= 1) return Infinity;
  const lg = lnGamma(a);
  const pdf = (x: number) => (x <= 0 ? 0 : Math.exp((a - 1) * Math.log(x) - x - lg));
  // Wilson–Hilferty start, then a bracket found by doubling.
  const z = normalQuantileRough(p);
  let x0 = a * Math.pow(1 - 1 / (9 * a) + z / (3 * Math.sqrt(a)), 3);
  if (!(x0 > 0)) x0 = Math.pow(p * a * Math.exp(lg), 1 / a);
  let hi = Math.max(x0, 1);
  while (gammaP(a, hi) < p) hi *= 2;
  // For upper-tail p, P(a,x) − p loses digits: invert Q(a,x) = 1 − p instead.
  if (p > 0.5) {
    const q = 1 - p;
    return invertCdf((x) => -gammaQ(a, x), pdf, -q, 0, hi, x0);
  }
  return invertCdf((x) => gammaP(a, x), pdf, p, 0, hi, x0);
}

/** x such that I_x(a, b) = p (the p-quantile of Beta(a, b)). */
export function betaIInverse(a: number, b: number, p: number): number {
  if (p <= 0) return 0;
  if (p >= 1) return 1;
  const lb = lnGamma(a + b) - lnGamma(a) - lnGamma(b);
  const pdf = (x: number) =>
    x <= 0 || x >= 1 ? 0 : Math.exp(lb + (a - 1) * Math.log(x) + (b - 1) * Math.log1p(-x));
  return invertCdf((x) => betaI(a, b, x), pdf, p, 0, 1, a / (a + b));
}

/** Standard normal CDF Φ(x), via erfc(|x|/√2) = Q(1/2, x²/2). */
export function normalCdf(x: number): number {
  const tail = 0.5 * gammaQ(0.5, (x * x) / 2);
  return x >= 0 ? 1 - tail : tail;
}

/**
 * Standard normal quantile Φ⁻¹(p). Z²/2 ~ Gamma(1/2), so |z| = √(2 P⁻¹(1/2, |2p − 1|)); the
 * tails are inverted through Q to keep their digits.
 */
export function normalQuantile(p: number): number {
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  if (p === 0.5) return 0;
  const tail = p < 0.5 ? p : 1 - p; // one-sided tail probability
  // Q(1/2, z²/2) = 2·tail
  const x = 2 * tail < 0.5 ? gammaQInverseHalf(2 * tail) : gammaPInverse(0.5, 1 - 2 * tail);
  const z = Math.sqrt(2 * x);
  return p < 0.5 ? -z : z;
}

/** x with Q(1/2, x) = q, for small q (far normal tails). */
function gammaQInverseHalf(q: number): number {
  const lg = lnGamma(0.5);
  const pdf = (x: number) => (x <= 0 ? 0 : Math.exp(-0.5 * Math.log(x) - x - lg));
  let hi = 1;
  while (gammaQ(0.5, hi) > q) hi *= 2;
  return invertCdf((x) => -gammaQ(0.5, x), pdf, -q, 0, hi, hi / 2);
}

/** Chi-square quantile with `df` degrees of freedom. */
export function chiSquareQuantile(p: number, df: number): number {
  return 2 * gammaPInverse(df / 2, p);
}

/** Rough normal quantile (Abramowitz & Stegun 26.2.23, |error| < 4.5e-4): only a start point. */
function normalQuantileRough(p: number): number {
  const pp = p < 0.5 ? p : 1 - p;
  const t = Math.sqrt(-2 * Math.log(pp));
  const z =
    t -
    (2.515517 + 0.802853 * t + 0.010328 * t * t) /
      (1 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t * t * t);
  return p < 0.5 ? -z : z;
}
