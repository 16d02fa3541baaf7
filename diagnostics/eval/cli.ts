import { writeFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { PROFILES } from '../profiles/index.ts';
import { calibrateFromFleet } from './calibrate-fleet.ts';
import { EVAL_USAGE, parseEvalArgs, type EvalArgs } from './options.ts';
import { checkTargets, formatReport } from './report.ts';
import { evaluatePass, type Progress } from './run.ts';
import type { FleetRun } from './simulate.ts';

/**
 * `npm run eval:diagnostics`: detection quality of the diagnostics engine on simulated fleets
 * with injected faults. A training fleet (its own seed and devices) calibrates healthy
 * baselines per product model; an evaluation fleet (another seed, other devices) then runs
 * through the same engine the service uses, and its alerts are scored against the
 * simulator's ground truth (score.ts). Prints the per-mode table and the targets of issue #4;
 * `--out` writes everything as JSON. Exit codes: 0 done (targets met or not), 2 bad arguments.
 */
export async function evalCli(
  argv: readonly string[],
  io: { stdout(s: string): void; stderr(s: string): void; isTTY: boolean },
): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout(EVAL_USAGE);
    return 0;
  }
  let args: EvalArgs;
  try {
    args = parseEvalArgs(argv);
  } catch (err) {
    io.stderr(`eval:diagnostics: ${(err as Error).message}\n\n${EVAL_USAGE}`);
    return 2;
  }
  const end = args.start + args.days * 86_400_000;
  const fleet = (seed: number, devices: number, faults: number): FleetRun => ({
    seed,
    devices,
    mix: args.mix,
    faults,
    start: args.start,
    end,
    ...(args.intervalS !== undefined ? { intervalS: args.intervalS } : {}),
  });
  const began = Date.now();
  const progress = (phase: string) => progressLine(phase, io, args.quiet);
  let calibration;
  if (args.calibrate) {
    const p = progress('calibrate');
    calibration = calibrateFromFleet(
      fleet(args.trainSeed, args.trainDevices, args.trainFaults),
      PROFILES,
      p.update,
    );
    p.done();
  }
  const p = progress('evaluate');
  const result = evaluatePass({
    run: fleet(args.seed, args.devices, args.faults),
    profiles: PROFILES,
    ...(calibration ? { references: calibration.references } : {}),
    dismissAfterMs: args.dismissAfterMs,
    rulEveryMs: 86_400_000,
    graceMs: args.graceMs,
    onProgress: p.update,
  });
  p.done();
  const command = `npm run eval:diagnostics -- ${argv.join(' ')}`.trim();
  io.stdout(
    `evaluation fleet: seed ${args.seed}, ${args.devices} devices, ${args.days} days from ` +
      `${new Date(args.start).toISOString().slice(0, 10)}, sampled every ` +
      `${args.intervalS ? `${args.intervalS} s` : "model's own interval"}, ${args.faults * 100} % with a fault\n` +
      (calibration
        ? `calibration: seed ${args.trainSeed}, ${args.trainDevices} devices (${calibration.units} healthy units → ${calibration.references.size} baselines)\n`
        : 'calibration: off (each unit learns its own baseline only)\n') +
      `${result.samples.toLocaleString('en')} samples in ${((Date.now() - began) / 1000).toFixed(0)} s ` +
      `(evaluation pass ${((result.cpuMs * 1000) / result.samples).toFixed(1)} µs CPU per sample, simulator included)\n\n`,
  );
  io.stdout(formatReport(result.score));
  if (args.out) {
    const json = {
      command,
      args: { ...args, start: new Date(args.start).toISOString(), mix: args.mix },
      calibration: calibration
        ? { units: calibration.units, baselines: calibration.references.size }
        : null,
      samples: result.samples,
      seconds: (Date.now() - began) / 1000,
      targets: checkTargets(result.score),
      ...result.score,
    };
    await writeFile(args.out, JSON.stringify(json, null, 2) + '\n');
    io.stdout(`\nwrote ${args.out}\n`);
  }
  return 0;
}

/** A progress line on stderr: rewritten in place on a terminal, every 10 s otherwise. */
function progressLine(
  phase: string,
  io: { stderr(s: string): void; isTTY: boolean },
  quiet: boolean,
): { update: (p: Progress) => void; done: () => void } {
  const t0 = Date.now();
  let next = 0;
  let last = '';
  const every = io.isTTY ? 1000 : 10_000;
  const render = (p: Progress): string => {
    const s = (Date.now() - t0) / 1000;
    const share = p.devices ? p.devicesDone / p.devices : 1;
    const eta =
      share > 0.02 && share < 1 ? ` · ETA ${Math.round((s / share) * (1 - share))} s` : '';
    return `[${phase}] devices ${p.devicesDone}/${p.devices} · ${(p.samples / 1e6).toFixed(1)}M samples · ${s.toFixed(0)} s${eta}`;
  };
  return {
    update(p) {
      if (quiet || Date.now() < next) return;
      next = Date.now() + every;
      last = render(p);
      io.stderr(io.isTTY ? `\r${last}\u001b[K` : `${last}\n`);
    },
    done() {
      if (!quiet && last) io.stderr(io.isTTY ? '\n' : '');
    },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const code = await evalCli(process.argv.slice(2), {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    isTTY: process.stderr.isTTY === true,
  });
  process.exitCode = code;
}
