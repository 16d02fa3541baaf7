import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCasesTestApp, type CasesTestApp } from './test-app.ts';

/**
 * The case routes through HTTP (inject) on PGlite: owners open claims with serial + code, the
 * claim carries the engine's decision, bad input is refused with the field named and nothing
 * stored, roles and makers' tenancy hold, the routes are in the OpenAPI document.
 */
const CAR = 'LSGKB54H5RA000318';
const EXCAVATOR = 'EXC-0001';
/** The verification codes the service made for the car and the excavator (registration's answer). */
let CODE = '';
let EXC_CODE = '';
let t: CasesTestApp;

const call = async (
  method: 'GET' | 'POST',
  url: string,
  o: { token?: string; code?: string; body?: unknown } = {},
) => {
  const r = await t.app.inject({
    method,
    url: `/api/v1${url}`,
    headers: {
      ...(o.token ? { authorization: `Bearer ${o.token}` } : {}),
      ...(o.code ? { 'x-verification-code': o.code } : {}),
    },
    ...(o.body === undefined ? {} : { payload: o.body as object }),
  });
  return {
    status: r.statusCode,
    body: r.json() as Record<string, unknown> & {
      details?: Array<{ path: string; message: string }>;
    },
  };
};
const count = async (table: string) =>
  (await t.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!.n;

const claim = {
  kind: 'claim',
  description: '变速箱第五次出现换挡冲击，要求换车',
  requestedRemedy: 'exchange',
  fault: { code: 'P0700', component: 'transmission' },
  contact: { name: '李女士', email: 'li@example.cn' },
  notify: { email: true },
  mileageKm: 12_000,
  outletId: 'O-1',
};

beforeAll(async () => {
  t = await buildCasesTestApp();
  const maker = { token: t.tokens.manufacturer };
  expect(
    (
      await call('POST', '/warranty/outlets', {
        ...maker,
        body: {
          id: 'O-1',
          name: '石家庄长安授权服务站',
          manufacturer: 'Changan',
          authorizedFrom: '2024-01-01',
        },
      })
    ).status,
  ).toBe(201);
  const unit = (serial: string, category: string, model: string) =>
    call('POST', '/warranty/units', {
      ...maker,
      body: {
        serial,
        category,
        model,
        invoiceDate: '2025-09-01',
        priceCNY: 150_000,
        seller: '石家庄长安4S店',
      },
    });
  const car = await unit(CAR, 'household_car', 'Sedan 1.5T');
  const excavator = await unit(EXCAVATOR, 'excavator', 'DH215');
  expect([car.status, excavator.status]).toEqual([201, 201]);
  CODE = String(car.body.verificationCode);
  EXC_CODE = String(excavator.body.verificationCode);
  expect(CODE).toMatch(/^[0-9A-Z]{5}-[0-9A-Z]{5}$/);
  for (let i = 0; i < 5; i++) {
    const day = `2025-${String(10 + Math.floor(i / 2)).padStart(2, '0')}-${String(5 + (i % 2) * 14).padStart(2, '0')}`;
    const r = await call('POST', `/units/${CAR}/repairs`, {
      token: t.tokens.engineer,
      body: {
        outletId: 'O-1',
        droppedOffAt: `${day}T09:00:00+08:00`,
        handedBackAt: `${day}T17:00:00+08:00`,
        odometerKm: 3000 + i * 1500,
        reportedFault: '换挡冲击',
        diagnosis: { faultCode: 'P0700', component: 'transmission', cause: 'quality' },
        parts: [{ name: 'valve body', number: 'VB-220', genuine: true }],
        signatures: { repairer: '张工', consumer: '李女士' },
      },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
  }
}, 60_000);
afterAll(async () => t?.close());

describe('cases over HTTP', () => {
  it('[CAR21 Art. 24, 28] an owner opens a claim with serial + code: it carries the decision, is owed the exchange asked for, and gets the Art. 28 deadlines', async () => {
    const r = await call('POST', `/units/${CAR}/cases`, { code: CODE, body: claim });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body).toMatchObject({
      kind: 'claim',
      status: 'open',
      channel: 'owner_page',
      openedBy: 'owner',
      outletId: 'O-1',
      seller: '石家庄长安4S店',
      manufacturer: 'Changan',
      decision: {
        remedy: 'return',
        owed: { remedy: 'exchange', clause: expect.stringContaining('Art. 24') },
        mileageKm: 12_000,
        mileageSource: 'given',
      },
      survey: { status: 'none' },
    });
    const ds = r.body.deadlines as Array<{
      key: string;
      clause: string;
      due: string;
      clock: { workingDaysLeft: number };
    }>;
    expect(ds.map((d) => [d.key, d.clause, d.due])).toEqual([
      ['answer', 'CAR21 Art. 28 ¶1', '2026-03-16'],
      ['fulfil', 'CAR21 Art. 28 ¶2', '2026-03-30'],
      ['delay', '侵害消费者权益行为处罚办法 Art. 8 ¶1(2)', '2026-04-14'],
    ]);
    expect(ds[0]!.clock.workingDaysLeft).toBe(10);
    // The owner follows it; the desk sees it in the queue.
    const mine = await call('GET', `/units/${CAR}/cases`, { code: CODE });
    expect((mine.body.cases as Array<{ id: string }>).map((c) => c.id)).toEqual([r.body.id]);
    const queue = await call('GET', '/cases?status=open', { token: t.tokens.desk });
    expect((queue.body.cases as Array<{ id: string }>).map((c) => c.id)).toContain(r.body.id);
  });

  it('an unknown serial and a wrong code get the same 401, and nothing is stored', async () => {
    const before = await count('cases');
    const wrong = await call('POST', `/units/${CAR}/cases`, { code: 'WRONG-CODE', body: claim });
    const unknown = await call('POST', '/units/NO-SUCH-SERIAL/cases', { code: CODE, body: claim });
    expect([wrong.status, unknown.status]).toEqual([401, 401]);
    expect(wrong.body).toEqual(unknown.body);
    expect(wrong.body.error).toBe('APP_ERR_UNAUTHORIZED');
    expect(await count('cases')).toBe(before);
  });

  it('a claim on a unit outside any 三包 policy is refused naming why; a complaint on it is taken', async () => {
    const before = await count('cases');
    const r = await call('POST', `/units/${EXCAVATOR}/cases`, {
      code: EXC_CODE,
      body: { ...claim, mileageKm: null },
    });
    expect(r.status).toBe(422);
    expect(r.body.error).toBe('CASES_ERR_NO_POLICY');
    expect(r.body.message).toMatch(/EXC-0001 is outside any 三包 policy/);
    expect(r.body.details?.[0]).toMatchObject({
      path: 'body.kind',
      cause: 'WARRANTY_ERR_NO_POLICY_IN_FORCE',
    });
    expect(await count('cases')).toBe(before);
    const complaint = await call('POST', `/units/${EXCAVATOR}/cases`, {
      code: EXC_CODE,
      body: { kind: 'complaint', against: 'outlet', description: '网点拒绝上门' },
    });
    expect(complaint.status).toBe(201);
    expect(complaint.body.decision).toBeNull();
    expect(
      (complaint.body.deadlines as Array<{ basis: string; uncertain: boolean }>)[0],
    ).toMatchObject({
      basis: 'platform',
      uncertain: true,
    });
  });

  it('bad input is refused with the field named; null means absent; nothing is stored', async () => {
    const before = await count('cases');
    const bad = async (body: unknown) => {
      const r = await call('POST', `/units/${CAR}/cases`, { code: CODE, body });
      expect(r.status, JSON.stringify(r.body)).toBe(400);
      expect(r.body.error).toBe('APP_ERR_VALIDATION');
      return r.body.details?.map((d) => `${d.path}: ${d.message}`) ?? [];
    };
    expect(await bad({ ...claim, description: '长'.repeat(2001) })).toEqual([
      'body.description: at most 2000 characters',
    ]);
    expect(await bad({ ...claim, description: '   ' })).toEqual([
      'body.description: must not be empty',
    ]);
    // Refused at the HTTP boundary (core/input-guards.ts) before the schema sees the body.
    expect(await bad({ ...claim, description: 'a\u0000b' })).toEqual([
      'body.description: contains U+0000 (NUL) at character 1: control characters other than tab, line feed and carriage return are refused, not stripped',
    ]);
    expect(await bad({ ...claim, description: 'x\ud800' })).toEqual([
      'body.description: contains a lone UTF-16 surrogate (U+D800) at character 1: not valid Unicode text',
    ]);
    expect(await bad({ ...claim, requestedRemedy: undefined })).toEqual([
      'body.requestedRemedy: a claim names the remedy asked for: repair, assembly_swap, exchange or return',
    ]);
    expect(await bad({ ...claim, contact: { name: '李' } })).toEqual([
      'body.notify.email: mail needs contact.email',
    ]);
    expect(await bad({ kind: 'complaint', description: 'x' })).toEqual([
      'body.against: a complaint names whom it is against: outlet, seller or maker',
    ]);
    expect((await bad({ ...claim, contact: { email: 'not-an-address' } }))[0]).toMatch(
      /^body\.contact\.email: an email address/,
    );
    expect((await bad({ ...claim, rating: 5 }))[0]).toMatch(/^body\.?: Unrecognized key: "rating"/);
    expect(await count('cases')).toBe(before);
    const nulls = await call('POST', `/units/${CAR}/cases`, {
      code: CODE,
      body: {
        kind: 'consultation',
        description: '保养周期？',
        contact: null,
        notify: null,
        fault: null,
        mileageKm: null,
        outletId: null,
      },
    });
    expect(nulls.status, JSON.stringify(nulls.body)).toBe(201);
    expect(nulls.body).toMatchObject({
      outletId: null,
      request: { contact: {}, notify: { email: false, webhook: false }, fault: {} },
    });
  });

  it('HTML in free text is kept as the same text (the pages show it escaped)', async () => {
    const html = '<script>alert("x")</script><b>换挡</b> & <img src=x onerror=alert(1)>';
    const r = await call('POST', `/units/${CAR}/cases`, {
      code: CODE,
      body: { kind: 'consultation', description: html },
    });
    expect(r.status).toBe(201);
    const back = await call('GET', `/units/${CAR}/cases/${String(r.body.id)}`, { code: CODE });
    expect((back.body.request as { description: string }).description).toBe(html);
    const row = await t.sql.query<{ d: string }>(
      `SELECT body ->> 'description' AS d FROM cases WHERE id = $1`,
      [r.body.id],
    );
    expect(row.rows[0]?.d).toBe(html);
  });

  it('roles: the desk opens and answers; an owner token cannot work the queue; a maker sees only its own cases', async () => {
    const opened = await call('POST', '/cases', {
      token: t.tokens.desk,
      body: {
        serial: CAR,
        kind: 'complaint',
        against: 'outlet',
        description: '电话投诉：网点推诿',
        channel: 'phone',
      },
    });
    expect(opened.status, JSON.stringify(opened.body)).toBe(201);
    expect(opened.body).toMatchObject({ channel: 'phone', openedBy: 'desk-wang' });
    expect((await call('GET', '/cases', { token: t.tokens.owner })).status).toBe(403);
    expect(
      (
        await call('POST', `/cases/${String(opened.body.id)}/answer`, {
          token: t.tokens.manufacturer,
          body: { decision: 'inform', text: 'x' },
        })
      ).status,
    ).toBe(403);
    expect(
      (await call('GET', `/cases/${String(opened.body.id)}`, { token: t.tokens.manufacturer }))
        .status,
    ).toBe(200);
    const other = await call('GET', `/cases/${String(opened.body.id)}`, {
      token: t.tokens.otherMaker,
    });
    expect(other.status).toBe(404);
    expect(other.body.error).toBe('CASES_ERR_UNKNOWN_CASE');
    expect((await call('GET', '/cases', { token: t.tokens.otherMaker })).body.total).toBe(0);
    // Staff do not answer an owner's survey, nor open cases as the owner.
    expect(
      (await call('POST', `/units/${CAR}/cases`, { token: t.tokens.desk, body: claim })).status,
    ).toBe(403);
    // A desk note is internal: the owner's view of the timeline leaves it out.
    await call('POST', `/cases/${String(opened.body.id)}/notes`, {
      token: t.tokens.desk,
      body: { text: '回访客户未接' },
    });
    const ownerView = await call('GET', `/units/${CAR}/cases/${String(opened.body.id)}`, {
      code: CODE,
    });
    expect((ownerView.body.events as Array<{ type: string }>).map((e) => e.type)).toEqual([
      'opened',
    ]);
    const deskView = await call('GET', `/cases/${String(opened.body.id)}`, {
      token: t.tokens.desk,
    });
    expect((deskView.body.events as Array<{ type: string }>).map((e) => e.type)).toEqual([
      'opened',
      'note',
    ]);
  });

  it('a survey is answered once: the second answer is 409 and the index counts one', async () => {
    const opened = await call('POST', `/units/${CAR}/cases`, {
      code: CODE,
      body: { kind: 'consultation', description: '如何预约？' },
    });
    const id = String(opened.body.id);
    const early = await call('POST', `/units/${CAR}/cases/${id}/survey`, {
      code: CODE,
      body: { score: 5, resolved: true },
    });
    expect([early.status, early.body.error]).toEqual([409, 'CASES_ERR_NO_SURVEY']);
    await call('POST', `/cases/${id}/close`, {
      token: t.tokens.desk,
      body: { remedyGranted: 'none', text: '已告知预约方式', outletId: 'O-1' },
    });
    const first = await call('POST', `/units/${CAR}/cases/${id}/survey`, {
      code: CODE,
      body: { score: 4, resolved: true, comment: null },
    });
    expect(first.status).toBe(201);
    expect(first.body.survey).toMatchObject({ status: 'answered', score: 4 });
    const second = await call('POST', `/units/${CAR}/cases/${id}/survey`, {
      code: CODE,
      body: { score: 1, resolved: false },
    });
    expect(second.status).toBe(409);
    expect(second.body.error).toBe('CASES_ERR_SURVEY_ANSWERED');
    const bad = await call('POST', `/units/${CAR}/cases/${id}/survey`, {
      code: CODE,
      body: { score: 6, resolved: true },
    });
    expect(bad.status).toBe(400);
    const idx = await call('GET', '/compliance/satisfaction?by=outlet&quarter=2026Q1', {
      token: t.tokens.regulator,
    });
    expect(idx.body.rows).toEqual([
      { key: 'O-1', quarter: '2026Q1', answers: 1, meanScore: 4, index: 80, resolvedRate: 1 },
    ]);
  });

  it('an owner subscribes to predictive alerts; a subscription without a way to reach them is refused, naming the field', async () => {
    const put = (body: unknown, o: { code?: string; token?: string } = { code: CODE }) =>
      t.app.inject({
        method: 'PUT',
        url: `/api/v1/units/${CAR}/subscription`,
        headers: {
          ...(o.code ? { 'x-verification-code': o.code } : {}),
          ...(o.token ? { authorization: `Bearer ${o.token}` } : {}),
        },
        payload: body as object,
      });
    const none = await put({ alerts: true });
    expect(none.statusCode).toBe(400);
    expect(none.json().details).toEqual([
      { path: 'body.email', message: 'alerts need an email, or webhook with a phone' },
    ]);
    const noPhone = await put({ alerts: true, webhook: true });
    expect(noPhone.json().details).toEqual([
      { path: 'body.phone', message: 'the maker’s gateway needs a phone number' },
    ]);
    expect(
      (await put({ alerts: true, email: 'li@example.cn' }, { code: 'WRONG-CODE' })).statusCode,
    ).toBe(401);
    expect(
      (await put({ alerts: true, email: 'li@example.cn' }, { token: t.tokens.desk })).statusCode,
    ).toBe(403);
    const ok = await put({ alerts: true, email: 'li@example.cn', phone: null, webhook: null });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({
      serial: CAR,
      alerts: true,
      email: 'li@example.cn',
      webhook: false,
    });
    expect((await call('GET', `/units/${CAR}/subscription`, { code: CODE })).body).toMatchObject({
      alerts: true,
    });
  });

  it('a maker sets commitments and webhooks in its own name only (one tenancy rule)', async () => {
    const commitment = {
      manufacturer: 'Changan',
      version: 'v1',
      effectiveFrom: '2026-01-01',
      title: '长安汽车服务承诺',
      terms: { complaintWorkingDays: { value: 3, clause: '第三条' } },
    };
    const other = await call('POST', '/cases/commitments', {
      token: t.tokens.otherMaker,
      body: commitment,
    });
    expect([other.status, other.body.error]).toEqual([403, 'APP_ERR_OTHER_TENANT']);
    expect(await count('service_commitments')).toBe(0);
    // Without a manufacturer the webhook is stamped with the token's own.
    const hook = await call('POST', '/cases/webhooks', {
      token: t.tokens.manufacturer,
      body: { url: 'https://93.184.215.14/hook', secret: 'maker-webhook-secret-0002' },
    });
    expect(hook.status, JSON.stringify(hook.body)).toBe(201);
    expect(hook.body.manufacturer).toBe('Changan');
    const named = await call('POST', '/cases/webhooks', {
      token: t.tokens.otherMaker,
      body: {
        url: 'https://93.184.215.14/hook',
        secret: 'maker-webhook-secret-0003',
        manufacturer: 'Changan',
      },
    });
    expect([named.status, named.body.error]).toEqual([403, 'APP_ERR_OTHER_TENANT']);
    expect((await call('GET', '/cases/webhooks', { token: t.tokens.otherMaker })).body).toEqual({
      webhooks: [],
    });
    const del = (token: string) =>
      t.app.inject({
        method: 'DELETE',
        url: `/api/v1/cases/webhooks/${String(hook.body.id)}`,
        headers: { authorization: `Bearer ${token}` },
      });
    const hidden = await del(t.tokens.otherMaker);
    expect([hidden.statusCode, hidden.json().error]).toEqual([404, 'CASES_ERR_UNKNOWN_WEBHOOK']);
    expect((await del(t.tokens.manufacturer)).statusCode).toBe(204);
  });

  it('the routes and their schemas are in the OpenAPI document', async () => {
    await t.app.ready();
    const d = t.app.swagger() as {
      paths: Record<string, Record<string, unknown>>;
      components: { schemas: Record<string, unknown> };
    };
    for (const p of [
      '/api/v1/units/{serial}/cases',
      '/api/v1/units/{serial}/cases/{id}/survey',
      '/api/v1/cases',
      '/api/v1/cases/{id}/close',
      '/api/v1/compliance/findings',
      '/api/v1/compliance/scorecards',
      '/api/v1/reports/violations',
      '/api/v1/reports/violation-rectifications',
      '/api/v1/public/violations',
    ])
      expect(Object.keys(d.paths), p).toContain(p);
    for (const s of [
      'Case',
      'CaseDetail',
      'CaseOpenByOwner',
      'CaseOpenByDesk',
      'CaseClose',
      'CaseSurveyAnswer',
      'ComplianceFinding',
      'ComplianceScorecard',
      'ViolationDisclosure',
    ])
      expect(Object.keys(d.components.schemas), s).toContain(s);
  });
});
