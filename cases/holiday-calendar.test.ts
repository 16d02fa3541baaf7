import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCasesTestApp, type CasesTestApp } from './test-app.ts';

/**
 * A case's working days are counted on the holiday calendar in force: the one an admin loads
 * (POST /warranty/holidays, warranty's HolidayCalendars) and every 三包 evaluation uses. The
 * 2027 arrangement is made for this test (a fictional "测试节"), as in
 * warranty/holiday-routes.test.ts; the built-in calendar ends with 2026.
 */
const TEST_2027 = `国务院办公厅关于2027年部分节假日安排的通知（测试用）
一、测试节：3月1日（周一）至3日（周三）放假调休，共3天。3月6日（周六）上班。`;

let t: CasesTestApp;
let code = '';

const consult = async () => {
  const r = await t.app.inject({
    method: 'POST',
    url: '/api/v1/units/PH-2027/cases',
    headers: { 'x-verification-code': code },
    payload: { kind: 'consultation', description: '如何预约上门检测？' },
  });
  expect(r.statusCode, r.body).toBe(201);
  return r.json<{ deadlines: Array<{ key: string; due: string; calendarCovered: boolean }> }>()
    .deadlines[0]!;
};

beforeAll(async () => {
  // Friday 2027-02-26, 10:00 China time.
  t = await buildCasesTestApp({ start: '2027-02-26T02:00:00.000Z' });
  const r = await t.app.inject({
    method: 'POST',
    url: '/api/v1/warranty/units',
    headers: { authorization: `Bearer ${t.tokens.engineer}` },
    payload: {
      serial: 'PH-2027',
      category: 'mobile_phone',
      model: 'M1',
      invoiceDate: '2027-01-10',
    },
  });
  expect(r.statusCode, r.body).toBe(201);
  code = r.json<{ verificationCode: string }>().verificationCode;
}, 30_000);
afterAll(async () => t?.close());

describe('case deadlines on the loaded holiday calendar', () => {
  it('counts working days on the year an admin loaded, and says when no calendar covered them', async () => {
    // Two working days after Friday, on weekends alone: Monday and Tuesday — but 2027 is not
    // in the built-in calendar, so the deadline says it could not be vouched for.
    expect(await consult()).toMatchObject({ due: '2027-03-02', calendarCovered: false });

    const load = await t.app.inject({
      method: 'POST',
      url: '/api/v1/warranty/holidays',
      headers: { authorization: `Bearer ${t.tokens.admin}`, 'content-type': 'text/plain' },
      payload: TEST_2027,
    });
    expect(load.statusCode, load.body).toBe(201);

    // 1–3 March are rest days now: Thursday the 4th and Friday the 5th are the two working days.
    expect(await consult()).toMatchObject({ due: '2027-03-05', calendarCovered: true });
  });
});
