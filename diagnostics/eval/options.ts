import { z } from 'zod';
import { EVEN_MIX, parseMix, type Mix } from '../../simulators/index.ts';

/**
 * Arguments of `npm run eval:diagnostics`, parsed with zod. Defaults give a run of a few
 * minutes on a 2-core machine: a year of a 240-unit fleet sampled every 10 minutes, calibrated
 * on the healthy units of a different seed's 480.
 */
export const EVAL_USAGE = `usage: npm run eval:diagnostics -- [options]

  --seed N            evaluation fleet seed (default 2)
  --train-seed N      training/calibration fleet seed, must differ from --seed (default 1)
  --devices N         evaluation devices (default 240)
  --train-devices N   training devices (default 480; only their healthy units are used)
  --train-faults F    share of training devices with a fault (default 0.2)
  --days N            simulated days per fleet (default 365)
  --interval S        sampling interval in simulated seconds (default 600; 0 = each model's own)
  --faults F          share of devices with an injected fault, 0–1 (default 0.75)
  --mix LIST          category weights, e.g. air_conditioner=3,tv=1 (default: all equally)
  --start ISO         start of the simulated window (default 2025-01-01T00:00:00Z)
  --calibrate BOOL    learn healthy baselines from the training fleet (default true)
  --dismiss-hours H   a wrong alert is dismissed this long after it opened (default 24)
  --grace-hours H     an alert up to this long after a failure still detects it (default 24)
  --out FILE          also write the full result as JSON
  --quiet             no progress line on stderr
`;

const int = (name: string, min: number, max: number) =>
  z.coerce
    .number({ error: `--${name}: expected a number` })
    .int(`--${name}: expected a whole number`)
    .min(min, `--${name}: must be ≥ ${min}`)
    .max(max, `--${name}: must be ≤ ${max}`);

const bool = (name: string) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], {
      error: `--${name}: expected true or false`,
    })
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

export const EvalArgsSchema = z
  .object({
    seed: int('seed', 0, 2 ** 31 - 1).default(2),
    'train-seed': int('train-seed', 0, 2 ** 31 - 1).default(1),
    devices: int('devices', 1, 100_000).default(240),
    'train-devices': int('train-devices', 1, 100_000).default(480),
    'train-faults': z.coerce
      .number({ error: '--train-faults: expected a number' })
      .min(0, '--train-faults: must be between 0 and 1')
      .max(1, '--train-faults: must be between 0 and 1')
      .default(0.2),
    days: int('days', 2, 3650).default(365),
    interval: int('interval', 0, 86_400).default(600),
    faults: z.coerce
      .number({ error: '--faults: expected a number' })
      .min(0, '--faults: must be between 0 and 1')
      .max(1, '--faults: must be between 0 and 1')
      .default(0.75),
    mix: z
      .string()
      .transform((text, ctx): Mix => {
        try {
          return parseMix(text);
        } catch (err) {
          ctx.addIssue({ code: 'custom', message: `--mix: ${(err as Error).message}` });
          return z.NEVER;
        }
      })
      .optional(),
    start: z.iso
      .datetime({ error: '--start: expected an ISO-8601 time such as 2025-01-01T00:00:00Z' })
      .default('2025-01-01T00:00:00Z'),
    calibrate: bool('calibrate').default(true),
    'dismiss-hours': z.coerce
      .number({ error: '--dismiss-hours: expected a number' })
      .positive('--dismiss-hours: must be > 0')
      .default(24),
    'grace-hours': z.coerce
      .number({ error: '--grace-hours: expected a number' })
      .min(0, '--grace-hours: must be ≥ 0')
      .default(24),
    out: z.string().min(1, '--out: expected a file name').optional(),
    quiet: z.literal('true').optional(),
  })
  .strict()
  .refine((a) => a.seed !== a['train-seed'], {
    message: '--train-seed must differ from --seed (never calibrate on the evaluation fleet)',
  });

export interface EvalArgs {
  seed: number;
  trainSeed: number;
  devices: number;
  trainDevices: number;
  trainFaults: number;
  days: number;
  /** Undefined: each model's own interval. */
  intervalS: number | undefined;
  faults: number;
  mix: Mix;
  start: number;
  calibrate: boolean;
  dismissAfterMs: number;
  graceMs: number;
  out: string | undefined;
  quiet: boolean;
}

/**
 * `--name value`, `--name=value` and the bare flag `--quiet` into {@link EvalArgs}; throws an
 * Error whose message names every bad argument.
 */
export function parseEvalArgs(argv: readonly string[]): EvalArgs {
  const raw: Record<string, string> = {};
  const problems: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) {
      problems.push(`unexpected argument "${arg}"`);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
    if (name === 'quiet' && eq < 0) {
      raw.quiet = 'true';
      continue;
    }
    const value = eq > 0 ? arg.slice(eq + 1) : argv[i + 1];
    if (value === undefined || (eq < 0 && value.startsWith('--'))) {
      problems.push(`--${name} needs a value`);
      continue;
    }
    if (eq < 0) i++;
    raw[name] = value;
  }
  const parsed = EvalArgsSchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      if (issue.code === 'unrecognized_keys')
        problems.push(...issue.keys.map((k) => `unknown argument --${k}`));
      else problems.push(issue.message);
    }
  }
  if (problems.length || !parsed.success) throw new Error(problems.join('; '));
  const a = parsed.data;
  return {
    seed: a.seed,
    trainSeed: a['train-seed'],
    devices: a.devices,
    trainDevices: a['train-devices'],
    trainFaults: a['train-faults'],
    days: a.days,
    intervalS: a.interval === 0 ? undefined : a.interval,
    faults: a.faults,
    mix: a.mix ?? EVEN_MIX,
    start: Date.parse(a.start),
    calibrate: a.calibrate,
    dismissAfterMs: a['dismiss-hours'] * 3_600_000,
    graceMs: a['grace-hours'] * 3_600_000,
    out: a.out,
    quiet: a.quiet !== undefined,
  };
}
