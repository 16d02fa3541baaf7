import { describe, expect, it } from 'vitest';
import { gauss, rng, sampleAt } from '../testing.ts';
import { stepDetector, stepHealth, type StepConfig } from './step.ts';

const fanSeizure: StepConfig = {
  modeId: 'indoor_fan_motor_seizure',
  indicators: [
    { metric: 'fan_rpm', direction: -1, weight: 1, failureValue: 0 },
    { metric: 'indoor_temp_c', direction: 1, weight: 1, failureDelta: 4 },
  ],
};

describe('step detector (sudden-mode signature)', () => {
  it('fires within 2 samples of the fault, once', () => {
    const g = gauss(rng(1));
    const st = stepDetector.init(fanSeizure);
    const hits: number[] = [];
    for (let i = 0; i < 300; i++) {
      const broken = i >= 200;
      const v = stepDetector.update(
        st,
        sampleAt(i, {
          fan_rpm: broken ? 0 : 1100 + 12 * g(),
          indoor_temp_c: 25 + 0.1 * g() + (broken ? 4 : 0),
        }),
      );
      if (v) hits.push(i);
    }
    expect(hits).toEqual([201]);
    expect(stepHealth(st).alarmed).toBe(true);
  });

  it('a move in the wrong direction or too small is not the mode', () => {
    const g = gauss(rng(2));
    const st = stepDetector.init(fanSeizure);
    for (let i = 0; i < 400; i++) {
      const after = i >= 200;
      expect(
        stepDetector.update(
          st,
          sampleAt(i, {
            fan_rpm: (after ? 1600 : 1100) + 12 * g(),
            indoor_temp_c: 25 + 0.1 * g() - (after ? 3 : 0),
          }),
        ),
      ).toBeNull();
    }
  });

  it('noise only: no verdict over 20,000 samples, several seeds', () => {
    for (const seed of [3, 4, 5]) {
      const g = gauss(rng(seed));
      const st = stepDetector.init(fanSeizure);
      for (let i = 0; i < 20_000; i++) {
        expect(
          stepDetector.update(
            st,
            sampleAt(i, { fan_rpm: 1100 + 12 * g(), indoor_temp_c: 25 + 0.3 * g() }),
          ),
        ).toBeNull();
      }
    }
  });
});
