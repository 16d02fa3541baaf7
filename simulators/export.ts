import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import type { Category } from '../core/index.ts';
import { createSimDevice, sampleDevice } from './device.ts';
import { groundTruthOf, type GroundTruth, toJsonl } from './faults.ts';
import { type Mix, planFleet } from './fleet.ts';

/** Options of an offline export. */
export interface ExportOptions {
  dir: string;
  devices: number;
  mix: Mix;
  faults: number;
  seed: number;
  days: number;
  /** Start of the simulated window (epoch ms); default 2025-01-01T00:00:00Z. */
  start?: number;
  /** Sampling interval in simulated seconds; default each model's own (60 s for most). */
  intervalS?: number;
}

/** What an export wrote. */
export interface ExportResult {
  files: string[];
  samples: number;
  events: number;
  groundTruth: GroundTruth[];
}

export const DEFAULT_EXPORT_START = Date.UTC(2025, 0, 1);

const csvField = (s: string): string => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

async function write(stream: WriteStream, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, 'drain');
}

/**
 * Writes a fleet as files, without a broker: `<category>.csv` (one row per sample:
 * `device_id,serial,model,ts,<metric columns>`, ts ISO-8601, empty cell = metric not
 * reported), `events.csv` (`device_id,serial,model,ts,code,severity,detail`) and
 * `ground-truth.jsonl`. Device ids are the serials (no service assigns ids offline).
 * Devices are simulated one after the other, so memory stays flat for any fleet size.
 */
export async function exportFleet(opts: ExportOptions): Promise<ExportResult> {
  const start = opts.start ?? DEFAULT_EXPORT_START;
  const end = start + opts.days * 86_400_000;
  const fleet = planFleet({ ...opts, start, end });
  await mkdir(opts.dir, { recursive: true });
  const streams = new Map<Category, { stream: WriteStream; columns: string[] }>();
  const eventsPath = join(opts.dir, 'events.csv');
  const events = createWriteStream(eventsPath);
  await write(events, 'device_id,serial,model,ts,code,severity,detail\n');
  const groundTruth: GroundTruth[] = [];
  let samples = 0;
  let eventCount = 0;
  for (const planned of fleet) {
    const { category, serial, model } = planned.params;
    let out = streams.get(category);
    if (!out) {
      // Columns: the union of the category's models' metrics, in first-seen order.
      const columns = [...new Set(fleetColumns(fleet, category))];
      out = { stream: createWriteStream(join(opts.dir, `${category}.csv`)), columns };
      streams.set(category, out);
      await write(out.stream, ['device_id', 'serial', 'model', 'ts', ...columns].join(',') + '\n');
    }
    const device = createSimDevice(planned, opts.intervalS ?? planned.model.intervalS);
    if (planned.fault) {
      groundTruth.push(groundTruthOf({ deviceId: serial, serial, category, model }, planned.fault));
    }
    const prefix = `${csvField(serial)},${csvField(serial)},${csvField(model)},`;
    const step = device.intervalS * 1000;
    let chunk = '';
    for (let t = start; t < end; t += step) {
      const { reading, events: evs } = sampleDevice(device, t);
      const ts = new Date(t).toISOString();
      chunk +=
        prefix + ts + ',' + out.columns.map((c) => reading.metrics[c] ?? '').join(',') + '\n';
      samples++;
      for (const e of evs) {
        eventCount++;
        await write(
          events,
          `${prefix}${ts},${csvField(e.code)},${e.severity},${csvField(e.detail ?? '')}\n`,
        );
      }
      if (chunk.length > 65_536) {
        await write(out.stream, chunk);
        chunk = '';
      }
    }
    await write(out.stream, chunk);
  }
  const closing = [events, ...[...streams.values()].map((s) => s.stream)].map(
    (s) =>
      new Promise<void>((resolve, reject) =>
        s.end((err?: Error | null) => (err ? reject(err) : resolve())),
      ),
  );
  await Promise.all(closing);
  const gtPath = join(opts.dir, 'ground-truth.jsonl');
  await writeFile(gtPath, toJsonl(groundTruth));
  const files = [...[...streams.keys()].map((c) => join(opts.dir, `${c}.csv`)), eventsPath, gtPath];
  return { files, samples, events: eventCount, groundTruth };
}

function fleetColumns(fleet: ReturnType<typeof planFleet>, category: Category): string[] {
  return fleet
    .filter((d) => d.params.category === category)
    .flatMap((d) => Object.keys(d.model.metrics));
}
