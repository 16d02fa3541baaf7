import { describe, expect, it } from 'vitest';
import { gauss, rng, sampleAt } from '../testing.ts';
import type { Verdict } from '../types.ts';
import { trendDetector, trendHealth, trendRul, type TrendConfig } from './trend.ts';

const HOUR = 3_600_000;
const config: TrendConfig = {
  modeId: 'wear',
  indicators: [{ metric: 'x', direction: 1, weight: 1, failureDelta: 20, relative: false }],
  halfLifeMs: 100 * HOUR,
  warmup: 50,
};

/** Hourly samples: baseline 100, ramp from hour `onset` reaching +20 (failure) at `fail`. */
function ramp(seed: number, onset: number, fail: number, hours: number, sd = 1): number[] {
  const g = gauss(rng(seed));
  return Array.from(
    { length: hours },
    (_, h) => 100 + sd * g() + (h > onset ? (20 * (h - onset)) / (fail - onset) : 0),
  );
}

describe('trend detector (per-mode HI, forgetting regression, RUL)', () => {
  it('linear ramp: RUL is accurate and its 95 % band contains the truth', () => {
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const st = trendDetector.init({ ...config, confidence: 0.95 });
      const xs = ramp(seed, 50, 850, 600); // degradation from the end of the warm-up
      xs.forEach((x, h) => trendDetector.update(st, sampleAt(h, { x }, 'd', HOUR)));
      const rul = trendRul(st)!;
      const truth = (850 - 599) * HOUR;
      expect(Math.abs(rul.rulMs - truth) / truth, `seed ${seed}`).toBeLessThan(0.15);
      expect(rul.lowMs).toBeLessThanOrEqual(truth);
      expect(rul.highMs).toBeGreaterThanOrEqual(truth);
      expect(rul.lowMs).toBeGreaterThan(0.5 * truth); // a band, not "anything goes"
      expect(trendHealth(st).indicator).toBeGreaterThan(0.5);
    }
  });

  it('ramp after a long healthy period (a kink): RUL still within 15 %', () => {
    for (const seed of [1, 2, 3]) {
      const st = trendDetector.init(config);
      ramp(seed, 300, 1100, 800).forEach((x, h) =>
        trendDetector.update(st, sampleAt(h, { x }, 'd', HOUR)),
      );
      const truth = (1100 - 799) * HOUR;
      expect(Math.abs(trendRul(st)!.rulMs - truth) / truth, `seed ${seed}`).toBeLessThan(0.15);
    }
  });

  it('ramp: one verdict when the HI crosses the alert level, then periodic refreshes with RUL', () => {
    const st = trendDetector.init(config);
    const verdicts: Array<{ h: number; v: Verdict }> = [];
    ramp(4, 100, 900, 800).forEach((x, h) => {
      const v = trendDetector.update(st, sampleAt(h, { x }, 'd', HOUR));
      if (v) verdicts.push({ h, v });
    });
    const first = verdicts[0]!;
    // HI 0.3 is reached at hour 100 + 0.3·800 = 340; smoothing and significance add a little.
    expect(first.h).toBeGreaterThan(300);
    expect(first.h).toBeLessThan(400);
    expect(first.v.modeId).toBe('wear');
    expect(first.v.rul!.rulMs).toBeGreaterThan(0);
    const gaps = verdicts.slice(1).map((x, i) => x.h - verdicts[i]!.h);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(25); // reportEveryMs = half-life / 4
  });

  it('noise only (and a healthy step back): no verdict, several seeds', () => {
    for (const seed of [5, 6, 7, 8]) {
      const st = trendDetector.init(config);
      const g = gauss(rng(seed));
      for (let h = 0; h < 20_000; h++) {
        expect(
          trendDetector.update(st, sampleAt(h, { x: 100 + 3 * g() }, 'd', HOUR)),
          `seed ${seed} h ${h}`,
        ).toBeNull();
      }
    }
  });

  it('an indicator gated by a condition only learns and moves under it', () => {
    const st = trendDetector.init({
      ...config,
      indicators: [{ ...config.indicators[0]!, when: (s) => (s.metrics.running ?? 0) > 0 }],
    });
    for (let h = 0; h < 400; h++)
      trendDetector.update(st, sampleAt(h, { x: h % 2 ? 100 : 0, running: h % 2 }, 'd', HOUR));
    expect(Math.abs(trendHealth(st).indicator)).toBeLessThan(0.01);
    expect(trendHealth(st).contributions[0]!.baseline).toBe(100);
  });

  it('a unit already degrading when first seen is judged from its fleet, a healthy one from itself', () => {
    const fleet = { n: 0, mean: 0, m2: 0 };
    const cfg: TrendConfig = { ...config, indicators: [{ ...config.indicators[0]!, fleet }] };
    const u = rng(11);
    const g = gauss(rng(12));
    const unit = (level: number) => {
      const st = trendDetector.init(cfg);
      for (let h = 0; h < 60; h++)
        trendDetector.update(st, sampleAt(h, { x: level + 0.5 * g() }, 'd', HOUR));
      return st;
    };
    for (let k = 0; k < 25; k++) unit(100 + 2 * (u() - 0.5)); // unit-to-unit spread ±1
    expect(fleet.n).toBe(25);
    const degraded = unit(110); // half-way to failure (+20) before we ever saw it
    expect(trendHealth(degraded).contributions[0]!.baseline).toBeCloseTo(100, 0);
    expect(trendHealth(degraded).indicator).toBeGreaterThan(0.4);
    const healthy = unit(100.8);
    expect(trendHealth(healthy).contributions[0]!.baseline).toBeCloseTo(100.8, 0);
    expect(fleet.n).toBe(26); // the degraded unit did not join the reference
  });

  it('a mode watched under two conditions is judged from the one that holds, not a stale term', () => {
    // An air conditioner's leak shows in one metric while cooling and in another while heating.
    // Summer (hours 0–299) is healthy; the leak grows through the heating season from hour
    // 400 (failure at 1,200). The cooling term stays at its summer value all winter.
    const cooling = (s: { metrics: Record<string, number> }) => s.metrics.mode === 1;
    const heating = (s: { metrics: Record<string, number> }) => s.metrics.mode === 2;
    const st = trendDetector.init({
      ...config,
      minAgreement: 0.6,
      indicators: [
        { metric: 'x', direction: 1, weight: 1, failureDelta: 20, relative: false, when: cooling },
        { metric: 'y', direction: 1, weight: 1, failureDelta: 20, relative: false, when: heating },
      ],
    });
    const g = gauss(rng(21));
    let first: number | undefined;
    for (let h = 0; h < 1200; h++) {
      const summer = h < 300;
      const y = 50 + g() + (h > 400 ? (20 * (h - 400)) / 800 : 0);
      const v = trendDetector.update(
        st,
        sampleAt(h, summer ? { mode: 1, x: 100 + g() } : { mode: 2, y }, 'd', HOUR),
      );
      if (v && first === undefined) first = h;
    }
    // HI 0.3 at hour 640; averaged with the summer term it would never pass 0.5, nor agree.
    expect(first).toBeGreaterThan(600);
    expect(first).toBeLessThan(760);
    expect(trendHealth(st).indicator).toBeGreaterThan(0.8);
  });

  it('accelerating wear: the exponential RUL is close and early where the straight line is late', () => {
    // Wear-out curve (e^{3p} − 1)/(e^3 − 1) from hour 50 to failure at hour 1,050, read at 85 %.
    const lateBy = (accelerating: boolean) => {
      const errs: number[] = [];
      for (const seed of [1, 2, 3, 4]) {
        const st = trendDetector.init({ ...config, accelerating });
        const g = gauss(rng(seed));
        const now = 900;
        for (let h = 0; h < now; h++) {
          const p = Math.max(0, (h - 50) / 1000);
          const x = 100 + 0.5 * g() + (20 * (Math.exp(3 * p) - 1)) / (Math.exp(3) - 1);
          trendDetector.update(st, sampleAt(h, { x }, 'd', HOUR));
        }
        const rul = trendRul(st)!;
        const truth = (1050 - (now - 1)) * HOUR;
        errs.push((rul.rulMs - truth) / truth, (rul.lowMs - truth) / truth);
      }
      return errs;
    };
    const line = lateBy(false);
    const grown = lateBy(true);
    expect(Math.min(...line)).toBeGreaterThan(0.15); // even the band's early end is late
    for (let i = 0; i < grown.length; i += 2) {
      expect(Math.abs(grown[i]!)).toBeLessThan(0.15); // point estimate
      expect(grown[i + 1]!).toBeLessThan(0); // the band's early end is early
    }
  });
});
