import { afterEach, describe, expect, it } from 'vitest';
import { warrantyCli } from './cli.ts';
import type { Evaluation } from './evaluation-schema.ts';
import { buildTestApp, type TestApp } from './test-app.ts';

/**
 * Issue 20, class 4: the holiday calendar as data an admin loads. The 2027 arrangement below is
 * made for this test (fictional "测试节"); the real 2027 notice is not in the repository.
 */
const TEST_2027 = `国务院办公厅关于2027年部分节假日安排的通知（测试用）
一、测试节：3月1日（周一）至3日（周三）放假调休，共3天。3月6日（周六）上班。`;

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const warnings = (e: Evaluation) => e.warnings.map((w) => w.code);

/** A phone bought on Sunday 2026-03-01: its one-year period ends on Monday 2027-03-01. */
/** Registers the phone; returns the verification code the server made for it. */
async function registerPhone(a: TestApp): Promise<string> {
  const r = await a.app.inject({
    method: 'POST',
    url: '/api/v1/warranty/units',
    headers: { authorization: `Bearer ${a.tokens.engineer}` },
    payload: {
      serial: 'PH-2027',
      category: 'mobile_phone',
      model: 'M1',
      invoiceDate: '2026-03-01',
    },
  });
  expect(r.statusCode).toBe(201);
  return r.json<{ verificationCode: string }>().verificationCode;
}

async function ownerStatus(a: TestApp, code: string): Promise<Evaluation> {
  const r = await a.app.inject({
    method: 'GET',
    url: '/api/v1/units/PH-2027/warranty?evaluationDate=2026-12-20',
    headers: { 'x-verification-code': code },
  });
  expect(r.statusCode).toBe(200);
  return r.json<Evaluation>();
}

const load = (a: TestApp, payload: string, token: string, type = 'text/plain') =>
  a.app.inject({
    method: 'POST',
    url: '/api/v1/warranty/holidays',
    headers: { authorization: `Bearer ${token}`, 'content-type': type },
    payload,
  });

describe('holiday calendar loaded by an admin (issue 20, class 4)', () => {
  it('[民法典 第二百零三条] owner status for a 2027 deadline: calendar note before, none once a 2027 file is loaded', async () => {
    t = await buildTestApp();
    const code = await registerPhone(t);
    const before = await ownerStatus(t, code);
    const whole = (e: Evaluation) => e.deadlines.find((d) => d.key === 'whole_unit_period');
    expect(whole(before)).toMatchObject({ end: '2027-03-01', calendarCovered: false });
    expect(warnings(before)).toContain('calendar_not_covered');
    const note = before.warnings.find((w) => w.code === 'calendar_not_covered');
    expect(note?.zh).toMatch(/超出已载入的节假日安排/);

    expect((await load(t, TEST_2027, t.tokens.engineer)).statusCode).toBe(403);
    const r = await load(t, TEST_2027, t.tokens.admin);
    expect(r.statusCode).toBe(201);
    expect(r.json()).toMatchObject({ imported: [{ year: 2027, version: 1 }] });

    const after = await ownerStatus(t, code);
    // 2027-03-01 is a (test) holiday through 03-03: the period ends on Thursday 2027-03-04.
    expect(whole(after)).toMatchObject({
      nominalEnd: '2027-03-01',
      end: '2027-03-04',
      holidayExtended: true,
      calendarCovered: true,
    });
    expect(warnings(after)).not.toContain('calendar_not_covered');

    const status = await t.app.inject({ method: 'GET', url: '/api/v1/warranty/holidays' });
    expect(
      status.json().years.map((y: { year: number; version: number }) => [y.year, y.version]),
    ).toEqual([
      [2024, 0],
      [2025, 0],
      [2026, 0],
      [2027, 1],
    ]);
  });

  it('the stateless evaluation uses the loaded calendar too; a bad file stores nothing and names the line', async () => {
    t = await buildTestApp();
    const bad = await load(
      t,
      '关于2027年部分节假日安排的通知\n一、测试节：3月1日至3日放假调休，共5天。',
      t.tokens.admin,
    );
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({
      error: 'WARRANTY_ERR_CALENDAR_INVALID',
    });
    expect(JSON.stringify(bad.json())).toMatch(/"line":2/);
    const csv = 'year,kind,name,from,to\n2027,holiday,测试节,2027-03-01,2027-03-03\n';
    expect((await load(t, csv, t.tokens.admin, 'text/csv')).statusCode).toBe(201);
    const e = await t.app.inject({
      method: 'POST',
      url: '/api/v1/warranty/evaluate',
      payload: {
        category: '手机',
        facts: {
          invoiceDate: '2026-03-01',
          evaluationDate: '2027-03-04',
          currentFault: { date: '2027-03-04', component: '主板' },
        },
      },
    });
    expect(e.statusCode).toBe(200);
    expect(e.json()).toMatchObject({ remedy: 'repair', free: true });
    expect(warnings(e.json())).not.toContain('calendar_not_covered');
  });

  it('CLI: `sanbao warranty holidays import FILE` stores through the API; `evaluate --holidays FILE` offline', async () => {
    t = await buildTestApp();
    const url = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const files: Record<string, string> = {
      'notice-2027.txt': TEST_2027,
      'bad.txt': '关于2027年部分节假日安排的通知\n一、测试节：3月1日（周二）放假。',
      'case.json': JSON.stringify({
        category: 'mobile_phone',
        facts: {
          invoiceDate: '2026-03-01',
          evaluationDate: '2027-03-04',
          currentFault: { date: '2027-03-04', component: '主板' },
        },
      }),
    };
    const run = async (args: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await warrantyCli(args, {
        stdout: (s) => void out.push(s),
        stderr: (s) => void err.push(s),
        readFile: async (p) => {
          const f = files[p];
          if (f === undefined) throw new Error(`ENOENT ${p}`);
          return f;
        },
        env: { SANBAO_API: url, SANBAO_TOKEN: t?.tokens.admin },
      });
      return { code, out: out.join(''), err: err.join('') };
    };
    const bad = await run(['holidays', 'import', 'bad.txt']);
    expect(bad).toMatchObject({ code: 2, err: 'bad.txt:2: 测试节: 2027-03-01 is not a 周二\n' });
    const dry = await run(['holidays', 'import', 'notice-2027.txt', '--dry-run']);
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.out)).toMatchObject([{ year: 2027, workdays: ['2027-03-06'] }]);
    expect(
      (await t.app.inject({ method: 'GET', url: '/api/v1/warranty/holidays' })).json().covers,
    ).toHaveLength(3); // nothing stored by a bad file or a dry run
    const ok = await run(['holidays', 'import', 'notice-2027.txt']);
    expect(ok).toMatchObject({ code: 0, err: '' });
    expect(ok.out).toMatch(/stored 2027 as version 1/);
    const again = await run([
      'holidays',
      'import',
      'notice-2027.txt',
      '--token',
      'nope-nope-nope-nope',
    ]);
    expect(again.code).toBe(1);

    const offline = await run(['evaluate', 'case.json', '--holidays', 'notice-2027.txt']);
    expect(offline.code).toBe(0);
    const e = JSON.parse(offline.out) as Evaluation;
    expect(e.deadlines.find((d) => d.key === 'whole_unit_period')?.end).toBe('2027-03-04');
    expect(warnings(e)).not.toContain('calendar_not_covered');
    const without = JSON.parse((await run(['evaluate', 'case.json'])).out) as Evaluation;
    expect(without.remedy).toBe('none'); // 2027-03-01 is a weekday beyond the built-in years
    expect(warnings(without)).toContain('calendar_not_covered');
  });
});
