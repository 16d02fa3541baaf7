import { describe, expect, it } from 'vitest';
import type { RulStream } from '../models/learner.ts';
import { gauss, rng, T0 } from '../testing.ts';
import type { Verdict } from '../types.ts';
import {
  modelEvidence,
  rulModelDetector,
  rulModelEstimate,
  rulModelScore,
  type RulModelConfig,
} from './rul-model.ts';

const HOUR = 3_600_000;

/**
 * A stand-in for a learnt model (the detector's contract is the RulStream interface): the
 * remaining life, in hours, falls linearly from the cap at 88 °C to 0 at 106 °C of the mean
 * coolant temperature of the last row; the rows it saw are counted in its state.
 */
const linear: RulStream & { pushed: number[][] } = {
  stateSize: 2,
  pushed: [],
  init(s, o) {
    s[o] = Number.NaN;
    s[o + 1] = 0;
  },
  push(s, o, row) {
    linear.pushed.push(Array.from(row));
    s[o] = row[0]!;
    s[o + 1] = s[o + 1]! + 1;
  },
  rows: (s, o) => s[o + 1]!,
  predict(s, o) {
    if (s[o + 1]! < 2 || !Number.isFinite(s[o]!)) return null;
    const rul = Math.max(0, Math.min(1000, (1000 * (106 - s[o]!)) / 18));
    return { rul, lower: 0.8 * rul, upper: 1.2 * rul, reference: 'unit' };
  },
};

const config: RulModelConfig = {
  modeId: 'radiator_clogging',
  metrics: ['coolant_temp_c'],
  rowMs: 24 * HOUR,
  stream: linear,
  when: (s) => (s.metrics.hydraulic_pressure_bar ?? 0) >= 150,
  condition: 'working',
  alertWithinMs: 240 * HOUR,
  cap: 1000,
  model: {
    id: '0123456789abcdef',
    version: 3,
    createdAt: '2026-01-01T00:00:00.000Z',
    training: { units: 30, rows: 3700, seconds: 12, seed: 1, method: 'stand-in' },
    cv: {
      protocol: 'unit-wise',
      folds: 5,
      cutsPerUnit: 3,
      horizon: 125,
      rmse: 40,
      phm08Per100: 900,
      bias: 1,
      coverage: 0.81,
      level: 0.8,
      lifeRmse: 20,
      lifePhm08Per100: 300,
    },
    timeUnitMs: HOUR,
  },
};

describe('rul-model detector (an uploaded model on live samples)', () => {
  it('aggregates qualifying samples into rows, predicts after each, and raises within the horizon', () => {
    linear.pushed.length = 0;
    const st = rulModelDetector.init(config);
    const g = gauss(rng(3));
    const verdicts: Array<{ h: number; v: Verdict }> = [];
    // 40 days, hourly; working 06–22 h; coolant rises from 88 to 106 °C by day 40.
    for (let h = 0; h < 40 * 24; h++) {
      const working = h % 24 >= 6 && h % 24 < 22;
      const v = rulModelDetector.update(st, {
        deviceId: 'ex-1',
        category: 'excavator',
        model: 'SY215C',
        ts: T0 + h * HOUR,
        metrics: {
          hydraulic_pressure_bar: working ? 240 : 20,
          coolant_temp_c: working ? 88 + (18 * h) / (40 * 24) + 0.3 * g() : 40,
        },
      });
      if (v) verdicts.push({ h, v });
    }
    // One row a day (39 finished), each the mean of its working hours only.
    expect(linear.pushed).toHaveLength(39);
    expect(linear.pushed[0]![0]).toBeGreaterThan(87.5);
    expect(linear.pushed[0]![0]).toBeLessThan(88.9);
    // Remaining life after day 39's row: the mean of day 39 sits ~1.1 days before failure.
    const est = rulModelEstimate(st)!;
    expect(est.rulMs / HOUR).toBeGreaterThan(10);
    expect(est.rulMs / HOUR).toBeLessThan(45);
    expect(est.lowMs).toBeCloseTo(0.8 * est.rulMs, -3);
    expect(est.confidence).toBe(0.8);
    // Verdicts only once the prediction is within 240 h, at each day's first sample after it.
    expect(verdicts.length).toBeGreaterThan(5);
    const first = verdicts[0]!;
    expect(first.v.rul!.rulMs).toBeLessThanOrEqual(240 * HOUR);
    expect(first.h).toBeGreaterThan(24 * 25);
    expect(first.v).toMatchObject({
      detector: 'rul-model',
      modeId: 'radiator_clogging',
      model: { id: '0123456789abcdef', version: 3, cv: { rmse: 40 }, training: { units: 30 } },
    });
    expect(first.v.windowEnd - first.v.windowStart).toBe(24 * HOUR);
    expect(first.v.message).toMatch(/model 0123456789abcdef v3 predicts failure in ~/);
    expect(modelEvidence(st)!.rul).toBeCloseTo(est.rulMs / HOUR, 6);
    expect(rulModelScore(st)).toBeCloseTo((100 * est.rulMs) / HOUR / 1000, 6);
  });

  it('a day without work pushes no row; nothing is predicted before the model is warm', () => {
    linear.pushed.length = 0;
    const st = rulModelDetector.init(config);
    for (let h = 0; h < 3 * 24; h++)
      rulModelDetector.update(st, {
        deviceId: 'ex-2',
        category: 'excavator',
        model: 'SY215C',
        ts: T0 + h * HOUR,
        metrics: { hydraulic_pressure_bar: h < 24 ? 240 : 10, coolant_temp_c: 90 },
      });
    expect(linear.pushed).toHaveLength(1);
    expect(rulModelEstimate(st)).toBeUndefined();
    expect(rulModelScore(st)).toBeUndefined();
    expect(rulModelDetector.size!(config)).toBe(5 + 2 + 2);
  });
});
