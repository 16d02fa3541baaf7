import { describe, expect, it } from 'vitest';
import { gauss, rng, sampleAt } from '../testing.ts';
import { cusumDetector } from './cusum.ts';

function firstHit(values: number[]): { i: number; score: number; start: number } | null {
  const st = cusumDetector.init({ metrics: ['x'], warmup: 500 });
  for (let i = 0; i < values.length; i++) {
    const v = cusumDetector.update(st, sampleAt(i, { x: values[i]! }));
    if (v) return { i, score: v.findings[0]!.score, start: v.windowStart };
  }
  return null;
}

describe('cusum detector (Page)', () => {
  it('noise only: no alarm over 30,000 samples, for several seeds', () => {
    for (const seed of [11, 12, 13, 14]) {
      const g = gauss(rng(seed));
      expect(firstHit(Array.from({ length: 30_000 }, () => 10 + g())), `seed ${seed}`).toBeNull();
    }
  });

  it('slow ramp (0.01σ per sample): alarms upwards, window starts near the ramp onset', () => {
    const g = gauss(rng(21));
    const xs = Array.from(
      { length: 3000 },
      (_, i) => 10 + g() + (i > 1000 ? 0.01 * (i - 1000) : 0),
    );
    const hit = firstHit(xs)!;
    expect(hit.i).toBeGreaterThan(1000);
    expect(hit.i).toBeLessThan(1350);
    expect(hit.score).toBeGreaterThan(0);
  });

  it('small step (1σ): alarms within ~40 samples', () => {
    const g = gauss(rng(22));
    const hit = firstHit(Array.from({ length: 2000 }, (_, i) => 10 + g() - (i >= 1000 ? 1 : 0)))!;
    expect(hit.i).toBeGreaterThanOrEqual(1000);
    expect(hit.i).toBeLessThan(1050);
    expect(hit.score).toBeLessThan(0);
  });
});
