import { parseArgs } from 'node:util';
import { z } from 'zod';
import { parseDuration } from './clock.ts';
import { DEFAULT_EXPORT_START, exportFleet } from './export.ts';
import { EVEN_MIX, type Mix, parseMix } from './fleet.ts';
import { runFleet } from './runner.ts';
import { exportRunsToFailure } from './runs-to-failure.ts';
import { CategorySchema } from '../core/index.ts';

/** I/O of the CLI, injected (no process globals here). */
export interface SimulateIo {
  stdout(s: string): void;
  stderr(s: string): void;
  env: Record<string, string | undefined>;
}

export const SIMULATE_USAGE = `usage: sanbao simulate [options]

Runs a simulated fleet against a Sanbao service (HTTP provisioning + MQTT), or writes one as
files with --export.

  --api URL            HTTP API (env SANBAO_API, default http://127.0.0.1:8080)
  --mqtt URL           MQTT broker (env SANBAO_MQTT, default mqtt://127.0.0.1:1883)
  --token T            admin token for provisioning (env ADMIN_TOKEN)
  --devices N          fleet size (default 100)
  --mix a=W,b=W        category weights, e.g. air_conditioner=30,refrigerator=20 (default: all equal)
  --faults F           share of devices with an injected fault, 0–1 (default 0.05)
  --speed S            simulated seconds per real second; 86400 = a day per second, 1 = real time (default 1)
  --seed N             same seed → same fleet and data (default 1)
  --duration D         run for D (e.g. 90s, 10m, 2h); default until Ctrl-C
  --ground-truth FILE  write injected faults as JSONL
  --credentials FILE   device credentials cache (default data/simulator-credentials.json)
  --interval S         sampling interval override, simulated seconds
  --export DIR         write CSV per category, events.csv and ground-truth.jsonl; no service needed
  --days N             simulated days to export (default 7)
  --start ISO          simulated start time (export default 2025-01-01T00:00:00Z)
  --help               show this text

Run-to-failure histories of one failure mode (for \`sanbao diagnose replay\`), with --export DIR:
  --runs-to-failure MODE  write DIR/train.csv "unit,time,<metrics>": every unit gets MODE and
                          runs to its failure; time in hours, rows = metric means per row
  --category C            the mode's category
  --units N               training units (default 40)
  --test-units N          also DIR/test.csv (units cut before failure) and DIR/test-rul.csv
  --row-hours H           row length in hours (default 24)
  --metrics a,b,…         columns to write (default every metric of the model)
  --when METRIC>=VALUE    aggregate only samples meeting this (>=, >, <=, <), e.g.
                          hydraulic_pressure_bar>=150 for an excavator at work`;

const int = (name: string, min: number, max: number) =>
  z.coerce
    .number({ error: `--${name} must be a number` })
    .int(`--${name} must be an integer`)
    .min(min, `--${name} must be ≥ ${min}`)
    .max(max, `--${name} must be ≤ ${max}`);

const url = (name: string) =>
  z.url({
    error: `--${name} must be a URL, e.g. ${name === 'api' ? 'http://127.0.0.1:8080' : 'mqtt://127.0.0.1:1883'}`,
  });

const ArgsSchema = z.object({
  api: url('api'),
  mqtt: url('mqtt').refine(
    (u) => /^(mqtts?|wss?|tcp):/.test(u),
    '--mqtt must be an mqtt://, mqtts://, ws:// or wss:// URL',
  ),
  token: z.string().optional(),
  devices: int('devices', 1, 100_000),
  mix: z
    .string()
    .transform((s, ctx): Mix => {
      try {
        return parseMix(s);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: `--mix: ${(err as Error).message}` });
        return z.NEVER;
      }
    })
    .optional(),
  faults: z.coerce
    .number({ error: '--faults must be a number' })
    .min(0, '--faults must be between 0 and 1')
    .max(1, '--faults must be between 0 and 1'),
  speed: z.coerce
    .number({ error: '--speed must be a number' })
    .positive('--speed must be > 0')
    .max(1e7, '--speed must be ≤ 10000000'),
  seed: int('seed', 0, 2 ** 31 - 1),
  duration: z
    .string()
    .transform((s, ctx) => {
      try {
        const ms = parseDuration(s);
        if (ms <= 0) throw new Error('must be > 0');
        return ms;
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: `--duration: ${(err as Error).message}` });
        return z.NEVER;
      }
    })
    .optional(),
  'ground-truth': z.string().min(1).optional(),
  credentials: z.string().min(1),
  interval: z.coerce
    .number({ error: '--interval must be a number' })
    .min(1, '--interval must be ≥ 1 s')
    .optional(),
  export: z.string().min(1, '--export needs a folder').optional(),
  days: z.coerce
    .number({ error: '--days must be a number' })
    .positive('--days must be > 0')
    .max(3650, '--days must be ≤ 3650'),
  start: z.iso
    .datetime({ error: '--start must be an ISO-8601 time, e.g. 2025-01-01T00:00:00Z' })
    .transform((s) => Date.parse(s))
    .optional(),
  'runs-to-failure': z
    .string()
    .regex(/^[a-z0-9_]+$/, '--runs-to-failure: a failure mode id')
    .optional(),
  category: CategorySchema.optional(),
  units: int('units', 1, 10_000),
  'test-units': int('test-units', 0, 10_000),
  'row-hours': z.coerce
    .number({ error: '--row-hours must be a number' })
    .positive('--row-hours must be > 0')
    .max(24 * 365, '--row-hours must be ≤ 8760'),
  when: z
    .string()
    .transform((s, ctx) => {
      const m = /^([a-z0-9_]+)\s*(>=|>|<=|<)\s*(-?\d+(?:\.\d+)?)$/.exec(s);
      if (!m) {
        ctx.addIssue({ code: 'custom', message: '--when: METRIC>=VALUE (or >, <=, <)' });
        return z.NEVER;
      }
      const [, metric, op, raw] = m as unknown as [string, string, string, string];
      const v = Number(raw);
      return (x: Record<string, number>) => {
        const y = x[metric];
        if (y === undefined) return false;
        return op === '>=' ? y >= v : op === '>' ? y > v : op === '<=' ? y <= v : y < v;
      };
    })
    .optional(),
  metrics: z
    .string()
    .regex(/^[a-z0-9_]+(,[a-z0-9_]+)*$/, '--metrics: metric names separated by commas')
    .transform((s) => s.split(','))
    .optional(),
});

/**
 * `sanbao simulate`: parses and checks the arguments (one clear message naming the bad
 * argument, exit code 2), then runs the fleet or exports it. Returns the exit code.
 */
export async function simulateCli(args: string[], io: SimulateIo): Promise<number> {
  let values;
  try {
    values = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        api: { type: 'string' },
        mqtt: { type: 'string' },
        token: { type: 'string' },
        devices: { type: 'string' },
        mix: { type: 'string' },
        faults: { type: 'string' },
        speed: { type: 'string' },
        seed: { type: 'string' },
        duration: { type: 'string' },
        'ground-truth': { type: 'string' },
        credentials: { type: 'string' },
        interval: { type: 'string' },
        export: { type: 'string' },
        days: { type: 'string' },
        start: { type: 'string' },
        'runs-to-failure': { type: 'string' },
        category: { type: 'string' },
        units: { type: 'string' },
        'test-units': { type: 'string' },
        'row-hours': { type: 'string' },
        when: { type: 'string' },
        metrics: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (err) {
    io.stderr(`sanbao simulate: ${(err as Error).message}\n\n${SIMULATE_USAGE}`);
    return 2;
  }
  if (values.help) {
    io.stdout(SIMULATE_USAGE);
    return 0;
  }
  const parsed = ArgsSchema.safeParse({
    api: values.api ?? io.env.SANBAO_API ?? 'http://127.0.0.1:8080',
    mqtt: values.mqtt ?? io.env.SANBAO_MQTT ?? 'mqtt://127.0.0.1:1883',
    token: values.token ?? io.env.ADMIN_TOKEN,
    devices: values.devices ?? '100',
    mix: values.mix,
    faults: values.faults ?? '0.05',
    speed: values.speed ?? '1',
    seed: values.seed ?? '1',
    duration: values.duration,
    'ground-truth': values['ground-truth'],
    credentials: values.credentials ?? 'data/simulator-credentials.json',
    interval: values.interval,
    export: values.export,
    days: values.days ?? '7',
    start: values.start,
    'runs-to-failure': values['runs-to-failure'],
    category: values.category,
    units: values.units ?? '40',
    'test-units': values['test-units'] ?? '0',
    'row-hours': values['row-hours'] ?? '24',
    when: values.when,
    metrics: values.metrics,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const arg = String(issue?.path[0] ?? '');
    const message = issue?.message.startsWith('--')
      ? issue.message
      : `--${arg}: ${issue?.message ?? 'invalid'}`;
    io.stderr(`sanbao simulate: ${message}`);
    return 2;
  }
  const a = parsed.data;
  const mix = a.mix ?? EVEN_MIX;
  if (a['runs-to-failure'] !== undefined) {
    if (a.export === undefined || a.category === undefined) {
      io.stderr('sanbao simulate: --runs-to-failure needs --export DIR and --category C');
      return 2;
    }
    try {
      const r = await exportRunsToFailure({
        dir: a.export,
        category: a.category,
        mode: a['runs-to-failure'],
        units: a.units,
        testUnits: a['test-units'],
        seed: a.seed,
        start: a.start ?? DEFAULT_EXPORT_START,
        rowHours: a['row-hours'],
        ...(a.interval !== undefined ? { intervalS: a.interval } : {}),
        ...(a.when ? { when: a.when } : {}),
        ...(a.metrics ? { metrics: a.metrics } : {}),
      });
      io.stdout(
        `exported ${r.units} runs to failure of ${a['runs-to-failure']}, ${r.rows} rows of ${a['row-hours']} h (time in hours):\n${r.files.map((f) => `  ${f}`).join('\n')}`,
      );
      return 0;
    } catch (err) {
      io.stderr(`sanbao simulate: --runs-to-failure: ${(err as Error).message}`);
      return 2;
    }
  }
  if (a.export !== undefined) {
    const result = await exportFleet({
      dir: a.export,
      devices: a.devices,
      mix,
      faults: a.faults,
      seed: a.seed,
      days: a.days,
      ...(a.start !== undefined ? { start: a.start } : {}),
      ...(a.interval !== undefined ? { intervalS: a.interval } : {}),
    });
    io.stdout(
      `exported ${a.devices} devices, ${result.samples} samples, ${result.events} events, ${result.groundTruth.length} faults:\n${result.files.map((f) => `  ${f}`).join('\n')}`,
    );
    return 0;
  }
  if (!a.token) {
    io.stderr('sanbao simulate: --token is required (or set ADMIN_TOKEN) to provision devices');
    return 2;
  }
  const abort = new AbortController();
  const onSignal = (): void => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const summary = await runFleet({
      api: a.api,
      mqtt: a.mqtt,
      token: a.token,
      devices: a.devices,
      mix,
      faults: a.faults,
      speed: a.speed,
      seed: a.seed,
      credentialsFile: a.credentials,
      stderr: io.stderr,
      signal: abort.signal,
      ...(a.duration !== undefined ? { durationMs: a.duration } : {}),
      ...(a['ground-truth'] !== undefined ? { groundTruthFile: a['ground-truth'] } : {}),
      ...(a.interval !== undefined ? { intervalS: a.interval } : {}),
      ...(a.start !== undefined ? { start: a.start } : {}),
    });
    const s = summary.stats;
    io.stdout(
      `simulated ${summary.devices} devices ${summary.start} → ${summary.end}: ${s.samples} samples in ${s.messages} messages, ${s.events} events, ${summary.groundTruth.length} faults${summary.drained ? '' : ' (backlog not fully delivered)'}`,
    );
    return summary.drained ? 0 : 1;
  } catch (err) {
    io.stderr(`sanbao simulate: ${(err as Error).message}`);
    return 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
