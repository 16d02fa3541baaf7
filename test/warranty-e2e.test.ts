import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from './helpers/clients.ts';
import { startService, type RunningService } from './helpers/service.ts';

/** Warranty through the running service's public HTTP API, on the service's own database. */
describe('warranty through the running service', () => {
  let svc: RunningService;
  beforeAll(async () => {
    svc = await startService();
  });
  afterAll(async () => {
    await svc?.stop();
  });

  it('evaluates a 三包 case publicly, citing the clause', async () => {
    const body = JSON.parse(
      await readFile(
        new URL('../warranty/examples/car-transmission.json', import.meta.url),
        'utf8',
      ),
    );
    const r = await api<{ remedy: string; remedies: Array<{ clause: unknown }> }>(
      svc.httpUrl,
      'POST',
      '/api/v1/warranty/evaluate',
      undefined,
      body,
    );
    expect(r.status).toBe(200);
    expect(['return', 'exchange', 'repair', 'none']).toContain(r.body.remedy);
    expect(JSON.stringify(r.body)).toMatch(/第[一二三四五六七八九十]+条|Art\. \d+/);
    const bad = await api<{ error: string; details: Array<{ path: string }> }>(
      svc.httpUrl,
      'POST',
      '/api/v1/warranty/evaluate',
      undefined,
      { category: 'spaceship', facts: {} },
    );
    expect(bad.status).toBe(400);
    expect(bad.body.details.map((d) => d.path).join(' ')).toMatch(/category/);
  });

  it("keeps repair records tamper-evident: an edit behind the API's back is named by verify", async () => {
    const T = svc.adminToken;
    const serial = `VIN${Date.now()}`;
    expect(
      (
        await api(svc.httpUrl, 'POST', '/api/v1/warranty/outlets', T, {
          id: 'O1',
          name: '授权服务站',
          servicePhone: '400-800-0000',
          authorizedFrom: '2024-01-01',
        })
      ).status,
    ).toBe(201);
    const unit = await api(svc.httpUrl, 'POST', '/api/v1/warranty/units', T, {
      serial,
      category: 'household_car',
      model: 'Sedan 1.5T',
      invoiceDate: '2026-01-10',
    });
    expect(unit.status).toBe(201);
    for (const day of ['2026-03-01', '2026-04-01']) {
      const rec = await api(svc.httpUrl, 'POST', `/api/v1/units/${serial}/repairs`, T, {
        outletId: 'O1',
        droppedOffAt: `${day}T09:00:00+08:00`,
        handedBackAt: `${day}T17:00:00+08:00`,
        odometerKm: 8000,
        reportedFault: '换挡冲击',
        diagnosis: { faultCode: 'P0700', component: 'transmission', cause: 'quality' },
        signatures: { repairer: '张工', consumer: '李女士' },
      });
      expect(rec.status).toBe(201);
    }
    expect(
      await api(svc.httpUrl, 'GET', `/api/v1/units/${serial}/repairs/verify`, T),
    ).toMatchObject({ status: 200, body: { ok: true, count: 2 } });
    // Someone edits the first record directly in the database.
    await svc.service.sql.query(
      `UPDATE warranty_repair_records SET body = jsonb_set(body, '{odometerKm}', '1000') WHERE serial = $1 AND seq = 1`,
      [serial],
    );
    const v = await api<{ ok: boolean; firstBroken: { seq: number; reason: string } }>(
      svc.httpUrl,
      'GET',
      `/api/v1/units/${serial}/repairs/verify`,
      T,
    );
    expect(v.body).toMatchObject({ ok: false, firstBroken: { seq: 1 } });
    // The unit's status is served from the same records.
    expect((await api(svc.httpUrl, 'GET', `/api/v1/units/${serial}/warranty`, T)).status).toBe(200);
  });

  it('verifies an outlet phone number publicly', async () => {
    const r = await api<Record<string, unknown>>(
      svc.httpUrl,
      'GET',
      `/api/v1/warranty/outlets/verify?phone=${encodeURIComponent('400-800-0000')}`,
    );
    expect(r.status).toBe(200);
    expect(JSON.stringify(r.body)).toMatch(/O1|授权服务站/);
  });
});
