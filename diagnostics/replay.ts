import { readFile, writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { CategorySchema } from '../ingest/categories.ts';
import { calibrateMode } from './calibrate.ts';
import { PROFILES } from './profiles/index.ts';
import { formatPredictions, InputError, parseRunCsv } from './replay/csv.ts';
import { fitRulModel, predictRul } from './replay/rul-model.ts';

/**
 * `sanbao diagnose replay --train train.csv --test test.csv --out predictions.csv`
 *
 * Learns a remaining-useful-life model from run-to-failure histories (every training unit's
 * series ends at its failure) and predicts, for each test unit, the time left after its last
 * row, in the file's own time unit. See replay/rul-model.ts for the method.
 * Exit codes: 0 done, 1 unexpected failure, 2 bad arguments or bad input (the message names
 * the argument or the file line).
 */
export const DIAGNOSE_USAGE = `usage: sanbao diagnose replay --train <train.csv> --test <test.csv> --out <predictions.csv>

  --train  CSV "unit,time,<sensor…>"; each unit's series ends at its failure
  --test   CSV with the same columns; series stop before failure
  --out    where to write "unit,rul" (remaining time after each test unit's last row)
  --folds  cross-validation folds for model selection (default 5)

usage: sanbao diagnose calibrate --category <category> --mode <mode id> --train <runs.csv>

  Re-estimates the mode's failure moves from run-to-failure histories whose columns are the
  category's metrics; prints what changed and the calibrated indicators as JSON.
`;

const ReplayArgsSchema = z.object({
  train: z.string().min(1, 'missing --train <file>'),
  test: z.string().min(1, 'missing --test <file>'),
  out: z.string().min(1, 'missing --out <file>'),
  folds: z.coerce.number().int().min(2).max(20).default(5),
});

export interface DiagnoseIo {
  stdout(s: string): void;
  stderr(s: string): void;
}

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
  const raw = parseFlags(rest, ['train', 'test', 'out', 'folds'], 'replay', io);
  if (!raw) return 2;
  const parsed = ReplayArgsSchema.safeParse({ train: '', test: '', out: '', ...raw });
  if (!parsed.success) {
    const msg = parsed.error.issues
      .map((i) => (i.path[0] === 'folds' ? `--folds: ${i.message}` : i.message))
      .join('; ');
    io.stderr(`sanbao diagnose replay: ${msg}\n\n${DIAGNOSE_USAGE}`);
    return 2;
  }
  const a = parsed.data;
  try {
    const train = parseRunCsv(await readInput(a.train, '--train'), a.train);
    const test = parseRunCsv(await readInput(a.test, '--test'), a.test);
    const missing = train.sensors.filter((s) => !test.sensors.includes(s));
    if (missing.length)
      throw new InputError(
        `${a.test} line 1: missing column(s) ${missing.join(', ')} present in ${a.train}`,
      );
    // Align the test columns to the training order (files may list them differently).
    const aligned = {
      sensors: train.sensors,
      units: test.units.map((u) => ({
        ...u,
        values: train.sensors.map((s) => u.values[test.sensors.indexOf(s)]!),
      })),
    };
    const model = fitRulModel(train, { folds: Math.min(a.folds, train.units.length) });
    const rows = aligned.units.map((u) => ({ unit: u.unit, rul: predictRul(model, u) }));
    await writeFile(a.out, formatPredictions(rows));
    io.stdout(
      `trained on ${train.units.length} units; sensors used: ${model.used.map((k) => model.sensors[k]).join(', ')}\n` +
        `RUL cap ${fmt(model.cap)}, smoothing α ${model.alpha.toFixed(3)}, ${model.quadratic ? 'quadratic' : 'linear'} features, cross-validated RMSE ${fmt(model.cvRmse)}\n` +
        `wrote ${rows.length} predictions to ${a.out}\n`,
    );
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
