import { describe, expect, it } from 'vitest';
import { lifeDataFromTimes } from './life-data.ts';
import { failureRate, poissonMeanInterval, survivalTable } from './rates.ts';
import { mulberry32, syntheticFleet } from './testing.ts';

const rel = (actual: number, expected: number) =>
  expected === 0 ? Math.abs(actual) : Math.abs(actual - expected) / Math.abs(expected);

describe('Garwood interval against chi-square quantiles', () => {
  // Reference: scipy 1.17.1, chi2.ppf(0.025, 2k)/2 and chi2.ppf(0.975, 2k + 2)/2.
  const reference: [number, number, number][] = [
    [0, 0, 3.6888794541139354],
    [1, 0.025317807984289876, 5.571643390938898],
    [5, 1.6234863901184207, 11.66833207932267],
    [20, 12.216519585403944, 30.8883779026746],
    [100, 81.36399125092314, 121.62679379242638],
  ];
  for (const [k, lower, upper] of reference) {
    it(`k = ${k}: [${lower.toPrecision(6)}, ${upper.toPrecision(6)}]`, () => {
      const ci = poissonMeanInterval(k);
      expect(rel(ci.lower, lower)).toBeLessThan(1e-12);
      expect(rel(ci.upper, upper)).toBeLessThan(1e-12);
    });
  }

  it('other confidence levels: 90 % for k = 3 (chi2.ppf(0.05, 6)/2, chi2.ppf(0.95, 8)/2)', () => {
    const ci = poissonMeanInterval(3, 0.9);
    expect(rel(ci.lower, 0.8176914471639534)).toBeLessThan(1e-12);
    expect(rel(ci.upper, 7.753656527932725)).toBeLessThan(1e-12);
  });
});

describe('failureRate', () => {
  it('5 failures in 1,000 unit-years: rate, MTBF and their exact intervals', () => {
    const r = failureRate(5, 1000);
    expect(r.rate).toBe(0.005);
    expect(rel(r.rateCi!.lower, 1.6234863901184207 / 1000)).toBeLessThan(1e-12);
    expect(rel(r.rateCi!.upper, 11.66833207932267 / 1000)).toBeLessThan(1e-12);
    expect(r.mtbf).toBe(200);
    expect(rel(r.mtbfCi!.lower, 1000 / 11.66833207932267)).toBeLessThan(1e-12);
    expect(rel(r.mtbfCi!.upper!, 1000 / 1.6234863901184207)).toBeLessThan(1e-12);
  });

  it('no failures: rate 0 with an upper bound, MTBF only bounded below', () => {
    const r = failureRate(0, 250);
    expect(r.rate).toBe(0);
    expect(r.rateCi!.lower).toBe(0);
    expect(rel(r.rateCi!.upper, 3.6888794541139354 / 250)).toBeLessThan(1e-12);
    expect(r.mtbf).toBeNull();
    expect(rel(r.mtbfCi!.lower, 250 / 3.6888794541139354)).toBeLessThan(1e-12);
    expect(r.mtbfCi!.upper).toBeNull();
  });

  it('zero exposure: nothing to estimate', () => {
    expect(failureRate(0, 0)).toMatchObject({ rate: null, rateCi: null, mtbf: null, mtbfCi: null });
  });

  it('refuses negative, fractional and non-finite input', () => {
    expect(() => failureRate(-1, 10)).toThrow(RangeError);
    expect(() => failureRate(1.5, 10)).toThrow(/integer/);
    expect(() => failureRate(1, Number.POSITIVE_INFINITY)).toThrow(/exposure/);
    expect(() => failureRate(1, 10, 95)).toThrow(/confidence must be between 0 and 1/);
  });

  it('covers the true rate in about 95 % of 400 simulated Poisson counts', () => {
    const rand = mulberry32(3);
    const lambda = 0.02;
    const exposure = 300; // mean 6 failures
    let covered = 0;
    for (let run = 0; run < 400; run++) {
      // Poisson draw by counting exponential inter-arrival times
      let k = 0;
      let t = -Math.log(1 - rand()) / lambda;
      while (t <= exposure) {
        k++;
        t += -Math.log(1 - rand()) / lambda;
      }
      const ci = failureRate(k, exposure).rateCi!;
      if (ci.lower <= lambda && lambda <= ci.upper) covered++;
    }
    // Garwood is conservative: coverage ≥ 95 % for every λ (with this seed: 389 of 400).
    expect(covered / 400).toBeGreaterThanOrEqual(0.94);
    expect(covered / 400).toBeLessThanOrEqual(0.995);
  });
});

describe('survivalTable', () => {
  // Failures at 1, 3, 3, 6; censored at 2, 5, 6, 8. By hand: S(1) = 7/8, S(3) = 7/8·4/6,
  // S(6) = that·2/3 (the unit censored at 6 was at risk at 6); H = 1/8 + 2/6 + 1/3.
  // Log-log bounds: scipy.stats.ecdf(CensoredData(...)).sf.confidence_interval(0.95, 'log-log').
  const table = survivalTable(lifeDataFromTimes([1, 3, 3, 6], [2, 5, 6, 8]));

  it('Kaplan–Meier and Nelson–Aalen by hand, ties failures-first', () => {
    expect(table.map((s) => [s.time, s.atRisk, s.failures])).toEqual([
      [1, 8, 1],
      [3, 6, 2],
      [6, 3, 1],
    ]);
    expect(table[2]!.survival).toBeCloseTo((7 / 8) * (4 / 6) * (2 / 3), 14);
    expect(table[2]!.cumulativeHazard).toBeCloseTo(1 / 8 + 2 / 6 + 1 / 3, 14);
    expect(table[0]!.cumulativeHazardSe).toBeCloseTo(1 / 8, 14);
  });

  it('log-log intervals match scipy', () => {
    const low = [0.38700001, 0.18018889, 0.06300281];
    const high = [0.98139297, 0.84406869, 0.72422276];
    table.forEach((s, i) => {
      expect(s.survivalCi.lower).toBeCloseTo(low[i]!, 7);
      expect(s.survivalCi.upper).toBeCloseTo(high[i]!, 7);
    });
  });

  it('on a 300-unit censored fleet, matches scipy.stats.ecdf at the 1st, 51st and last failure', () => {
    const fleet = syntheticFleet(mulberry32(42), { shape: 2.5, scale: 1000 }, 300, 200, 1500);
    const steps = survivalTable(lifeDataFromTimes(fleet.failures, fleet.censored));
    expect(steps).toHaveLength(154);
    const ref: [number, number, number, number, number][] = [
      [0, 106.62626164788452, 0.9966666666666667, 0.9765755924790024, 0.9995297817167916],
      [50, 562.9961760925714, 0.7966048900753647, 0.7406607984311592, 0.841775580641108],
      [153, 1268.9407149579868, 0.08989676860378351, 0.04031561133402128, 0.1640730778854647],
    ];
    for (const [i, time, s, lo, hi] of ref) {
      expect(steps[i]!.time).toBe(time);
      expect(rel(steps[i]!.survival, s)).toBeLessThan(1e-12);
      expect(rel(steps[i]!.survivalCi.lower, lo)).toBeLessThan(1e-9);
      expect(rel(steps[i]!.survivalCi.upper, hi)).toBeLessThan(1e-9);
    }
  });
});
