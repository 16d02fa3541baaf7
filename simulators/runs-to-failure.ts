import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { once } from 'node:events';
import { join } from 'node:path';
import type { Category } from '../core/index.ts';
import { createSimDevice, sampleDevice, type SimDevice } from './device.ts';
import { applicableModes, planFleet, type FleetDevice } from './fleet.ts';
import { hashSeed, Rng } from './prng.ts';

/**
 * Run-to-failure histories of one failure mode, the input `sanbao diagnose replay` learns
 * remaining life from (issue 19): every unit of the category's fleet gets the mode, runs
 * healthy for a while, degrades over a span drawn from the mode's catalogue range, and its
 * series stops at functional failure. Samples are aggregated into rows — the mean of each
 * metric over a row of `rowHours`, optionally only over samples in an operating condition
 * (`when`: an excavator's coolant says little while it idles) — the same aggregation the
 * service applies to live telemetry for an uploaded model (diagnostics `rul-model`), so a
 * model trained on these rows reads live rows alike. A row without a qualifying sample is
 * left out. `time` is hours since the unit's first sample, at the end of the row.
 */
export interface RunsToFailureOptions {
  category: Category;
  /** Failure mode id (simulators/failure-modes.ts); every unit's model must have it. */
  mode: string;
  units: number;
  seed: number;
  /** Epoch ms of every unit's first sample. */
  start: number;
  /** Healthy days before the onset, drawn per unit (default 5–40). */
  healthyDays?: readonly [number, number];
  /** Sampling interval, simulated seconds (default each model's). */
  intervalS?: number;
  /** Row length, hours (default 24). */
  rowHours?: number;
  /** Only samples for which this holds are aggregated. */
  when?: (metrics: Record<string, number>) => boolean;
  /** Columns to write (default every metric of the model). */
  metrics?: readonly string[];
}

const DAY = 86_400_000;
const HOUR = 3_600_000;

/** Unit k of the run: a planned device with the mode forced on it, onset and failure drawn. */
export function runToFailureUnit(opts: RunsToFailureOptions, k: number): FleetDevice {
  const fleet = planFleet({
    devices: opts.units,
    mix: { [opts.category]: 1 },
    faults: 0,
    seed: opts.seed,
    start: opts.start,
    end: opts.start + DAY,
  });
  const d = fleet[k];
  if (!d) throw new Error(`unit ${k} is beyond the ${opts.units} units`);
  const mode = applicableModes(d.model).find((m) => m.id === opts.mode);
  if (!mode)
    throw new Error(
      `${opts.category} model ${d.model.name} has no failure mode ${opts.mode} (${applicableModes(
        d.model,
      )
        .map((m) => m.id)
        .join(', ')})`,
    );
  if (mode.kind !== 'degradation')
    throw new Error(`${opts.mode} is a sudden failure: there is no remaining life to learn`);
  const rng = new Rng(hashSeed(opts.seed, 'run-to-failure', opts.mode, k));
  const [h0, h1] = opts.healthyDays ?? [5, 40];
  const onset = Math.round(opts.start + rng.range(h0, h1) * DAY);
  const failureAt = Math.round(onset + rng.range(mode.spanDays.min, mode.spanDays.max) * DAY);
  return { ...d, fault: { mode, onset, failureAt } };
}

/** The unit's rows up to its failure (or `until`), aggregated as described above. */
export function* unitRows(
  opts: RunsToFailureOptions,
  device: SimDevice,
  until = device.fault!.failureAt,
): Generator<{ time: number; values: Record<string, number> }> {
  const rowMs = (opts.rowHours ?? 24) * HOUR;
  const step = device.intervalS * 1000;
  let rowStart = opts.start;
  const sums: Record<string, number> = {};
  const counts: Record<string, number> = {};
  const flush = function* (end: number) {
    const values: Record<string, number> = {};
    let any = false;
    for (const m in counts) {
      if (counts[m]! > 0) {
        values[m] = sums[m]! / counts[m]!;
        any = true;
      }
      sums[m] = 0;
      counts[m] = 0;
    }
    if (any) yield { time: (end - opts.start) / HOUR, values };
  };
  for (let t = opts.start; t <= until; t += step) {
    if (t - rowStart >= rowMs) {
      yield* flush(rowStart + rowMs);
      rowStart += Math.floor((t - rowStart) / rowMs) * rowMs;
    }
    const { reading } = sampleDevice(device, t);
    if (opts.when && !opts.when(reading.metrics)) continue;
    for (const [m, v] of Object.entries(reading.metrics)) {
      sums[m] = (sums[m] ?? 0) + v;
      counts[m] = (counts[m] ?? 0) + 1;
    }
  }
  // The last row ends at the failure: a partial row, as the last day before a breakdown is.
  yield* flush(Math.min(rowStart + rowMs, until));
}

async function write(stream: WriteStream, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, 'drain');
}

/** What an export wrote. */
export interface RunsToFailureExport {
  files: string[];
  units: number;
  rows: number;
  metrics: string[];
}

/**
 * Writes `train.csv` (`unit,time,<metrics>`: units 1…units, each run to failure) and, with
 * `testUnits`, `test.csv` (further units cut at a random point between their onset and
 * failure) and `test-rul.csv` (`unit,rul`: hours from each test unit's last row to its
 * failure; the truth a held-out check compares with).
 */
export async function exportRunsToFailure(
  opts: RunsToFailureOptions & { dir: string; testUnits?: number },
): Promise<RunsToFailureExport> {
  await mkdir(opts.dir, { recursive: true });
  const all = { ...opts, units: opts.units + (opts.testUnits ?? 0) };
  const first = runToFailureUnit(all, 0);
  const known = Object.keys(first.model.metrics);
  const unknown = (opts.metrics ?? []).filter((m) => !known.includes(m));
  if (unknown.length)
    throw new Error(
      `${first.model.name} has no metric ${unknown.join(', ')} (${known.join(', ')})`,
    );
  const metrics = opts.metrics ? [...opts.metrics] : known;
  const header = `unit,time,${metrics.join(',')}\n`;
  const cell = (x: number | undefined) =>
    x === undefined ? '' : String(Math.round(x * 1e4) / 1e4);
  const files: string[] = [];
  let rows = 0;
  const run = async (name: string, units: number[], cut: boolean) => {
    const file = join(opts.dir, name);
    const out = createWriteStream(file);
    await write(out, header);
    const truth: string[] = [];
    for (const k of units) {
      const unit = runToFailureUnit(all, k);
      const device = createSimDevice(unit, opts.intervalS ?? unit.model.intervalS);
      const f = unit.fault!;
      const until = cut
        ? Math.round(
            f.onset +
              new Rng(hashSeed(opts.seed, 'cut', k)).range(0.1, 0.95) * (f.failureAt - f.onset),
          )
        : f.failureAt;
      let last = 0;
      for (const r of unitRows(all, device, until)) {
        await write(out, `${k + 1},${r.time},${metrics.map((m) => cell(r.values[m])).join(',')}\n`);
        last = r.time;
        rows++;
      }
      truth.push(`${k + 1},${(f.failureAt - opts.start) / HOUR - last}`);
    }
    out.end();
    await once(out, 'finish');
    files.push(file);
    return truth;
  };
  await run('train.csv', [...Array(opts.units).keys()], false);
  if (opts.testUnits) {
    const truth = await run(
      'test.csv',
      [...Array(opts.testUnits).keys()].map((i) => opts.units + i),
      true,
    );
    const file = join(opts.dir, 'test-rul.csv');
    const out = createWriteStream(file);
    await write(out, `unit,rul\n${truth.join('\n')}\n`);
    out.end();
    await once(out, 'finish');
    files.push(file);
  }
  return { files, units: opts.units + (opts.testUnits ?? 0), rows, metrics };
}
