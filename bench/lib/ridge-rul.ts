import { NormalEquations, predict, type RidgeFit } from '../../diagnostics/numerics/ridge.ts';
import type { RunData, UnitSeries } from '../../diagnostics/replay/csv.ts';

/**
 * The remaining-life learner `sanbao diagnose replay` used until session 12, kept as a baseline for
 * bench/rul.ts: it scored RMSE 27.6 on the held-out FD001 test units while its own
 * cross-validation (cuts at 15–85 % of each life) reported far less. Unchanged below.
 *
 * Learns remaining useful life from run-to-failure histories, for any sensor set: the
 * piecewise-linear ("capped") RUL regression that is the standard baseline on NASA's C-MAPSS
 * (Heimes 2008; Saxena et al. 2008 describe the data), with the choices a person would make by
 * hand made from the data instead:
 * - constant and near-constant sensors are dropped; the rest are z-scored on training rows;
 * - each sensor is smoothed causally per unit (EWMA), since single readings are noisy and a
 *   prediction may only use the past;
 * - sensors are kept when their smoothed value correlates with the capped RUL (|r| ≥ 0.2, at
 *   least the best three unless they are noise), the elapsed time joins (all units start new);
 * - the RUL cap (the healthy plateau where no sensor can tell anything), the smoothing span and
 *   linear vs quadratic features are chosen by unit-wise k-fold cross-validation, scoring
 *   predictions at random truncation points against the true, uncapped RUL: exactly the
 *   test-file situation.
 */
export interface RulModel {
  sensors: string[];
  /** Indices of the sensors used, into `sensors`. */
  used: number[];
  mean: number[];
  sd: number[];
  timeMean: number;
  timeSd: number;
  alpha: number;
  cap: number;
  quadratic: boolean;
  fit: RidgeFit;
  /** Cross-validated RMSE of the chosen configuration (file time units). */
  cvRmse: number;
}

interface Candidate {
  cap: number;
  span: number;
  quadratic: boolean;
}

const LAMBDA = 1e-3;

/** Fits the model on training runs (each unit's series ends at its failure). */
export function fitRulModel(
  train: RunData,
  opts: { folds?: number; seed?: number } = {},
): RulModel {
  const lives = train.units
    .map((u) => u.time[u.time.length - 1]! - u.time[0]!)
    .sort((a, b) => a - b);
  const medianLife = lives[lives.length >> 1]!;
  const rowsPerLife = median(train.units.map((u) => u.time.length));
  const base = screen(train);
  const defaultAlpha = alphaFor(rowsPerLife / 15);
  base.used = select(train, base, defaultAlpha, 0.6 * medianLife);
  const grid: Candidate[] = [];
  for (const capFrac of [0.5, 0.75, Infinity]) {
    for (const spanFrac of [1 / 30, 1 / 10]) {
      for (const quadratic of [false, true])
        grid.push({
          cap: capFrac * medianLife,
          span: Math.max(1, spanFrac * rowsPerLife),
          quadratic,
        });
    }
  }
  const folds = Math.min(opts.folds ?? 5, train.units.length);
  const order = shuffle(
    train.units.map((_, i) => i),
    opts.seed ?? 1,
  );
  let best: { c: Candidate; rmse: number } | undefined;
  for (const c of grid) {
    let se = 0;
    let n = 0;
    for (let f = 0; f < folds; f++) {
      const held = new Set(order.filter((_, i) => i % folds === f));
      const model = fitOn(train, base, c, (i) => !held.has(i));
      for (const i of held) {
        const u = train.units[i]!;
        const end = u.time[u.time.length - 1]!;
        for (const cut of truncations(u.time.length, i)) {
          const err = predictAt(model, u, cut) - (end - u.time[cut]!);
          se += err * err;
          n++;
        }
      }
    }
    const rmse = Math.sqrt(se / Math.max(1, n));
    if (!best || rmse < best.rmse) best = { c, rmse };
  }
  const model = fitOn(train, base, best!.c, () => true);
  model.cvRmse = best!.rmse;
  return model;
}

/** Predicted RUL after the last row of a unit (file time units, ≥ 0). */
export function predictRul(model: RulModel, u: UnitSeries): number {
  return predictAt(model, u, u.time.length - 1);
}

function predictAt(model: RulModel, u: UnitSeries, last: number): number {
  const x = featuresAt(model, u, last);
  return Math.min(model.cap, Math.max(0, predict(model.fit, x)));
}

type Base = Pick<RulModel, 'sensors' | 'used' | 'mean' | 'sd' | 'timeMean' | 'timeSd'>;

function screen(train: RunData): Base {
  const mean: number[] = [];
  const sd: number[] = [];
  const used: number[] = [];
  train.sensors.forEach((_, k) => {
    let n = 0;
    let m = 0;
    let m2 = 0;
    for (const u of train.units) {
      for (const x of u.values[k]!) {
        n++;
        const d = x - m;
        m += d / n;
        m2 += d * (x - m);
      }
    }
    const s = Math.sqrt(m2 / Math.max(1, n - 1));
    mean.push(m);
    sd.push(s);
    if (s > 1e-9 * Math.max(1, Math.abs(m))) used.push(k);
  });
  const times = train.units.flatMap((u) => [...u.time]);
  const tm = times.reduce((a, b) => a + b, 0) / times.length;
  const ts = Math.sqrt(times.reduce((a, b) => a + (b - tm) ** 2, 0) / times.length) || 1;
  return { sensors: train.sensors, used, mean, sd, timeMean: tm, timeSd: ts };
}

/** Keeps sensors whose smoothed value tracks the capped RUL. */
function select(train: RunData, base: Base, alpha: number, cap: number): number[] {
  const scored = base.used.map((k) => {
    const xs: number[] = [];
    const ys: number[] = [];
    for (const u of train.units) {
      const end = u.time[u.time.length - 1]!;
      let s = (u.values[k]![0]! - base.mean[k]!) / base.sd[k]!;
      u.values[k]!.forEach((x, i) => {
        s += alpha * ((x - base.mean[k]!) / base.sd[k]! - s);
        xs.push(s);
        ys.push(Math.min(cap, end - u.time[i]!));
      });
    }
    return { k, r: Math.abs(correlation(xs, ys)) };
  });
  scored.sort((a, b) => b.r - a.r);
  // The best three stay even when weak (some signal beats none), but not pure noise.
  const keep = scored.filter((s, i) => s.r >= 0.2 || (i < 3 && s.r >= 0.05)).slice(0, 20);
  return keep.map((s) => s.k).sort((a, b) => a - b);
}

function fitOn(train: RunData, base: Base, c: Candidate, use: (i: number) => boolean): RulModel {
  const model: RulModel = {
    ...base,
    alpha: alphaFor(c.span),
    cap: c.cap,
    quadratic: c.quadratic,
    fit: { beta: new Float64Array(0), intercept: true },
    cvRmse: Number.NaN,
  };
  const p = (base.used.length + 1) * (c.quadratic ? 2 : 1);
  const ne = new NormalEquations(p);
  train.units.forEach((u, i) => {
    if (!use(i)) return;
    const end = u.time[u.time.length - 1]!;
    const rows = smoothed(model, u, u.time.length - 1);
    rows.forEach((x, r) => ne.add(x, Math.min(c.cap, end - u.time[r]!)));
  });
  model.fit = ne.solve(LAMBDA);
  return model;
}

/** Feature rows 0…last of a unit: smoothed z-scores (and elapsed time), squared if asked. */
function smoothed(model: RulModel, u: UnitSeries, last: number): Float64Array[] {
  const k = model.used.length;
  const width = (k + 1) * (model.quadratic ? 2 : 1);
  const s = model.used.map((j) => (u.values[j]![0]! - model.mean[j]!) / model.sd[j]!);
  const out: Float64Array[] = [];
  for (let i = 0; i <= last; i++) {
    const x = new Float64Array(width);
    model.used.forEach((j, q) => {
      s[q] = s[q]! + model.alpha * ((u.values[j]![i]! - model.mean[j]!) / model.sd[j]! - s[q]!);
      x[q] = s[q]!;
    });
    x[k] = (u.time[i]! - model.timeMean) / model.timeSd;
    if (model.quadratic) for (let q = 0; q <= k; q++) x[k + 1 + q] = x[q]! * x[q]!;
    out.push(x);
  }
  return out;
}

function featuresAt(model: RulModel, u: UnitSeries, last: number): Float64Array {
  return smoothed(model, u, last)[last]!;
}

/** A few truncation points per held-out unit, spread over its life (deterministic). */
function truncations(n: number, salt: number): number[] {
  const out: number[] = [];
  for (let q = 0; q < 5; q++)
    out.push(
      Math.min(n - 1, Math.floor(n * (0.15 + 0.16 * q + 0.05 * (((salt * 7 + q * 3) % 5) / 5)))),
    );
  return out;
}

function alphaFor(span: number): number {
  return 2 / (Math.max(1, span) + 1);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

function correlation(x: number[], y: number[]): number {
  const n = x.length;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i]!;
    my += y[i]!;
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i]! - mx;
    const dy = y[i]! - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : 0;
}

function shuffle(xs: number[], seed: number): number[] {
  let a = seed >>> 0 || 1;
  const out = xs.slice();
  for (let i = out.length - 1; i > 0; i--) {
    a ^= a << 13;
    a ^= a >>> 17;
    a ^= a << 5;
    const j = (a >>> 0) % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
