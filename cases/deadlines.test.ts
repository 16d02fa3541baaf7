import { describe, expect, it } from 'vitest';
import type { Commitment } from './commitment.ts';
import { clockOf, endOfDay, nextDue, planDeadlines } from './deadlines.ts';

const MON = '2026-03-02T02:00:00.000Z'; // 10:00 in Beijing
const due = (ds: ReturnType<typeof planDeadlines>) =>
  Object.fromEntries(ds.map((d) => [d.key, d.due]));

const commitment = (terms: Commitment['terms']): Commitment => ({
  manufacturer: 'Changan',
  version: '2026.1',
  effectiveFrom: '2026-01-01',
  title: '长安汽车售后服务承诺',
  terms,
});

describe('case deadlines', () => {
  it('[CAR21 Art. 28] a car exchange claim: answer in 10 working days, exchange in 20, deemed delay 15 days later (处罚办法 Art. 8)', () => {
    const ds = planDeadlines({
      kind: 'claim',
      category: 'household_car',
      requestedRemedy: 'exchange',
      openedAt: MON,
    });
    expect(due(ds)).toEqual({ answer: '2026-03-16', fulfil: '2026-03-30', delay: '2026-04-14' });
    expect(ds.map((d) => d.clause)).toEqual([
      'CAR21 Art. 28 ¶1',
      'CAR21 Art. 28 ¶2',
      '侵害消费者权益行为处罚办法 Art. 8 ¶1(2)',
    ]);
    expect(ds.every((d) => d.basis === 'law' && !d.uncertain && d.status === 'pending')).toBe(true);
    // The day ends at 24:00 in Beijing.
    expect(ds[0]!.dueAt).toBe('2026-03-16T16:00:00.000Z');
  });

  it('[CAR21 Art. 28, Civil Code Art. 201] working days skip the Spring Festival and count the 调休 Saturdays', () => {
    const ds = planDeadlines({
      kind: 'claim',
      category: 'household_car',
      requestedRemedy: 'return',
      openedAt: '2026-02-10T01:00:00Z',
    });
    // 11, 12, 13, 14 (make-up Saturday), [15–23 holiday], 24, 25, 26, 27, 28 (make-up), Mar 2.
    expect(ds[0]!.due).toBe('2026-03-02');
    expect(ds[0]!.calendarCovered).toBe(true);
  });

  it('[处罚办法 Art. 8, Civil Code Art. 203] other claims: done within 15 days; a last day in the May Day holiday moves to the next working day', () => {
    const ds = planDeadlines({
      kind: 'claim',
      category: 'air_conditioner',
      requestedRemedy: 'repair',
      openedAt: '2026-04-20T02:00:00Z',
    });
    expect(ds).toHaveLength(1);
    expect(ds[0]).toMatchObject({ key: 'fulfil', length: { days: 15 }, due: '2026-05-06' });
  });

  it('a car owner asking for a repair has no Art. 28 answer deadline, only the 15 days', () => {
    const ds = planDeadlines({
      kind: 'claim',
      category: 'household_car',
      requestedRemedy: 'repair',
      openedAt: MON,
    });
    expect(ds.map((d) => [d.key, d.clause])).toEqual([
      ['fulfil', '侵害消费者权益行为处罚办法 Art. 8 ¶1(2)'],
    ]);
  });

  it("a maker's shorter commitment brings the deadline forward and is cited; a longer one changes nothing", () => {
    const faster = planDeadlines({
      kind: 'claim',
      category: 'household_car',
      requestedRemedy: 'exchange',
      openedAt: MON,
      commitment: commitment({
        answerWorkingDays: { value: 5, clause: '第三条' },
        fulfilWorkingDays: { value: 30, clause: '第四条' },
      }),
    });
    expect(faster[0]).toMatchObject({
      key: 'answer',
      due: '2026-03-09',
      basis: 'maker',
      clause: '长安汽车售后服务承诺 第三条',
    });
    expect(faster[1]).toMatchObject({ key: 'fulfil', due: '2026-03-30', basis: 'law' });
    // Art. 8 counts from the end of the national period, whatever the maker promised.
    expect(faster[2]!.due).toBe('2026-04-14');
  });

  it('complaints and consultations: the maker’s answer time, else the platform’s default, marked uncertain', () => {
    const complaint = planDeadlines({ kind: 'complaint', category: 'tv', openedAt: MON });
    expect(complaint).toHaveLength(1);
    expect(complaint[0]).toMatchObject({
      key: 'answer',
      basis: 'platform',
      uncertain: true,
      due: '2026-03-11',
    });
    const consult = planDeadlines({
      kind: 'consultation',
      category: 'tv',
      openedAt: MON,
      commitment: commitment({ consultationWorkingDays: { value: 1, clause: '第二条' } }),
    });
    expect(consult[0]).toMatchObject({ basis: 'maker', uncertain: false, due: '2026-03-03' });
  });

  it('beyond the holiday calendar the deadline says so instead of guessing', () => {
    const ds = planDeadlines({
      kind: 'complaint',
      category: 'tv',
      openedAt: '2026-12-28T02:00:00Z',
    });
    expect(ds[0]!.calendarCovered).toBe(false);
  });

  it('the clock counts the working days left and goes negative when overdue', () => {
    const [answer] = planDeadlines({
      kind: 'claim',
      category: 'household_car',
      requestedRemedy: 'exchange',
      openedAt: MON,
    });
    expect(clockOf(answer!, new Date('2026-03-13T02:00:00Z'))).toEqual({
      remainingMs: Date.parse('2026-03-16T16:00:00Z') - Date.parse('2026-03-13T02:00:00Z'),
      overdue: false,
      workingDaysLeft: 1,
    });
    expect(clockOf(answer!, new Date('2026-03-17T00:00:00Z')).overdue).toBe(true);
    expect(endOfDay('2026-03-16')).toBe('2026-03-16T16:00:00.000Z');
  });

  it('the sweeper looks again a day before the earliest pending deadline, then at its end', () => {
    const ds = planDeadlines({
      kind: 'claim',
      category: 'household_car',
      requestedRemedy: 'exchange',
      openedAt: MON,
    });
    expect(nextDue(ds)).toBe('2026-03-15T16:00:00.000Z');
    expect(nextDue([{ ...ds[0]!, warned: true }])).toBe('2026-03-16T16:00:00.000Z');
    expect(nextDue(ds.map((d) => ({ ...d, status: 'met' as const })))).toBeNull();
  });
});
