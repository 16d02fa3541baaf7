import { describe, expect, it } from 'vitest';
import { evaluateCase } from './eligibility.ts';
import type { Evaluation } from './evaluation-schema.ts';
import { carCase, fault, repair } from './fixtures.ts';

const kinds = (e: Evaluation) => e.remedies.map((r) => r.kind);
const byKind = (e: Evaluation, k: string) => e.remedies.find((r) => r.kind === k);

describe('household cars — windows and periods (CAR21)', () => {
  const transmission = (date: string) =>
    fault(date, 'transmission', { requiresReplacement: true, isMainPart: true, mainPart: 'gear' });

  it('[汽车三包 第二十二条] transmission replacement needed on day 7 → free return or exchange; day 8 → not', () => {
    const d7 = evaluateCase(
      carCase({ evaluationDate: '2025-03-10', currentFault: transmission('2025-03-10') }),
    );
    expect(d7.remedy).toBe('return');
    expect(d7.free).toBe(true);
    expect(byKind(d7, 'return')).toMatchObject({
      clause: 'CAR21 Art. 22',
      free: true,
      amountOwedCNY: 0,
    });
    expect(d7.deadlines.find((d) => d.key === 'return_or_exchange_7_days')?.end).toBe('2025-03-10');

    const d8 = evaluateCase(
      carCase({ evaluationDate: '2025-03-11', currentFault: transmission('2025-03-11') }),
    );
    expect(kinds(d8)).not.toContain('return');
    expect(d8.remedy).toBe('repair');
    expect(byKind(d8, 'assembly_swap')).toMatchObject({
      clause: 'CAR21 Art. 20',
      target: 'transmission',
      free: true,
    });
  });

  it('[汽车三包 第二十三条] brake failure on day 60 → free return; day 61 → repair', () => {
    // Start Mon 2025-06-02: day 60 = Fri 2025-08-01 (a working day, no Art. 203 extension).
    const brake = (date: string, km: number) =>
      carCase({
        invoiceDate: '2025-06-02',
        evaluationDate: date,
        mileageKm: km,
        currentFault: fault(date, 'brake_system', { failureType: '制动系统失效' }),
      });
    const in60 = evaluateCase(brake('2025-08-01', 2_000));
    expect(in60.remedy).toBe('return');
    expect(byKind(in60, 'return')).toMatchObject({ clause: 'CAR21 Art. 23', free: true });
    const day61 = evaluateCase(brake('2025-08-02', 2_000));
    expect(day61.remedy).toBe('repair');
    expect(day61.free).toBe(true);
  });

  it('[汽车三包 第二十三条] 3,000 km is inside, 3,001 km is outside, whichever comes first', () => {
    const at = (km: number) =>
      evaluateCase(
        carCase({
          evaluationDate: '2025-03-20',
          mileageKm: km,
          currentFault: fault('2025-03-20', 'power_battery', { failureType: '动力蓄电池起火' }),
        }),
      );
    expect(at(3_000).remedy).toBe('return');
    expect(at(3_001).remedy).toBe('repair');
  });

  it('[汽车三包 第二十三条][民法典 第二百零三条] day 60 on the May Day holiday moves the end to 2025-05-06', () => {
    // Start 2025-03-03: day 60 = 2025-05-02, inside the 05-01…05-05 holiday.
    const e = evaluateCase(
      carCase({
        evaluationDate: '2025-05-06',
        currentFault: fault('2025-05-06', 'steering_system', { failureType: '转向系统失效' }),
      }),
    );
    expect(e.deadlines.find((d) => d.key === 'safety_failure_60_days')).toMatchObject({
      nominalEnd: '2025-05-02',
      end: '2025-05-06',
      holidayExtended: true,
    });
    expect(e.remedy).toBe('return');
    const late = evaluateCase(
      carCase({
        evaluationDate: '2025-05-07',
        currentFault: fault('2025-05-07', 'steering_system', { failureType: '转向系统失效' }),
      }),
    );
    expect(late.remedy).toBe('repair');
  });

  it('[汽车三包 第二十条] engine main part within 60 days / 3,000 km → free engine swap; 3,001 km → free repair only', () => {
    const engine = (km: number) =>
      evaluateCase(
        carCase({
          mileageKm: km,
          currentFault: fault('2025-03-20', 'engine', { mainPart: 'crankshaft' }),
        }),
      );
    expect(byKind(engine(2_999), 'assembly_swap')).toMatchObject({
      scope: 'assembly',
      target: 'engine',
      clause: 'CAR21 Art. 20',
    });
    const over = engine(3_001);
    expect(kinds(over)).toEqual(['free_repair']);
    expect(byKind(over, 'free_repair')?.clause).toBe('CAR21 Art. 19 ¶1');
  });

  it('[汽车三包 第十八条] 三包有效期 2 years / 50,000 km: exactly 50,000 km is inside, 50,001 km is outside', () => {
    const at = (km: number) =>
      evaluateCase(
        carCase({
          evaluationDate: '2026-06-01',
          mileageKm: km,
          repairs: [],
          currentFault: fault('2026-06-01', 'engine'),
        }),
      );
    expect(at(50_000).deadlines.find((d) => d.key === 'sanbao_period')).toMatchObject({
      end: '2027-03-03',
      passed: false,
      limitKm: 50_000,
    });
    expect(at(50_001).deadlines.find((d) => d.key === 'sanbao_period')?.passed).toBe(true);
  });

  it('[汽车三包 第十八条][第十九条] within 包修期 (3 years / 60,000 km) free repair; 60,001 km → paid repair', () => {
    const at = (km: number, date = '2027-06-01') =>
      evaluateCase(
        carCase({ evaluationDate: date, mileageKm: km, currentFault: fault(date, 'suspension') }),
      );
    expect(at(60_000)).toMatchObject({ remedy: 'repair', free: true });
    expect(at(60_001)).toMatchObject({ remedy: 'none', free: false, remedies: [] });
    expect(at(60_001).offers.map((o) => o.kind)).toEqual(['paid_repair']);
    // 3 years from 2025-03-03 end on Fri 2028-03-03: the calendar does not reach 2028, which is flagged.
    const late = at(10_000, '2028-03-04');
    expect(late.free).toBe(false);
    expect(late.deadlines.find((d) => d.key === 'repair_period')?.calendarCovered).toBe(false);
  });

  it('[汽车三包 第十八条 第二款] invoice and delivery dates differ → periods start on delivery', () => {
    const e = evaluateCase(
      carCase({
        invoiceDate: '2025-03-03',
        deliveryDate: '2025-03-10',
        evaluationDate: '2025-03-17',
        currentFault: fault('2025-03-17', 'engine', { requiresReplacement: true }),
      }),
    );
    expect(e.periodStart).toBe('2025-03-10');
    expect(e.periodStartBasis.clause).toBe('CAR21 Art. 18 ¶2');
    expect(e.remedy).toBe('return'); // day 7 from delivery
  });

  it('[汽车三包 第二十九条] after an exchange the periods restart and old repairs no longer count', () => {
    const old = Array.from({ length: 5 }, (_, i) =>
      repair(`2025-04-0${i + 1}`, `2025-04-0${i + 1}`, 'transmission'),
    );
    const e = evaluateCase(
      carCase({
        exchangeDate: '2025-06-02',
        evaluationDate: '2027-05-20',
        mileageKm: 30_000,
        repairs: old,
        currentFault: fault('2027-05-20', 'transmission'),
      }),
    );
    expect(e.periodStart).toBe('2025-06-02');
    expect(e.deadlines.find((d) => d.key === 'sanbao_period')).toMatchObject({
      end: '2027-06-02',
      passed: false,
    });
    expect(e.counters.find((c) => c.key === 'same_problem_repairs')?.count).toBe(0);
    expect(e.remedy).toBe('repair');
    expect(e.free).toBe(true);
  });

  it('[汽车三包 第三十二条] misuse or modification → no 三包 for that problem: paid repair, clause named', () => {
    const misuse = evaluateCase(
      carCase({
        currentFault: fault('2025-03-08', 'engine', {
          cause: 'consumer_misuse',
          requiresReplacement: true,
          isMainPart: true,
        }),
      }),
    );
    expect(misuse).toMatchObject({ remedy: 'none', free: false, remedies: [] });
    expect(misuse.exclusions[0]).toMatchObject({
      reason: 'consumer_misuse',
      clause: 'CAR21 Art. 32(2)',
    });
    const mod = evaluateCase(
      carCase({
        currentFault: fault('2025-03-20', 'body', {
          cause: 'consumer_modification',
          failureType: '车身开裂',
        }),
      }),
    );
    expect(mod.remedy).toBe('none');
    expect(mod.exclusions[0]?.clause).toBe('CAR21 Art. 32(3)');
  });

  it('[汽车三包 第二十一条] a single repair over 5 days → courtesy car from day 6', () => {
    const long = evaluateCase(
      carCase({
        repairs: [repair('2025-03-05T09:00:00+08:00', '2025-03-10T10:00:00+08:00', 'engine')],
      }),
    );
    expect(long.notes.find((n) => n.clause === 'CAR21 Art. 21')?.explanation.en).toMatch(/6 d/);
    const short = evaluateCase(
      carCase({
        repairs: [repair('2025-03-05T09:00:00+08:00', '2025-03-10T09:00:00+08:00', 'engine')],
      }),
    );
    expect(short.notes.find((n) => n.clause === 'CAR21 Art. 21')).toBeUndefined();
  });

  it('no fault and no accrued right → remedy none, deadlines still reported', () => {
    const e = evaluateCase(carCase());
    expect(e).toMatchObject({ remedy: 'none', free: false, amountOwedCNY: null, remedies: [] });
    expect(e.deadlines.map((d) => d.key)).toEqual([
      'return_or_exchange_7_days',
      'safety_failure_60_days',
      'assembly_swap_60_days',
      'sanbao_period',
      'repair_period',
    ]);
  });
});
