/**
 * Remaining-life accuracy on real run-to-failure data, every method under one protocol.
 *
 *   npm run eval:rul -- [train.csv|train_FD001.txt] [--seeds 1,2,3] [--folds 5] [--quick]
 *
 * Default data: NASA C-MAPSS FD001's training units (../shared/data/cmapss-fd001/, or the 30 units
 * committed in diagnostics/learn/testdata/ when that is absent). The FD001 test split is never
 * read. Outer unit-wise k-fold cross-validation with the cuts of diagnostics/learn/validation.ts:
 * for each outer fold every method is fitted on the other folds' units only (the new learner runs
 * its own inner cross-validation there to choose its cap: nested, so its figure includes the
 * selection), then predicts each held-out unit at its cuts from the rows up to the cut.
 *
 * Methods, side by side:
 * - constant: half the horizon (what a predictor that knows nothing but the protocol would say);
 * - linear: ridge regression of the capped remaining life on the latest z-scored readings of the
 *   informative sensors (the plain baseline the issue names);
 * - previous learner (bench/lib/ridge-rul.ts) with the cross-validated RMSE it reported itself;
 * - the learner of `sanbao diagnose replay` (diagnostics/learn).
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { NormalEquations, predict as ridgePredict } from '../diagnostics/numerics/ridge.ts';
import { createRulStream, fitRulModel, type RulModelArtefact } from '../diagnostics/learn/index.ts';
import { assignFolds, cutRows, score, type Cut } from '../diagnostics/learn/validation.ts';
import { parseRunCsv, type RunData, type UnitSeries } from '../diagnostics/replay/csv.ts';
import { fitRulModel as fitPrevious, predictRul as predictPrevious } from './lib/ridge-rul.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    seeds: { type: 'string', default: '1' },
    folds: { type: 'string', default: '5' },
    quick: { type: 'boolean', default: false },
  },
});
const here = fileURLToPath(new URL('.', import.meta.url));
const shared = `${here}../../shared/data/cmapss-fd001/train_FD001.txt`;
const committed = `${here}../diagnostics/learn/testdata/cmapss-fd001-train-30.csv`;
const file = positionals[0] ?? (existsSync(shared) ? shared : committed);
const data = parseRunCsv(readFileSync(file, 'utf8'), file);
const seeds = values.seeds.split(',').map(Number);
const folds = Number(values.folds);
const W = 30;

interface Row {
  method: string;
  seed: number;
  horizon: ReturnType<typeof score>;
  life: ReturnType<typeof score>;
  seconds: number;
  note?: string;
}

function subset(d: RunData, keep: (i: number) => boolean): RunData {
  return { sensors: d.sensors, units: d.units.filter((_, i) => keep(i)) };
}

function truncate(u: UnitSeries, row: number): UnitSeries {
  return {
    unit: u.unit,
    time: u.time.subarray(0, row + 1),
    values: u.values.map((v) => v.subarray(0, row + 1)),
  };
}

function medianOf(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/** Ridge on the latest z-scored readings of sensors with |r| ≥ 0.2 against the capped life. */
function fitLinear(train: RunData, cap: number): (u: UnitSeries, row: number) => number {
  const K = train.sensors.length;
  const mean = new Float64Array(K);
  const sd = new Float64Array(K);
  const keep: number[] = [];
  for (let k = 0; k < K; k++) {
    const xs = train.units.flatMap((u) => [...u.values[k]!]);
    const m = xs.reduce((a, b) => a + b, 0) / xs.length;
    const s = Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length);
    mean[k] = m;
    sd[k] = s;
    if (s < 1e-9 * Math.max(1, Math.abs(m))) continue;
    const ys = train.units.flatMap((u) =>
      [...u.time].map((t) => Math.min(cap, u.time[u.time.length - 1]! - t)),
    );
    const my = ys.reduce((a, b) => a + b, 0) / ys.length;
    let sxy = 0;
    let syy = 0;
    xs.forEach((x, i) => {
      sxy += (x - m) * (ys[i]! - my);
      syy += (ys[i]! - my) ** 2;
    });
    if (Math.abs(sxy / Math.sqrt(s * s * xs.length * syy)) >= 0.2) keep.push(k);
  }
  const ne = new NormalEquations(keep.length);
  const x = new Float64Array(keep.length);
  for (const u of train.units) {
    const end = u.time[u.time.length - 1]!;
    for (let i = 0; i < u.time.length; i++) {
      keep.forEach((k, q) => (x[q] = (u.values[k]![i]! - mean[k]!) / sd[k]!));
      ne.add(x, Math.min(cap, end - u.time[i]!));
    }
  }
  const fit = ne.solve(1e-3);
  return (u, row) => {
    keep.forEach((k, q) => (x[q] = (u.values[k]![row]! - mean[k]!) / sd[k]!));
    return Math.min(cap, Math.max(0, ridgePredict(fit, x)));
  };
}

function predictNew(model: RulModelArtefact, u: UnitSeries, row: number): number {
  const s = createRulStream(model);
  const state = new Float64Array(s.stateSize);
  const cols = model.sensors.map((n) => data.sensors.indexOf(n));
  const r = new Float64Array(cols.length);
  s.init(state, 0);
  for (let i = 0; i <= row; i++) {
    cols.forEach((k, q) => (r[q] = u.values[k]![i]!));
    s.push(state, 0, r);
  }
  return s.predict(state, 0)?.rul ?? model.cap;
}

const lives = data.units.map((u) => u.time[u.time.length - 1]! - u.time[0]!);
const horizon = 0.75 * medianOf(lives);
const rows: Row[] = [];
console.log(
  `data: ${file}: ${data.units.length} units, ${data.units.reduce((a, u) => a + u.time.length, 0)} rows`,
);
console.log(
  `protocol: unit-wise ${folds}-fold, 10 cuts per held-out unit; horizon cuts: true remaining life uniform in (0, ${horizon}]; life cuts: uniform over the life after ${W} rows\n`,
);

for (const seed of seeds) {
  const foldOf = assignFolds(data.units.length, folds, seed + 100);
  const hCuts = data.units.flatMap((u, i) =>
    cutRows(u.time, i, W, 'horizon', horizon, 10, seed + 100),
  );
  const lCuts = data.units.flatMap((u, i) =>
    cutRows(u.time, i, W, 'life', horizon, 10, seed + 100),
  );
  const methods: Array<{
    name: string;
    skip?: boolean;
    fit: (train: RunData) => { predict: (u: UnitSeries, row: number) => number; note?: string };
  }> = [
    { name: 'constant (half the horizon)', fit: () => ({ predict: () => horizon / 2 }) },
    {
      name: 'linear (latest z-scored readings)',
      fit: (train) => ({
        predict: fitLinear(
          train,
          0.625 * medianOf(train.units.map((u) => u.time[u.time.length - 1]! - u.time[0]!)),
        ),
      }),
    },
    {
      name: 'previous learner (ridge on EWMAs)',
      fit: (train) => {
        const m = fitPrevious(train, { folds: 5, seed });
        return {
          predict: (u, row) => predictPrevious(m, truncate(u, row)),
          note: `its own CV said RMSE ${m.cvRmse.toFixed(1)}`,
        };
      },
    },
    {
      name: 'diagnose replay (GBT, nested CV)',
      skip: values.quick,
      fit: (train) => {
        const r = fitRulModel(train, { seed, folds: 5 });
        return {
          predict: (u, row) => predictNew(r.model, u, row),
          note: `inner CV said RMSE ${r.model.cv.rmse.toFixed(1)}, cap ${r.model.cap}`,
        };
      },
    },
  ];
  for (const m of methods) {
    if (m.skip) continue;
    const started = process.cpuUsage();
    const hErr = new Float64Array(hCuts.length);
    const lErr = new Float64Array(lCuts.length);
    const notes: string[] = [];
    for (let f = 0; f < folds; f++) {
      const fitted = m.fit(subset(data, (i) => foldOf[i] !== f));
      if (fitted.note) notes.push(fitted.note);
      const run = (cuts: Cut[], out: Float64Array) =>
        cuts.forEach((c, i) => {
          if (foldOf[c.unit] === f) out[i] = fitted.predict(data.units[c.unit]!, c.row) - c.truth;
        });
      run(hCuts, hErr);
      run(lCuts, lErr);
      process.stderr.write(`seed ${seed} ${m.name}: fold ${f + 1}/${folds}\n`);
    }
    const cpu = process.cpuUsage(started);
    rows.push({
      method: m.name,
      seed,
      horizon: score(hErr),
      life: score(lErr),
      seconds: (cpu.user + cpu.system) / 1e6,
      note: notes.join('; '),
    });
  }
}

const linear = (seed: number) =>
  rows.find((r) => r.seed === seed && r.method.startsWith('linear'))!;
console.log(
  '| seed | method | RMSE (horizon) | × linear | PHM08 per 100 | mean error | RMSE (whole life) | CPU s | notes |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of rows) {
  console.log(
    `| ${r.seed} | ${r.method} | ${r.horizon.rmse.toFixed(2)} | ${(r.horizon.rmse / linear(r.seed).horizon.rmse).toFixed(2)} | ${r.horizon.phm08Per100.toFixed(0)} | ${r.horizon.bias.toFixed(1)} | ${r.life.rmse.toFixed(1)} | ${r.seconds.toFixed(0)} | ${r.note ?? ''} |`,
  );
}
