import { afterEach, describe, expect, it } from 'vitest';
import { createAuth } from '../core/auth.ts';
import { buildTestApp, type TestApp } from './test-app.ts';

/**
 * Makers' own policies over HTTP (issue 20, part 6): versions with effective dates, the national
 * minimum enforced term by term, units judged under the version in force when they were bought,
 * and tenancy (a confined manufacturer token saves and reads its own maker's only). The test
 * clock is 2025-07-01.
 */
let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const MODEL = 'KFR-72LW/Acme';
const TITLE = 'Acme 空调三包服务承诺';
const policy = (version: string, effectiveFrom: string, extra: Record<string, unknown> = {}) => ({
  manufacturer: 'Acme',
  category: 'air_conditioner',
  model: MODEL,
  version,
  effectiveFrom,
  title: `${TITLE}（${version}）`,
  terms: {
    wholeUnitMonths: { value: 24, clause: '第二条' },
    mainPartMonths: { value: 72, clause: '第三条' },
    repairCountLimit: { value: 1, clause: '第五条' },
  },
  mainParts: ['compressor', 'fan_motor', 'thermostat', 'four_way_valve'],
  ...extra,
});

async function build(openapi = false) {
  t = await buildTestApp({ openapi });
  const auth = createAuth(t.sql);
  const admin = (await auth.issue({ role: 'admin' })).token;
  const other = (await auth.issue({ role: 'manufacturer', subject: 'Other' })).token;
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
  return { call, ...t.tokens, admin, other };
}

describe('makers’ own policies over HTTP', () => {
  it('[部分商品三包 第四条] a maker saves versions; each unit is judged under the version in force on its purchase date, and the decision says which', async () => {
    const { call, manufacturer, engineer } = await build();
    const v1 = await call(
      'POST',
      '/warranty/policies',
      manufacturer,
      policy('2024.1', '2024-01-01'),
    );
    expect(v1.status, JSON.stringify(v1.body)).toBe(201);
    expect(v1.body).toMatchObject({ version: '2024.1', savedAt: '2025-07-01T02:00:00.000Z' });
    expect(v1.body.resolved).toMatchObject({
      issuer: 'manufacturer',
      manufacturer: 'Acme',
      basedOn: 'cn-p95-air_conditioner@1995-08-25',
      terms: { wholeUnitMonths: { value: 24, clause: `${TITLE}（2024.1） 第二条` } },
    });
    const longer = policy('2025.1', '2025-03-01');
    longer.terms.wholeUnitMonths = { value: 36, clause: '第二条' };
    expect((await call('POST', '/warranty/policies', manufacturer, longer)).status).toBe(201);

    const unit = (serial: string, invoiceDate: string) =>
      call('POST', '/warranty/units', engineer, {
        serial,
        category: 'air_conditioner',
        model: MODEL,
        manufacturer: 'Acme',
        invoiceDate,
      });
    for (const [s, d] of [
      ['AC-BEFORE', '2023-05-01'],
      ['AC-OLD', '2024-06-01'],
      ['AC-NEW', '2025-04-01'],
    ] as const)
      expect((await unit(s, d)).status).toBe(201);
    const status = async (serial: string) =>
      (await call('GET', `/units/${serial}/warranty?evaluationDate=2025-07-01`, engineer)).body;
    const period = (s: { deadlines: Array<{ key: string; nominalEnd: string; clause: string }> }) =>
      s.deadlines.find((d) => d.key === 'whole_unit_period');

    // Bought before the 2025 version: still the 2024 promise of 24 months.
    const old = await status('AC-OLD');
    expect(old.policy).toMatchObject({
      id: `maker:Acme/air_conditioner/${MODEL}`,
      version: '2024.1',
      issuer: 'manufacturer',
      manufacturer: 'Acme',
      model: MODEL,
      effectiveFrom: '2024-01-01',
    });
    expect(period(old)).toMatchObject({
      nominalEnd: '2026-06-01',
      clause: `${TITLE}（2024.1） 第二条`,
    });
    const counter = old.counters.find((c: { key: string }) => c.key === 'repairs_toward_exchange');
    expect(counter).toMatchObject({ limit: 1, clause: `${TITLE}（2024.1） 第五条` });

    const fresh = await status('AC-NEW');
    expect(fresh.policy).toMatchObject({ version: '2025.1', effectiveFrom: '2025-03-01' });
    expect(period(fresh)?.nominalEnd).toBe('2028-04-01');

    // Bought before any version: the national baseline (12 months).
    const before = await status('AC-BEFORE');
    expect(before.policy).toMatchObject({ issuer: 'national', id: 'cn-p95-air_conditioner' });
    expect(period(before)?.nominalEnd).toBe('2024-05-01');

    const versions = await call(
      'GET',
      `/warranty/policies/Acme/air_conditioner/${encodeURIComponent(MODEL)}?date=2024-06-01`,
      engineer,
    );
    expect(versions.status).toBe(200);
    expect(versions.body.inForce.version).toBe('2024.1');
    expect(versions.body.versions.map((v: { effectiveTo?: string }) => v.effectiveTo)).toEqual([
      '2025-02-28',
      undefined,
    ]);
  });

  it('[部分商品三包 第四条] refuses a policy weaker than the national baseline, naming each term and its clause; nothing is saved', async () => {
    const { call, manufacturer } = await build();
    const weak = policy('2024.1', '2024-01-01');
    weak.terms.wholeUnitMonths = { value: 6, clause: '第二条' };
    weak.terms.repairCountLimit = { value: 3, clause: '第五条' };
    const r = await call('POST', '/warranty/policies', manufacturer, weak);
    expect(r.status).toBe(422);
    expect(r.body.error).toBe('WARRANTY_ERR_POLICY_WEAKER');
    expect(r.body.message).toMatch(
      /terms\.wholeUnitMonths: wholeUnitMonths 6 is below the minimum 12/,
    );
    expect(r.body.details).toEqual([
      expect.objectContaining({
        path: 'terms.wholeUnitMonths',
        clause: 'P95 catalogue',
        baseline: 12,
        policy: 6,
      }),
      expect.objectContaining({
        path: 'terms.repairCountLimit',
        clause: 'P95 Art. 11',
        baseline: 2,
        policy: 3,
      }),
    ]);
    const dropped = await call('POST', '/warranty/policies', manufacturer, {
      ...policy('2024.1', '2024-01-01'),
      extendsByRepairDays: false,
    });
    expect(dropped.status).toBe(422);
    expect(dropped.body.details[0]).toMatchObject({
      path: 'extendsByRepairDays',
      clause: 'P95 Art. 8',
    });
    const bad = await call('POST', '/warranty/policies', manufacturer, {
      ...policy('2024.1', '2024-01-01'),
      exclusions: { consumer_misuse: '第七条' },
      accessories: { remote: 6 },
      terms: { wholeUnitMonths: 'long' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.details.map((d: { path: string }) => d.path).sort()).toEqual([
      'body.terms.wholeUnitMonths',
    ]);
    const fields = await call('POST', '/warranty/policies', manufacturer, {
      ...policy('2024.1', '2024-01-01'),
      exclusions: { consumer_misuse: '第七条' },
      accessories: { remote: 6 },
    });
    expect(fields.status).toBe(400);
    expect(fields.body.message).toMatch(
      /exclusions: only for a category without national 三包 rules/,
    );
    expect(fields.body.message).toMatch(
      /accessories\.remote: the national rules for air_conditioner have no accessory periods/,
    );
    const list = await call('GET', '/warranty/policies', manufacturer);
    expect(list.body).toEqual({ policies: [] });
  });

  it('versions only move forward; a back-dated one may not take from units already sold; a later one may promise less', async () => {
    const { call, manufacturer } = await build();
    const save = (p: ReturnType<typeof policy>) =>
      call('POST', '/warranty/policies', manufacturer, p);
    expect((await save(policy('2024.1', '2024-01-01'))).status).toBe(201);
    const same = await save(policy('2024.1', '2024-09-01'));
    expect(same).toMatchObject({
      status: 409,
      body: { error: 'WARRANTY_ERR_POLICY_VERSION_CONFLICT' },
    });
    expect(same.body.message).toMatch(/already saved/);
    const earlier = await save(policy('2023.1', '2023-06-01'));
    expect(earlier.status).toBe(409);
    expect(earlier.body.message).toMatch(/must be after 2024-01-01/);
    // Effective 2025-05-01, before today (2025-07-01): units sold since were promised 24 months.
    const shorter = policy('2025.1', '2025-05-01');
    shorter.terms.wholeUnitMonths = { value: 18, clause: '第二条' };
    const retro = await save(shorter);
    expect(retro.status).toBe(422);
    expect(retro.body.error).toBe('WARRANTY_ERR_POLICY_RETROACTIVE');
    expect(retro.body.details).toEqual([
      expect.objectContaining({
        path: 'terms.wholeUnitMonths',
        displaced: '2024.1',
        baseline: 24,
        policy: 18,
      }),
    ]);
    // The same promise for units sold from next month on is the maker's choice (≥ the law).
    expect((await save({ ...shorter, effectiveFrom: '2025-08-01' })).status).toBe(201);
  });

  it('tenancy: a confined manufacturer token saves and reads its own maker’s policies only; admins any; owners none', async () => {
    const { call, manufacturer, other, admin, owner, engineer } = await build();
    const acme = policy('2024.1', '2024-01-01');
    const path = `/warranty/policies/Acme/air_conditioner/${encodeURIComponent(MODEL)}`;
    const foreign = await call('POST', '/warranty/policies', other, acme);
    expect(foreign.status).toBe(403);
    expect(foreign.body.error).toBe('APP_ERR_OTHER_TENANT');
    expect((await call('POST', '/warranty/policies', manufacturer, acme)).status).toBe(201);
    expect((await call('GET', path, other)).status).toBe(403);
    expect((await call('GET', '/warranty/policies?manufacturer=Acme', other)).status).toBe(403);
    expect((await call('GET', '/warranty/policies', other)).body).toEqual({ policies: [] });
    expect((await call('GET', path, owner)).status).toBe(403);
    expect((await call('POST', '/warranty/policies', engineer, acme)).status).toBe(403);
    for (const tok of [manufacturer, admin, engineer]) {
      const r = await call('GET', path, tok);
      expect(r.status).toBe(200);
      expect(r.body.versions).toHaveLength(1);
    }
    const mine = await call('GET', '/warranty/policies', manufacturer);
    expect(mine.body.policies.map((p: { manufacturer: string }) => p.manufacturer)).toEqual([
      'Acme',
    ]);
    const forOther = await call('POST', '/warranty/policies', admin, {
      ...acme,
      manufacturer: 'Other',
    });
    expect(forOther.status).toBe(201);
    expect(forOther.body.savedBy).toMatch(/^t/);
    expect((await call('GET', '/warranty/policies', other)).body.policies).toHaveLength(1);
    expect((await call('GET', '/warranty/policies/Nobody/tv/X', admin)).status).toBe(404);
  });

  it('is described in the OpenAPI document: the three routes with their named schemas', async () => {
    await build(true);
    await t!.app.ready();
    const doc = t!.app.swagger() as {
      paths: Record<string, Record<string, { responses?: Record<string, unknown> }>>;
      components?: { schemas?: Record<string, { properties?: Record<string, unknown> }> };
    };
    expect(Object.keys(doc.paths['/api/v1/warranty/policies'] ?? {}).sort()).toEqual([
      'get',
      'post',
    ]);
    expect(
      Object.keys(doc.paths['/api/v1/warranty/policies/{manufacturer}/{category}/{model}'] ?? {}),
    ).toEqual(['get']);
    expect(Object.keys(doc.paths['/api/v1/warranty/policies']?.post?.responses ?? {})).toEqual(
      expect.arrayContaining(['201', '400', '403', '409', '422']),
    );
    const schemas = doc.components?.schemas ?? {};
    expect(Object.keys(schemas)).toEqual(
      expect.arrayContaining([
        'WarrantyMakerPolicy',
        'WarrantyStoredMakerPolicy',
        'WarrantyMakerPolicyVersions',
        'WarrantyMakerPolicyList',
      ]),
    );
    expect(Object.keys(schemas.WarrantyMakerPolicy?.properties ?? {})).toEqual(
      expect.arrayContaining(['manufacturer', 'model', 'version', 'effectiveFrom', 'terms']),
    );
    expect(Object.keys(schemas.WarrantyEvaluateRequest?.properties ?? {})).toContain('makerPolicy');
  });
});
