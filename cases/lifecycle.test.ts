import { describe, expect, it } from 'vitest';
import { andThen, answerCase, closeCase, openCase, sweepCase } from './lifecycle.ts';
import { REPEAT_WINDOW_DAYS } from './rules/index.ts';
import { aCase } from './testing.ts';

const AFTER_ANSWER_DUE = '2026-03-17T01:00:00.000Z'; // the answer deadline ended 2026-03-16 24:00

describe('case lifecycle and the 推诿扯皮 rules', () => {
  it('opening tells the owner and the maker, and finds nothing on a first case', () => {
    const s = openCase(aCase(), '2026-03-02T02:00:00.000Z', []);
    expect(s.events.map((e) => e.type)).toEqual(['opened']);
    expect(s.intents.map((i) => `${i.audience}:${i.event}`)).toEqual([
      'owner:case.opened',
      'maker:case.opened',
    ]);
    expect(s.findings).toEqual([]);
  });

  it('[CAR21 Art. 28 ¶1] the last day escalates to a supervisor; past it the deadline is missed, flagged once, escalated to the maker, the owner told', () => {
    const c = aCase();
    const warned = sweepCase(c, '2026-03-16T03:00:00.000Z');
    expect(warned.next.escalation).toBe('supervisor');
    expect(warned.next.deadlines[0]).toMatchObject({ status: 'pending', warned: true });
    expect(warned.findings).toEqual([]);
    expect(sweepCase(warned.next, '2026-03-16T05:00:00.000Z').events).toEqual([]);

    const missed = sweepCase(warned.next, AFTER_ANSWER_DUE);
    expect(missed.next.escalation).toBe('maker');
    expect(missed.next.deadlines[0]).toMatchObject({ key: 'answer', status: 'missed' });
    expect(missed.findings).toHaveLength(1);
    expect(missed.findings[0]).toMatchObject({
      rule: 'deadline_missed',
      clause: 'CAR21 Art. 28 ¶1',
      severity: 'violation',
      dedupeKey: `case:${c.id}:deadline:answer`,
      outletId: 'O-1',
      seller: '石家庄长安4S店',
      manufacturer: 'Changan',
    });
    expect(missed.intents.map((i) => `${i.audience}:${i.event}`)).toEqual([
      'owner:case.deadline_missed',
      'maker:case.escalated',
      'maker:case.flagged',
    ]);
    // Nothing more to find on the next sweep.
    expect(sweepCase(missed.next, '2026-03-18T01:00:00.000Z').findings).toEqual([]);
  });

  it('an answer after the deadline is first the missed deadline, then the answer (as the service runs it)', () => {
    const s = andThen(sweepCase(aCase(), AFTER_ANSWER_DUE), (c) =>
      answerCase(c, { decision: 'accept', text: '同意换车' }, 'desk-wang', AFTER_ANSWER_DUE),
    );
    expect(s.events.map((e) => e.type)).toEqual([
      'deadline_missed',
      'escalated',
      'flagged',
      'answered',
    ]);
    expect(s.next.deadlines[0]!.status).toBe('missed');
    expect(s.next.status).toBe('answered');
  });

  it('an answer in time meets the answer deadline', () => {
    const s = answerCase(
      aCase(),
      { decision: 'accept', text: 'ok' },
      'desk',
      '2026-03-05T02:00:00.000Z',
    );
    expect(s.next.deadlines.map((d) => d.status)).toEqual(['met', 'pending', 'pending']);
    expect(s.findings).toEqual([]);
  });

  it('[CAR21 Art. 28 ¶1] a refusal without reasons is flagged; with reasons it is not', () => {
    const bare = answerCase(
      aCase(),
      { decision: 'refuse', text: '不予换车' },
      'desk',
      '2026-03-05T02:00:00.000Z',
    );
    expect(bare.findings.map((f) => [f.rule, f.clause])).toEqual([
      ['refusal_without_reasons', 'CAR21 Art. 28 ¶1'],
    ]);
    const reasoned = answerCase(
      aCase(),
      {
        decision: 'refuse',
        text: '不予换车',
        reasons: '第五次修理系用户改装所致（CAR21 第三十二条第三项）',
      },
      'desk',
      '2026-03-05T02:00:00.000Z',
    );
    expect(reasoned.findings).toEqual([]);
  });

  it('[CAR21 Art. 24 ¶1(4)] a claim owed an exchange and closed with a repair is flagged against outlet, seller and maker', () => {
    const s = closeCase(
      aCase(),
      { remedyGranted: 'repair', text: '已更换阀体', outletId: 'O-2' },
      'eng-li',
      '2026-03-10T02:00:00.000Z',
    );
    expect(s.next.status).toBe('closed');
    expect(s.openSurvey).toBe(true);
    expect(s.findings).toHaveLength(1);
    expect(s.findings[0]).toMatchObject({
      rule: 'remedy_below_owed',
      clause: 'CAR21 Art. 24 ¶1(4); CPL Art. 56 ¶1(8)',
      outletId: 'O-2',
      seller: '石家庄长安4S店',
      manufacturer: 'Changan',
      evidence: { owed: 'exchange', granted: 'repair' },
    });
    // The fulfilment deadlines are moot (the remedy rule says what went wrong), the answer met.
    expect(s.next.deadlines.map((d) => d.status)).toEqual(['met', 'moot', 'moot']);
  });

  it('closing with the remedy owed (or more) finds nothing and meets the deadlines', () => {
    for (const remedyGranted of ['exchange', 'return'] as const) {
      const s = closeCase(
        aCase(),
        { remedyGranted, text: '已换车' },
        'eng',
        '2026-03-10T02:00:00.000Z',
      );
      expect(s.findings).toEqual([]);
      expect(s.next.deadlines.every((d) => d.status === 'met')).toBe(true);
    }
  });

  it('a claim closed with nothing and no reasons is both below the remedy owed and a refusal without reasons', () => {
    const s = closeCase(
      aCase(),
      { remedyGranted: 'none', text: '结案' },
      'eng',
      '2026-03-10T02:00:00.000Z',
    );
    expect(s.findings.map((f) => f.rule).sort()).toEqual([
      'refusal_without_reasons',
      'remedy_below_owed',
    ]);
  });

  it(`the same owner back about the same fault within ${REPEAT_WINDOW_DAYS} days is flagged against the earlier case's outlet`, () => {
    const earlier = closeCase(
      aCase({ outletId: 'O-1' }),
      { remedyGranted: 'exchange', text: 'ok' },
      'eng',
      '2026-03-10T02:00:00.000Z',
    ).next;
    const again = aCase({
      id: 'C20260401-BBBBBB',
      openedAt: '2026-04-01T02:00:00.000Z',
      outletId: 'O-9',
    });
    const s = openCase(again, '2026-04-01T02:00:00.000Z', [earlier]);
    expect(s.next.repeatOf).toBe(earlier.id);
    expect(s.findings).toHaveLength(1);
    expect(s.findings[0]).toMatchObject({
      rule: 'repeat_fault',
      outletId: 'O-1',
      evidence: { earlierCase: earlier.id },
    });
    // Another fault, or the window passed, or a case still open: no repeat.
    const other = aCase({ ...again, request: { ...again.request, fault: { code: 'P0300' } } });
    expect(openCase(other, again.openedAt, [earlier]).findings).toEqual([]);
    const late = '2026-07-01T02:00:00.000Z';
    expect(openCase(aCase({ ...again, openedAt: late }), late, [earlier]).findings).toEqual([]);
    expect(openCase(again, again.openedAt, [aCase()]).findings).toEqual([]);
  });

  it('a closed case takes no answer and no second close', () => {
    const closed = closeCase(
      aCase(),
      { remedyGranted: 'exchange', text: 'ok' },
      'eng',
      '2026-03-10T02:00:00.000Z',
    ).next;
    expect(() =>
      answerCase(closed, { decision: 'accept', text: 'x' }, 'd', '2026-03-11T00:00:00Z'),
    ).toThrow(/CASES_ERR_ILLEGAL_TRANSITION|cannot be answered/);
    expect(() =>
      closeCase(closed, { remedyGranted: 'exchange', text: 'x' }, 'd', '2026-03-11T00:00:00Z'),
    ).toThrow(/cannot be closed/);
    expect(sweepCase(closed, '2026-05-01T00:00:00Z').events).toEqual([]);
  });
});
