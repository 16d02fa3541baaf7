import { z } from 'zod';
import { CATEGORIES, type Category, CategorySchema } from '../core/index.ts';
import { CLIMATES, drawOwner } from './environment.ts';
import { type FailureMode, failureModesFor } from './failure-modes.ts';
import type { FaultPlan } from './faults.ts';
import type { DeviceModel, DeviceParams } from './model.ts';
import { MODELS } from './models/index.ts';
import { hashSeed, Rng } from './prng.ts';

/** Category weights, e.g. { air_conditioner: 30, refrigerator: 20 }. */
export type Mix = Partial<Record<Category, number>>;

/** What a fleet is made of. Same options → same fleet. */
export interface FleetOptions {
  devices: number;
  mix: Mix;
  /** Fraction of devices that get a fault (0 … 1). */
  faults: number;
  seed: number;
  /** Simulated window (epoch ms): faults reach functional failure inside it. */
  start: number;
  end: number;
}

/** One planned device: its parameters, product model and optional fault. */
export interface FleetDevice {
  params: DeviceParams;
  model: DeviceModel;
  fault?: FaultPlan;
}

const SERIAL_PREFIX: Record<Category, string> = {
  household_car: 'CAR',
  air_conditioner: 'AC',
  tv: 'TV',
  water_heater_electric: 'EWH',
  water_heater_gas: 'GWH',
  refrigerator: 'REF',
  water_purifier: 'WP',
  range_hood: 'RH',
  mobile_phone: 'MP',
  microcomputer: 'PC',
  washing_machine: 'WM',
  excavator: 'EXC',
};

const MixEntry = z.tuple([CategorySchema, z.coerce.number().positive()]);

/** Parses `air_conditioner=30,refrigerator=20`; throws a readable message on a bad entry. */
export function parseMix(text: string): Mix {
  const mix: Mix = {};
  for (const part of text.split(',').filter((p) => p.trim() !== '')) {
    const [name, weight, extra] = part.split('=').map((x) => x.trim());
    const parsed = MixEntry.safeParse([name, weight]);
    if (!parsed.success || extra !== undefined) {
      throw new Error(
        `bad entry "${part}": expected category=weight with a category among ${CATEGORIES.join(', ')}`,
      );
    }
    mix[parsed.data[0]] = parsed.data[1];
  }
  if (Object.keys(mix).length === 0) throw new Error('empty mix');
  return mix;
}

/** Every category with equal weight. */
export const EVEN_MIX: Mix = Object.fromEntries(CATEGORIES.map((c) => [c, 1]));

/** Splits `devices` between categories by weight (largest remainder, deterministic). */
export function allocate(devices: number, mix: Mix): [Category, number][] {
  const entries = CATEGORIES.filter((c) => (mix[c] ?? 0) > 0).map((c) => [c, mix[c] ?? 0] as const);
  const total = entries.reduce((a, [, w]) => a + w, 0);
  const raw = entries.map(([c, w]) => [c, (devices * w) / total] as const);
  const counts = raw.map(([c, x]) => [c, Math.floor(x)] as [Category, number]);
  let left = devices - counts.reduce((a, [, n]) => a + n, 0);
  const order = raw.map(([, x], i) => [x - Math.floor(x), i] as const).sort((a, b) => b[0] - a[0]);
  for (const [, i] of order) {
    if (left-- <= 0) break;
    const entry = counts[i];
    if (entry) entry[1]++;
  }
  return counts;
}

/** Failure modes that can happen to a product model: it reports every metric they move. */
export function applicableModes(model: DeviceModel): FailureMode[] {
  return failureModesFor(model.category).filter((m) =>
    m.effects.every((e) => e.metric in model.metrics),
  );
}

function pickModel(category: Category, rng: Rng): DeviceModel {
  const list = MODELS[category];
  let x = rng.next();
  for (const entry of list) {
    if ((x -= entry.share) < 0) return entry.model;
  }
  const last = list[list.length - 1];
  if (!last) throw new Error(`no model for ${category}`);
  return last.model;
}

function planFault(model: DeviceModel, opts: FleetOptions, rng: Rng): FaultPlan | undefined {
  const hit = rng.next() < opts.faults;
  const modes = applicableModes(model);
  const mode = modes[rng.int(modes.length)];
  const spanDays = mode ? rng.range(mode.spanDays.min, mode.spanDays.max) : 0;
  const at = rng.range(0.15, 0.9);
  if (!hit || !mode) return undefined;
  const failureAt = Math.round(opts.start + at * (opts.end - opts.start));
  return { mode, onset: Math.round(failureAt - spanDays * 86_400_000), failureAt };
}

/**
 * Plans a fleet: per device a product model, an owner, a climate, a unit spread and, for a
 * `faults` share of them, one fault. Every device draws from its own seeded generator, so
 * device i is the same whatever the fleet size, and the fault draw never shifts the data.
 */
export function planFleet(opts: FleetOptions): FleetDevice[] {
  const fleet: FleetDevice[] = [];
  let index = 0;
  for (const [category, count] of allocate(opts.devices, opts.mix)) {
    for (let k = 0; k < count; k++, index++) {
      const rng = new Rng(hashSeed(opts.seed, 'device', category, k));
      const model = pickModel(category, rng);
      const climate = rng.pick(CLIMATES);
      const params: DeviceParams = {
        index,
        serial: `SIM${opts.seed}-${SERIAL_PREFIX[category]}-${String(k + 1).padStart(5, '0')}`,
        category,
        model: model.name,
        seed: hashSeed(opts.seed, 'unit', category, k),
        owner: drawOwner(rng),
        climate,
        weatherSeed: hashSeed(opts.seed, 'weather', climate.zone),
        unitFactor: Math.min(1.1, Math.max(0.9, 1 + 0.04 * rng.normal())),
      };
      const fault = planFault(model, opts, new Rng(hashSeed(opts.seed, 'fault', category, k)));
      fleet.push(fault ? { params, model, fault } : { params, model });
    }
  }
  return fleet;
}
