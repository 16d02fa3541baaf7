import { describe, expect, it } from 'vitest';
import { adjustPValues, clopperPearson, flagOutlierGroups, type GroupCount } from './outliers.ts';
import { mulberry32 } from './testing.ts';

const rel = (actual: number, expected: number) => Math.abs(actual - expected) / Math.abs(expected);

function poisson(rand: () => number, mean: number): number {
  let k = 0;
  let t = -Math.log(1 - rand());
  while (t <= mean) {
    k++;
    t += -Math.log(1 - rand());
  }
  return k;
}

/** Ten batches of 400–760 unit-years at 0.02 failures per unit-year; batch `hot` at 3×. */
function batches(rand: () => number, hot: number | null): GroupCount[] {
  return Array.from({ length: 10 }, (_, i) => {
    const exposure = 400 + 40 * i;
    const rate = 0.02 * (i === hot ? 3 : 1);
    return {
      id: `B${String(i + 1).padStart(2, '0')}`,
      failures: poisson(rand, rate * exposure),
      exposure,
    };
  });
}

describe('flagOutlierGroups', () => {
  // batches(mulberry32(11), 6), written out so the reference below is reproducible alone.
  const table: GroupCount[] = [
    ['B01', 9, 400],
    ['B02', 12, 440],
    ['B03', 10, 480],
    ['B04', 13, 520],
    ['B05', 11, 560],
    ['B06', 17, 600],
    ['B07', 34, 640],
    ['B08', 17, 680],
    ['B09', 15, 720],
    ['B10', 16, 760],
  ].map(([id, failures, exposure]) => ({
    id: id as string,
    failures: failures as number,
    exposure: exposure as number,
  }));

  it('the simulated table is what batches(seed 11) draws', () => {
    expect(batches(mulberry32(11), 6)).toEqual(table);
  });

  it('one batch at 3× hazard among nine normal ones is flagged, with the statistics behind it', () => {
    const report = flagOutlierGroups(table);
    expect(report.flagged).toEqual(['B07']);
    expect(report.totalFailures).toBe(154);
    expect(report.pooledRate).toBeCloseTo(154 / 5800, 15);
    const b07 = report.groups.find((g) => g.id === 'B07')!;
    // Reference: scipy 1.17.1 — binomtest(34, 154, 640/5800, alternative='greater').pvalue,
    // false_discovery_control(p, method='bh'), binomtest(...).proportion_ci(0.95, 'exact')
    // mapped to the rate ratio p/(1 − p)·(5800 − 640)/640.
    expect(rel(b07.pValue, 6.130564215050863e-5)).toBeLessThan(1e-9);
    expect(rel(b07.adjustedP, 0.0006130564215050863)).toBeLessThan(1e-9);
    expect(b07.expected).toBeCloseTo((154 * 640) / 5800, 12);
    expect(b07.observedToExpected).toBeCloseTo(34 / ((154 * 640) / 5800), 12);
    expect(rel(b07.rateRatio!, 2.284375)).toBeLessThan(1e-12);
    expect(rel(b07.rateRatioCi!.lower, 1.5129473918850214)).toBeLessThan(1e-9);
    expect(rel(b07.rateRatioCi!.upper!, 3.367410465698643)).toBeLessThan(1e-9);
    expect(b07.threshold).toBeCloseTo(0.005, 15); // BH: α·1/10, the smallest p-value
    const scipyP = [
      0.7417765721986849, 0.5048371373219976, 0.828114289335384, 0.630936499775314,
      0.8873102400660162, 0.4267123293511934, 6.130564215050863e-5, 0.6412255748146343,
      0.8727266422708512, 0.8701439260924206,
    ];
    report.groups.forEach((g, i) => {
      expect(rel(g.pValue, scipyP[i]!)).toBeLessThan(1e-9);
      if (g.id !== 'B07') expect(rel(g.adjustedP, 0.8873102400660162)).toBeLessThan(1e-9);
      expect(g.flagged).toBe(g.id === 'B07');
    });
  });

  it('all batches at the same rate: none flagged; identical counts per exposure give p = P(X ≥ k)', () => {
    const equal = Array.from({ length: 10 }, (_, i) => ({
      id: `E${i}`,
      failures: 10,
      exposure: 500,
    }));
    const report = flagOutlierGroups(equal);
    expect(report.flagged).toEqual([]);
    for (const g of report.groups) {
      expect(g.rateRatio).toBe(1);
      expect(g.expected).toBe(10);
      expect(g.pValue).toBeGreaterThan(0.4);
    }
  });

  it('over 500 simulated fleets: a false flag in ≤ 6 % of all-equal fleets, the 3× batch found in ≥ 90 %', () => {
    const rand = mulberry32(12);
    let falseAlarms = 0;
    let found = 0;
    for (let k = 0; k < 500; k++) {
      if (flagOutlierGroups(batches(rand, null)).flagged.length > 0) falseAlarms++;
      if (flagOutlierGroups(batches(rand, 6)).flagged.includes('B07')) found++;
    }
    // With this seed: 20 false alarms (4 %), found 490 times (98 %).
    expect(falseAlarms / 500).toBeLessThanOrEqual(0.06);
    expect(found / 500).toBeGreaterThanOrEqual(0.9);
  });

  it('a batch with fewer failures than expected is never a recall candidate', () => {
    const groups = [
      { id: 'low', failures: 0, exposure: 1000 },
      { id: 'a', failures: 20, exposure: 1000 },
      { id: 'b', failures: 20, exposure: 1000 },
    ];
    const two = flagOutlierGroups(groups, { alternative: 'two-sided' });
    const low = two.groups[0]!;
    expect(low.pValue).toBeLessThan(0.001);
    expect(low.flagged).toBe(false);
    expect(low.rateRatio).toBe(0);
  });

  it('the lower tail keeps its digits far out (scipy binom.cdf(2, 300, 0.2) = 2.4336e-26)', () => {
    const report = flagOutlierGroups(
      [
        { id: 'low', failures: 2, exposure: 1 },
        { id: 'rest', failures: 298, exposure: 4 },
      ],
      { alternative: 'two-sided' },
    );
    expect(rel(report.groups[0]!.pValue, 2 * 2.4336415871295956e-26)).toBeLessThan(1e-9);
    expect(report.flagged).toEqual(['rest']); // its mirror image: the higher of the two
  });

  it('two-sided p is twice the smaller tail', () => {
    const greater = flagOutlierGroups(table).groups[6]!.pValue;
    const two = flagOutlierGroups(table, { alternative: 'two-sided' }).groups[6]!.pValue;
    expect(rel(two, 2 * greater)).toBeLessThan(1e-12);
  });

  it('minRateRatio keeps a significant but small excess off the list', () => {
    const big = [
      { id: 'x', failures: 1300, exposure: 100_000 },
      ...Array.from({ length: 5 }, (_, i) => ({ id: `n${i}`, failures: 1000, exposure: 100_000 })),
    ];
    expect(flagOutlierGroups(big).flagged).toEqual(['x']);
    expect(flagOutlierGroups(big, { minRateRatio: 1.5 }).flagged).toEqual([]);
  });

  it('groups without exposure are reported as skipped and not counted in the correction', () => {
    const report = flagOutlierGroups([...table, { id: 'new', failures: 0, exposure: 0 }]);
    expect(report.tested).toBe(10);
    expect(report.groups[10]).toMatchObject({ id: 'new', skipped: 'no_exposure', flagged: false });
    expect(report.flagged).toEqual(['B07']);
  });

  it('a fleet without failures flags nothing', () => {
    const none = Array.from({ length: 4 }, (_, i) => ({ id: `${i}`, failures: 0, exposure: 10 }));
    const report = flagOutlierGroups(none);
    expect(report.flagged).toEqual([]);
    expect(report.groups.every((g) => g.pValue === 1 && g.rateRatioCi === null)).toBe(true);
  });

  it('refuses negative and fractional counts', () => {
    expect(() => flagOutlierGroups([{ id: 'a', failures: -1, exposure: 1 }])).toThrow(
      /groups\[0\]/,
    );
    expect(() => flagOutlierGroups([{ id: 'a', failures: 1.5, exposure: 1 }])).toThrow(/integer/);
  });
});

describe('p-value corrections', () => {
  const p = [0.01, 0.04, 0.03, 0.005];
  it('Bonferroni: p·m', () => {
    expect(adjustPValues(p, 'bonferroni')).toEqual([0.04, 0.16, 0.12, 0.02]);
  });
  it('Holm: step-down, monotone (by hand: 0.005·4, 0.01·3, 0.03·2, max(0.04·1, previous))', () => {
    const holm = adjustPValues(p, 'holm');
    [0.03, 0.06, 0.06, 0.02].forEach((v, i) => expect(holm[i]).toBeCloseTo(v, 15));
  });
  it('Benjamini–Hochberg matches scipy.stats.false_discovery_control', () => {
    // scipy: false_discovery_control([0.01, 0.04, 0.03, 0.005]) = [0.02, 0.04, 0.04, 0.02]
    const bh = adjustPValues(p, 'benjamini-hochberg');
    [0.02, 0.04, 0.04, 0.02].forEach((v, i) => expect(bh[i]).toBeCloseTo(v, 15));
  });
});

describe('clopperPearson', () => {
  it('matches scipy binomtest(...).proportion_ci(method="exact")', () => {
    const ci = clopperPearson(3, 11);
    expect(rel(ci.lower, 0.06021773417275722)).toBeLessThan(1e-10);
    expect(rel(ci.upper, 0.6097425595724212)).toBeLessThan(1e-10);
    expect(clopperPearson(0, 5).lower).toBe(0);
    expect(clopperPearson(5, 5).upper).toBe(1);
  });
});
