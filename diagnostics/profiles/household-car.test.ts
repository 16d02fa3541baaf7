import { describe, expect, it } from 'vitest';
import type { Sample } from '../../core/sample.ts';
import { createDiagnosticsEngine } from '../engine.ts';
import { gauss, MINUTE, rng, T0 } from '../testing.ts';
import { PROFILES } from './index.ts';

/**
 * The stuck-open thermostat on crafted combustion-car series through the engine's public
 * interface, at 1- and 10-minute sampling: winter cold starts and short trips of a healthy
 * engine open nothing; an engine that warms slower to a lower plateau is found within 2
 * samples of a healthy one reaching its regulating temperature.
 */

const DAY = 1440;
/** Drives per day: start minute (local clock of the series) and length in minutes. */
const DRIVES = [
  { at: 7 * 60 + 30, len: 15 },
  { at: 12 * 60, len: 15 },
  { at: 17 * 60 + 45, len: 30 },
];
const OUT_C = -20; // a northern winter morning: the slowest healthy warm-up the fleet sees

/** Exponential approach, as a car's coolant warms or cools. */
const approach = (from: number, to: number, minutes: number, tau: number) =>
  to + (from - to) * Math.exp(-minutes / tau);

/** Minutes into the drive at minute-of-day `m`, or undefined when parked. */
function driving(m: number): number | undefined {
  for (const d of DRIVES) if (m >= d.at && m < d.at + d.len) return m - d.at;
  return undefined;
}

/**
 * A Sedan 1.5T sample at minute i: a healthy thermostat warms the coolant to 90 °C (τ 5 min);
 * stuck open (from minute `stuckFrom`) it warms with τ 8 min to a 62 °C plateau.
 */
function carSample(i: number, g: () => number, stuckFrom = Infinity, deviceId = 'car-1'): Sample {
  const m = i % DAY;
  const inDrive = driving(m);
  const speed = inDrive === undefined ? 0 : 45 + 10 * g();
  const stuck = i >= stuckFrom;
  const coolant =
    inDrive === undefined
      ? OUT_C + 10 // parked: long cooled down
      : stuck
        ? approach(OUT_C, 62, inDrive, 8)
        : approach(OUT_C, 90, inDrive, 5);
  const rpm = inDrive === undefined ? 0 : 800 + speed * 24;
  return {
    deviceId,
    category: 'household_car',
    model: 'Sedan 1.5T',
    ts: T0 + i * MINUTE,
    metrics: {
      odometer_km: 20_000 + i * 0.01,
      speed_kmh: speed,
      rpm: rpm + (rpm ? 40 * g() : 0),
      coolant_temp_c: coolant + 0.5 * g(),
      battery_12v_v: inDrive === undefined ? 12.35 + 0.04 * g() : 14.1 + 0.04 * g(),
      fuel_level_pct: 60,
      oil_pressure_kpa: inDrive === undefined ? 0 : (140 + rpm * 0.11) * (coolant < 60 ? 1.2 : 1),
      brake_pad_mm: 10,
    },
  };
}

/** Runs `days` of samples every `step` minutes; returns the thermostat alerts (minute of each). */
function run(step: number, days: number, stuckFrom = Infinity): number[] {
  const profiles = PROFILES.map((p) => ({ ...p, expectedIntervalMs: step * MINUTE }));
  const engine = createDiagnosticsEngine({ profiles, warmupSamples: 200 });
  const g = gauss(rng(11));
  const opened: number[] = [];
  for (let i = 0; i < days * DAY; i += step)
    for (const c of engine.process(carSample(i, g, stuckFrom)))
      if (c.modeId === 'thermostat_stuck_open') opened.push(i);
  return opened;
}

/** Minutes into a cold drive at which a healthy engine reaches 80 °C (its thermostat opens). */
function minutesToRegulate(): number {
  let m = 0;
  while (approach(OUT_C, 90, m, 5) < 80) m++;
  return m;
}

describe('household car: thermostat stuck open', () => {
  it.each([1, 10])(
    'winter cold starts and short trips of a healthy engine: no alert (every %i min)',
    (step) => {
      expect(run(step, 14)).toEqual([]);
    },
  );

  it('stuck open, sampled every minute: alert within 2 samples of a healthy engine regulating', () => {
    const stuckFrom = 7 * DAY; // midnight: the next drive starts cold
    const opened = run(1, 9, stuckFrom);
    expect(opened.length).toBeGreaterThan(0);
    const observable = stuckFrom + DRIVES[0]!.at + minutesToRegulate(); // 12 minutes in
    expect(opened[0]).toBeGreaterThanOrEqual(stuckFrom);
    expect(opened[0]! - observable).toBeLessThanOrEqual(1);
  });

  it('stuck open, sampled every 10 min: alert at the first drive sampled twice', () => {
    const stuckFrom = 7 * DAY;
    const opened = run(10, 9, stuckFrom);
    expect(opened.length).toBeGreaterThan(0);
    // Samples at minutes 450 and 460 of day 7: 0 and 10 minutes into the morning drive.
    expect(opened[0]).toBe(stuckFrom + DRIVES[0]!.at + 10);
  });
});
