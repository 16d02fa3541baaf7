import { describe, expect, it } from 'vitest';
import { compareWeibull, mergeLifeData, subtractLifeData } from './compare.ts';
import { lifeDataFromTimes, LifeDataError } from './life-data.ts';
import { fitWeibull } from './weibull.ts';
import { mulberry32, syntheticFleet } from './testing.ts';

const rel = (actual: number, expected: number) => Math.abs(actual - expected) / Math.abs(expected);
const lifeData = (f: { failures: number[]; censored: number[] }) =>
  lifeDataFromTimes(f.failures, f.censored);

describe('compareWeibull', () => {
  it('a batch with a shorter scale: matches scipy and rejects "same distribution", not "same shape"', () => {
    const batch = syntheticFleet(mulberry32(31), { shape: 2.5, scale: 600 }, 200, 100, 900);
    const rest = syntheticFleet(mulberry32(32), { shape: 2.5, scale: 1000 }, 1000, 100, 900);
    expect([batch.failures.length, rest.failures.length]).toEqual([91, 202]);
    const r = compareWeibull(lifeData(batch), lifeData(rest));
    if (!r.ok) throw new Error(r.message);
    // Reference: scipy 1.17.1, Nelder–Mead MLEs of the separate, pooled and common-shape
    // models (started from weibull_min.fit on CensoredData), chi2.sf of the statistics.
    expect(rel(r.sameDistribution.statistic, 82.99187290725513)).toBeLessThan(1e-8);
    expect(rel(r.sameDistribution.pValue, 9.517957840687117e-19)).toBeLessThan(1e-6);
    expect(Math.abs(r.sameShape.statistic - 0.029492234376448323)).toBeLessThan(1e-8);
    expect(rel(r.sameShape.pValue, 0.8636474155895639)).toBeLessThan(1e-8);
    expect(rel(r.sameShape.commonShape, 2.4635230870877134)).toBeLessThan(1e-6);
    expect(rel(r.a.scale, 590.2372041)).toBeLessThan(1e-6);
  });

  it('a different failure mechanism (β 1 vs 3) rejects "same shape"', () => {
    const infant = syntheticFleet(mulberry32(41), { shape: 1, scale: 1000 }, 400, 200, 1200);
    const wear = syntheticFleet(mulberry32(42), { shape: 3, scale: 1000 }, 400, 200, 1200);
    const r = compareWeibull(lifeData(infant), lifeData(wear));
    if (!r.ok) throw new Error(r.message);
    expect(r.sameShape.pValue).toBeLessThan(1e-6);
    expect(r.sameShape.commonShape).toBeGreaterThan(r.a.shape);
    expect(r.sameShape.commonShape).toBeLessThan(r.b.shape);
  });

  it('same distribution in both: "same distribution" rejected at 5 % in 2–9 % of 200 simulations', () => {
    const rand = mulberry32(77);
    let rejected = 0;
    for (let k = 0; k < 200; k++) {
      const truth = { shape: 1.8, scale: 800 };
      const r = compareWeibull(
        lifeData(syntheticFleet(rand, truth, 150, 100, 1000)),
        lifeData(syntheticFleet(rand, truth, 600, 100, 1000)),
      );
      if (!r.ok) throw new Error(r.message);
      if (r.sameDistribution.pValue <= 0.05) rejected++;
    }
    // With this seed: 9 of 200 (and 6 of 200 for "same shape").
    expect(rejected / 200).toBeGreaterThanOrEqual(0.02);
    expect(rejected / 200).toBeLessThanOrEqual(0.09);
  });

  it('a group that cannot be fitted is named', () => {
    const r = compareWeibull(
      lifeDataFromTimes([100], [500, 600]),
      lifeData(syntheticFleet(mulberry32(1), { shape: 2, scale: 500 }, 100, 100, 900)),
    );
    expect(r).toMatchObject({ ok: false, group: 'a', reason: 'single_failure' });
  });
});

describe('subtractLifeData', () => {
  it('the rest of the fleet: total minus one group equals the merge of the others', () => {
    const groups = [41, 42, 43].map((seed) =>
      lifeData(syntheticFleet(mulberry32(seed), { shape: 2, scale: 700 }, 300, 100, 900)),
    );
    const rounded = groups.map((g) =>
      lifeDataFromTimes(
        Array.from(
          g.times.filter((_, i) => g.failures[i]! > 0),
          Math.ceil,
        ),
        Array.from(
          g.times.filter((_, i) => g.censored[i]! > 0),
          Math.floor,
        ),
      ),
    );
    const total = mergeLifeData(...rounded);
    expect(subtractLifeData(total, rounded[1]!)).toEqual(mergeLifeData(rounded[0]!, rounded[2]!));
    expect(() => subtractLifeData(rounded[0]!, total)).toThrow(LifeDataError);
  });

  it('reusing fits gives the same comparison', () => {
    const a = lifeData(syntheticFleet(mulberry32(51), { shape: 2, scale: 600 }, 300, 100, 900));
    const b = lifeData(syntheticFleet(mulberry32(52), { shape: 2, scale: 800 }, 900, 100, 900));
    const pooled = fitWeibull(mergeLifeData(a, b));
    const fresh = compareWeibull(a, b);
    const reused = compareWeibull(a, b, { fits: { pooled } });
    expect(reused).toEqual(fresh);
  });
});

describe('mergeLifeData', () => {
  it('equals the life data of the concatenated times', () => {
    const merged = mergeLifeData(
      lifeDataFromTimes([1, 3, 3], [2, 5]),
      lifeDataFromTimes([3, 4], [5, 0]),
    );
    const direct = lifeDataFromTimes([1, 3, 3, 3, 4], [2, 5, 5, 0]);
    expect(merged).toEqual(direct);
  });
});
