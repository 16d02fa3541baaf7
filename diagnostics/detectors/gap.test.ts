import { describe, expect, it } from 'vitest';
import { MINUTE, T0, sampleAt } from '../testing.ts';
import { gapDetector } from './gap.ts';

describe('gap detector', () => {
  it('learns the interval and reports a gap on the next sample', () => {
    const st = gapDetector.init({ factor: 5 });
    for (let i = 0; i < 50; i++) expect(gapDetector.update(st, sampleAt(i, { x: 1 }))).toBeNull();
    const v = gapDetector.update(st, sampleAt(70, { x: 1 }))!;
    expect(v.detector).toBe('gap');
    expect(v.windowStart).toBe(T0 + 49 * MINUTE);
    expect(v.windowEnd).toBe(T0 + 70 * MINUTE);
    expect(v.findings[0]!.score).toBe(20); // 20 samples missing between minute 49 and 70
    expect(gapDetector.update(st, sampleAt(71, { x: 1 }))).toBeNull();
  });

  it('tick reports a silence once, and the resuming sample does not report it again', () => {
    const st = gapDetector.init({ expectedIntervalMs: MINUTE, factor: 5 });
    for (let i = 0; i < 10; i++) gapDetector.update(st, sampleAt(i, {}));
    expect(gapDetector.tick(st, T0 + 12 * MINUTE)).toBeNull();
    expect(gapDetector.tick(st, T0 + 15 * MINUTE)?.detector).toBe('gap');
    expect(gapDetector.tick(st, T0 + 30 * MINUTE)).toBeNull();
    expect(gapDetector.update(st, sampleAt(31, {}))).toBeNull();
  });

  it('jittery but regular data and late (batched) samples are not gaps', () => {
    const st = gapDetector.init({ factor: 5 });
    let t = T0;
    for (let i = 0; i < 2000; i++) {
      t += MINUTE * (0.5 + ((i * 7919) % 100) / 100);
      expect(gapDetector.update(st, { ...sampleAt(0, {}), ts: t })).toBeNull();
      if (i % 100 === 0)
        expect(gapDetector.update(st, { ...sampleAt(0, {}), ts: t - 30 * MINUTE })).toBeNull();
    }
  });
});
