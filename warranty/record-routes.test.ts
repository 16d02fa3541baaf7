import { afterEach, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from './test-app.ts';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function build() {
  t = await buildTestApp();
  return { a: t.app, db: t.sql, engineer: t.tokens.engineer, owner: t.tokens.owner };
}

const record = (day: string, extra: Record<string, unknown> = {}) => ({
  outletId: 'outlet-7',
  technicianCertificate: 'C-1',
  droppedOffAt: `${day}T09:00:00+08:00`,
  handedBackAt: `${day}T17:00:00+08:00`,
  odometerKm: 5_000,
  reportedFault: '换挡冲击',
  diagnosis: { faultCode: 'P0700', component: 'transmission', cause: 'quality' },
  parts: [],
  signatures: { repairer: 'Li', consumer: 'Wang' },
  ...extra,
});

describe('unit registry and repair records over HTTP', () => {
  it('[汽车三包 第十七条] records are chained; verify passes, then names the record edited behind the API', async () => {
    const { a, db, engineer } = await build();
    const h = { authorization: `Bearer ${engineer}` };
    const unit = {
      serial: 'VIN123',
      category: 'household_car',
      model: 'X1',
      invoiceDate: '2025-03-03',
      priceCNY: 200_000,
    };
    expect(
      (await a.inject({ method: 'POST', url: '/api/v1/warranty/units', headers: h, payload: unit }))
        .statusCode,
    ).toBe(201);
    for (const d of ['2025-04-07', '2025-04-14', '2025-04-21']) {
      const r = await a.inject({
        method: 'POST',
        url: '/api/v1/units/VIN123/repairs',
        headers: h,
        payload: record(d),
      });
      expect(r.statusCode).toBe(201);
      expect(r.json().recordedAt).toBe('2025-07-01T02:00:00.000Z');
      expect(r.json().checks).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ check: 'outlet_authorized', severity: 'unchecked' }),
        ]),
      );
    }
    const ok = await a.inject({
      method: 'GET',
      url: '/api/v1/units/VIN123/repairs/verify',
      headers: h,
    });
    expect(ok.json()).toMatchObject({ ok: true, count: 3 });
    await db.query(
      `UPDATE warranty_repair_records SET body = jsonb_set(body, '{odometerKm}', '4000') WHERE seq = 2`,
    );
    const bad = await a.inject({
      method: 'GET',
      url: '/api/v1/units/VIN123/repairs/verify',
      headers: h,
    });
    expect(bad.json()).toEqual({
      ok: false,
      count: 3,
      anchor: { count: 3, head: expect.stringMatching(/^[0-9a-f]{64}$/) },
      linksChecked: 0,
      firstBroken: { seq: 2, reason: 'hash_mismatch' },
    });
  });

  it('[汽车三包 第二十四条] the warranty status of a stored unit counts its records; a correction replaces the original', async () => {
    const { a, engineer } = await build();
    const h = { authorization: `Bearer ${engineer}` };
    await a.inject({
      method: 'POST',
      url: '/api/v1/warranty/units',
      headers: h,
      payload: {
        serial: 'VIN9',
        category: 'household_car',
        model: 'X1',
        invoiceDate: '2025-03-03',
        priceCNY: 200_000,
      },
    });
    for (const d of ['2025-04-07', '2025-04-14', '2025-04-21', '2025-04-28', '2025-05-12'])
      await a.inject({
        method: 'POST',
        url: '/api/v1/units/VIN9/repairs',
        headers: h,
        payload: record(d),
      });
    const five = await a.inject({
      method: 'GET',
      url: '/api/v1/units/VIN9/warranty?evaluationDate=2025-06-20&mileageKm=10000',
      headers: h,
    });
    expect(five.statusCode).toBe(200);
    expect(five.json()).toMatchObject({ remedy: 'return', free: false });
    // The fifth record is corrected: the owner had modified the gearbox, so it no longer counts.
    const fix = record('2025-05-12', {
      kind: 'correction',
      corrects: 5,
      diagnosis: { faultCode: 'P0700', component: 'transmission', cause: 'consumer_modification' },
    });
    expect(
      (
        await a.inject({
          method: 'POST',
          url: '/api/v1/units/VIN9/repairs',
          headers: h,
          payload: fix,
        })
      ).statusCode,
    ).toBe(201);
    const four = await a.inject({
      method: 'GET',
      url: '/api/v1/units/VIN9/warranty?evaluationDate=2025-06-20&mileageKm=10000',
      headers: h,
    });
    expect(four.json().remedy).toBe('none');
    expect(four.json().counters[0]).toMatchObject({ key: 'same_problem_repairs', count: 4 });
  });

  it('imports units from CSV all or nothing, naming bad lines', async () => {
    const { a, engineer } = await build();
    const h = { authorization: `Bearer ${engineer}`, 'content-type': 'text/csv' };
    const bad = await a.inject({
      method: 'POST',
      url: '/api/v1/warranty/units/import',
      headers: h,
      payload: 'serial,category,model,invoiceDate\nU1,tv,L55,2025-03-03\nU2,tv,L55,not-a-date\n',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({
      error: 'WARRANTY_ERR_CSV_INVALID',
      details: [{ line: 3, field: 'invoiceDate' }],
    });
    const auth = { authorization: h.authorization };
    expect(
      (await a.inject({ method: 'GET', url: '/api/v1/units/U1', headers: auth })).statusCode,
    ).toBe(404);
    const good = await a.inject({
      method: 'POST',
      url: '/api/v1/warranty/units/import',
      headers: h,
      payload: 'serial,category,model,invoiceDate\nU1,tv,L55,2025-03-03\nU2,tv,L55,2025-03-04\n',
    });
    // Each imported unit gets its own code, answered once, in the order of the lines.
    expect(good.json()).toEqual({
      imported: 2,
      verificationCodes: [
        { serial: 'U1', verificationCode: expect.stringMatching(/^[0-9A-Z]{5}-[0-9A-Z]{5}$/) },
        { serial: 'U2', verificationCode: expect.stringMatching(/^[0-9A-Z]{5}-[0-9A-Z]{5}$/) },
      ],
    });
    expect(
      (await a.inject({ method: 'GET', url: '/api/v1/units/U2', headers: auth })).json(),
    ).toMatchObject({ serial: 'U2', category: 'tv' });
  });

  it('owner lookup: serial + verification code, or the owner’s own token; hashes never shown', async () => {
    const { a, engineer, owner } = await build();
    const h = { authorization: `Bearer ${engineer}` };
    const body = {
      serial: 'PH1',
      category: 'mobile_phone',
      model: 'M1',
      invoiceDate: '2025-03-03',
      ownerId: 'o1',
    };
    const created = await a.inject({
      method: 'POST',
      url: '/api/v1/warranty/units',
      headers: h,
      payload: body,
    });
    expect(created.statusCode).toBe(201);
    // The server makes the code and shows it once; no hash is ever shown.
    const code = created.json<{ verificationCode: string }>().verificationCode;
    expect(code).toMatch(/^[0-9A-Z]{5}-[0-9A-Z]{5}$/);
    expect(created.body).not.toContain('verificationCodeHash');
    await a.inject({
      method: 'POST',
      url: '/api/v1/units/PH1/repairs',
      headers: h,
      payload: record('2025-04-07', {
        diagnosis: { faultCode: 'NOSIG', component: 'host', cause: 'quality' },
      }),
    });
    const url = '/api/v1/units/PH1/warranty?evaluationDate=2025-05-01';
    const byCode = await a.inject({
      method: 'GET',
      url,
      // Typed the way people type: lower case, no dash.
      headers: { 'x-verification-code': code.replace('-', '').toLowerCase() },
    });
    expect(byCode.statusCode).toBe(200);
    expect(byCode.json()).toMatchObject({
      unit: { serial: 'PH1' },
      history: [{ seq: 1, faultCode: 'NOSIG' }],
      remedy: 'none',
    });
    expect(byCode.json().counters[0]).toMatchObject({
      key: 'repairs_toward_exchange',
      count: 1,
      limit: 2,
    });
    expect(
      (await a.inject({ method: 'GET', url, headers: { 'x-verification-code': '000000' } }))
        .statusCode,
    ).toBe(401);
    expect(
      (
        await a.inject({
          method: 'GET',
          url: '/api/v1/units/NOPE/warranty',
          headers: { 'x-verification-code': code },
        })
      ).statusCode,
    ).toBe(401);
    expect(
      (await a.inject({ method: 'GET', url, headers: { authorization: `Bearer ${owner}` } }))
        .statusCode,
    ).toBe(200);
    expect((await a.inject({ method: 'GET', url })).statusCode).toBe(401);
    expect(
      (await a.inject({ method: 'GET', url: '/api/v1/units/PH1', headers: h })).body,
    ).not.toContain('verificationCodeHash');
  });

  it('refuses missing tokens, the owner role, unknown units and records before the purchase', async () => {
    const { a, engineer, owner } = await build();
    const h = { authorization: `Bearer ${engineer}` };
    expect(
      (await a.inject({ method: 'GET', url: '/api/v1/units/NOPE/repairs/verify' })).statusCode,
    ).toBe(401);
    expect(
      (
        await a.inject({
          method: 'GET',
          url: '/api/v1/units/NOPE/repairs/verify',
          headers: { authorization: `Bearer ${owner}` },
        })
      ).statusCode,
    ).toBe(403);
    const missing = await a.inject({
      method: 'GET',
      url: '/api/v1/units/NOPE/repairs/verify',
      headers: h,
    });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error).toBe('WARRANTY_ERR_UNKNOWN_UNIT');
    await a.inject({
      method: 'POST',
      url: '/api/v1/warranty/units',
      headers: h,
      payload: { serial: 'TV1', category: 'tv', model: 'L55', invoiceDate: '2025-03-03' },
    });
    const early = await a.inject({
      method: 'POST',
      url: '/api/v1/units/TV1/repairs',
      headers: h,
      payload: record('2025-02-01'),
    });
    expect(early.statusCode).toBe(400);
    expect(early.json().details[0].path).toBe('body.droppedOffAt');
  });
});
