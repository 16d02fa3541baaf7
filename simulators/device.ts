import { METRICS } from '../core/index.ts';
import {
  applyFault,
  dueCodes,
  firstDue,
  modelFault,
  monitorCodes,
  type SimEvent,
} from './faults.ts';
import type { FleetDevice } from './fleet.ts';
import type { ModelState } from './model.ts';
import { hashSeed, Rng } from './prng.ts';

/** One telemetry reading as published: `{ ts, metrics }` (docs/design.md, MQTT contract). */
export interface Reading {
  ts: number;
  metrics: Record<string, number>;
}

/** A glitch in about one sample in 4,000: a spike on one metric or a dropped metric. */
const GLITCH_P = 1 / 4000;

/**
 * Runtime state of one simulated device: a few numbers besides its plan (PRNG state, model
 * state, last sample time, the fault's code schedule), so ten thousand fit in a process.
 */
export interface SimDevice extends FleetDevice {
  rng: Rng;
  state: ModelState;
  lastT: number | undefined;
  due: number[];
  /** Sampling interval in simulated seconds (changed by the `set_interval` command). */
  intervalS: number;
}

/** Runtime state for a planned device. */
export function createSimDevice(d: FleetDevice, intervalS = d.model.intervalS): SimDevice {
  const rng = new Rng(hashSeed(d.params.seed, 'run'));
  return {
    ...d,
    rng,
    state: d.model.init(d.params, rng),
    lastT: undefined,
    due: d.fault ? firstDue(d.fault) : [],
    intervalS,
  };
}

const roundTo = (x: number, decimals: number): number => {
  const f = 10 ** decimals;
  return Math.round(x * f) / f + 0; // + 0: no -0 (JSON has none; compares unequal to 0)
};

/**
 * Produces the device's reading at simulated time t (epoch ms) and the fault codes it reports
 * then: physics → fault shifts → sensor noise → stuck sensors → glitches → range clamp and
 * rounding. Advances the device's state; deterministic for a seed and a sequence of times.
 */
export function sampleDevice(d: SimDevice, t: number): { reading: Reading; events: SimEvent[] } {
  const dtS = d.lastT === undefined ? d.intervalS : Math.max(0, (t - d.lastT) / 1000);
  const out = d.model.step(d.params, d.state, t, dtS, d.rng, modelFault(d.fault));
  d.state = out.state;
  d.lastT = t;
  const metrics = out.metrics;
  if (d.fault) applyFault(metrics, out.flags, d.fault, t, 'physics');
  const defs = d.model.metrics;
  for (const name in metrics) {
    const noise = defs[name]?.noise ?? 0;
    // Always draw, so the random stream does not depend on faults or on-states.
    const z = d.rng.normal();
    const v = metrics[name] ?? 0;
    // A stopped motor or an idle heater reads a clean zero.
    if (v !== 0) metrics[name] = v + noise * z;
  }
  if (d.fault) applyFault(metrics, out.flags, d.fault, t, 'sensor');
  const glitch = d.rng.next();
  if (glitch < GLITCH_P) {
    const names = Object.keys(metrics).filter((n) => (defs[n]?.noise ?? 0) > 0);
    const victim = names[Math.floor((glitch / GLITCH_P) * names.length)];
    if (victim !== undefined) {
      if (glitch < GLITCH_P / 2) delete metrics[victim];
      else metrics[victim] = (metrics[victim] ?? 0) + 25 * (defs[victim]?.noise ?? 0);
    }
  }
  const specs = METRICS[d.params.category];
  for (const name in metrics) {
    const spec = specs[name];
    let v = metrics[name] ?? 0;
    if (spec) v = Math.min(spec.max, Math.max(spec.min, v));
    metrics[name] = roundTo(v, defs[name]?.decimals ?? 2);
  }
  const events = d.fault
    ? [...dueCodes(d.fault, d.due, t), ...monitorCodes(d.fault, d.due, t, out.codes)]
    : [];
  return { reading: { ts: t, metrics }, events };
}
