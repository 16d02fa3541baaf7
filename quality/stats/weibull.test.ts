import { describe, expect, it } from 'vitest';
import {
  lifeDataFromGroups,
  lifeDataFromTimes,
  LifeDataError,
  type LifeGroup,
} from './life-data.ts';
import { mulberry32, syntheticFleet, weibullDraw } from './testing.ts';
import { fitWeibayes } from './weibayes.ts';
import {
  fitWeibull,
  weibullLogLikelihood,
  weibullQuantile,
  type WeibullFit,
  type WeibullParams,
} from './weibull.ts';

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
const rel = (actual: number, expected: number) => Math.abs(actual - expected) / Math.abs(expected);

function fitOf(failures: readonly number[], censored: readonly number[] = []): WeibullFit {
  const r = fitWeibull(lifeDataFromTimes(failures, censored));
  if (!r.ok) throw new Error(`expected a fit, got ${r.reason}: ${r.message}`);
  return r.fit;
}

/** ℓ(β, η) written out directly from the raw times (not through LifeData). */
function logLik(b: number, eta: number, failures: readonly number[], censored: readonly number[]) {
  let ll = 0;
  for (const t of failures) ll += Math.log(b / eta) + (b - 1) * Math.log(t / eta) - (t / eta) ** b;
  for (const t of censored) ll -= (t / eta) ** b;
  return ll;
}

/**
 * Derivative-free maximisation: a 41×41 grid over β in [0.05, 9.95] and ln η ± 3, re-centred on the best point
 * and shrunk ×4 each round. Independent of the profile equation the fit solves.
 */
function gridSearch(failures: readonly number[], censored: readonly number[]) {
  let bC = 5;
  let aC = Math.log(sum(failures) / failures.length);
  let bHalf = 4.95;
  let aHalf = 3;
  let best = { b: bC, a: aC, ll: -Infinity };
  for (let round = 0; round < 14; round++) {
    for (let i = -20; i <= 20; i++) {
      for (let j = -20; j <= 20; j++) {
        const b = bC + (bHalf * i) / 20;
        const a = aC + (aHalf * j) / 20;
        if (b <= 0) continue;
        const ll = logLik(b, Math.exp(a), failures, censored);
        if (ll > best.ll) best = { b, a, ll };
      }
    }
    bC = best.b;
    aC = best.a;
    bHalf /= 4;
    aHalf /= 4;
  }
  return { shape: best.b, scale: Math.exp(best.a), ll: best.ll };
}

// Data sets shared with the Python reference below: the seeds and sizes must not change.
const uncensored = (() => {
  const rand = mulberry32(1);
  return Array.from({ length: 50 }, () => weibullDraw(rand, { shape: 1.8, scale: 120 }));
})();
const fleet = syntheticFleet(mulberry32(42), { shape: 2.5, scale: 1000 }, 300, 200, 1500);
const sparse = syntheticFleet(mulberry32(7), { shape: 1.5, scale: 5000 }, 400, 100, 1000);

describe('fitWeibull against independently computed values', () => {
  it('generates the same data as the Python reference run (guards the numbers below)', () => {
    expect(rel(sum(uncensored), 5092.531613959098)).toBeLessThan(1e-12);
    expect(fleet.failures).toHaveLength(154);
    expect(rel(sum(fleet.failures), 109335.64793786735)).toBeLessThan(1e-12);
    expect(rel(sum(fleet.censored), 89714.96975750197)).toBeLessThan(1e-12);
    expect(sparse.failures).toHaveLength(12);
  });

  // Reference: scipy 1.17.1. MLE by Nelder–Mead on the negative log-likelihood in (ln β, ln η)
  // (xatol 1e-13) started from scipy.stats.weibull_min.fit(CensoredData(...), floc=0);
  // covariance = inverse of a central finite-difference Hessian (h = 1e-4) in (β, ln η);
  // likelihood-ratio bounds by brentq on a profile obtained with minimize_scalar over ln η.
  const references = [
    {
      name: 'uncensored, 50 units, β = 1.8, η = 120',
      data: { failures: uncensored, censored: [] as number[] },
      shape: 1.6529911728177709,
      scale: 114.20523795800568,
      ll: -272.5456803387678,
      cov: [0.03043985743808312, 0.005063017311351959, 0.008161750938233589],
      lr: [1.3265045791038768, 2.0097600890914946],
    },
    {
      name: 'censored fleet, 300 units, 154 failures, β = 2.5, η = 1000',
      data: fleet,
      shape: 2.871916057616054,
      scale: 968.6543309624294,
      ll: -1167.4580045591263,
      cov: [0.032294313206095514, -0.0006497764464281437, 0.0008003656684450816],
      lr: [2.5312067447278834, 3.2356309275847104],
    },
    {
      name: 'sparse failures, 400 units, 12 failures, β = 1.5, η = 5000',
      data: sparse,
      shape: 1.0283202296206464,
      scale: 17405.64519685318,
      ll: -130.28872577937094,
      cov: [0.07431125815832391, -0.23789563670271735, 0.8403914127250707],
      lr: [0.5757218411760812, 1.647385561003786],
    },
  ];

  for (const ref of references) {
    it(`${ref.name}: MLE, log-likelihood, covariance and LR interval match scipy`, () => {
      const fit = fitOf(ref.data.failures, ref.data.censored);
      expect(rel(fit.shape, ref.shape)).toBeLessThan(1e-6);
      expect(rel(fit.scale, ref.scale)).toBeLessThan(1e-6);
      expect(rel(fit.logLikelihood, ref.ll)).toBeLessThan(1e-10);
      expect(rel(fit.covariance.shapeShape, ref.cov[0]!)).toBeLessThan(1e-4);
      expect(rel(fit.covariance.shapeLogScale, ref.cov[1]!)).toBeLessThan(1e-4);
      expect(rel(fit.covariance.logScaleLogScale, ref.cov[2]!)).toBeLessThan(1e-4);
      expect(rel(fit.shapeLrCi.lower, ref.lr[0]!)).toBeLessThan(1e-8);
      expect(rel(fit.shapeLrCi.upper, ref.lr[1]!)).toBeLessThan(1e-8);
      expect(fit.failures + fit.censored).toBe(fit.units);
    });
  }

  it('B10 life and its interval match scipy.stats.weibull_min.ppf and a NumPy delta method', () => {
    const fit = fitOf(fleet.failures, fleet.censored);
    expect(rel(fit.b10.value, 442.4514916544259)).toBeLessThan(1e-6);
    expect(rel(fit.b10.lower, 398.49701470426174)).toBeLessThan(1e-5);
    expect(rel(fit.b10.upper, 491.25417567433755)).toBeLessThan(1e-5);
    expect(weibullQuantile(fit, 1 - Math.exp(-1))).toBeCloseTo(fit.scale, 9);
  });

  for (const [name, data] of [
    ['uncensored', { failures: uncensored, censored: [] as number[] }],
    ['censored', fleet],
  ] as const) {
    it(`${name}: no point of a derivative-free grid search has a higher likelihood`, () => {
      const fit = fitOf(data.failures, data.censored);
      const grid = gridSearch(data.failures, data.censored);
      const atFit = logLik(fit.shape, fit.scale, data.failures, data.censored);
      expect(atFit).toBeGreaterThanOrEqual(grid.ll - 1e-9);
      expect(rel(atFit, fit.logLikelihood)).toBeLessThan(1e-12);
      expect(rel(grid.shape, fit.shape)).toBeLessThan(1e-4);
      expect(rel(grid.scale, fit.scale)).toBeLessThan(1e-4);
    });
  }
});

describe('fitWeibull recovers known parameters', () => {
  it('20,000 units, 80 % censored: estimates within 5 % and inside their 95 % intervals', () => {
    const truth = { shape: 2.5, scale: 1000 };
    const data = syntheticFleet(mulberry32(2024), truth, 20_000, 100, 800);
    const fit = fitOf(data.failures, data.censored);
    expect(fit.censored / fit.units).toBeGreaterThan(0.75);
    expect(rel(fit.shape, truth.shape)).toBeLessThan(0.05);
    expect(rel(fit.scale, truth.scale)).toBeLessThan(0.05);
    expect(fit.shapeCi.lower).toBeLessThan(truth.shape);
    expect(fit.shapeCi.upper).toBeGreaterThan(truth.shape);
    expect(fit.scaleCi.lower).toBeLessThan(truth.scale);
    expect(fit.scaleCi.upper).toBeGreaterThan(truth.scale);
  });

  it('1,000,000 ungrouped units (continuous times) fit, within 1 % of the truth', () => {
    const truth = { shape: 1.7, scale: 3000 };
    const data = syntheticFleet(mulberry32(1_000_000), truth, 1_000_000, 30, 1500);
    const life = lifeDataFromTimes(data.failures, data.censored);
    expect(life.units).toBe(1_000_000);
    const r = fitWeibull(life);
    if (!r.ok) throw new Error(r.message);
    expect(rel(r.fit.shape, truth.shape)).toBeLessThan(0.01);
    expect(rel(r.fit.scale, truth.scale)).toBeLessThan(0.01);
    expect(r.fit.shapeLrCi.lower).toBeLessThan(truth.shape);
    expect(r.fit.shapeLrCi.upper).toBeGreaterThan(truth.shape);
  });

  it('95 % intervals cover the true parameters in 90–99 % of 200 simulated fleets', () => {
    const truth: WeibullParams = { shape: 1.5, scale: 1000 };
    const b10 = weibullQuantile(truth, 0.1);
    const rand = mulberry32(99);
    const covered = { wald: 0, lr: 0, scale: 0, b10: 0 };
    const runs = 200;
    for (let k = 0; k < runs; k++) {
      const data = syntheticFleet(rand, truth, 100, 200, 1500);
      const fit = fitOf(data.failures, data.censored);
      const inside = (ci: { lower: number; upper: number }, v: number) =>
        ci.lower <= v && v <= ci.upper;
      if (inside(fit.shapeCi, truth.shape)) covered.wald++;
      if (inside(fit.shapeLrCi, truth.shape)) covered.lr++;
      if (inside(fit.scaleCi, truth.scale)) covered.scale++;
      if (inside(fit.b10, b10)) covered.b10++;
    }
    // With this seed: Wald shape 190, LR shape 193, scale 186, B10 192 of 200 (~52 failures each).
    for (const [what, n] of Object.entries(covered)) {
      expect.soft(n / runs, what).toBeGreaterThanOrEqual(0.9);
      expect.soft(n / runs, what).toBeLessThanOrEqual(0.99);
    }
  });

  it('is equivariant in the time unit: days → seconds multiplies the scale, keeps the shape', () => {
    const days = fitOf(fleet.failures, fleet.censored);
    const seconds = fitOf(
      fleet.failures.map((t) => t * 86_400),
      fleet.censored.map((t) => t * 86_400),
    );
    expect(rel(seconds.shape, days.shape)).toBeLessThan(1e-9);
    expect(rel(seconds.scale, days.scale * 86_400)).toBeLessThan(1e-9);
    expect(rel(seconds.shapeLrCi.upper, days.shapeLrCi.upper)).toBeLessThan(1e-9);
    // ℓ shifts by −r·ln 86400 (densities per second instead of per day)
    expect(seconds.logLikelihood).toBeCloseTo(days.logLikelihood - 154 * Math.log(86_400), 6);
  });

  it('extreme shapes on large times neither overflow nor stall', () => {
    for (const shape of [0.3, 12]) {
      const truth = { shape, scale: 3e7 };
      const data = syntheticFleet(mulberry32(5), truth, 2000, 1e7, 4e7);
      const fit = fitOf(data.failures, data.censored);
      expect(fit.shapeCi.lower).toBeLessThan(shape);
      expect(fit.shapeCi.upper).toBeGreaterThan(shape);
      expect(fit.iterations).toBeLessThan(30);
      expect(Number.isFinite(fit.b10.upper)).toBe(true);
    }
  });
});

describe('grouped input', () => {
  it('aggregated rows give the fit of the same units listed one by one', () => {
    const failures = fleet.failures.map(Math.ceil);
    const censored = fleet.censored.map(Math.floor);
    const rows = new Map<string, LifeGroup>();
    for (const [times, isCensored] of [
      [failures, false],
      [censored, true],
    ] as const) {
      for (const time of times) {
        const key = `${time}:${isCensored}`;
        const row = rows.get(key) ?? { time, count: 0, censored: isCensored };
        row.count++;
        rows.set(key, row);
      }
    }
    // the same time split over two rows is merged too
    const grouped = [...rows.values()].reverse();
    const first = grouped[0]!;
    grouped[0] = { ...first, count: 1 };
    if (first.count > 1) grouped.push({ ...first, count: first.count - 1 });

    const a = fitWeibull(lifeDataFromGroups(grouped));
    const b = fitWeibull(lifeDataFromTimes(failures, censored));
    if (!a.ok || !b.ok) throw new Error('expected fits');
    expect(rel(a.fit.shape, b.fit.shape)).toBeLessThan(1e-12);
    expect(rel(a.fit.scale, b.fit.scale)).toBeLessThan(1e-12);
    expect(rel(a.fit.covariance.shapeShape, b.fit.covariance.shapeShape)).toBeLessThan(1e-10);
    expect(a.fit.distinctTimes).toBe(b.fit.distinctTimes);
    expect(a.fit.units).toBe(300);
    expect(
      rel(weibullLogLikelihood(lifeDataFromGroups(grouped), a.fit), a.fit.logLikelihood),
    ).toBeLessThan(1e-12);
  });
});

describe('data a Weibull cannot be fitted to', () => {
  it('no failures → no fit, reason no_failures', () => {
    const r = fitWeibull(lifeDataFromTimes([], [100, 200, 300]));
    expect(r).toMatchObject({ ok: false, reason: 'no_failures', failures: 0, units: 3 });
  });

  it('one failure → the shape is unidentifiable', () => {
    const r = fitWeibull(lifeDataFromTimes([50], [100, 200, 300]));
    expect(r).toMatchObject({ ok: false, reason: 'single_failure', failures: 1, units: 4 });
  });

  it('all failures at one time and nothing observed later → identical_failure_times', () => {
    expect(fitWeibull(lifeDataFromTimes([5, 5, 5], [1, 2, 5]))).toMatchObject({
      ok: false,
      reason: 'identical_failure_times',
    });
    expect(fitWeibull(lifeDataFromTimes([7, 7]))).toMatchObject({
      ok: false,
      reason: 'identical_failure_times',
    });
  });

  it('failures a hair apart with nothing observed later → no_convergence, not a huge shape', () => {
    const r = fitWeibull(lifeDataFromTimes([5, 5, 5.0000001]));
    expect(r).toMatchObject({ ok: false, reason: 'no_convergence', failures: 3 });
    if (!r.ok) expect(r.message).toMatch(/too tightly clustered/);
  });

  it('identical failure times with units running beyond them do have a finite fit', () => {
    const fit = fitOf([5, 5, 5], [10, 10]);
    expect(Number.isFinite(fit.shape)).toBe(true);
    expect(fit.shapeLrCi.lower).toBeLessThan(fit.shape);
  });

  it('refuses failure times ≤ 0 and non-finite times with the offending index', () => {
    expect(() => lifeDataFromTimes([3, 0])).toThrow(LifeDataError);
    expect(() => lifeDataFromTimes([3, 0])).toThrow(/failures\[1\]/);
    expect(() => lifeDataFromTimes([3], [Number.NaN])).toThrow(/censored\[0\]/);
    expect(() => lifeDataFromGroups([{ time: -1, count: 1, censored: true }])).toThrow(
      /groups\[0\]/,
    );
  });

  it('a confidence outside (0, 1) is a programmer error', () => {
    expect(() => fitWeibull(lifeDataFromTimes([1, 2, 3]), { confidence: 1 })).toThrow(RangeError);
  });

  it('units censored at time 0 count as units but carry no information', () => {
    const with0 = fitOf(fleet.failures, [...fleet.censored, 0, 0]);
    const without = fitOf(fleet.failures, fleet.censored);
    expect(with0.units).toBe(without.units + 2);
    expect(with0.shape).toBe(without.shape);
  });
});

describe('fitWeibayes (shape known)', () => {
  it('at the MLE shape, gives the MLE scale (η̂(β) is the same closed form)', () => {
    const fit = fitOf(fleet.failures, fleet.censored);
    const wb = fitWeibayes(lifeDataFromTimes(fleet.failures, fleet.censored), fit.shape);
    expect(rel(wb.scale!, fit.scale)).toBeLessThan(1e-12);
    expect(wb.scaleCi.lower).toBeLessThan(fit.scale);
    expect(wb.scaleCi.upper!).toBeGreaterThan(fit.scale);
  });

  it('zero failures: no scale estimate, only a lower bound (T / −ln(α/2))^(1/β)', () => {
    const censored = [100, 200, 300, 400];
    const wb = fitWeibayes(lifeDataFromTimes([], censored), 2);
    const t = sum(censored.map((x) => x * x));
    expect(wb.scale).toBeNull();
    expect(wb.scaleCi.upper).toBeNull();
    // Γ⁻¹(0.975; 1) = −ln 0.025
    expect(rel(wb.scaleCi.lower, Math.sqrt(t / -Math.log(0.025)))).toBeLessThan(1e-12);
  });
});
