import { describe, expect, it } from 'vitest';
import { gauss, rng, sampleAt } from '../testing.ts';
import { ewmaDetector } from './ewma.ts';
import type { Verdict } from '../types.ts';

function run(values: number[], metric = 'discharge_temp_c'): Array<{ i: number; v: Verdict }> {
  const st = ewmaDetector.init({ metrics: [metric], warmup: 50 });
  const out: Array<{ i: number; v: Verdict }> = [];
  values.forEach((x, i) => {
    const v = ewmaDetector.update(st, sampleAt(i, { [metric]: x }));
    if (v) out.push({ i, v });
  });
  return out;
}

describe('ewma detector', () => {
  it('noise only: no verdict over 20,000 samples, for several seeds', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const g = gauss(rng(seed));
      expect(run(Array.from({ length: 20_000 }, () => 70 + 0.5 * g())), `seed ${seed}`).toEqual([]);
    }
  });

  it('large step: fires within 2 samples (Shewhart part), upwards, with the window', () => {
    const g = gauss(rng(7));
    const xs = Array.from({ length: 300 }, (_, i) => 70 + 0.5 * g() + (i >= 200 ? 10 : 0));
    const hits = run(xs);
    expect(hits[0]!.i).toBeLessThanOrEqual(201);
    expect(hits[0]!.v.findings[0]!.metric).toBe('discharge_temp_c');
    expect(hits[0]!.v.findings[0]!.score).toBeGreaterThan(0);
    expect(hits).toHaveLength(1); // one verdict per excursion
  });

  it('moderate step (2σ): the EWMA part fires within ~20 samples', () => {
    const g = gauss(rng(8));
    const xs = Array.from({ length: 400 }, (_, i) => 70 + 0.5 * g() - (i >= 200 ? 1.25 : 0));
    const hits = run(xs);
    expect(hits[0]!.i).toBeGreaterThanOrEqual(200);
    expect(hits[0]!.i).toBeLessThan(225);
    expect(hits[0]!.v.findings[0]!.score).toBeLessThan(0);
  });

  it('missing metric values are skipped, not read as zero', () => {
    const st = ewmaDetector.init({ metrics: ['a'], warmup: 10 });
    for (let i = 0; i < 100; i++)
      expect(
        ewmaDetector.update(st, sampleAt(i, i % 2 ? {} : { a: 5 + (i % 3) * 0.01 })),
      ).toBeNull();
  });
});
