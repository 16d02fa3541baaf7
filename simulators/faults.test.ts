import { describe, expect, it } from 'vitest';
import { createSimDevice, sampleDevice } from './device.ts';
import { FAILURE_MODES, severityAt } from './failure-modes.ts';
import { parseGroundTruth, toJsonl } from './faults.ts';
import { applicableModes, planFleet } from './fleet.ts';

const START = Date.UTC(2025, 6, 1);
const DAY = 86_400_000;

/**
 * Twin experiment: the same unit (same seed) with and without the fault. The random streams
 * do not depend on the fault, so the difference of readings is the fault's effect alone.
 */
function twin(category: (typeof FAILURE_MODES)[number]['category'], modeId: string, seed: number) {
  const planned = planFleet({
    devices: 1,
    mix: { [category]: 1 },
    faults: 0,
    seed,
    start: START,
    end: START + DAY,
  });
  const base = planned[0];
  if (!base) throw new Error('empty fleet');
  const mode = applicableModes(base.model).find((m) => m.id === modeId);
  return { base, mode };
}

describe('fault injection (property tests over seeds)', () => {
  it.each(FAILURE_MODES.map((m) => [`${m.category}/${m.id}`, m] as const))(
    '%s moves its metrics in the stated direction at the stated rate and emits its codes',
    (_name, mode) => {
      let checked = 0;
      for (let seed = 1; seed <= 12 && checked < 2; seed++) {
        const { base, mode: applicable } = twin(mode.category, mode.id, seed);
        if (!applicable) continue; // this seed drew a product variant the mode does not fit
        const spanMs = mode.kind === 'sudden' ? 0 : 40 * DAY;
        const onset = START + DAY;
        const plan = { mode, onset, failureAt: onset + spanMs };
        const healthy = createSimDevice(base, 600);
        const faulty = createSimDevice({ ...base, fault: plan }, 600);
        const moved = new Map<string, { half: number[]; full: number[] }>();
        const codes = new Set<string>();
        for (let t = START; t < onset + spanMs + 8 * DAY; t += 600_000) {
          const a = sampleDevice(healthy, t).reading.metrics;
          const b = sampleDevice(faulty, t);
          for (const e of b.events) codes.add(e.code);
          const progress = spanMs === 0 ? (t >= onset ? 1 : 0) : (t - onset) / spanMs;
          if (t < onset) {
            expect(b.reading.metrics).toEqual(a); // nothing before onset
            continue;
          }
          for (const e of mode.effects) {
            const va = a[e.metric];
            const vb = b.reading.metrics[e.metric];
            if (va === undefined || vb === undefined || va === vb) continue;
            const entry = moved.get(e.metric) ?? { half: [], full: [] };
            const diff = e.op === 'mul' ? (vb - va) / (Math.abs(va) || 1) : vb - va;
            if (Math.abs(progress - 0.5) < 0.05) entry.half.push(diff);
            if (progress >= 1 && progress < 1.2) entry.full.push(diff);
            moved.set(e.metric, entry);
          }
        }
        expect([...codes].sort()).toEqual([...new Set(mode.codes.map((c) => c.code))].sort());
        // A unit that never ran under the effect's condition (an AC in a cool summer) proves
        // nothing about rates: try the next seed.
        if (!mode.effects.every((e) => (moved.get(e.metric)?.full.length ?? 0) > 0)) continue;
        checked++;
        for (const e of mode.effects) {
          const m = moved.get(e.metric);
          expect(m, `${e.metric} never moved`).toBeDefined();
          if (!m || e.op === 'set') continue;
          const sign = e.direction === 'up' ? 1 : -1;
          const full = m.full.filter((x) => Math.sign(x) === sign);
          expect(full.length, `${e.metric} direction`).toBeGreaterThan(0);
          // Rate: at functional failure the shift is the stated value (clamps and rounding aside).
          const biggest = Math.max(...full.map(Math.abs));
          expect(biggest).toBeGreaterThan(e.value * 0.7 * (e.op === 'mul' ? 0.9 : 1));
          expect(biggest).toBeLessThan(e.value * 1.45 + 0.05); // 1.05 past failure, rounding of small readings
          if (mode.kind === 'degradation' && m.half.length > 0) {
            const half = Math.max(...m.half.map(Math.abs));
            expect(half).toBeLessThan(biggest * (severityAt(mode, 0.55) + 0.15));
          }
        }
      }
      expect(checked).toBeGreaterThan(0);
    },
  );

  it('household_car/thermostat_stuck_open: slower warm-up to a lower plateau, sinks when stuck warm, P0128 once a healthy engine would regulate', () => {
    const mode = FAILURE_MODES.find((m) => m.id === 'thermostat_stuck_open')!;
    const winter = Date.UTC(2025, 0, 6);
    let checked = 0;
    for (let seed = 1; seed <= 12 && checked < 2; seed++) {
      const { base, mode: applicable } = twin(mode.category, mode.id, seed);
      if (!applicable) continue;
      // Stuck from the start, sampled every minute for 20 winter days: every drive starts cold.
      const healthy = createSimDevice(base, 60);
      const faulty = createSimDevice(
        { ...base, fault: { mode, onset: winter, failureAt: winter } },
        60,
      );
      const codes: number[] = [];
      let regulating: number | undefined; // first sample: healthy ≥ 80 °C, faulty < 75 °C
      let warm = 0;
      let warmAt: number | undefined; // a running sample with 6 more running minutes, healthy warm
      const run: Array<{ t: number; a: number; b: number }> = [];
      for (let t = winter; t < winter + 20 * DAY; t += 60_000) {
        const a = sampleDevice(healthy, t).reading.metrics;
        const b = sampleDevice(faulty, t);
        codes.push(...b.events.map((e) => e.ts));
        const ca = a.coolant_temp_c;
        const cb = b.reading.metrics.coolant_temp_c;
        if (ca === undefined || cb === undefined) continue;
        if (!((a.rpm ?? 0) > 0)) {
          expect(cb).toBe(ca); // the thermostat only matters with the pump turning
          run.length = 0;
          continue;
        }
        run.push({ t, a: ca, b: cb });
        expect(cb).toBeLessThanOrEqual(ca + 0.05); // never warmer than the healthy twin
        expect(cb).toBeLessThan(77); // plateau ≤ 74 °C (+ sensor noise)
        if (ca >= 80 && cb < 75) regulating ??= t;
        if (ca >= 88) {
          expect(cb).toBeGreaterThan(50); // it does warm up, to a lower plateau
          warm++;
        }
        const first = run[run.length - 7]; // 6 running minutes ago
        if (first && first.a >= 85) warmAt ??= first.t;
      }
      // Reported once, by the sample after the first at which it shows (the twin's reading has
      // sensor noise; the ECU's model of a healthy warm-up has none).
      expect(codes).toHaveLength(1);
      expect(regulating).toBeDefined();
      expect(codes[0]).toBeLessThanOrEqual(regulating! + 60_000);
      if (warm === 0 || warmAt === undefined) continue; // no long drive on this seed
      // Stuck while warm: the coolant sinks towards the plateau within minutes, P0128 follows.
      const onset = warmAt + 30_000;
      const h2 = createSimDevice(base, 60);
      const f2 = createSimDevice({ ...base, fault: { mode, onset, failureAt: onset } }, 60);
      const sunk: number[] = [];
      let code: number | undefined;
      for (let t = warmAt - 60_000; t <= warmAt + 6 * 60_000; t += 60_000) {
        const a = sampleDevice(h2, t).reading.metrics.coolant_temp_c!;
        const b = sampleDevice(f2, t);
        if (b.events.length) code ??= t;
        if (t > onset) sunk.push(a - b.reading.metrics.coolant_temp_c!);
      }
      expect(sunk[0]).toBeGreaterThan(2);
      expect(sunk[5]).toBeGreaterThan(12);
      expect(sunk[5]).toBeGreaterThan(sunk[1]!);
      expect(code).toBeDefined();
      expect(code! - onset).toBeLessThan(4 * 60_000);
      checked++;
    }
    expect(checked).toBeGreaterThan(0);
  });

  it('the fleet injects the requested share of faults and records them as ground truth', () => {
    const fleet = planFleet({
      devices: 2000,
      mix: { refrigerator: 1, household_car: 1 },
      faults: 0.1,
      seed: 5,
      start: START,
      end: START + 30 * DAY,
    });
    const faulty = fleet.filter((d) => d.fault);
    expect(faulty.length).toBeGreaterThan(150);
    expect(faulty.length).toBeLessThan(250);
    for (const d of faulty) {
      const f = d.fault;
      if (!f) continue;
      expect(f.failureAt).toBeGreaterThan(START);
      expect(f.failureAt).toBeLessThan(START + 30 * DAY);
      expect(f.onset).toBeLessThanOrEqual(f.failureAt);
      expect(applicableModes(d.model)).toContain(f.mode);
    }
  });

  it('ground truth round-trips through JSONL', () => {
    const rec = {
      deviceId: 'd1',
      serial: 'S1',
      category: 'tv',
      model: 'm',
      mode: 'tuner_failure',
      component: 'tuner',
      kind: 'sudden',
      onset: '2025-01-01T00:00:00.000Z',
      failureAt: '2025-01-01T00:00:00.000Z',
    } as const;
    expect(parseGroundTruth(toJsonl([rec, rec]))).toEqual([rec, rec]);
  });
});
