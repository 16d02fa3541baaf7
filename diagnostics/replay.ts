import { readFile, writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { CategorySchema } from '../core/index.ts';
import { calibrateMode } from './calibrate.ts';
import {
  createRulStream,
  fitRulModel,
  type FitResult,
  type RulModelArtefact,
} from './learn/index.ts';
import { PROFILES } from './profiles/index.ts';
import { formatPredictions, InputError, parseRunCsv, type RunData } from './replay/csv.ts';

/**
 * `sanbao diagnose replay --train train.csv [--test test.csv --out predictions.csv] [--save model.json]`
 *
 * Learns a remaining-useful-life model from run-to-failure histories (every training unit's
 * series ends at its failure), reports its unit-wise cross-validated error, and predicts, for
 * each test unit, the time left after its last row (file time units) with an interval. See
 * learn/fit.ts for the method and diagnostics/README.md for the validation protocol.
 * Exit codes: 0 done, 1 unexpected failure, 2 bad arguments or bad input (the message names
 * the argument or the file line).
 */
export const DIAGNOSE_USAGE = `usage: sanbao diagnose replay --train <train.csv> [--test <test.csv> --out <predictions.csv>] [--save <model.json>]

  --train    CSV "unit,time,<sensor…>"; each unit's series ends at its failure
  --test     CSV with the same columns; series stop before failure
  --out      where to write "unit,rul,rul_low,rul_high" (remaining time after each test unit's
             last row, and its interval); without it the CSV goes to stdout and the report to
             stderr
  --save     where to write the trained model (JSON artefact for POST /api/v1/diagnostics/models)
  --folds    cross-validation folds (default 5)
  --seed     seed of folds, cuts and trees (default 1): the same seed gives the same model
  --horizon  remaining life up to which validation cuts fall (default ¾ of the median life)
  --level    interval level (default 0.8)
  --window   baseline rows, also the least rows a test unit needs (default 15 % of the median
             rows per training unit, 5…30)

usage: sanbao diagnose calibrate --category <category> --mode <mode id> --train <runs.csv>

  Re-estimates the mode's failure moves from run-to-failure histories whose columns are the
  category's metrics; prints what changed and the calibrated indicators as JSON.
`;

const ReplayArgsSchema = z
  .object({
    train: z.string().min(1, 'missing --train <file>'),
    test: z.string().min(1).optional(),
    out: z.string().min(1).optional(),
    save: z.string().min(1).optional(),
    folds: z.coerce.number().int().min(2).max(20).default(5),
    seed: z.coerce
      .number()
      .int()
      .min(0)
      .max(2 ** 31)
      .default(1),
    horizon: z.coerce.number().positive().optional(),
    level: z.coerce.number().gt(0.5).lt(1).default(0.8),
    window: z.coerce.number().int().min(1).max(10_000).optional(),
  })
  .refine((a) => a.out === undefined || a.test !== undefined, {
    message: '--out needs --test (the units to predict)',
    path: ['out'],
  })
  .refine((a) => a.test !== undefined || a.save !== undefined, {
    message: 'nothing to do: give --test and --out, or --save',
    path: ['test'],
  });

export interface DiagnoseIo {
  stdout(s: string): void;
  stderr(s: string): void;
  /** True when stderr is a terminal (progress redraws one line). */
  isTTY?: boolean;
}

const REPLAY_FLAGS = [
  'train',
  'test',
  'out',
  'save',
  'folds',
  'seed',
  'horizon',
  'level',
  'window',
];

/** Entry point of `sanbao diagnose …` (dispatched by app/cli.ts). */
export async function diagnoseCli(args: string[], io: DiagnoseIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined) {
    io.stderr(`sanbao diagnose: missing subcommand\n\n${DIAGNOSE_USAGE}`);
    return 2;
  }
  if (sub === 'help' || sub === '--help' || sub === '-h') {
    io.stdout(DIAGNOSE_USAGE);
    return 0;
  }
  if (sub === 'calibrate') return calibrateCli(rest, io);
  if (sub !== 'replay') {
    io.stderr(`sanbao diagnose: unknown subcommand "${sub}"\n\n${DIAGNOSE_USAGE}`);
    return 2;
  }
  const raw = parseFlags(rest, REPLAY_FLAGS, 'replay', io);
  if (!raw) return 2;
  const parsed = ReplayArgsSchema.safeParse({ train: '', ...raw });
  if (!parsed.success) {
    const msg = parsed.error.issues
      .map((i) => {
        const flag = String(i.path[0] ?? '');
        return flag && !i.message.includes('--') ? `--${flag}: ${i.message}` : i.message;
      })
      .join('; ');
    io.stderr(`sanbao diagnose replay: ${msg}\n\n${DIAGNOSE_USAGE}`);
    return 2;
  }
  const a = parsed.data;
  try {
    const train = parseRunCsv(await readInput(a.train, '--train'), a.train);
    const test = a.test
      ? alignColumns(parseRunCsv(await readInput(a.test, '--test'), a.test), train, a.test)
      : undefined;
    const progress = progressReporter(io);
    const fit = fitRulModel(train, {
      folds: Math.min(a.folds, train.units.length),
      seed: a.seed,
      level: a.level,
      ...(a.horizon !== undefined ? { horizon: a.horizon } : {}),
      ...(a.window !== undefined ? { window: a.window } : {}),
      onProgress: progress.update,
    });
    progress.done();
    // Predictions without --out go to stdout, so the report moves to stderr.
    const say = test && !a.out ? io.stderr : io.stdout;
    say(report(train, fit));
    if (a.save) {
      await writeFile(a.save, `${JSON.stringify(fit.model)}\n`);
      say(`saved model ${fit.model.id} to ${a.save}\n`);
    }
    if (test && a.test) {
      const csv = formatPredictions(predictUnits(fit.model, test, a.test));
      if (a.out) {
        await writeFile(a.out, csv);
        say(`wrote ${test.units.length} predictions to ${a.out}\n`);
      } else io.stdout(csv);
    }
    return 0;
  } catch (err) {
    if (err instanceof InputError) {
      io.stderr(`sanbao diagnose replay: ${err.message}\n`);
      return 2;
    }
    io.stderr(`sanbao diagnose replay: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

/** The test file's columns in the training file's order (files may list them differently). */
function alignColumns(test: RunData, train: RunData, file: string): RunData {
  const missing = train.sensors.filter((s) => !test.sensors.includes(s));
  if (missing.length)
    throw new InputError(
      `${file} line 1: missing column(s) ${missing.join(', ')} present in the training file`,
    );
  return {
    sensors: train.sensors,
    units: test.units.map((u) => ({
      ...u,
      values: train.sensors.map((s) => u.values[test.sensors.indexOf(s)]!),
    })),
  };
}

/** Each test unit's remaining life after its last row, through the streaming evaluation. */
function predictUnits(
  model: RulModelArtefact,
  test: RunData,
  file: string,
): Array<{ unit: string; rul: number; lower: number; upper: number }> {
  const stream = createRulStream(model);
  const cols = model.sensors.map((s) => test.sensors.indexOf(s));
  const state = new Float64Array(stream.stateSize);
  const row = new Float64Array(cols.length);
  return test.units.map((u) => {
    if (u.time.length < model.features.window)
      throw new InputError(
        `${file} line ${u.line ?? '?'}: unit "${u.unit}" has ${u.time.length} rows; the model needs at least ${model.features.window} (its baseline window, --window)`,
      );
    stream.init(state, 0);
    for (let i = 0; i < u.time.length; i++) {
      cols.forEach((k, q) => (row[q] = u.values[k]![i]!));
      stream.push(state, 0, row);
    }
    return { unit: u.unit, ...stream.predict(state, 0)! };
  });
}

function report(train: RunData, fit: FitResult): string {
  const m = fit.model;
  const rows = train.units.reduce((a, u) => a + u.time.length, 0);
  const lines = [
    `trained on ${train.units.length} units (${rows} rows); ${m.sensors.length} of ${train.sensors.length} columns used: ${m.sensors.join(', ')}`,
    `validation: ${m.cv.protocol}`,
    ...fit.candidates.map(
      (c) =>
        `  cap ${fmt(c.cap)}${c.elapsed ? ', with elapsed time' : ', no elapsed time'}: RMSE ${c.horizon.rmse.toFixed(2)}, PHM08 ${c.horizon.phm08Per100.toFixed(0)} per 100 predictions (whole-life cuts: RMSE ${c.life.rmse.toFixed(2)})${c === fit.chosen ? '  ← chosen' : ''}`,
    ),
    `cross-validated RMSE ${m.cv.rmse.toFixed(2)}, PHM08 score ${m.cv.phm08Per100.toFixed(0)} per 100 predictions, mean error ${m.cv.bias.toFixed(2)}; ${Math.round(m.cv.level * 100)} % interval coverage ${(m.cv.coverage * 100).toFixed(1)} %`,
    `model ${m.id}: ${m.training.method}, cap ${fmt(m.cap)}; trained in ${m.training.seconds.toFixed(1)} s, peak memory ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`,
  ];
  return `${lines.join('\n')}\n`;
}

/** Progress on stderr: one redrawn line on a terminal, a line per 10 % otherwise. */
function progressReporter(io: DiagnoseIo): {
  update: (phase: string, done: number, total: number) => void;
  done: () => void;
} {
  let lastStep = -1;
  let drawn = false;
  return {
    update(phase, done, total) {
      const pct = Math.floor((100 * done) / total);
      if (io.isTTY) {
        if (pct === lastStep) return;
        lastStep = pct;
        drawn = true;
        io.stderr(`\rtraining: ${phase} ${pct} %   `);
        return;
      }
      const step = Math.floor(pct / 10);
      if (step === lastStep) return;
      lastStep = step;
      io.stderr(`training: ${phase} ${step * 10} %\n`);
    },
    done() {
      if (drawn) io.stderr('\rtraining: done          \n');
    },
  };
}

async function readInput(path: string, flag: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new InputError(`${flag} ${path}: cannot read (${code})`);
  }
}

function fmt(x: number): string {
  return Number.isFinite(x) ? String(Number(x.toPrecision(4))) : 'none';
}

/** `--name value` pairs; null (after telling the user) on an unknown flag or a missing value. */
function parseFlags(
  args: string[],
  allowed: string[],
  sub: string,
  io: DiagnoseIo,
): Record<string, string> | null {
  const raw: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const flag = args[i]!;
    const name = flag.startsWith('--') ? flag.slice(2) : '';
    if (!allowed.includes(name)) {
      io.stderr(`sanbao diagnose ${sub}: unknown argument "${flag}"\n\n${DIAGNOSE_USAGE}`);
      return null;
    }
    const value = args[i + 1];
    if (value === undefined || value.startsWith('--')) {
      io.stderr(`sanbao diagnose ${sub}: --${name} needs a value\n`);
      return null;
    }
    raw[name] = value;
    i++;
  }
  return raw;
}

const CalibrateArgsSchema = z.object({
  category: CategorySchema,
  mode: z.string().min(1, 'missing --mode <mode id>'),
  train: z.string().min(1, 'missing --train <file>'),
});

async function calibrateCli(args: string[], io: DiagnoseIo): Promise<number> {
  const raw = parseFlags(args, ['category', 'mode', 'train'], 'calibrate', io);
  if (!raw) return 2;
  const parsed = CalibrateArgsSchema.safeParse({ mode: '', train: '', ...raw });
  if (!parsed.success) {
    const msg = parsed.error.issues
      .map((i) =>
        i.path[0] === 'category'
          ? `--category: expected one of ${CategorySchema.options.join(', ')}`
          : i.message,
      )
      .join('; ');
    io.stderr(`sanbao diagnose calibrate: ${msg}\n`);
    return 2;
  }
  const { category, mode, train } = parsed.data;
  const profile = PROFILES.find((p) => p.category === category)!;
  if (!profile.modes.some((m) => m.id === mode)) {
    io.stderr(
      `sanbao diagnose calibrate: --mode: ${category} has no mode "${mode}" (${profile.modes.map((m) => m.id).join(', ')})\n`,
    );
    return 2;
  }
  try {
    const data = parseRunCsv(await readInput(train, '--train'), train);
    const result = calibrateMode(profile, mode, data);
    for (const r of result.rows) {
      io.stdout(
        `${r.metric} ${r.field}: ${fmt(r.before)} → ${fmt(r.after)} (${r.units} units)${r.note ? ` — ${r.note}` : ''}\n`,
      );
    }
    io.stdout(`${JSON.stringify(result.mode.indicators, null, 2)}\n`);
    return 0;
  } catch (err) {
    io.stderr(`sanbao diagnose calibrate: ${err instanceof Error ? err.message : String(err)}\n`);
    return err instanceof InputError ? 2 : 1;
  }
}
