import { describe, expect, it } from 'vitest';
import { gauss, rng, sampleAt } from '../testing.ts';
import { stuckDetector } from './stuck.ts';

function hits(values: number[]): number[] {
  const st = stuckDetector.init({ metrics: ['x'], warmup: 50 });
  const out: number[] = [];
  values.forEach((x, i) => {
    if (stuckDetector.update(st, sampleAt(i, { x }))) out.push(i);
  });
  return out;
}

describe('stuck detector', () => {
  it('a noisy sensor that freezes is flagged within a few samples, once', () => {
    const g = gauss(rng(3));
    const xs = Array.from({ length: 400 }, (_, i) => (i < 200 ? 20 + g() : 21.234));
    const h = hits(xs);
    expect(h).toHaveLength(1);
    expect(h[0]).toBeGreaterThanOrEqual(204);
    expect(h[0]).toBeLessThan(215);
  });

  it('noise only (rounded to 1 decimal, so repeats happen): no verdict, several seeds', () => {
    for (const seed of [1, 2, 3, 4]) {
      const g = gauss(rng(seed));
      expect(
        hits(Array.from({ length: 20_000 }, () => Math.round((20 + 0.3 * g()) * 10) / 10)),
        `seed ${seed}`,
      ).toEqual([]);
    }
  });

  it('a setpoint that rarely changes is never flagged', () => {
    const u = rng(5);
    let sp = 24;
    expect(
      hits(
        Array.from({ length: 20_000 }, () => (u() < 0.002 ? (sp = 22 + Math.round(u() * 5)) : sp)),
      ),
    ).toEqual([]);
  });

  it('idle at the rest value (0) is not stuck', () => {
    const g = gauss(rng(6));
    expect(
      hits(Array.from({ length: 2000 }, (_, i) => (i % 500 < 250 ? 800 + 10 * g() : 0))),
    ).toEqual([]);
  });
});
