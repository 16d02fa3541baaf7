import { afterEach, describe, expect, it } from 'vitest';
import { createAuth } from '../core/auth.ts';
import { buildTestApp, type TestApp } from './test-app.ts';

/**
 * Products outside the 三包 catalogues (issue 20, part 7): an excavator has no national 三包
 * rules, so its maker's own published terms are the whole policy. Units register, are evaluated
 * by the same engine, and every clause the decision cites is the maker's. Test clock: 2025-07-01.
 */
let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

export const TITLE = '示例重工《挖掘机产品三包服务手册》2025版';
export const excavatorPolicy = (extra: Record<string, unknown> = {}) => ({
  manufacturer: 'DemoHeavy',
  category: 'excavator',
  model: 'DH215',
  version: '2025',
  effectiveFrom: '2024-01-01',
  title: TITLE,
  startRule: { kind: 'delivery', clause: '第二条' },
  terms: {
    wholeUnitMonths: { value: 12, clause: '第三条' },
    mainPartMonths: { value: 24, clause: '第四条' },
    repairCountLimit: { value: 2, clause: '第六条' },
  },
  mainParts: ['发动机', '液压泵', '主控阀', '行走马达', '回转马达'],
  mainPartsClause: '第四条',
  freeRepairClause: '第五条',
  exclusions: {
    consumer_misuse: '第八条第一项',
    consumer_no_maintenance: '第八条第二项',
    unauthorized_disassembly: '第八条第三项',
  },
  ...extra,
});

/** Every clause a decision cites (remedies, deadlines, counters, exclusions, notes, start). */
export function citedClauses(e: {
  periodStartBasis: { clause: string };
  remedies: Array<{ clause: string }>;
  deadlines: Array<{ clause: string }>;
  counters: Array<{ clause: string }>;
  exclusions: Array<{ clause: string }>;
  notes: Array<{ clause: string }>;
}): string[] {
  return [
    e.periodStartBasis,
    ...e.remedies,
    ...e.deadlines,
    ...e.counters,
    ...e.exclusions,
    ...e.notes,
  ].map((x) => x.clause);
}
const NATIONAL = /CAR21|P95|PHONE|PC |消法|民法典|Civil Code/;

const pumpRepair = (day: string) => ({
  outletId: 'DH-SJZ-01',
  droppedOffAt: `${day}T08:00:00+08:00`,
  handedBackAt: `${day}T18:00:00+08:00`,
  reportedFault: '动臂提升无力，液压泵异响',
  diagnosis: { faultCode: 'SPN 1762 FMI 1', component: '液压泵', cause: 'quality' },
  parts: [{ name: '液压泵', number: 'K3V112DT', genuine: true }],
  signatures: { repairer: '王工', consumer: '河北建工' },
});

async function build() {
  t = await buildTestApp();
  const maker = (await createAuth(t.sql).issue({ role: 'manufacturer', subject: 'DemoHeavy' }))
    .token;
  const app = t.app;
  const call = async (method: 'GET' | 'POST', url: string, token?: string, payload?: unknown) => {
    const r = await app.inject({
      method,
      url: `/api/v1${url}`,
      headers: token ? { authorization: `Bearer ${token}` } : {},
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
    return { status: r.statusCode, body: r.json() };
  };
  return { call, maker, engineer: t.tokens.engineer };
}

describe('excavators: a category without national 三包 rules, under its maker’s policy', () => {
  it('registers an excavator and evaluates it under DemoHeavy’s saved policy, citing DemoHeavy’s clauses only', async () => {
    const { call, maker, engineer } = await build();
    const unit = await call('POST', '/warranty/units', maker, {
      serial: 'DH215-2024-0817',
      category: 'excavator',
      model: 'DH215',
      invoiceDate: '2024-08-10',
      deliveryDate: '2024-08-17',
      priceCNY: 860_000,
    });
    expect(unit.status, JSON.stringify(unit.body)).toBe(201);
    expect(unit.body.manufacturer).toBe('DemoHeavy');
    const status = () =>
      call('GET', '/units/DH215-2024-0817/warranty?evaluationDate=2025-07-01', engineer);
    // Before its maker saves a policy there is nothing to judge it by: a precise refusal.
    const none = await status();
    expect(none.status).toBe(422);
    expect(none.body.error).toBe('WARRANTY_ERR_NO_POLICY_IN_FORCE');
    expect(none.body.message).toMatch(/maker:DemoHeavy\/excavator\/DH215.*2024-08-17/);

    const saved = await call('POST', '/warranty/policies', maker, excavatorPolicy());
    expect(saved.status, JSON.stringify(saved.body)).toBe(201);
    expect(saved.body.resolved).toMatchObject({ regime: 'MAKER', issuer: 'manufacturer' });
    for (const d of ['2024-11-05', '2025-03-12'])
      expect(
        (await call('POST', '/units/DH215-2024-0817/repairs', engineer, pumpRepair(d))).status,
      ).toBe(201);

    const s = await status();
    expect(s.status, JSON.stringify(s.body)).toBe(200);
    expect(s.body.policy).toMatchObject({
      id: 'maker:DemoHeavy/excavator/DH215',
      version: '2025',
      title: TITLE,
      issuer: 'manufacturer',
      manufacturer: 'DemoHeavy',
      effectiveFrom: '2024-01-01',
    });
    expect(s.body.periodStart).toBe('2024-08-17');
    expect(s.body.periodStartBasis.clause).toBe(`${TITLE} 第二条`);
    const dl = Object.fromEntries(
      s.body.deadlines.map((d: { key: string; clause: string; nominalEnd: string }) => [d.key, d]),
    );
    expect(dl.whole_unit_period).toMatchObject({ clause: `${TITLE} 第三条` });
    expect(dl.main_part_period).toMatchObject({
      clause: `${TITLE} 第四条`,
      nominalEnd: '2026-08-17',
    });
    expect(s.body.counters).toEqual([
      expect.objectContaining({
        key: 'repairs_toward_exchange',
        clause: `${TITLE} 第六条`,
        count: 2,
        limit: 2,
        reached: true,
      }),
    ]);
    const clauses = citedClauses(s.body);
    expect(clauses.length).toBeGreaterThan(3);
    for (const c of clauses) {
      expect(c.startsWith(TITLE), c).toBe(true);
      expect(c).not.toMatch(NATIONAL);
    }
    // Its owner sees the same with the code from the warranty card.
    const owner = await t!.app.inject({
      method: 'GET',
      url: '/api/v1/units/DH215-2024-0817/warranty?evaluationDate=2025-07-01',
      headers: {
        'x-verification-code': (unit.body as { verificationCode: string }).verificationCode,
      },
    });
    expect(owner.json().policy.manufacturer).toBe('DemoHeavy');
  });

  it('POST /warranty/evaluate: the maker’s remedies, each cited to its own clause', async () => {
    const { call } = await build();
    const facts = (evaluationDate: string, extra: Record<string, unknown> = {}) => ({
      invoiceDate: '2024-08-10',
      deliveryDate: '2024-08-17',
      evaluationDate,
      ...extra,
    });
    const fault = (date: string, cause = 'quality') => ({
      date,
      faultCode: 'SPN 1762 FMI 1',
      component: '液压泵',
      cause,
    });
    const evaluate = (f: unknown, makerPolicy: unknown = excavatorPolicy()) =>
      call('POST', '/warranty/evaluate', undefined, {
        category: 'excavator',
        makerPolicy,
        facts: f,
      });

    // 18 months after delivery: the whole machine is out of its 12 months, the pump (a main
    // part) within its 24: free repair of the part, under DemoHeavy's 第五条 and 第四条.
    const late = await evaluate(facts('2026-02-20', { currentFault: fault('2026-02-20') }));
    expect(late.status, JSON.stringify(late.body)).toBe(200);
    expect(late.body.remedies).toEqual([
      expect.objectContaining({
        kind: 'free_repair',
        scope: 'part',
        target: '液压泵',
        free: true,
        clause: `${TITLE} 第五条; ${TITLE} 第四条`,
      }),
    ]);
    // Repaired twice within the period and failing again: exchange under 第六条.
    const repairs = ['2024-11-05', '2025-03-12'].map((d) => ({
      date: d,
      returnedDate: d,
      faultCode: 'SPN 1762 FMI 1',
      component: '液压泵',
      partsReplaced: ['液压泵'],
      cause: 'quality',
    }));
    const third = await evaluate(
      facts('2025-06-02', { repairs, currentFault: fault('2025-06-02') }),
    );
    expect(third.body.remedy).toBe('exchange');
    expect(third.body.remedies).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'exchange', clause: `${TITLE} 第六条` }),
        expect.objectContaining({ kind: 'free_repair', clause: `${TITLE} 第五条` }),
      ]),
    );
    // Misuse: the maker's exclusion, nothing free.
    const misuse = await evaluate(
      facts('2025-02-01', { currentFault: fault('2025-02-01', 'consumer_misuse') }),
    );
    expect(misuse.body.exclusions).toEqual([
      expect.objectContaining({ reason: 'consumer_misuse', clause: `${TITLE} 第八条第一项` }),
    ]);
    expect(misuse.body.remedies.some((r: { free: boolean }) => r.free)).toBe(false);
    for (const e of [late.body, third.body, misuse.body])
      for (const c of citedClauses(e)) expect(c).not.toMatch(NATIONAL);

    // Refusals name the field.
    const bare = await call('POST', '/warranty/evaluate', undefined, {
      category: 'excavator',
      facts: facts('2025-02-01'),
    });
    expect(bare.status).toBe(400);
    expect(bare.body.details).toEqual([
      expect.objectContaining({
        path: 'body.category',
        message: expect.stringMatching(/no national 三包 rules: give makerPolicy/),
      }),
    ]);
    const later = await evaluate(
      facts('2025-02-01'),
      excavatorPolicy({ effectiveFrom: '2025-01-01' }),
    );
    expect(later.status).toBe(400);
    expect(later.body.message).toMatch(
      /makerPolicy\.effectiveFrom: 2025-01-01 is after the purchase \(2024-08-17\)/,
    );
    const noPeriod = await evaluate(
      facts('2025-02-01'),
      excavatorPolicy({ terms: { mainPartMonths: 24 } }),
    );
    expect(noPeriod.status).toBe(400);
    expect(noPeriod.body.message).toMatch(
      /makerPolicy\.terms\.wholeUnitMonths: required: excavator has no national 三包 rules/,
    );
  });

  it('a maker-only policy needs the maker’s whole-unit period; a national-category policy may not set the start rule', async () => {
    const { call, maker } = await build();
    const r = await call('POST', '/warranty/policies', maker, excavatorPolicy({ terms: {} }));
    expect(r.status).toBe(400);
    expect(r.body.details).toEqual([
      expect.objectContaining({ path: 'body.terms.wholeUnitMonths' }),
    ]);
    const ac = await call('POST', '/warranty/policies', maker, {
      ...excavatorPolicy(),
      category: 'air_conditioner',
      exclusions: undefined,
      freeRepairClause: undefined,
    });
    expect(ac.status).toBe(400);
    expect(ac.body.message).toMatch(
      /startRule: only for a category without national 三包 rules \(excavator\)/,
    );
  });
});
