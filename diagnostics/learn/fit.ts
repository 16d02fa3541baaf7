import { InputError, type RunData, type UnitSeries } from '../replay/csv.ts';
import { fitGbt, predictGbt, type GbtModel, type GbtParams } from '../numerics/gbt.ts';
import { modelId, type RulModelArtefact } from './artefact.ts';
import {
  featureCount,
  initFeatures,
  pushFeatures,
  readFeatures,
  stateSize,
  type FeatureSpec,
} from './features.ts';
import { calibrateIntervals, intervalFor } from './interval.ts';
import { clampRul } from './stream.ts';
import { assignFolds, cutRows, score, type Cut, type Scores } from './validation.ts';

/**
 * The remaining-life learner of `sanbao diagnose replay` (diagnostics/README.md "Learning from
 * history"): streaming features (features.ts) → gradient-boosted trees (numerics/gbt.ts) on a
 * piecewise-linear target capped at the healthy plateau (Heimes 2008) → conformal intervals
 * (interval.ts). The cap and whether elapsed time helps are chosen by unit-wise cross-validation
 * (validation.ts); everything else is fixed, from the experiments in bench/RESULTS.md, so the
 * cross-validated figure is not the best of a large search (which would flatter it).
 */
export interface FitOptions {
  folds?: number;
  seed?: number;
  /** Remaining life up to which validation cuts fall (default ¾ of the median life). */
  horizon?: number;
  cutsPerUnit?: number;
  /** Interval level (default 0.8). */
  level?: number;
  /** Baseline rows (default 15 % of the median rows per unit, 5…30). */
  window?: number;
  gbt?: Partial<GbtParams>;
  /** Progress: a phase, how far it is (0…1). */
  onProgress?: (phase: string, done: number, total: number) => void;
}

export interface CandidateResult {
  cap: number;
  elapsed: boolean;
  horizon: Scores;
  life: Scores;
}

export interface FitResult {
  model: RulModelArtefact;
  candidates: CandidateResult[];
  chosen: CandidateResult;
  /** Cross-conformal coverage of the chosen candidate's intervals on the horizon cuts. */
  coverage: number;
}

export const DEFAULT_GBT: GbtParams = {
  trees: 150,
  depth: 5,
  learningRate: 0.1,
  minLeaf: 20,
  lambda: 1,
  rowSample: 0.8,
  colSample: 0.8,
  bins: 64,
  seed: 1,
};

/** Sensors kept when their smoothed level or move from baseline tracks the capped life (|r|). */
const MIN_CORRELATION = 0.1;

/** Fits the model on training runs (each unit's series ends at its failure). */
export function fitRulModel(train: RunData, opts: FitOptions = {}): FitResult {
  const started = performance.now();
  const seed = opts.seed ?? 1;
  const level = opts.level ?? 0.8;
  const cutsPerUnit = opts.cutsPerUnit ?? 10;
  const progress = opts.onProgress ?? (() => undefined);
  const units = train.units;
  const rowsPerUnit = median(units.map((u) => u.time.length));
  const window = opts.window ?? Math.round(Math.min(30, Math.max(5, 0.15 * rowsPerUnit)));
  for (const u of units) {
    if (u.time.length < window + 2)
      throw new InputError(
        `training unit "${u.unit}" has ${u.time.length} rows; at least ${window + 2} are needed (a ${window}-row baseline, then its run to failure)`,
      );
  }
  const folds = Math.min(opts.folds ?? 5, units.length);
  if (folds < 2)
    throw new InputError(`cross-validation needs at least 2 training units, got ${units.length}`);
  const rowInterval = median(units.flatMap((u) => diffs(u.time)));
  const lives = units.map((u) => u.time[u.time.length - 1]! - u.time[0]!);
  const medianLife = median(lives);
  const horizon = opts.horizon ?? 0.75 * medianLife;
  const caps = [0.55, 0.625, 0.7].map((f) => round3(f * medianLife));

  const screened = screenSensors(train);
  if (screened.length === 0) throw new InputError('no sensor column varies in the training file');
  const base: Omit<FeatureSpec, 'mean' | 'sd' | 'elapsed'> = {
    window,
    spans: [10, 30],
    slopeSpan: 60,
    rowInterval,
  };
  const used = selectSensors(train, screened, caps[1]!, window);
  const sensors = used.map((s) => train.sensors[s.k]!);
  const specFor = (elapsed: boolean): FeatureSpec => ({
    ...base,
    mean: used.map((s) => s.mean),
    sd: used.map((s) => s.sd),
    elapsed,
  });
  const full = specFor(true);
  const featuresByUnit = units.map((u) =>
    unitFeatures(
      full,
      u,
      used.map((s) => s.k),
    ),
  );
  const width = featureCount(full);
  const gbt = { ...DEFAULT_GBT, seed, ...opts.gbt };

  // Validation cuts, the same for every candidate.
  const foldOf = assignFolds(units.length, folds, seed);
  const horizonCuts = units.flatMap((u, i) =>
    cutRows(u.time, i, window, 'horizon', horizon, cutsPerUnit, seed),
  );
  const lifeCuts = units.flatMap((u, i) =>
    cutRows(u.time, i, window, 'life', horizon, cutsPerUnit, seed),
  );

  const grid = [...caps.map((cap) => ({ cap, elapsed: true })), { cap: caps[1]!, elapsed: false }];
  const totalFits = grid.length * folds + 1;
  let fitsDone = 0;
  const candidates: Array<CandidateResult & { predicted: Float64Array }> = [];
  for (const c of grid) {
    const hPred = new Float64Array(horizonCuts.length);
    const lPred = new Float64Array(lifeCuts.length);
    for (let f = 0; f < folds; f++) {
      const model = trainGbt(
        units,
        featuresByUnit,
        width,
        c,
        window,
        gbt,
        (i) => foldOf[i] !== f,
        (d, t) => progress('cross-validation', fitsDone + d / t, totalFits),
      );
      fitsDone++;
      const predictAt = (cut: Cut) =>
        clampRul(predictRow(model, featuresByUnit[cut.unit]!, cut.row, width, c.elapsed), c.cap);
      horizonCuts.forEach((cut, i) => {
        if (foldOf[cut.unit] === f) hPred[i] = predictAt(cut);
      });
      lifeCuts.forEach((cut, i) => {
        if (foldOf[cut.unit] === f) lPred[i] = predictAt(cut);
      });
    }
    candidates.push({
      ...c,
      horizon: score(horizonCuts.map((cut, i) => hPred[i]! - cut.truth)),
      life: score(lifeCuts.map((cut, i) => lPred[i]! - cut.truth)),
      predicted: hPred,
    });
  }
  const best = candidates.reduce((a, b) => (b.horizon.rmse < a.horizon.rmse ? b : a));
  const truth = horizonCuts.map((c) => c.truth);

  // Cross-conformal coverage: each fold's intervals calibrated on the other folds' residuals.
  let covered = 0;
  for (let f = 0; f < folds; f++) {
    const idx = horizonCuts.map((_, i) => i).filter((i) => foldOf[horizonCuts[i]!.unit] !== f);
    const cal = calibrateIntervals(
      idx.map((i) => best.predicted[i]!),
      idx.map((i) => truth[i]!),
      best.cap,
      level,
    );
    horizonCuts.forEach((cut, i) => {
      if (foldOf[cut.unit] !== f) return;
      const iv = intervalFor(cal, best.predicted[i]!);
      if (cut.truth >= iv.lower && cut.truth <= iv.upper) covered++;
    });
  }
  const coverage = horizonCuts.length ? covered / horizonCuts.length : Number.NaN;
  const interval = calibrateIntervals(best.predicted, truth, best.cap, level);

  const final = trainGbt(
    units,
    featuresByUnit,
    width,
    best,
    window,
    gbt,
    () => true,
    (d, t) => progress('final fit', fitsDone + d / t, totalFits),
  );
  const spec = specFor(best.elapsed);
  const trainingRows = units.reduce((a, u) => a + u.time.length - (window - 1), 0);
  const content: Omit<RulModelArtefact, 'id' | 'createdAt'> = {
    format: 'sanbao.rul-model',
    formatVersion: 1,
    sensors,
    rowInterval,
    cap: best.cap,
    features: spec,
    gbt: compact(final),
    interval,
    fleetBaseline: fleetBaseline(featuresByUnit, used.length, width, window),
    training: {
      units: units.length,
      rows: trainingRows,
      seconds: 0,
      seed,
      method: `gradient-boosted trees (${gbt.trees} trees, depth ${gbt.depth}, shrinkage ${gbt.learningRate}) on streaming features, capped target`,
    },
    cv: {
      protocol: `unit-wise ${folds}-fold; ${cutsPerUnit} cuts per held-out unit with true remaining life uniform in (0, ${round3(horizon)}]`,
      folds,
      cutsPerUnit,
      horizon: round3(horizon),
      rmse: best.horizon.rmse,
      phm08Per100: best.horizon.phm08Per100,
      bias: best.horizon.bias,
      coverage,
      level,
      lifeRmse: best.life.rmse,
      lifePhm08Per100: best.life.phm08Per100,
    },
  };
  const id = modelId(content);
  const seconds = (performance.now() - started) / 1000;
  const model: RulModelArtefact = {
    ...content,
    training: { ...content.training, seconds: round3(seconds) },
    id,
    createdAt: new Date().toISOString(),
  };
  const strip = ({
    predicted: _p,
    ...c
  }: CandidateResult & { predicted: Float64Array }): CandidateResult => {
    void _p;
    return c;
  };
  return { model, candidates: candidates.map(strip), chosen: strip(best), coverage };
}

/** Feature rows of a unit: the elapsed-time feature is last, so a model without it ignores it. */
function unitFeatures(spec: FeatureSpec, u: UnitSeries, cols: number[]): Float64Array {
  const width = featureCount(spec);
  const n = u.time.length;
  const out = new Float64Array(n * width);
  const state = new Float64Array(stateSize(spec));
  const row = new Float64Array(cols.length);
  const x = new Float64Array(width);
  initFeatures(spec, state, 0);
  for (let i = 0; i < n; i++) {
    cols.forEach((k, q) => (row[q] = u.values[k]![i]!));
    pushFeatures(spec, state, 0, row);
    readFeatures(spec, state, 0, x);
    out.set(x, i * width);
  }
  return out;
}

function trainGbt(
  units: UnitSeries[],
  features: Float64Array[],
  width: number,
  c: { cap: number; elapsed: boolean },
  window: number,
  params: GbtParams,
  use: (unit: number) => boolean,
  onTree: (done: number, total: number) => void,
): GbtModel {
  const p = c.elapsed ? width : width - 1;
  let n = 0;
  units.forEach((u, i) => {
    if (use(i)) n += u.time.length - (window - 1);
  });
  const columns = Array.from({ length: p }, () => new Float64Array(n));
  const y = new Float64Array(n);
  let r = 0;
  units.forEach((u, i) => {
    if (!use(i)) return;
    const f = features[i]!;
    const end = u.time[u.time.length - 1]!;
    for (let row = window - 1; row < u.time.length; row++, r++) {
      for (let j = 0; j < p; j++) columns[j]![r] = f[row * width + j]!;
      y[r] = Math.min(c.cap, end - u.time[row]!);
    }
  });
  return fitGbt(columns, y, params, onTree);
}

function predictRow(
  model: GbtModel,
  f: Float64Array,
  row: number,
  width: number,
  elapsed: boolean,
): number {
  return predictGbt(model, f.subarray(row * width, row * width + (elapsed ? width : width - 1)));
}

interface Screened {
  k: number;
  mean: number;
  sd: number;
}

/** Columns that vary, with their training mean and SD. */
function screenSensors(train: RunData): Screened[] {
  const out: Screened[] = [];
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
    const sd = Math.sqrt(m2 / Math.max(1, n - 1));
    if (sd > 1e-9 * Math.max(1, Math.abs(m))) out.push({ k, mean: m, sd });
  });
  return out;
}

/**
 * Keeps sensors whose smoothed reading, or its move from the unit's first rows, correlates with
 * the capped remaining life. The move matters: a sensor may drift up in some units and down in
 * others, or start at unit-specific levels, and still tell a unit's wear.
 */
function selectSensors(
  train: RunData,
  screened: Screened[],
  cap: number,
  window: number,
): Screened[] {
  const alpha = 2 / 11;
  const kept = screened.filter((s) => {
    const level: number[] = [];
    const move: number[] = [];
    const target: number[] = [];
    for (const u of train.units) {
      const v = u.values[s.k]!;
      const end = u.time[u.time.length - 1]!;
      let ew = v[0]!;
      let baseline = 0;
      for (let i = 0; i < v.length; i++) {
        ew += alpha * (v[i]! - ew);
        if (i < window) baseline += (v[i]! - baseline) / (i + 1);
        if (i < window - 1) continue;
        level.push(ew);
        move.push(Math.abs(ew - baseline));
        target.push(Math.min(cap, end - u.time[i]!));
      }
    }
    return (
      Math.max(Math.abs(correlation(level, target)), Math.abs(correlation(move, target))) >=
      MIN_CORRELATION
    );
  });
  return kept.length ? kept : screened;
}

/**
 * Per sensor, the mean and SD over training units of their baselines (z units): the fleet's
 * reference for a unit first seen when already worn. At the window's last row the baseline is
 * the short EWMA minus its move from baseline.
 */
function fleetBaseline(
  features: Float64Array[],
  sensors: number,
  width: number,
  window: number,
): { mean: number[]; sd: number[] } {
  const mean: number[] = [];
  const sd: number[] = [];
  for (let k = 0; k < sensors; k++) {
    const o = (window - 1) * width + k * 5;
    const xs = features.map((f) => f[o]! - f[o + 2]!);
    const m = xs.reduce((a, b) => a + b, 0) / xs.length;
    mean.push(round6(m));
    sd.push(
      round6(Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, xs.length - 1))),
    );
  }
  return { mean, sd };
}

/** Trees with leaf values rounded to 6 significant digits (thresholds stay exact). */
function compact(m: GbtModel): GbtModel {
  return {
    base: round6(m.base),
    trees: m.trees.map((t) => ({
      f: t.f,
      t: t.t.map((v, i) => (t.f[i]! < 0 ? round6(v) : v)),
      l: t.l,
      r: t.r,
    })),
  };
}

function diffs(t: Float64Array): number[] {
  const out: number[] = [];
  for (let i = 1; i < t.length; i++) out.push(t[i]! - t[i - 1]!);
  return out;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[n >> 1]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
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

function round3(x: number): number {
  return Number(x.toPrecision(6)) === x ? x : Math.round(x * 1000) / 1000;
}

function round6(x: number): number {
  return Number(x.toPrecision(6));
}
