import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sql } from '../core/db.ts';
import type { NewFinding } from './findings.ts';
import { closeCase, openCase, sweepCase } from './lifecycle.ts';
import type { Case } from './model.ts';
import type { CaseStore, CaseWrite, ComplianceStore, NewNotification } from './store.ts';
import { aCase } from './testing.ts';

/**
 * The contract every cases backend passes (docs/style.md §12), on PGlite (cases/stores/sql.test.ts)
 * and on a real PostgreSQL server (test/case-store-postgres.test.ts): a case change is written
 * whole or not at all, transitions on one case are serialised, findings are counted once, a
 * survey is answered once, a notification is leased to one worker at a time.
 */
export interface CaseStoreFixture {
  sql: Sql;
  cases: CaseStore;
  compliance: ComplianceStore;
  cleanup: () => Promise<void>;
}

let n = 0;
const fresh = (over: Partial<Case> = {}): Case =>
  aCase({ id: `C-T${process.pid}-${++n}`, serial: `SER-${n}`, ...over });

const mail = (c: Case, event = 'case.opened'): NewNotification => ({
  caseId: c.id,
  serial: c.serial,
  event,
  channel: 'email',
  target: 'li@example.cn',
  payload: { subject: 's', text: 't' },
  createdAt: c.openedAt,
  firstAttemptAt: '2026-03-02T02:00:00.000Z',
});

const opened = (c: Case, extra: Partial<CaseWrite> = {}): CaseWrite => {
  const s = openCase(c, c.openedAt, []);
  return {
    next: s.next,
    events: s.events,
    findings: s.findings,
    notifications: [mail(c)],
    ...extra,
  };
};

const finding = (key: string, over: Partial<NewFinding> = {}): NewFinding => ({
  dedupeKey: key,
  source: 'case',
  rule: 'deadline_missed',
  severity: 'violation',
  clause: 'CAR21 Art. 28 ¶1',
  message: { zh: '超期', en: 'late' },
  evidence: { due: '2026-03-16' },
  outletId: 'O-1',
  seller: 'S-1',
  manufacturer: 'Changan',
  detectedAt: '2026-03-17T01:00:00.000Z',
  ...over,
});

export function describeCaseStoreContract(
  name: string,
  make: () => Promise<CaseStoreFixture>,
): void {
  describe(`case store contract: ${name}`, () => {
    let f: CaseStoreFixture;
    beforeAll(async () => {
      f = await make();
    }, 60_000);
    afterAll(async () => f?.cleanup());

    it('keeps a case as written, with its events numbered, its notifications pending', async () => {
      const c = fresh();
      const stored = await f.cases.insert(opened(c));
      expect(stored).toEqual({ ...c, version: 1 });
      expect(await f.cases.get(c.id)).toEqual(stored);
      expect((await f.cases.events(c.id)).map((e) => [e.seq, e.type, e.actor])).toEqual([
        [1, 'opened', 'owner'],
      ]);
      const ns = await f.cases.notifications(c.id);
      expect(ns).toHaveLength(1);
      expect(ns[0]).toMatchObject({
        status: 'pending',
        attempts: 0,
        payload: { subject: 's' },
        log: [],
      });
      expect(await f.cases.get('C-none')).toBeUndefined();
    });

    it('a transition writes the case, its events, findings, survey and notifications together, version + 1', async () => {
      const c = fresh();
      await f.cases.insert(opened(c));
      const closedAt = '2026-03-10T02:00:00.000Z';
      const after = await f.cases.transition(c.id, (cur) => {
        const s = closeCase(
          cur,
          { remedyGranted: 'repair', text: '已修', outletId: 'O-2' },
          'eng',
          closedAt,
        );
        return {
          next: s.next,
          events: s.events,
          findings: s.findings,
          notifications: [mail(cur, 'case.closed')],
          openSurvey: s.openSurvey,
        };
      });
      expect(after).toMatchObject({ status: 'closed', version: 2, outletId: 'O-2', closedAt });
      expect((await f.cases.events(c.id)).map((e) => [e.seq, e.type])).toEqual([
        [1, 'opened'],
        [2, 'closed'],
        [3, 'flagged'],
      ]);
      expect(
        (await f.compliance.list({ caseId: c.id, limit: 10, offset: 0 })).findings.map(
          (x) => x.rule,
        ),
      ).toEqual(['remedy_below_owed']);
      expect(await f.cases.getSurvey(c.id)).toMatchObject({
        caseId: c.id,
        outletId: 'O-2',
        answeredAt: null,
      });
      expect(await f.cases.notifications(c.id)).toHaveLength(2);
      // A step that writes nothing leaves the version alone.
      expect((await f.cases.transition(c.id, () => null)).version).toBe(2);
    });

    it('a step that fails writes nothing; an unknown case is CASES_ERR_UNKNOWN_CASE', async () => {
      const c = fresh();
      await f.cases.insert(opened(c));
      await expect(
        f.cases.transition(
          c.id,
          (cur) =>
            closeCase(
              { ...cur, status: 'closed' },
              { remedyGranted: 'exchange', text: 'x' },
              'e',
              c.openedAt,
            ) as never,
        ),
      ).rejects.toMatchObject({ code: 'CASES_ERR_ILLEGAL_TRANSITION' });
      expect((await f.cases.get(c.id))?.version).toBe(1);
      await expect(f.cases.transition('C-none', () => null)).rejects.toMatchObject({
        code: 'CASES_ERR_UNKNOWN_CASE',
      });
    });

    it('transitions of one case at once are serialised: both apply, events stay numbered', async () => {
      const c = fresh();
      await f.cases.insert(opened(c));
      const note = (text: string) =>
        f.cases.transition(c.id, (cur) => ({
          next: { ...cur, assignee: text },
          events: [{ at: c.openedAt, actor: text, type: 'note', data: { text } }],
          findings: [],
          notifications: [],
        }));
      await Promise.all([note('a'), note('b'), note('c')]);
      expect((await f.cases.get(c.id))?.version).toBe(4);
      expect((await f.cases.events(c.id)).map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    });

    it('the queue: filters, the earliest clock first, closed cases last; due() names what the sweeper must look at', async () => {
      const maker = `M-${n}`;
      const soon = fresh({ manufacturer: maker, openedAt: '2026-03-01T02:00:00.000Z' });
      const later = fresh({ manufacturer: maker, openedAt: '2026-03-05T02:00:00.000Z' });
      const closed = fresh({ manufacturer: maker });
      for (const c of [later, closed, soon])
        await f.cases.insert(
          opened({ ...c, deadlines: aCase({ openedAt: c.openedAt }).deadlines }),
        );
      await f.cases.transition(closed.id, (cur) => {
        const s = closeCase(
          cur,
          { remedyGranted: 'exchange', text: 'ok' },
          'e',
          '2026-03-06T00:00:00.000Z',
        );
        return { next: s.next, events: s.events, findings: s.findings, notifications: [] };
      });
      const q = await f.cases.list({ manufacturer: maker, limit: 10, offset: 0 });
      expect(q.total).toBe(3);
      expect(q.cases.map((c) => c.id)).toEqual([soon.id, later.id, closed.id]);
      expect(
        (
          await f.cases.list({ manufacturer: maker, status: 'closed', limit: 10, offset: 0 })
        ).cases.map((c) => c.id),
      ).toEqual([closed.id]);
      expect(
        (await f.cases.list({ manufacturer: maker, flagged: true, limit: 10, offset: 0 })).total,
      ).toBe(0);
      // `soon`'s answer deadline ends 2026-03-13 24:00 (a day earlier the sweeper warns).
      const due = await f.cases.due('2026-03-13T00:00:00.000Z', 100);
      expect(due).toContain(soon.id);
      expect(due).not.toContain(later.id);
      expect(due).not.toContain(closed.id);
      expect((await f.cases.ofUnit(soon.serial)).map((c) => c.id)).toEqual([soon.id]);
    });

    it('counts per outlet the cases and their deadlines met and missed', async () => {
      const maker = `Stats-${n}`;
      const late = fresh({ manufacturer: maker, outletId: 'O-late' });
      await f.cases.insert(opened(late));
      await f.cases.transition(late.id, (cur) => {
        const s = sweepCase(cur, '2026-03-17T01:00:00.000Z');
        return { next: s.next, events: s.events, findings: s.findings, notifications: [] };
      });
      const stats = await f.cases.caseStats(
        { from: '2026-03-01T00:00:00Z', to: '2026-04-01T00:00:00Z', manufacturer: maker },
        'outlet',
      );
      expect(stats).toEqual([
        { party: 'O-late', cases: 1, closed: 0, deadlinesMet: 0, deadlinesMissed: 1 },
      ]);
    });

    it('a survey opens when the case closes and is answered once, even by two answers at once', async () => {
      const c = fresh();
      await f.cases.insert(opened(c));
      await expect(
        f.cases.answerSurvey(c.id, { score: 5, resolved: true }, c.openedAt),
      ).rejects.toMatchObject({
        code: 'CASES_ERR_NO_SURVEY',
      });
      await f.cases.transition(c.id, (cur) => {
        const s = closeCase(
          cur,
          { remedyGranted: 'exchange', text: 'ok' },
          'e',
          '2026-03-06T00:00:00.000Z',
        );
        return {
          next: s.next,
          events: s.events,
          findings: s.findings,
          notifications: [],
          openSurvey: true,
        };
      });
      const answers = await Promise.allSettled([
        f.cases.answerSurvey(
          c.id,
          { score: 4, resolved: true, comment: '<b>好</b>' },
          '2026-03-07T00:00:00.000Z',
        ),
        f.cases.answerSurvey(c.id, { score: 1, resolved: false }, '2026-03-07T00:00:00.000Z'),
      ]);
      expect(answers.filter((a) => a.status === 'fulfilled')).toHaveLength(1);
      const refused = answers.find((a) => a.status === 'rejected') as PromiseRejectedResult;
      expect(refused.reason).toMatchObject({ code: 'CASES_ERR_SURVEY_ANSWERED' });
      const s = await f.cases.getSurvey(c.id);
      expect([4, 1]).toContain(s?.score);
      const inSpan = await f.cases.surveys({
        from: '2026-03-07T00:00:00Z',
        to: '2026-03-08T00:00:00Z',
      });
      expect(inSpan.filter((x) => x.caseId === c.id)).toHaveLength(1);
    });

    it('workers claiming at the same time (several nodes) each get other notifications', async () => {
      const c = fresh();
      const many = Array.from({ length: 12 }, (_, i) => mail(c, `case.event${i}`));
      await f.cases.insert(opened(c, { notifications: many }));
      const now = '2026-03-02T02:00:01.000Z';
      const claims = await Promise.all(
        [1, 2, 3].map(() => f.cases.claimNotifications(now, 60_000, 5)),
      );
      const ids = claims
        .flat()
        .filter((x) => x.caseId === c.id)
        .map((x) => x.id);
      expect(new Set(ids).size).toBe(ids.length);
    });

    it('a notification is leased to one worker; attempts are logged; it is sent, retried or given up', async () => {
      const c = fresh();
      await f.cases.insert(opened(c, { notifications: [mail(c), mail(c, 'case.answered')] }));
      const now = '2026-03-02T02:00:01.000Z';
      const mine = (await f.cases.claimNotifications(now, 60_000, 100)).filter(
        (x) => x.caseId === c.id,
      );
      expect(mine).toHaveLength(2);
      expect(
        (await f.cases.claimNotifications(now, 60_000, 100)).filter((x) => x.caseId === c.id),
      ).toEqual([]);
      const [a, b] = mine as [NonNullable<(typeof mine)[0]>, NonNullable<(typeof mine)[0]>];
      await f.cases.recordAttempt(a.id, {
        at: now,
        ok: false,
        error: 'ECONNREFUSED',
        nextAttemptAt: '2026-03-02T02:00:05.000Z',
      });
      await f.cases.recordAttempt(b.id, { at: now, ok: true, nextAttemptAt: null });
      let ns = await f.cases.notifications(c.id);
      expect(ns.find((x) => x.id === a.id)).toMatchObject({
        status: 'pending',
        attempts: 1,
        lastError: 'ECONNREFUSED',
      });
      expect(ns.find((x) => x.id === b.id)).toMatchObject({
        status: 'sent',
        attempts: 1,
        sentAt: now,
      });
      // Due again after its retry time; given up after the last attempt.
      expect(
        (await f.cases.claimNotifications('2026-03-02T02:00:06.000Z', 60_000, 100)).map(
          (x) => x.id,
        ),
      ).toContain(a.id);
      await f.cases.recordAttempt(a.id, {
        at: now,
        ok: false,
        error: '550 no such user',
        nextAttemptAt: null,
      });
      ns = await f.cases.notifications(c.id);
      expect(ns.find((x) => x.id === a.id)).toMatchObject({ status: 'failed', attempts: 2 });
      expect(ns.find((x) => x.id === a.id)?.log.map((l) => l.error)).toEqual([
        'ECONNREFUSED',
        '550 no such user',
      ]);
    });

    it('findings are counted once per cause; rectified or dismissed once; counted per party', async () => {
      const key = `k-${n}-${Date.now()}`;
      const first = await f.compliance.record([finding(key), finding(key)]);
      expect(first).toHaveLength(1);
      expect(await f.compliance.record([finding(key)])).toEqual([]);
      const id = first[0]!.id;
      const r = await f.compliance.rectify(id, {
        by: 'O-1',
        at: '2026-03-20T00:00:00.000Z',
        action: '培训并回访',
      });
      expect(r).toMatchObject({
        status: 'rectified',
        rectification: { by: 'O-1', action: '培训并回访' },
      });
      await expect(
        f.compliance.rectify(id, { by: 'x', at: 'x', action: 'x' }),
      ).rejects.toMatchObject({ code: 'CASES_ERR_FINDING_CLOSED' });
      await expect(
        f.compliance.dismiss('F-none', { by: 'r', at: 'x', reason: 'x' }),
      ).rejects.toMatchObject({ code: 'CASES_ERR_UNKNOWN_FINDING' });
      const rect = await f.compliance.list({
        status: 'rectified',
        rectifiedFrom: '2026-03-19T00:00:00Z',
        rectifiedTo: '2026-03-21T00:00:00Z',
        limit: 100,
        offset: 0,
      });
      expect(rect.findings.map((x) => x.id)).toContain(id);
      const other = (
        await f.compliance.record([
          finding(`${key}-2`, { outletId: 'O-7', manufacturer: `Cnt-${key}` }),
        ])
      )[0]!;
      await f.compliance.dismiss(other.id, {
        by: 'reg',
        at: '2026-03-20T00:00:00.000Z',
        reason: '误报',
      });
      expect(await f.compliance.confirm([other.id], 'reg', '2026-03-21T00:00:00.000Z')).toEqual([]);
      const counts = await f.compliance.count(
        { from: '2026-03-01T00:00:00Z', to: '2026-04-01T00:00:00Z', manufacturer: `Cnt-${key}` },
        'outlet',
      );
      expect(counts).toEqual([
        { party: 'O-7', rule: 'deadline_missed', status: 'dismissed', n: 1 },
      ]);
    });

    it('publishes disclosures and keeps every authorization an outlet was saved with', async () => {
      const d = await f.compliance.publish({
        party: { kind: 'outlet', id: 'O-1', name: '某4S店' },
        findingIds: ['F1'],
        summary: '以修代换',
        blacklisted: true,
        blacklistReason: '多次推诿扯皮',
        publishedAt: '2026-04-01T00:00:00.000Z',
        publishedBy: 'reg',
      });
      expect((await f.compliance.disclosures()).find((x) => x.id === d.id)).toEqual(d);
      const id = `O-H${n}-${Date.now()}`;
      await f.sql.query(
        `INSERT INTO warranty_outlets (id, name, manufacturer, authorized_from) VALUES ($1, 'x', 'M', '2024-01-01')`,
        [id],
      );
      await f.sql.query(`UPDATE warranty_outlets SET name = 'y' WHERE id = $1`, [id]); // not an authorization change
      await f.sql.query(`UPDATE warranty_outlets SET authorized_to = '2025-06-30' WHERE id = $1`, [
        id,
      ]);
      const h = await f.compliance.outletHistory(id);
      expect(h.map((x) => [x.seq, x.authorizedFrom, x.authorizedTo])).toEqual([
        [1, '2024-01-01', null],
        [2, '2024-01-01', '2025-06-30'],
      ]);
    });

    it("keeps an owner's alert subscription, replaced on save; unit notifications apart from cases", async () => {
      const serial = `SUB-${n}-${Date.now()}`;
      expect(await f.cases.subscription(serial)).toBeUndefined();
      const at = '2026-03-02T02:00:00.000Z';
      await f.cases.subscribe({
        serial,
        email: 'a@example.cn',
        phone: null,
        alerts: true,
        webhook: false,
        updatedAt: at,
      });
      const s = await f.cases.subscribe({
        serial,
        email: null,
        phone: '138 0000 0000',
        alerts: true,
        webhook: true,
        updatedAt: at,
      });
      expect(s).toEqual({
        serial,
        email: null,
        phone: '138 0000 0000',
        alerts: true,
        webhook: true,
        updatedAt: at,
      });
      await f.cases.enqueue([
        {
          caseId: null,
          serial,
          event: 'unit.alert',
          channel: 'email',
          target: 'a@example.cn',
          payload: { subject: 's' },
          createdAt: at,
          firstAttemptAt: at,
        },
      ]);
      expect((await f.cases.unitNotifications(serial)).map((x) => [x.event, x.status])).toEqual([
        ['unit.alert', 'pending'],
      ]);
    });

    it('service commitments: versions append in order, a taken label or an earlier date is refused', async () => {
      const maker = `Com-${n}-${Date.now()}`;
      const c = {
        manufacturer: maker,
        version: 'v1',
        effectiveFrom: '2026-01-01',
        title: 'T',
        terms: { answerWorkingDays: { value: 5, clause: '一' } },
      };
      await f.cases.appendCommitment(c, { savedAt: '2026-01-01T00:00:00Z', savedBy: 'm' });
      await expect(
        f.cases.appendCommitment(
          { ...c, effectiveFrom: '2026-02-01' },
          { savedAt: '2026-01-02T00:00:00Z', savedBy: 'm' },
        ),
      ).rejects.toMatchObject({
        code: 'CASES_ERR_COMMITMENT_CONFLICT',
      });
      await expect(
        f.cases.appendCommitment(
          { ...c, version: 'v0' },
          { savedAt: '2026-01-02T00:00:00Z', savedBy: 'm' },
        ),
      ).rejects.toMatchObject({
        code: 'CASES_ERR_COMMITMENT_CONFLICT',
      });
      await f.cases.appendCommitment(
        { ...c, version: 'v2', effectiveFrom: '2026-06-01' },
        { savedAt: '2026-01-02T00:00:00Z', savedBy: 'm' },
      );
      expect((await f.cases.commitments(maker)).map((x) => x.version)).toEqual(['v1', 'v2']);
    });
  });
}
