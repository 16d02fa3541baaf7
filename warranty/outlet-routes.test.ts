import { afterEach, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from './test-app.ts';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('authorized outlets and technicians', () => {
  it('an owner can verify a service phone number or an outlet id without a token', async () => {
    t = await buildTestApp();
    const h = { authorization: `Bearer ${t.tokens.manufacturer}` };
    const outlet = {
      id: 'SZ-01',
      name: '深圳福田授权服务站',
      servicePhone: '400-800-1234',
      authorizedFrom: '2024-01-01',
      authorizedTo: '2025-12-31',
    };
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: '/api/v1/warranty/outlets',
          headers: h,
          payload: outlet,
        })
      ).statusCode,
    ).toBe(201);
    await t.app.inject({
      method: 'POST',
      url: '/api/v1/warranty/outlets',
      headers: h,
      payload: { ...outlet, id: 'OLD', servicePhone: '0755-1111', authorizedTo: '2025-06-30' },
    });
    const byPhone = await t.app.inject({
      method: 'GET',
      url: '/api/v1/warranty/outlets/verify?phone=4008001234',
    });
    expect(byPhone.json()).toMatchObject({
      authorized: true,
      asOf: '2025-07-01',
      outlets: [{ id: 'SZ-01', authorizedNow: true }],
    });
    const expired = await t.app.inject({
      method: 'GET',
      url: '/api/v1/warranty/outlets/verify?id=OLD',
    });
    expect(expired.json()).toMatchObject({
      authorized: false,
      outlets: [{ id: 'OLD', authorizedNow: false }],
    });
    const unknown = await t.app.inject({
      method: 'GET',
      url: '/api/v1/warranty/outlets/verify?phone=110',
    });
    expect(unknown.json()).toMatchObject({ authorized: false, outlets: [] });
    expect(
      (await t.app.inject({ method: 'GET', url: '/api/v1/warranty/outlets/verify' })).statusCode,
    ).toBe(400);
  });

  it('[明码标价 第八条] a repair order is checked against the outlet, its price list and the technician', async () => {
    t = await buildTestApp();
    const m = { authorization: `Bearer ${t.tokens.manufacturer}` };
    const e = { authorization: `Bearer ${t.tokens.engineer}` };
    await t.app.inject({
      method: 'POST',
      url: '/api/v1/warranty/outlets',
      headers: m,
      payload: {
        id: 'SZ-01',
        name: 'Outlet',
        authorizedFrom: '2024-01-01',
        priceList: { labourRateCNY: 60, workItems: ['更换电容'] },
      },
    });
    await t.app.inject({
      method: 'POST',
      url: '/api/v1/warranty/technicians',
      headers: m,
      payload: {
        certificate: 'T-9',
        name: 'Li',
        outletId: 'SZ-01',
        validFrom: '2023-01-01',
        validTo: '2025-06-30',
      },
    });
    await t.app.inject({
      method: 'POST',
      url: '/api/v1/warranty/units',
      headers: e,
      payload: {
        serial: 'AC-9',
        category: 'air_conditioner',
        model: 'KFR',
        invoiceDate: '2024-03-01',
      },
    });
    const order = {
      outletId: 'SZ-01',
      technicianCertificate: 'T-9',
      droppedOffAt: '2025-06-30T09:00:00+08:00',
      handedBackAt: '2025-06-30T15:00:00+08:00',
      reportedFault: 'remote does not work',
      diagnosis: { faultCode: 'RC', component: 'remote_control', cause: 'quality' },
      workItems: ['更换电容', '清洗费'],
      charges: { labourHours: 1, labourRateCNY: 80 },
      signatures: { repairer: 'Li' },
    };
    const r = await t.app.inject({
      method: 'POST',
      url: '/api/v1/units/AC-9/repairs',
      headers: e,
      payload: order,
    });
    expect(r.statusCode).toBe(201);
    const found = r
      .json()
      .checks.map((c: { check: string; severity: string }) => `${c.check}:${c.severity}`);
    // Bought 2024-03-01: the whole-unit year is over, so charging is allowed; the fees are not on the list.
    expect(found).toEqual(['fees_on_price_list:violation', 'fees_on_price_list:violation']);
    const late = await t.app.inject({
      method: 'POST',
      url: '/api/v1/units/AC-9/repairs',
      headers: e,
      payload: {
        ...order,
        droppedOffAt: '2025-07-01',
        handedBackAt: '2025-07-01',
        workItems: ['更换电容'],
        charges: {},
      },
    });
    expect(late.json().checks).toEqual([
      expect.objectContaining({ check: 'technician_certified', severity: 'violation' }),
    ]);
  });
});
