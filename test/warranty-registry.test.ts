import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from './helpers/clients.ts';
import { startService, type RunningService } from './helpers/service.ts';

/**
 * The registry's product models, genuine parts and public outlet list (issue 5), over HTTP:
 * a manufacturer registers them; anyone checks a part or finds an authorized outlet; a repair
 * record whose "genuine" part is not in the registry, or whose serial the manufacturer never
 * issued, is flagged by the order checks.
 */
const day = 86_400_000;
const chinaDate = (offsetDays: number) =>
  new Date(Date.now() + 8 * 3_600_000 + offsetDays * day).toISOString().slice(0, 10);

interface Finding {
  check: string;
  severity: string;
}

describe('warranty registry: product models, genuine parts, the public outlet list', () => {
  let svc: RunningService;
  let maker: string;
  let eng: string;
  const call = <T>(method: string, url: string, token?: string, body?: unknown) =>
    api<T>(svc.httpUrl, method, url, token, body);

  beforeAll(async () => {
    svc = await startService();
    const issue = async (role: string, subject: string) =>
      (await call<{ token: string }>('POST', '/api/v1/tokens', svc.adminToken, { role, subject }))
        .body.token;
    maker = await issue('manufacturer', 'Gree');
    eng = await issue('engineer', 'eng-zhao');
  });
  afterAll(async () => svc?.stop());

  it('registers product models with their main parts and policy; refuses a policy of another category', async () => {
    const m = {
      manufacturer: 'Gree',
      category: 'air_conditioner',
      model: 'KFR-35GW/NhGc1B',
      mainParts: ['compressor', 'evaporator', 'condenser'],
    };
    const r = await call('POST', '/api/v1/warranty/models', maker, m);
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const got = await call(
      'GET',
      `/api/v1/warranty/models/air_conditioner/${encodeURIComponent(m.model)}`,
    );
    expect(got.status).toBe(200);
    expect(got.body).toEqual(m);
    expect((await call('GET', '/api/v1/warranty/models/air_conditioner/none')).status).toBe(404);
    // The owner's status is evaluated under the model's policy when it names one.
    await call('POST', '/api/v1/warranty/models', maker, {
      ...m,
      policyId: 'cn-p95-air_conditioner@1995-08-25',
    });
    expect(
      (
        await call('POST', '/api/v1/warranty/units', eng, {
          serial: 'MODEL-U1',
          category: 'air_conditioner',
          model: m.model,
          invoiceDate: chinaDate(-200),
        })
      ).status,
    ).toBe(201);
    const status = await call<{ policy: { id: string; version: string } }>(
      'GET',
      '/api/v1/units/MODEL-U1/warranty',
      eng,
    );
    expect(status.body.policy).toMatchObject({
      id: 'cn-p95-air_conditioner',
      version: '1995-08-25',
    });
    const wrong = await call<{ error: string }>('POST', '/api/v1/warranty/models', maker, {
      ...m,
      policyId: 'cn-car21-household_car',
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error).toBe('WARRANTY_ERR_POLICY_CATEGORY');
    const unknown = await call<{ error: string }>('POST', '/api/v1/warranty/models', maker, {
      ...m,
      policyId: 'no-such-policy',
    });
    expect(unknown.body.error).toBe('WARRANTY_ERR_UNKNOWN_POLICY');
    const bad = await call<{ details: unknown }>('POST', '/api/v1/warranty/models', maker, {
      ...m,
      category: 'spaceship',
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body.details)).toContain('category');
    expect((await call('POST', '/api/v1/warranty/models', eng, m)).status).toBe(403);
  });

  it('checks genuine parts publicly, and flags repair records whose genuine parts the registry does not know', async () => {
    const part = {
      number: 'QXA-B141',
      name: 'compressor',
      manufacturer: 'Gree',
      component: 'compressor',
      serials: ['C2501', 'C2502'],
    };
    expect((await call('POST', '/api/v1/warranty/parts', maker, part)).status).toBe(201);
    const more = await call<{ serialCount: number }>('POST', '/api/v1/warranty/parts', maker, {
      ...part,
      serials: ['C2503'],
    });
    expect(more.body.serialCount).toBe(3);
    const verify = (q: string) =>
      call<{ genuine: boolean; serialKnown: boolean | null }>(
        'GET',
        `/api/v1/warranty/parts/verify?${q}`,
      );
    expect((await verify('number=QXA-B141&serial=C2501')).body).toMatchObject({
      genuine: true,
      serialKnown: true,
    });
    expect((await verify('number=QXA-B141&serial=FAKE-1')).body).toMatchObject({
      genuine: false,
      serialKnown: false,
    });
    expect((await verify('number=QXA-B141')).body).toMatchObject({
      genuine: true,
      serialKnown: null,
    });
    expect((await verify('number=NOPE')).body).toMatchObject({ genuine: false });
    expect((await call('GET', '/api/v1/warranty/parts/verify')).status).toBe(400);

    await call('POST', '/api/v1/warranty/outlets', maker, {
      id: 'REG-O1',
      name: 'outlet',
      manufacturer: 'Gree',
      authorizedFrom: chinaDate(-400),
    });
    const u = await call('POST', '/api/v1/warranty/units', eng, {
      serial: 'REG-U1',
      category: 'air_conditioner',
      model: 'KFR-35GW/NhGc1B',
      manufacturer: 'Gree',
      invoiceDate: chinaDate(-100),
    });
    expect(u.status).toBe(201);
    const record = (parts: unknown[]) => ({
      outletId: 'REG-O1',
      droppedOffAt: chinaDate(-10),
      reportedFault: '不制冷',
      diagnosis: { faultCode: 'E5', component: 'compressor', cause: 'quality' },
      parts,
      signatures: { repairer: 'eng-zhao' },
    });
    const checks = async (parts: unknown[]) => {
      const r = await call<{ checks: Finding[] }>(
        'POST',
        '/api/v1/units/REG-U1/repairs',
        eng,
        record(parts),
      );
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      return r.body.checks.map((c) => c.check).filter((c) => c.startsWith('genuine'));
    };
    expect(
      await checks([{ name: 'compressor', number: 'QXA-B141', serial: 'C2502', genuine: true }]),
    ).toEqual([]);
    expect(
      await checks([{ name: 'compressor', number: 'QXA-B141', serial: 'FAKE-1', genuine: true }]),
    ).toEqual(['genuine_part_serial']);
    expect(await checks([{ name: 'compressor', number: 'XX-999', genuine: true }])).toEqual([
      'genuine_part_registered',
    ]);
    // A part the outlet itself declares non-genuine is the older check's violation.
    expect(await checks([{ name: 'compressor', number: 'XX-999', genuine: false }])).toEqual([
      'genuine_parts',
    ]);
  });

  it("lists a manufacturer's outlets authorized today, publicly", async () => {
    for (const o of [
      { id: 'LIST-A', authorizedFrom: chinaDate(-30), servicePhone: '400-100-2000' },
      { id: 'LIST-B', authorizedFrom: chinaDate(-300), authorizedTo: chinaDate(-1) },
    ])
      expect(
        (
          await call('POST', '/api/v1/warranty/outlets', svc.adminToken, {
            name: o.id,
            manufacturer: 'Midea',
            ...o,
          })
        ).status,
      ).toBe(201);
    const r = await call<{
      outlets: Array<{ id: string; authorizedNow: boolean; servicePhone?: string }>;
    }>('GET', '/api/v1/warranty/outlets?manufacturer=Midea');
    expect(r.status).toBe(200);
    expect(r.body.outlets.map((o) => [o.id, o.authorizedNow, o.servicePhone])).toEqual([
      ['LIST-A', true, '400-100-2000'],
    ]);
    const all = await call<{ outlets: Array<{ id: string; authorizedNow: boolean }> }>(
      'GET',
      '/api/v1/warranty/outlets?manufacturer=Midea&includeExpired=true',
    );
    expect(all.body.outlets.map((o) => [o.id, o.authorizedNow])).toEqual([
      ['LIST-A', true],
      ['LIST-B', false],
    ]);
    expect((await call('GET', '/api/v1/warranty/outlets')).status).toBe(400);
    // The owner's status lists the outlets of the unit's maker authorized today.
    const reg = await call<{ verificationCode: string }>('POST', '/api/v1/warranty/units', eng, {
      serial: 'LIST-U1',
      category: 'tv',
      model: '55E3F',
      manufacturer: 'Midea',
      invoiceDate: chinaDate(-20),
    });
    const res = await fetch(`${svc.httpUrl}/api/v1/units/LIST-U1/warranty`, {
      headers: { 'x-verification-code': reg.body.verificationCode },
    });
    expect(res.status).toBe(200);
    const status = (await res.json()) as { outlets: Array<{ id: string; servicePhone?: string }> };
    expect(status.outlets).toEqual([
      { id: 'LIST-A', name: 'LIST-A', servicePhone: '400-100-2000' },
    ]);
  });

  it("[issue 24, finding 3] a confined maker cannot overwrite another maker's models or genuine parts", async () => {
    const midea = (
      await call<{ token: string }>('POST', '/api/v1/tokens', svc.adminToken, {
        role: 'manufacturer',
        subject: 'Midea',
      })
    ).body.token;
    const model = {
      manufacturer: 'Gree',
      category: 'air_conditioner',
      model: 'TEN-KFR-1',
      mainParts: ['compressor', 'evaporator'],
    };
    expect((await call('POST', '/api/v1/warranty/models', maker, model)).status).toBe(201);
    const part = { number: 'TEN-P-1', name: 'compressor', manufacturer: 'Gree', serials: ['S1'] };
    expect((await call('POST', '/api/v1/warranty/parts', maker, part)).status).toBe(201);
    // Midea empties Gree's main-part list, in Gree's name or in its own: refused.
    for (const manufacturer of ['Gree', 'Midea', undefined]) {
      const r = await call<{ error: string }>('POST', '/api/v1/warranty/models', midea, {
        ...model,
        manufacturer,
        mainParts: [],
      });
      expect(r.status, String(manufacturer)).toBe(manufacturer === undefined ? 400 : 403);
      if (manufacturer !== undefined) expect(r.body.error).toBe('APP_ERR_OTHER_TENANT');
    }
    const read = await call<{ mainParts: string[]; manufacturer: string }>(
      'GET',
      '/api/v1/warranty/models/air_conditioner/TEN-KFR-1',
    );
    expect(read.body).toMatchObject({
      manufacturer: 'Gree',
      mainParts: ['compressor', 'evaporator'],
    });
    // Midea adds a serial to Gree's part: refused, and the public check does not call it genuine.
    for (const manufacturer of ['Gree', 'Midea'])
      expect(
        await call('POST', '/api/v1/warranty/parts', midea, {
          ...part,
          manufacturer,
          serials: ['FAKE'],
        }),
      ).toMatchObject({ status: 403, body: { error: 'APP_ERR_OTHER_TENANT' } });
    expect(
      (await call('GET', '/api/v1/warranty/parts/verify?number=TEN-P-1&serial=FAKE')).body,
    ).toMatchObject({ genuine: false, serialKnown: false });
    // Its own models and parts it may write; the owner of Gree's may still change them.
    expect(
      (
        await call('POST', '/api/v1/warranty/models', midea, {
          ...model,
          manufacturer: 'Midea',
          model: 'TEN-M-KFR',
        })
      ).status,
    ).toBe(201);
    expect(
      (await call('POST', '/api/v1/warranty/parts', maker, { ...part, serials: ['S2'] })).body,
    ).toMatchObject({ serialCount: 2 });
    // Staff (unconfined) may correct any maker's registry.
    expect((await call('POST', '/api/v1/warranty/models', svc.adminToken, model)).status).toBe(201);
  });

  it("confines a manufacturer's token to its own units: registration, reads, device links", async () => {
    const midea = (
      await call<{ token: string }>('POST', '/api/v1/tokens', svc.adminToken, {
        role: 'manufacturer',
        subject: 'Midea',
      })
    ).body.token;
    const dev = await call<{ id: string }>('POST', '/api/v1/devices', svc.adminToken, {
      category: 'air_conditioner',
      model: 'KFR-35GW',
      serial: 'TEN-DEV-1',
    });
    const base = { category: 'air_conditioner', model: 'KFR-35GW', invoiceDate: chinaDate(-30) };
    // [issue 24, finding 11] A confined maker cannot pull an unlinked device (nor an unknown id)
    // into its fleet by registering a unit with it: both are answered as unknown devices, and
    // the device's telemetry stays out of its reach.
    for (const deviceId of [dev.body.id, 'd-does-not-exist'])
      expect(
        await call('POST', '/api/v1/warranty/units', maker, {
          ...base,
          serial: `TEN-GRAB-${deviceId}`,
          deviceId,
        }),
      ).toMatchObject({ status: 404, body: { error: 'BROKER_ERR_UNKNOWN_DEVICE' } });
    expect((await call('GET', `/api/v1/devices/${dev.body.id}/latest`, maker)).status).toBe(404);
    expect((await call('GET', '/api/v1/units/TEN-GRAB-d-does-not-exist', eng)).status).toBe(404);
    // Gree's unit, linked to the device by staff: the device joins Gree's fleet.
    expect(
      (
        await call('POST', '/api/v1/warranty/units', eng, {
          ...base,
          manufacturer: 'Gree',
          serial: 'TEN-GREE-1',
          deviceId: dev.body.id,
        })
      ).status,
    ).toBe(201);
    expect((await call('GET', `/api/v1/devices/${dev.body.id}/latest`, maker)).status).toBe(200);
    // Gree may link its own device to another of its units (an exchanged unit's successor).
    expect(
      (
        await call('POST', '/api/v1/warranty/units', maker, {
          ...base,
          serial: 'TEN-GREE-2',
          deviceId: dev.body.id,
        })
      ).status,
    ).toBe(201);
    // Midea may not register a unit in Gree's name, nor link Gree's device to its own unit
    // (answered as for an unknown device: Gree's fleet is not revealed).
    const other = await call<{ error: string }>('POST', '/api/v1/warranty/units', midea, {
      ...base,
      serial: 'TEN-M-1',
      manufacturer: 'Gree',
    });
    expect(other.status).toBe(403);
    expect(other.body.error).toBe('APP_ERR_OTHER_TENANT');
    const pull = await call<{ error: string }>('POST', '/api/v1/warranty/units', midea, {
      ...base,
      serial: 'TEN-M-2',
      deviceId: dev.body.id,
    });
    expect(pull.status).toBe(404);
    expect(pull.body.error).toBe('BROKER_ERR_UNKNOWN_DEVICE');
    // Staff linking Gree's device to a Midea unit: one device, one maker.
    const staffPull = await call<{ error: string }>('POST', '/api/v1/warranty/units', eng, {
      ...base,
      manufacturer: 'Midea',
      serial: 'TEN-M-4',
      deviceId: dev.body.id,
    });
    expect(staffPull).toMatchObject({ status: 409, body: { error: 'WARRANTY_ERR_DEVICE_LINKED' } });
    // Without a manufacturer the unit is Midea's.
    const own = await call<{ manufacturer: string }>('POST', '/api/v1/warranty/units', midea, {
      ...base,
      serial: 'TEN-M-3',
    });
    expect(own.status).toBe(201);
    expect(own.body.manufacturer).toBe('Midea');
    // Another maker's unit is unknown to Midea; its own and Gree's own are visible.
    for (const path of ['', '/repairs', '/repairs/verify', '/warranty'])
      expect((await call('GET', `/api/v1/units/TEN-GREE-1${path}`, midea)).status).toBe(404);
    expect((await call('GET', '/api/v1/units/TEN-GREE-1', maker)).status).toBe(200);
    expect((await call('GET', '/api/v1/units/TEN-M-3/repairs', midea)).status).toBe(200);
    expect((await call('GET', '/api/v1/units/TEN-GREE-1', eng)).status).toBe(200);
    // Outlets too: Midea's own when it names none; never one of Gree's.
    const o = await call<{ manufacturer: string }>('POST', '/api/v1/warranty/outlets', midea, {
      id: 'TEN-O-M',
      name: 'x',
      authorizedFrom: chinaDate(-10),
    });
    expect(o.body.manufacturer).toBe('Midea');
    const greeOutlet = await call<{ error: string }>('POST', '/api/v1/warranty/outlets', midea, {
      id: 'REG-O1',
      name: 'taken over',
      authorizedFrom: chinaDate(-10),
    });
    expect(greeOutlet.status).toBe(403);
    expect(greeOutlet.body.error).toBe('APP_ERR_OTHER_TENANT');
    // Technicians: of its own outlets only (an outlet is named, and is the token's maker's).
    const tech = (outletId?: string) =>
      call('POST', '/api/v1/warranty/technicians', midea, {
        certificate: `CERT-${outletId ?? 'none'}`,
        name: '王工',
        ...(outletId ? { outletId } : {}),
        validFrom: chinaDate(-10),
      });
    expect((await tech('TEN-O-M')).status).toBe(201);
    // Gree's outlet is unknown to Midea, like one that does not exist.
    expect(await tech('REG-O1')).toMatchObject({
      status: 404,
      body: { error: 'WARRANTY_ERR_UNKNOWN_OUTLET' },
    });
    expect(await tech()).toMatchObject({
      status: 403,
      body: { error: 'APP_ERR_TENANT_MUST_NAME' },
    });
    // Nor take over a certificate another maker's outlet holds.
    await call('POST', '/api/v1/warranty/technicians', maker, {
      certificate: 'CERT-GREE-1',
      name: '李工',
      outletId: 'REG-O1',
      validFrom: chinaDate(-10),
    });
    const takeover = await call('POST', '/api/v1/warranty/technicians', midea, {
      certificate: 'CERT-GREE-1',
      name: '李工',
      outletId: 'TEN-O-M',
      validFrom: chinaDate(-10),
    });
    expect(takeover).toMatchObject({ status: 403, body: { error: 'APP_ERR_OTHER_TENANT' } });
  });
});
