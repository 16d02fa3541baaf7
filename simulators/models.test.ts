import { describe, expect, it } from 'vitest';
import { METRICS } from '../core/categories.ts';
import { createSimDevice, sampleDevice, type SimDevice } from './device.ts';
import { localHour } from './environment.ts';
import { EVEN_MIX, planFleet } from './fleet.ts';

const START = Date.UTC(2025, 6, 1); // July: cooling season
const DAY = 86_400_000;

function fleet(seed: number, start = START): SimDevice[] {
  return planFleet({
    devices: 36,
    mix: EVEN_MIX,
    faults: 0,
    seed,
    start,
    end: start + 30 * DAY,
  }).map((d) => createSimDevice(d, 300));
}

function run(d: SimDevice, start: number, days: number) {
  const rows: { t: number; m: Record<string, number> }[] = [];
  for (let t = start; t < start + days * DAY; t += d.intervalS * 1000)
    rows.push({ t, m: sampleDevice(d, t).reading.metrics });
  return rows;
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

describe('device models (property tests over seeds)', () => {
  it('every reading of every healthy model is inside the ingest range for its category', () => {
    const bad: string[] = [];
    for (const seed of [1, 2, 3]) {
      for (const d of fleet(seed)) {
        const specs = METRICS[d.params.category];
        for (const { m } of run(d, START, 2)) {
          for (const [name, v] of Object.entries(m)) {
            const s = specs[name];
            if (!Number.isFinite(v) || (s && (v < s.min || v > s.max)))
              bad.push(`${d.params.serial} ${name}=${v}`);
          }
        }
      }
    }
    expect(bad).toEqual([]);
  });

  it('air conditioners cool in summer afternoons more than at night, and hold near the setpoint', () => {
    for (const seed of [11, 12, 13]) {
      const acs = fleet(seed).filter((d) => d.params.category === 'air_conditioner');
      for (const d of acs) {
        const rows = run(d, START, 7);
        const on = rows.filter((r) => (r.m.compressor_freq_hz ?? 0) > 0);
        const hot = on.filter((r) => (r.m.outdoor_temp_c ?? 0) > 26);
        expect(hot.every((r) => (r.m.supply_air_temp_c ?? 99) < (r.m.indoor_temp_c ?? 0))).toBe(
          true,
        );
        const out = rows.map((r) => ({ h: localHour(r.t), v: r.m.outdoor_temp_c ?? 0 }));
        expect(mean(out.filter((x) => x.h >= 13 && x.h < 17).map((x) => x.v))).toBeGreaterThan(
          mean(out.filter((x) => x.h >= 3 && x.h < 6).map((x) => x.v)) + 3,
        );
      }
    }
  });

  it('fridges cycle their compressor with a plausible duty and hold their compartments', () => {
    for (const seed of [21, 22, 23]) {
      for (const d of fleet(seed).filter((x) => x.params.category === 'refrigerator')) {
        d.intervalS = 60;
        const rows = run(d, START, 2);
        const duty = mean(rows.map((r) => r.m.compressor_on ?? 0));
        expect(duty).toBeGreaterThan(0.15);
        expect(duty).toBeLessThan(0.9);
        expect(mean(rows.map((r) => r.m.fridge_temp_c ?? 0))).toBeGreaterThan(1);
        expect(mean(rows.map((r) => r.m.fridge_temp_c ?? 0))).toBeLessThan(7);
        expect(mean(rows.map((r) => r.m.freezer_temp_c ?? 0))).toBeLessThan(-14);
      }
    }
  });

  it('cars drive at commuting hours, odometers only go forward, sensors are noisy but not wild', () => {
    for (const seed of [31, 32, 33]) {
      for (const d of fleet(seed).filter((x) => x.params.category === 'household_car')) {
        const rows = run(d, START, 7);
        const odo = rows.map((r) => r.m.odometer_km ?? 0);
        expect(odo.every((v, i) => i === 0 || v >= (odo[i - 1] ?? 0))).toBe(true);
        const share = (from: number, to: number): number => {
          const inHours = rows.filter((r) => localHour(r.t) >= from && localHour(r.t) < to);
          return inHours.filter((r) => (r.m.speed_kmh ?? 0) > 5).length / inHours.length;
        };
        expect(share(1, 5)).toBeLessThan(0.05);
        expect(share(7, 9) + share(17, 19)).toBeGreaterThan(share(1, 5));
      }
    }
  });

  it('excavators accumulate engine hours only while working shifts and load the hydraulics', () => {
    for (const seed of [41, 42]) {
      for (const d of fleet(seed).filter((x) => x.params.category === 'excavator')) {
        d.intervalS = 120;
        const rows = run(d, START, 7);
        const working = rows.filter((r) => (r.m.hydraulic_pressure_bar ?? 0) > 150);
        expect(working.length).toBeGreaterThan(0);
        expect(working.every((r) => localHour(r.t) >= 7 && localHour(r.t) < 18)).toBe(true);
        const hours = (rows.at(-1)?.m.engine_hours ?? 0) - (rows[0]?.m.engine_hours ?? 0);
        expect(hours).toBeGreaterThan(10);
        expect(hours).toBeLessThan(7 * 11.5);
      }
    }
  });

  it('sensor noise is present on analogue metrics (repeated readings are not all equal)', () => {
    const d = fleet(51).find((x) => x.params.category === 'refrigerator');
    if (!d) throw new Error('no fridge');
    const amb = run(d, START, 1).map((r) => r.m.ambient_temp_c ?? 0);
    const same = amb.filter((v, i) => i > 0 && v === amb[i - 1]).length;
    expect(same).toBeLessThan(amb.length / 2);
  });
});
