import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SimClock, parseDuration } from './clock.ts';
import { createSimDevice, sampleDevice } from './device.ts';
import { exportFleet } from './export.ts';
import { parseGroundTruth } from './faults.ts';
import { allocate, EVEN_MIX, parseMix, planFleet } from './fleet.ts';

const START = Date.UTC(2025, 0, 1);
const opts = {
  devices: 60,
  mix: EVEN_MIX,
  faults: 0.3,
  start: START,
  end: START + 10 * 86_400_000,
};

function data(seed: number): string {
  return planFleet({ ...opts, seed })
    .map((d) => {
      const sim = createSimDevice(d, 900);
      const rows: string[] = [];
      for (let t = START; t < START + 86_400_000; t += 900_000)
        rows.push(JSON.stringify(sampleDevice(sim, t)));
      return `${d.params.serial}|${d.model.name}|${d.fault?.mode.id ?? ''}|${rows.join('')}`;
    })
    .join('\n');
}

describe('determinism', () => {
  it('same seed → same fleet and same data', () => {
    expect(data(7)).toBe(data(7));
  });

  it('different seeds → different fleets (serials, owners, faults, readings)', () => {
    const a = planFleet({ ...opts, seed: 1 });
    const b = planFleet({ ...opts, seed: 2 });
    expect(a.map((d) => d.params.serial)).not.toEqual(b.map((d) => d.params.serial));
    expect(a.map((d) => d.params.owner.intensity)).not.toEqual(
      b.map((d) => d.params.owner.intensity),
    );
    expect(a.map((d) => d.fault?.mode.id)).not.toEqual(b.map((d) => d.fault?.mode.id));
    expect(data(1)).not.toBe(data(2));
  });

  it('device i is the same whatever the fleet size', () => {
    const small = planFleet({ ...opts, devices: 12, seed: 3 });
    const big = planFleet({ ...opts, devices: 120, seed: 3 });
    const bySerial = new Map(big.map((d) => [d.params.serial, d]));
    for (const d of small)
      expect(bySerial.get(d.params.serial)?.params.owner).toEqual(d.params.owner);
  });

  it('export writes the same files for the same seed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sanbao-sim-'));
    try {
      const args = { devices: 24, mix: EVEN_MIX, faults: 0.5, seed: 9, days: 1, intervalS: 1800 };
      const r1 = await exportFleet({ ...args, dir: join(dir, 'a') });
      await exportFleet({ ...args, dir: join(dir, 'b') });
      for (const f of ['air_conditioner.csv', 'events.csv', 'ground-truth.jsonl']) {
        expect(await readFile(join(dir, 'a', f), 'utf8')).toBe(
          await readFile(join(dir, 'b', f), 'utf8'),
        );
      }
      const csv = (await readFile(join(dir, 'a', 'refrigerator.csv'), 'utf8')).trim().split('\n');
      expect(csv[0]).toMatch(/^device_id,serial,model,ts,fridge_temp_c,/);
      expect(csv.length).toBe(1 + 2 * 48);
      const gt = parseGroundTruth(await readFile(join(dir, 'a', 'ground-truth.jsonl'), 'utf8'));
      expect(gt).toEqual(r1.groundTruth);
      expect(gt.length).toBeGreaterThan(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('clock, mix and durations', () => {
  it('accelerated clock: 86400 → one simulated day per real second; real time at speed 1', () => {
    let real = 0;
    const fast = new SimClock(START, 86_400, () => real);
    const slow = new SimClock(START, 1, () => real);
    real = 1000;
    expect(fast.now()).toBe(START + 86_400_000);
    expect(slow.now()).toBe(START + 1000);
    expect(fast.realDelayUntil(START + 2 * 86_400_000)).toBe(1000);
  });

  it('parses durations and mixes; allocates devices by weight', () => {
    expect(parseDuration('10m')).toBe(600_000);
    expect(parseDuration('90')).toBe(90_000);
    expect(() => parseDuration('ten')).toThrow(/bad duration/);
    expect(parseMix('air_conditioner=30,refrigerator=20')).toEqual({
      air_conditioner: 30,
      refrigerator: 20,
    });
    expect(() => parseMix('fridge=3')).toThrow(/fridge=3/);
    expect(allocate(10, { air_conditioner: 30, refrigerator: 20 })).toEqual([
      ['air_conditioner', 6],
      ['refrigerator', 4],
    ]);
  });
});
