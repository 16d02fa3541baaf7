import { describe, expect, it } from 'vitest';
import { forecastWarrantyFailures, weibullExposure, type UnitWindow } from './exposure.ts';
import { lifeDataFromTimes } from './life-data.ts';
import { flagOutlierGroups } from './outliers.ts';
import { mulberry32, weibullDraw } from './testing.ts';
import type { WeibullCovariance, WeibullParams } from './weibull.ts';

const wear: WeibullParams = { shape: 2, scale: 1000 };

describe('forecastWarrantyFailures', () => {
  it('one unit by hand: conditional on its age, window caps the horizon', () => {
    const f = forecastWarrantyFailures(wear, [{ ageDays: 500, remainingWindowDays: 60 }]);
    // 30 days: 1 − exp(−(0.53² − 0.5²)); 90 days: capped at the 60 days left.
    expect(f.horizons[0]!.expected).toBeCloseTo(-Math.expm1(-(0.53 ** 2 - 0.25)), 14);
    expect(f.horizons[1]!.expected).toBeCloseTo(-Math.expm1(-(0.56 ** 2 - 0.25)), 14);
    const p = f.horizons[0]!.expected;
    expect(f.horizons[0]!.processSd).toBeCloseTo(Math.sqrt(p * (1 - p)), 14);
    expect(f.horizons[0]!.parameterSd).toBe(0);
  });

  it('a constant hazard is memoryless: the age does not matter', () => {
    const exp = { shape: 1, scale: 2000 };
    const young = forecastWarrantyFailures(exp, [{ ageDays: 0, remainingWindowDays: 365 }]);
    const old = forecastWarrantyFailures(exp, [{ ageDays: 5000, remainingWindowDays: 365 }]);
    expect(old.horizons[1]!.expected).toBeCloseTo(young.horizons[1]!.expected, 14);
    expect(young.horizons[1]!.expected).toBeCloseTo(-Math.expm1(-90 / 2000), 14);
  });

  it('closed windows count nothing; `count` weighs a row; a fit in years gives the same answer', () => {
    const units: UnitWindow[] = [
      { ageDays: 100, remainingWindowDays: 0, count: 50 },
      { ageDays: 300, remainingWindowDays: 200, count: 10 },
    ];
    const days = forecastWarrantyFailures(wear, units);
    const one = forecastWarrantyFailures(wear, [{ ageDays: 300, remainingWindowDays: 200 }]);
    expect(days.units).toBe(60);
    expect(days.horizons[0]!.unitsAtRisk).toBe(10);
    expect(days.horizons[0]!.expected).toBeCloseTo(10 * one.horizons[0]!.expected, 12);
    const years = forecastWarrantyFailures({ shape: 2, scale: 1000 / 365.25 }, units, {
      daysPerTimeUnit: 365.25,
    });
    expect(years.horizons[1]!.expected).toBeCloseTo(days.horizons[1]!.expected, 12);
  });

  it('agrees with a Monte Carlo of the fleet: mean, spread and interval coverage', () => {
    const rand = mulberry32(8);
    const units: UnitWindow[] = Array.from({ length: 2000 }, () => ({
      ageDays: 1500 * rand(),
      remainingWindowDays: 120 * rand(),
    }));
    const forecast = forecastWarrantyFailures(wear, units, { horizonsDays: [90] }).horizons[0]!;
    const runs = 400;
    const counts: number[] = [];
    for (let r = 0; r < runs; r++) {
      let n = 0;
      for (const u of units) {
        // remaining life given survival to the age, by inversion: t = η((a/η)^β − ln U)^{1/β}
        const h0 = (u.ageDays / wear.scale) ** wear.shape;
        const t = wear.scale * (h0 - Math.log(1 - rand())) ** (1 / wear.shape);
        if (t - u.ageDays <= Math.min(90, u.remainingWindowDays)) n++;
      }
      counts.push(n);
    }
    const mean = counts.reduce((a, b) => a + b, 0) / runs;
    const sd = Math.sqrt(counts.reduce((a, b) => a + (b - mean) ** 2, 0) / (runs - 1));
    expect(Math.abs(mean - forecast.expected)).toBeLessThan((4 * forecast.sd) / Math.sqrt(runs));
    expect(sd / forecast.processSd).toBeGreaterThan(0.85);
    expect(sd / forecast.processSd).toBeLessThan(1.15);
    const inside = counts.filter(
      (c) => c >= forecast.interval.lower && c <= forecast.interval.upper,
    ).length;
    expect(inside / runs).toBeGreaterThan(0.9);
    expect(inside / runs).toBeLessThanOrEqual(0.99);
  });

  it('parameter spread: the delta-method gradient matches finite differences', () => {
    const cov: WeibullCovariance = {
      shapeShape: 0.04,
      shapeLogScale: -0.002,
      logScaleLogScale: 0.003,
    };
    const rand = mulberry32(4);
    const units: UnitWindow[] = Array.from({ length: 500 }, () => ({
      ageDays: 2000 * rand(),
      remainingWindowDays: 365 * rand(),
    }));
    const at = (b: number, a: number) =>
      forecastWarrantyFailures({ shape: b, scale: Math.exp(a) }, units, { horizonsDays: [90] })
        .horizons[0]!.expected;
    const a0 = Math.log(wear.scale);
    const h = 1e-5;
    const gB = (at(wear.shape + h, a0) - at(wear.shape - h, a0)) / (2 * h);
    const gA = (at(wear.shape, a0 + h) - at(wear.shape, a0 - h)) / (2 * h);
    const expected = Math.sqrt(
      gB * gB * cov.shapeShape + 2 * gB * gA * cov.shapeLogScale + gA * gA * cov.logScaleLogScale,
    );
    const f = forecastWarrantyFailures({ ...wear, covariance: cov }, units, {
      horizonsDays: [90],
    }).horizons[0]!;
    expect(Math.abs(f.parameterSd - expected) / expected).toBeLessThan(1e-6);
    expect(f.sd).toBeCloseTo(Math.hypot(f.processSd, f.parameterSd), 12);
  });

  it('refuses negative ages and windows', () => {
    expect(() =>
      forecastWarrantyFailures(wear, [{ ageDays: -1, remainingWindowDays: 10 }]),
    ).toThrow(/units\[0\]/);
  });
});

describe('weibullExposure for batch comparisons under wear-out', () => {
  // Ten batches of 2,000 units with the same wear-out life (β = 3, η = 1000 days); B01 was
  // built three times earlier, so its units are older and fail more per unit-day. Per
  // unit-day it looks like a bad batch; against the model's expected cumulative hazard it
  // is not.
  const model = { shape: 3, scale: 1000 };
  const rand = mulberry32(21);
  const groups = Array.from({ length: 10 }, (_, i) => {
    const age = i === 0 ? 900 : 300;
    const failures: number[] = [];
    const censored: number[] = [];
    for (let u = 0; u < 2000; u++) {
      const life = weibullDraw(rand, model);
      if (life <= age) failures.push(life);
      else censored.push(age);
    }
    const data = lifeDataFromTimes(failures, censored);
    const unitDays = failures.reduce((a, b) => a + b, 0) + censored.reduce((a, b) => a + b, 0);
    return { id: `B0${i}`, data, failures: failures.length, unitDays };
  });

  it('unit-days flag the old batch; the Weibull exposure does not', () => {
    const perDay = flagOutlierGroups(
      groups.map((g) => ({ id: g.id, failures: g.failures, exposure: g.unitDays })),
    );
    expect(perDay.flagged).toEqual(['B00']);
    const perModel = flagOutlierGroups(
      groups.map((g) => ({
        id: g.id,
        failures: g.failures,
        exposure: weibullExposure(g.data, model),
      })),
    );
    expect(perModel.flagged).toEqual([]);
  });

  it('is Σ (t/η)^β over the units', () => {
    const data = lifeDataFromTimes([500], [1000, 1000]);
    expect(weibullExposure(data, model)).toBeCloseTo(0.125 + 2, 14);
  });
});
