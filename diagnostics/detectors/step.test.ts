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

  describe('persist 1: one sample decides when the whole template matches', () => {
    // A purifier's booster pump: it makes water in short bursts, so the samples that show the
    // fault (making water) are far apart; pump at 0 A, membrane near mains, flow a trickle.
    const making = (s: { metrics: Record<string, number> }) => (s.metrics.flow_lpm ?? 0) >= 0.1;
    const booster: StepConfig = {
      modeId: 'booster_pump_failure',
      persist: 1,
      indicators: [
        { metric: 'pump_current_a', direction: -1, weight: 2, failureValue: 0, when: making },
        {
          metric: 'membrane_pressure_kpa',
          direction: -1,
          weight: 1,
          failureRel: 0.6,
          when: making,
        },
        { metric: 'flow_lpm', direction: -1, weight: 1, failureRel: 0.85, when: making },
      ],
    };
    const idle = { pump_current_a: 0, membrane_pressure_kpa: 250, flow_lpm: 0 };

    function run(broken: (i: number) => Record<string, number> | undefined): number[] {
      const g = gauss(rng(7));
      const st = stepDetector.init(booster);
      const hits: number[] = [];
      for (let i = 0; i < 3000; i++) {
        const on = i % 10 === 0; // one sample in ten makes water
        const m =
          broken(i) ??
          (on
            ? {
                pump_current_a: 0.9 + 0.02 * g(),
                membrane_pressure_kpa: 650 + 8 * g(),
                flow_lpm: 1.3 + 0.04 * g(),
              }
            : idle);
        if (stepDetector.update(st, sampleAt(i, m))) hits.push(i);
      }
      return hits;
    }

    it('fires on the first sample that makes water without the pump', () => {
      const hits = run((i) =>
        i >= 2001 && i % 10 === 0
          ? { pump_current_a: 0, membrane_pressure_kpa: 260 + 8 * Math.sin(i), flow_lpm: 0.2 }
          : undefined,
      );
      expect(hits).toEqual([2010]);
    });

    it('a part of the template in one sample is not enough (a flow glitch while idle)', () => {
      // Idle but the flow meter spikes: pump at 0 A and membrane at mains match, flow does not.
      const hits = run((i) =>
        i % 500 === 5 ? { pump_current_a: 0, membrane_pressure_kpa: 250, flow_lpm: 1 } : undefined,
      );
      expect(hits).toEqual([]);
    });
  });
});
