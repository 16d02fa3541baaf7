import { describe, expect, it } from 'vitest';
import { fitWeibull } from './weibull.ts';
import {
  ExposureInputSchema,
  FailureRateInputSchema,
  lifeDataFromInput,
  LifeDataInputSchema,
  OutlierInputSchema,
  WeibullFitInputSchema,
} from './schemas.ts';

function issues(result: {
  success: boolean;
  error?: { issues: { path: PropertyKey[]; message: string }[] };
}) {
  expect(result.success).toBe(false);
  return result.error!.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
}

describe('input schemas', () => {
  it('life data: failure at time 0 and negative censoring times are named by path', () => {
    const r = LifeDataInputSchema.safeParse({ failures: [3, 0], censored: [-1] });
    expect(issues(r)).toEqual([
      {
        path: 'failures.1',
        message: 'a failure time must be > 0: a failure at time 0 has zero Weibull likelihood',
      },
      { path: 'censored.0', message: 'a censoring time must be ≥ 0' },
    ]);
  });

  it('life data: grouped rows are checked row by row', () => {
    const r = LifeDataInputSchema.safeParse({
      groups: [
        { time: 10, count: 3, censored: true },
        { time: 0, count: 1, censored: false },
        { time: 5, count: 1.5, censored: false },
      ],
    });
    expect(issues(r)).toEqual([
      {
        path: 'groups.1.time',
        message: 'a failure time must be > 0: a failure at time 0 has zero Weibull likelihood',
      },
      { path: 'groups.2.count', message: 'count must be an integer' },
    ]);
  });

  it('life data: one form only, and at least one', () => {
    expect(
      issues(LifeDataInputSchema.safeParse({ failures: [1], groups: [] }))[0]!.message,
    ).toMatch(/not both/);
    expect(issues(LifeDataInputSchema.safeParse({}))[0]!.message).toMatch(/give failures/);
  });

  it('non-finite numbers are refused (JSON cannot carry them, a CLI file could)', () => {
    expect(LifeDataInputSchema.safeParse({ failures: [Infinity] }).success).toBe(false);
    expect(LifeDataInputSchema.safeParse({ failures: [Number.NaN] }).success).toBe(false);
  });

  it('a parsed fit request reaches fitWeibull with the default confidence', () => {
    const parsed = WeibullFitInputSchema.parse({
      data: {
        groups: [
          { time: 100, count: 2, censored: false },
          { time: 250, count: 3, censored: false },
          { time: 400, count: 40, censored: true },
        ],
      },
    });
    expect(parsed.confidence).toBe(0.95);
    const r = fitWeibull(lifeDataFromInput(parsed.data), { confidence: parsed.confidence });
    expect(r.ok).toBe(true);
  });

  it('rates, outliers and exposure: precise messages and defaults', () => {
    expect(issues(FailureRateInputSchema.safeParse({ failures: 2.5, exposure: -1 }))).toEqual([
      { path: 'failures', message: 'failures must be an integer' },
      { path: 'exposure', message: 'exposure must be ≥ 0' },
    ]);
    expect(
      issues(FailureRateInputSchema.safeParse({ failures: 1, exposure: 1, confidence: 1 })),
    ).toEqual([{ path: 'confidence', message: 'confidence must be between 0 and 1 (e.g. 0.95)' }]);
    expect(
      issues(
        OutlierInputSchema.safeParse({
          groups: [
            { id: 'A', failures: 1, exposure: 1 },
            { id: 'A', failures: 1, exposure: 1 },
          ],
        }),
      ),
    ).toEqual([{ path: 'groups.1.id', message: 'duplicate group id A' }]);
    expect(
      OutlierInputSchema.parse({
        groups: [
          { id: 'A', failures: 1, exposure: 1 },
          { id: 'B', failures: 0, exposure: 1 },
        ],
      }),
    ).toMatchObject({
      alpha: 0.05,
      correction: 'benjamini-hochberg',
      alternative: 'greater',
      minRateRatio: 1,
    });
    const e = ExposureInputSchema.parse({ model: { shape: 2, scale: 900 }, units: [] });
    expect(e.horizonsDays).toEqual([30, 90]);
    expect(
      issues(
        ExposureInputSchema.safeParse({
          model: { shape: 0, scale: 900 },
          units: [{ ageDays: 1, remainingWindowDays: -3 }],
        }),
      ),
    ).toEqual([
      { path: 'model.shape', message: 'shape must be > 0' },
      { path: 'units.0.remainingWindowDays', message: 'remainingWindowDays must be ≥ 0' },
    ]);
  });
});
