import { describe, expect, it } from 'vitest';
import { gauss, rng, sampleAt } from '../testing.ts';
import { spikeDetector } from './spike.ts';

function hits(values: number[]): Array<{ i: number; value: number; start: number }> {
  const st = spikeDetector.init({ metrics: ['x'] });
  const out: Array<{ i: number; value: number; start: number }> = [];
  values.forEach((x, i) => {
    const v = spikeDetector.update(st, sampleAt(i, { x }));
    if (v) out.push({ i, value: v.findings[0]!.value, start: v.windowStart });
  });
  return out;
}

describe('spike detector', () => {
  it('a single-sample outlier that reverts is reported on the next sample', () => {
    const g = gauss(rng(1));
    const xs = Array.from({ length: 500 }, (_, i) => 50 + g() + (i === 300 ? 40 : 0));
    const h = hits(xs);
    expect(h).toHaveLength(1);
    expect(h[0]!.i).toBe(301);
    expect(h[0]!.value).toBeGreaterThan(80);
    expect(h[0]!.start).toBe(sampleAt(300, {}).ts);
  });

  it('a step that stays is not a spike', () => {
    const g = gauss(rng(2));
    expect(hits(Array.from({ length: 500 }, (_, i) => 50 + g() + (i >= 300 ? 40 : 0)))).toEqual([]);
  });

  it('noise only: no spike over 20,000 samples, several seeds', () => {
    for (const seed of [3, 4, 5, 6]) {
      const g = gauss(rng(seed));
      expect(hits(Array.from({ length: 20_000 }, () => 50 + g())), `seed ${seed}`).toEqual([]);
    }
  });
});
