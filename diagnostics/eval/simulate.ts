import type { Category, DeviceEvent, Sample } from '../../core/index.ts';
import {
  createSimDevice,
  planFleet,
  sampleDevice,
  type FleetDevice,
  type Mix,
} from '../../simulators/index.ts';
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
  /** Called with every reading, in time order; returning false ends the device's run. */
  sample(sample: Sample): boolean | void;
  /** Called with every fault code the device reports (after the sample it came with). */
  event(event: DeviceEvent): void;
  /** Called once, before that sample, when a sudden fault first shows (see simulateDevice). */
  observable?(ts: number): void;
}

/**
 * Runs one device over the window, calling `feed` per reading. Devices are independent and
 * deterministic: the same device gives the same readings whatever else is simulated.
 *
 * For a sudden fault it also runs the device's fault-free twin in lockstep (the simulator
 * draws its random numbers independently of faults, so the twins' readings differ only by
 * the fault's effects) and returns the first sample at or after the failure whose readings
 * differ in the metrics the fault moves under its operating condition (or in any of its metrics,
 * if none is bound to one): when the fault first shows in the data. A thermostat that sticks
 * open while the car is parked shows at the next drive; no detector can see it sooner. A mode
 * with an `observable` rule (simulators/failure-modes.ts) also needs the twin and the unit on
 * either side of it: a thermostat stuck open shows once a healthy engine would be regulating
 * (twin ≥ 80 °C) and this one is below 75 °C, not in the first minutes of a cold drive, where
 * a slower warm-up already differs from the twin but no one could tell it from a cold engine;
 * or at the first sample that carries a code of the fault (the ECU's check tripped between
 * samples, as it does at 10-minute sampling of 15-minute drives).
 */
export function simulateDevice(
  run: FleetRun,
  d: FleetDevice,
  feed: DeviceFeed,
): { samples: number; observableAt: number | undefined } {
  const intervalS = run.intervalS ?? d.model.intervalS;
  const sim = createSimDevice(d, intervalS);
  const fault = d.fault?.mode.kind === 'sudden' ? d.fault : undefined;
  const twin = fault ? createSimDevice({ params: d.params, model: d.model }, intervalS) : undefined;
  // The fault shows where its failure criterion does: in the effects bound to an operating
  // state (a condenser fan matters while the compressor runs), else in any of its effects.
  const conditioned = fault?.mode.effects.filter((e) => e.when !== 'always') ?? [];
  const shows = fault
    ? (conditioned.length ? conditioned : fault.mode.effects).map((e) => e.metric)
    : undefined;
  let observableAt: number | undefined;
  const step = sim.intervalS * 1000;
  const deviceId = d.params.serial;
  const category: Category = d.params.category;
  const model = d.params.model;
  let n = 0;
  for (let t = run.start; t < run.end; t += step) {
    const { reading, events } = sampleDevice(sim, t);
    if (twin && observableAt === undefined) {
      const healthy = sampleDevice(twin, t).reading.metrics;
      const rule = fault!.mode.observable;
      if (
        t >= fault!.failureAt &&
        ((differ(reading.metrics, healthy, shows!) && visible(rule, reading.metrics, healthy)) ||
          // Under a rule, the unit's own check seeing it (P0128 set mid-drive, reported at the
          // next sample) is an observation too: the readings may never be sampled at the moment.
          (rule !== undefined && events.length > 0))
      ) {
        observableAt = t;
        feed.observable?.(t);
      }
    }
    const go = feed.sample({ deviceId, category, model, ts: t, metrics: reading.metrics });
    for (const e of events) feed.event({ deviceId, category, model, ...e });
    n++;
    if (go === false) break;
  }
  return { samples: n, observableAt };
}

function differ(
  a: Record<string, number>,
  b: Record<string, number>,
  metrics: readonly string[],
): boolean {
  for (const k of metrics) if (a[k] !== b[k]) return true;
  return false;
}

/** The mode's `observable` rule holds at this sample (always, for a mode without one). */
function visible(
  rule: { metric: string; healthyMin: number; faultyBelow: number } | undefined,
  faulty: Record<string, number>,
  healthy: Record<string, number>,
): boolean {
  if (!rule) return true;
  const a = faulty[rule.metric];
  const b = healthy[rule.metric];
  return a !== undefined && b !== undefined && b >= rule.healthyMin && a < rule.faultyBelow;
}
