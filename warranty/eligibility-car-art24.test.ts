import { describe, expect, it } from 'vitest';
import { evaluateCase } from './eligibility.ts';
import type { Evaluation } from './evaluation-schema.ts';
import { carCase, fault, repair, sameProblemRepairs } from './fixtures.ts';

const counter = (e: Evaluation, key: string) => e.counters.find((c) => c.key === key);
const ret = (e: Evaluation) => e.remedies.find((r) => r.kind === 'return');

describe('household cars — exchange or return within 三包有效期 (CAR21 Art. 24, 27)', () => {
  it('[汽车三包 第二十四条] same problem repaired 4 times → repair; 5th → exchange or return', () => {
    const four = evaluateCase(
      carCase({
        evaluationDate: '2025-06-20',
        mileageKm: 10_000,
        repairs: sameProblemRepairs(4, 'transmission'),
        currentFault: fault('2025-06-20', 'transmission'),
      }),
    );
    expect(four.remedy).toBe('repair');
    expect(counter(four, 'same_problem_repairs')).toMatchObject({
      count: 4,
      limit: 4,
      rule: 'more_than',
      reached: false,
    });
    expect(counter(four, 'same_problem_repairs')?.explanation.en).toContain(
      'repaired 4 of 4 times',
    );

    const five = evaluateCase(
      carCase({
        evaluationDate: '2025-06-20',
        mileageKm: 10_000,
        repairs: sameProblemRepairs(5, 'transmission'),
        currentFault: fault('2025-06-20', 'transmission'),
      }),
    );
    expect(five.remedy).toBe('return');
    expect(five.remedies.map((r) => r.kind)).toEqual(
      expect.arrayContaining(['return', 'exchange', 'free_repair']),
    );
    expect(ret(five)).toMatchObject({ clause: 'CAR21 Art. 24 ¶1(4)', free: false });
    expect(counter(five, 'same_problem_repairs')?.reached).toBe(true);
  });

  it('[汽车三包 第二十七条] usage compensation = price × km / 1000 × n on an Art. 24 return', () => {
    const e = evaluateCase(
      carCase({
        evaluationDate: '2025-06-20',
        mileageKm: 10_000,
        repairs: sameProblemRepairs(5, 'transmission'),
      }),
    );
    // 200,000 × 10,000 / 1,000 × 0.5 % = 10,000 CNY
    expect(e).toMatchObject({ remedy: 'return', free: false, amountOwedCNY: 10_000 });
    expect(ret(e)?.amountBasis).toMatchObject({
      clause: 'CAR21 Art. 27',
      inputs: { priceCNY: 200_000, mileageKm: 10_000, n: 0.005 },
    });
  });

  it('[汽车三包 第二十七条] n above 0.5 % is capped; unknown price → amount null, not guessed', () => {
    const capped = evaluateCase(
      carCase({
        evaluationDate: '2025-06-20',
        mileageKm: 10_000,
        usageCompensationCoefficient: 0.008,
        repairs: sameProblemRepairs(5, 'engine'),
      }),
    );
    expect(capped.amountOwedCNY).toBe(10_000);
    expect(capped.warnings.map((w) => w.en).join(' ')).toMatch(/exceeds 0.005/);
    const noPrice = carCase({
      evaluationDate: '2025-06-20',
      mileageKm: 10_000,
      repairs: sameProblemRepairs(5, 'engine'),
    });
    delete noPrice.facts.priceCNY;
    expect(evaluateCase(noPrice)).toMatchObject({
      remedy: 'return',
      free: false,
      amountOwedCNY: null,
    });
  });

  it('[汽车三包 第二十四条 第三款][第四十条] 30 counted repair days → repair; 31 → exchange or return; excluded hours only for item (4)', () => {
    // Three repairs of exactly 240 h = 30 days; a fourth of 1 h adds a started day.
    const base = [
      repair('2025-04-01T08:00:00+08:00', '2025-04-11T08:00:00+08:00', 'engine', {
        faultCode: 'A',
      }),
      repair('2025-05-12T08:00:00+08:00', '2025-05-22T08:00:00+08:00', 'brake_system', {
        faultCode: 'B',
      }),
      repair('2025-06-02T08:00:00+08:00', '2025-06-12T08:00:00+08:00', 'suspension', {
        faultCode: 'C',
      }),
    ];
    const thirty = evaluateCase(
      carCase({ evaluationDate: '2025-07-01', mileageKm: 8_000, repairs: base }),
    );
    expect(counter(thirty, 'cumulative_repair_days')).toMatchObject({
      count: 30,
      limit: 30,
      reached: false,
    });
    expect(thirty.remedy).toBe('none');

    const extra = repair('2025-06-20T08:00:00+08:00', '2025-06-20T09:00:00+08:00', 'body', {
      faultCode: 'D',
    });
    const thirtyOne = evaluateCase(
      carCase({ evaluationDate: '2025-07-01', mileageKm: 8_000, repairs: [...base, extra] }),
    );
    expect(counter(thirtyOne, 'cumulative_repair_days')).toMatchObject({
      count: 31,
      reached: true,
    });
    expect(thirtyOne.remedy).toBe('return');
    expect(ret(thirtyOne)?.clause).toBe('CAR21 Art. 24 ¶1(4)');

    // 241 h with 1 h of battery transport excluded (Art. 24 ¶3) counts as 10 days, not 11.
    const withTransport = [
      ...base.slice(0, 2),
      repair('2025-06-02T08:00:00+08:00', '2025-06-12T09:00:00+08:00', 'power_battery', {
        faultCode: 'C',
        excludedHours: 1,
      }),
    ];
    const excluded = evaluateCase(
      carCase({ evaluationDate: '2025-07-01', mileageKm: 8_000, repairs: withTransport }),
    );
    expect(counter(excluded, 'cumulative_repair_days')?.count).toBe(30);
    expect(excluded.remedy).toBe('none');
    // …but the single-repair length for the courtesy car (Art. 21) still counts the transport time: 11 days.
    expect(excluded.notes.find((n) => n.clause === 'CAR21 Art. 21')?.explanation.en).toContain(
      '2025-06-02: 11 d',
    );
  });

  it('[汽车三包 第二十四条 第一款第一项] serious safety failure: after the second repair a recurrence → exchange or return; after one → repair', () => {
    const safety = { isSeriousSafetyFault: true, faultCode: 'AIRBAG' };
    const after = (n: number) =>
      evaluateCase(
        carCase({
          evaluationDate: '2025-09-01',
          mileageKm: 12_000,
          repairs: Array.from({ length: n }, (_, i) =>
            repair(`2025-0${5 + i}-05`, `2025-0${5 + i}-06`, 'body', safety),
          ),
          currentFault: fault('2025-09-01', 'body', safety),
        }),
      );
    expect(after(1).remedy).toBe('repair');
    expect(counter(after(1), 'serious_safety_repairs')).toMatchObject({
      count: 1,
      limit: 2,
      reached: false,
    });
    expect(after(2).remedy).toBe('return');
    expect(ret(after(2))?.clause).toBe('CAR21 Art. 24 ¶1(1)');
  });

  it('[汽车三包 第二十四条 第一款第二项] engine replaced twice and still failing → exchange or return; once → repair', () => {
    const replaced = (n: number) =>
      evaluateCase(
        carCase({
          evaluationDate: '2025-12-01',
          mileageKm: 20_000,
          repairs: Array.from({ length: n }, (_, i) =>
            repair(`2025-0${6 + i}-02`, `2025-0${6 + i}-04`, 'engine', {
              partsReplaced: ['engine'],
            }),
          ),
          currentFault: fault('2025-12-01', 'engine'),
        }),
      );
    expect(replaced(1).remedy).toBe('repair');
    expect(replaced(2).remedy).toBe('return');
    expect(ret(replaced(2))?.clause).toBe('CAR21 Art. 24 ¶1(2)');
  });

  it('[汽车三包 第二十四条 第一款第三项] same main part (steering gear) replaced twice → exchange or return; other parts do not add up', () => {
    const parts = (a: string, b: string) =>
      evaluateCase(
        carCase({
          evaluationDate: '2025-12-01',
          mileageKm: 20_000,
          repairs: [
            repair('2025-06-02', '2025-06-03', 'steering_system', {
              partsReplaced: [a],
              faultCode: 'S1',
            }),
            repair('2025-08-04', '2025-08-05', 'steering_system', {
              partsReplaced: [b],
              faultCode: 'S2',
            }),
          ],
          currentFault: fault('2025-12-01', 'steering_system', {
            mainPart: 'steering_gear',
            faultCode: 'S3',
          }),
        }),
      );
    const twice = parts('steering_gear', 'steering_gear');
    expect(twice.remedy).toBe('return');
    expect(ret(twice)?.clause).toBe('CAR21 Art. 24 ¶1(3)');
    expect(counter(twice, 'same_main_part_replacements')).toMatchObject({
      count: 2,
      reached: true,
    });
    expect(parts('steering_gear', 'tie_rod').remedy).toBe('repair');
  });

  it('[汽车三包 第二十四条] outside 三包有效期 (over 50,000 km) the same history gives free repair only', () => {
    const e = evaluateCase(
      carCase({
        evaluationDate: '2025-06-20',
        mileageKm: 50_001,
        repairs: sameProblemRepairs(5, 'transmission'),
        currentFault: fault('2025-06-20', 'transmission'),
      }),
    );
    expect(e).toMatchObject({ remedy: 'repair', free: true });
  });

  it('[汽车三包 第二十八条] a return or exchange due → the seller’s answer and completion dates in working days', () => {
    const e = evaluateCase(
      carCase({
        evaluationDate: '2025-06-20',
        mileageKm: 10_000,
        repairs: sameProblemRepairs(5, 'transmission'),
      }),
    );
    // Fri 2025-06-20 + 10 working days = Fri 07-04; + 20 = Fri 07-18.
    expect(e.notes.find((n) => n.clause === 'CAR21 Art. 28')?.explanation.en).toMatch(
      /answer by 2025-07-04 .* by 2025-07-18/,
    );
  });
});
