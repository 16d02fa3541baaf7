import { type Rng, unitHash } from './prng.ts';

/**
 * Where and how a device lives: climate (outdoor temperature with seasonal and daily cycles
 * and day-to-day weather) and its owner's habits. All functions are pure functions of the
 * parameters and the simulated time; times are epoch milliseconds, local time is China (UTC+8).
 */

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const LOCAL_OFFSET_MS = 8 * HOUR_MS;

/** Climate of a region: annual mean, seasonal and daily half-amplitudes, °C. */
export interface Climate {
  zone: 'north' | 'central' | 'south' | 'southwest';
  meanC: number;
  seasonAmpC: number;
  dayAmpC: number;
  /** Heated in winter by district heating (north), so AC heating is rare there. */
  districtHeating: boolean;
}

/** Climates after Beijing, Wuhan, Guangzhou and Kunming normals. */
export const CLIMATES: readonly Climate[] = [
  { zone: 'north', meanC: 12.5, seasonAmpC: 15, dayAmpC: 5, districtHeating: true },
  { zone: 'central', meanC: 17, seasonAmpC: 12.5, dayAmpC: 4, districtHeating: false },
  { zone: 'south', meanC: 22, seasonAmpC: 7, dayAmpC: 3.5, districtHeating: false },
  { zone: 'southwest', meanC: 15.5, seasonAmpC: 5.5, dayAmpC: 5, districtHeating: false },
];

/** An owner's habits: how hard and when the product is used. */
export interface Owner {
  /** Usage intensity, 1 = average household (0.4 … 1.8). */
  intensity: number;
  /** Local hour the household gets up (5.5 … 8.5). */
  wakeHour: number;
  /** Someone is home during weekday working hours. */
  homeByDay: boolean;
  /** Seed for the owner's stateless day-to-day choices. */
  seed: number;
}

/** Draws an owner profile. */
export function drawOwner(rng: Rng): Owner {
  return {
    intensity: Math.min(1.8, Math.max(0.4, 1 + 0.35 * rng.normal())),
    wakeHour: rng.range(5.5, 8.5),
    homeByDay: rng.chance(0.35),
    seed: rng.int(2 ** 31),
  };
}

/** Local (UTC+8) hour of day, fractional. */
export function localHour(t: number): number {
  return ((((t + LOCAL_OFFSET_MS) % DAY_MS) + DAY_MS) % DAY_MS) / HOUR_MS;
}

/** Local day number since the epoch. */
export function localDay(t: number): number {
  return Math.floor((t + LOCAL_OFFSET_MS) / DAY_MS);
}

/** Saturday or Sunday, local time (1970-01-01 was a Thursday). */
export function isWeekend(t: number): boolean {
  const dow = (localDay(t) + 4) % 7;
  return dow === 0 || dow === 6;
}

/** Day of year, 0 … 365. */
export function dayOfYear(t: number): number {
  const d = new Date(t + LOCAL_OFFSET_MS);
  return (
    (Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) -
      Date.UTC(d.getUTCFullYear(), 0, 1)) /
    DAY_MS
  );
}

/** Season, −1 (mid-January) … +1 (late July). */
export function season(t: number): number {
  return Math.cos((2 * Math.PI * (dayOfYear(t) - 200)) / 365);
}

/** Smooth day-to-day weather anomaly, °C (interpolated daily random values, sd ≈ 3). */
function weather(seed: number, t: number): number {
  const x = (t + LOCAL_OFFSET_MS) / DAY_MS;
  const d = Math.floor(x);
  const f = x - d;
  const a = unitHash(seed, d) - 0.5;
  const b = unitHash(seed, d + 1) - 0.5;
  const s = f * f * (3 - 2 * f);
  return 10 * (a + (b - a) * s);
}

/** Outdoor air temperature, °C: annual mean + season + daily cycle (peak 15:00) + weather. */
export function outdoorTemp(c: Climate, weatherSeed: number, t: number): number {
  const daily = Math.cos((2 * Math.PI * (localHour(t) - 15)) / 24);
  return c.meanC + c.seasonAmpC * season(t) + c.dayAmpC * daily + weather(weatherSeed, t);
}

/** Indoor temperature of an unconditioned room, °C (heated rooms in the north in winter). */
export function roomTemp(c: Climate, weatherSeed: number, t: number): number {
  const out = outdoorTemp(c, weatherSeed, t);
  const free = 22 + 0.45 * (out - 22);
  const heated = c.districtHeating && out < 10 ? Math.max(free, 20) : free;
  return Math.min(34, Math.max(8, heated));
}

/** Ground (mains) water temperature, °C: lags and damps the air's seasonal cycle. */
export function mainsWaterTemp(c: Climate, t: number): number {
  const lagged = Math.cos((2 * Math.PI * (dayOfYear(t) - 230)) / 365);
  return Math.max(3, c.meanC + 0.6 * c.seasonAmpC * lagged);
}
