import type { Category } from '../../ingest/categories.ts';
import type { DeviceEvent, Sample } from '../../ingest/sample.ts';
import { createSimDevice, sampleDevice } from '../../simulators/device.ts';
import { type FleetDevice, type Mix, planFleet } from '../../simulators/fleet.ts';
import type { TruthRecord } from './score.ts';

/**
 * A seeded simulated fleet replayed offline, in simulated time, as the same `Sample`s and
 * `DeviceEvent`s ingest hands to diagnostics (the offline export's generator, without the
 * files: `simulators/export.ts` writes exactly these readings as CSV).
 */
export interface FleetRun {
  seed: number;
  devices: number;
  mix: Mix;
  faults: number;
  start: number;
  end: number;
  /** Sampling interval, simulated seconds (the models' own interval when absent). */
  intervalS?: number;
}

/** The planned fleet and its ground truth (epoch ms), as the export would write it. */
export function planRun(run: FleetRun): { fleet: FleetDevice[]; truth: TruthRecord[] } {
  const fleet = planFleet(run);
  const truth = fleet.flatMap((d) =>
    d.fault
      ? [
          {
            deviceId: d.params.serial,
            category: d.params.category,
            mode: d.fault.mode.id,
            kind: d.fault.mode.kind,
            onset: d.fault.onset,
            failureAt: d.fault.failureAt,
            intervalMs: (run.intervalS ?? d.model.intervalS) * 1000,
          },
        ]
      : [],
  );
  return { fleet, truth };
}

export interface DeviceFeed {
  /** Called with every reading, in time order. */
  sample(sample: Sample): void;
  /** Called with every fault code the device reports (after the sample it came with). */
  event(event: DeviceEvent): void;
}

/**
 * Runs one device over the window, calling `feed` per reading; returns the number of samples.
 * Devices are independent and deterministic: the same device gives the same readings whatever
 * else is simulated.
 */
export function simulateDevice(run: FleetRun, d: FleetDevice, feed: DeviceFeed): number {
  const sim = createSimDevice(d, run.intervalS ?? d.model.intervalS);
  const step = sim.intervalS * 1000;
  const deviceId = d.params.serial;
  const category: Category = d.params.category;
  const model = d.params.model;
  let n = 0;
  for (let t = run.start; t < run.end; t += step) {
    const { reading, events } = sampleDevice(sim, t);
    feed.sample({ deviceId, category, model, ts: t, metrics: reading.metrics });
    for (const e of events) feed.event({ deviceId, category, model, ...e });
    n++;
  }
  return n;
}
