import type { Category } from '../core/index.ts';
import { type Climate, isWeekend, localHour, type Owner } from './environment.ts';
import { type Rng, unitHash } from './prng.ts';
import type { EffectCondition } from './failure-modes.ts';

/** How a metric is reported: Gaussian sensor noise (sd, metric units) and rounding. */
export interface MetricDef {
  noise: number;
  decimals: number;
}

/** Everything fixed about one simulated unit: who owns it, where, which product. */
export interface DeviceParams {
  index: number;
  serial: string;
  category: Category;
  model: string;
  seed: number;
  owner: Owner;
  climate: Climate;
  /** Seed of the regional weather, shared by the devices of one climate zone. */
  weatherSeed: number;
  /** Unit-to-unit spread of the product (±5 % typical), multiplies nominal values. */
  unitFactor: number;
}

/** A model's numeric state: counters and slow variables only (odometer, SOC, tank temp…). */
export type ModelState = Record<string, number>;

/** Operating flags of one sample; effects of failure modes are gated on them. */
export type Flags = Partial<Record<Exclude<EffectCondition, 'always'>, boolean>>;

/** One step's physics: the new state and the true (noise-free) readings. */
export interface ModelOutput {
  state: ModelState;
  metrics: Record<string, number>;
  flags: Flags;
  /** Codes the unit's own monitors have set by now (an ECU's rationality check). */
  codes?: readonly string[];
}

/**
 * The injected fault, for a model whose physics carries it (effects with op `model`): its
 * mode and onset (epoch ms). Only such a fault is passed to `step`.
 */
export interface ModelFault {
  mode: string;
  onset: number;
}

/**
 * A product model: its metrics, default sampling interval and physics. `step` is a pure
 * function of (params, previous state, simulated time, elapsed seconds, PRNG, fault it
 * models): no clock, no I/O, so a seed fixes the data. It draws the same random numbers with
 * or without the fault, so a fault-free twin differs by the fault's effects alone.
 */
export interface DeviceModel {
  category: Category;
  /** Product model name as it is provisioned. */
  name: string;
  intervalS: number;
  metrics: Readonly<Record<string, MetricDef>>;
  init(p: DeviceParams, rng: Rng): ModelState;
  step(
    p: DeviceParams,
    s: ModelState,
    t: number,
    dtS: number,
    rng: Rng,
    fault?: ModelFault,
  ): ModelOutput;
}

/** Shorthand for a metric definition. */
export const md = (noise: number, decimals: number): MetricDef => ({ noise, decimals });

/** Reads a state variable that init always sets. */
export function get(s: ModelState, key: string): number {
  const v = s[key];
  if (v === undefined) throw new Error(`model state has no ${key}`);
  return v;
}

export const clamp = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x));

/** Exponential approach from `from` to `to` after `minutes` with time constant `tau`. */
export const approach = (from: number, to: number, minutes: number, tau: number): number =>
  to + (from - to) * Math.exp(-Math.max(0, minutes) / tau);

/**
 * Stateless usage pattern. Time is cut into slots; whether the product is in use in a slot
 * is a hash of (owner, device, slot) compared with a probability that follows the owner's day
 * (`hourly` gives the probability per local hour). Any slot can be asked in any order, so
 * warm-up times ("on for how long?") need no history.
 */
export class Usage {
  constructor(
    readonly seed: number,
    readonly slotMs: number,
    readonly probability: (t: number) => number,
  ) {}

  slot(t: number): number {
    return Math.floor(t / this.slotMs);
  }

  /** In use during the slot that contains t. */
  on(t: number): boolean {
    const k = this.slot(t);
    return unitHash(this.seed, k) < this.probability(k * this.slotMs);
  }

  /** Minutes the current on/off state has lasted at t (looks back at most `maxSlots`). */
  minutesInState(t: number, maxSlots = 16): number {
    const state = this.on(t);
    const k = this.slot(t);
    let n = 0;
    while (n < maxSlots && this.on((k - n - 1) * this.slotMs) === state) n++;
    return (t - (k - n) * this.slotMs) / 60_000;
  }

  /** A stable per-slot value in [0, 1) (speed level, program, setpoint jitter…). */
  draw(t: number, salt = 0): number {
    return unitHash(this.seed ^ (salt * 0x27d4eb2d), this.slot(t));
  }
}

/** Probability that the household is awake and at home at local time t (0 … 1). */
export function atHome(owner: Owner, t: number): number {
  const h = localHour(t);
  const wake = owner.wakeHour;
  if (h < wake || h >= 23.5) return 0.05; // asleep
  const away = !owner.homeByDay && !isWeekend(t) && h >= wake + 1.5 && h < 18;
  return away ? 0.1 : 0.9;
}

/** Is local time t within [from, to) hours. */
export function between(t: number, from: number, to: number): boolean {
  const h = localHour(t);
  return h >= from && h < to;
}
