import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordHash } from '../warranty/hash-chain.ts';
import type { StoredRepairRecord } from '../warranty/repair-record-schema.ts';
import { api, connectDevice, provision, waitFor } from './helpers/clients.ts';
import { startService, type RunningService } from './helpers/service.ts';

interface Verification {
  ok: boolean;
  count: number;
  anchor: { count: number; head: string };
  linksChecked: number;
  firstBroken?: { seq: number; reason: string; source?: string };
}

/**
 * Tamper evidence with an anchor (issue 24, finding 6), through HTTP: records written by the
 * API, then changed in the database behind its back as an insider would, then checked with
 * `GET /units/{serial}/repairs/verify`. The chain's head and count live outside the records
 * table (on the unit, in the repair order that closed a record) and on the owner's status, to
 * print on a receipt; deleting the last records, all of them, or re-hashing from a record on is
 * named, and so is a rewrite that also forged the unit's anchor, by the order's copy or the
 * receipt.
 */
describe('tamper evidence with an anchor', () => {
  let svc: RunningService;
  let device: MqttClient | undefined;
  const call = <T>(method: string, url: string, body?: unknown) =>
    api<T>(svc.httpUrl, method, url, svc.adminToken, body);
  const verify = (serial: string, q = '') =>
    call<Verification>('GET', `/api/v1/units/${serial}/repairs/verify${q}`).then((r) => r.body);
  const record = (day: number) => ({
    outletId: 'TE-O',
    droppedOffAt: `2025-0${day}-01T09:00:00+08:00`,
    handedBackAt: `2025-0${day}-02T17:00:00+08:00`,
    reportedFault: 'not cooling',
    diagnosis: { faultCode: 'E1', component: 'compressor', cause: 'quality' },
    parts: [{ name: 'compressor', number: 'C-1', genuine: true }],
    signatures: { repairer: 'Li' },
  });
  const unitWithThree = async (serial: string, deviceId?: string) => {
    const r = await call('POST', '/api/v1/warranty/units', {
      serial,
      category: 'air_conditioner',
      model: 'KFR-35GW',
      manufacturer: 'Gree',
      invoiceDate: '2025-01-10',
      ...(deviceId ? { deviceId } : {}),
    });
    expect(r.status).toBe(201);
    for (const day of [3, 4, 5])
      expect((await call('POST', `/api/v1/units/${serial}/repairs`, record(day))).status).toBe(201);
  };
  /** Rewrites the records from `from` on with consistent hashes, as an insider with SQL would. */
  const rehashFrom = async (serial: string, from: number) => {
    const rows = (await call<StoredRepairRecord[]>('GET', `/api/v1/units/${serial}/repairs`)).body;
    let prev = rows[from - 2]?.hash ?? '0'.repeat(64);
    for (const r of rows.slice(from - 1)) {
      const forged = { ...r, prevHash: prev, body: { ...r.body, reportedFault: 'owner misuse' } };
      const hash = recordHash(forged);
      await svc.service.sql.query(
        `UPDATE warranty_repair_records SET body = $1::jsonb, prev_hash = $2, hash = $3 WHERE serial = $4 AND seq = $5`,
        [JSON.stringify(forged.body), prev, hash, serial, r.seq],
      );
      prev = hash;
    }
    return prev;
  };

  beforeAll(async () => {
    svc = await startService();
    const o = await call('POST', '/api/v1/warranty/outlets', {
      id: 'TE-O',
      name: 'outlet',
      manufacturer: 'Gree',
      authorizedFrom: '2020-01-01',
    });
    expect(o.status).toBe(201);
  });
  afterAll(async () => {
    await device?.endAsync();
    await svc?.stop();
  });

  it('prints the seal on the owner’s status and verifies intact records against it', async () => {
    const reg = await call<{ verificationCode: string }>('POST', '/api/v1/warranty/units', {
      serial: 'TE-OK',
      category: 'air_conditioner',
      model: 'KFR-35GW',
      invoiceDate: '2025-01-10',
    });
    for (const day of [3, 4]) await call('POST', '/api/v1/units/TE-OK/repairs', record(day));
    const status = await fetch(`${svc.httpUrl}/api/v1/units/TE-OK/warranty`, {
      headers: { 'x-verification-code': reg.body.verificationCode },
    }).then((r) => r.json() as Promise<{ records: { count: number; head: string } }>);
    expect(status.records.count).toBe(2);
    expect(status.records.head).toMatch(/^[0-9a-f]{64}$/);
    const v = await verify('TE-OK', `?receipt=${status.records.count}:${status.records.head}`);
    expect(v).toMatchObject({ ok: true, count: 2, anchor: status.records, linksChecked: 1 });
  });

  it('[finding 6] names the deletion of the last record, and of all records', async () => {
    await unitWithThree('TE-TAIL');
    await svc.service.sql.query(
      "DELETE FROM warranty_repair_records WHERE serial = 'TE-TAIL' AND seq = 3",
    );
    expect(await verify('TE-TAIL')).toMatchObject({
      ok: false,
      count: 2,
      anchor: { count: 3 },
      firstBroken: { seq: 3, reason: 'missing_record', source: 'unit' },
    });
    await unitWithThree('TE-ALL');
    await svc.service.sql.query("DELETE FROM warranty_repair_records WHERE serial = 'TE-ALL'");
    expect(await verify('TE-ALL')).toMatchObject({
      ok: false,
      count: 0,
      firstBroken: { seq: 1, reason: 'missing_record' },
    });
  });

  it('[finding 6] names a chain re-hashed from a record on', async () => {
    await unitWithThree('TE-REHASH');
    await rehashFrom('TE-REHASH', 2);
    expect(await verify('TE-REHASH')).toMatchObject({
      ok: false,
      count: 3,
      firstBroken: { seq: 3, reason: 'anchor_mismatch', source: 'unit' },
    });
  });

  it('[finding 6] a rewrite that forged the unit’s anchor too is named by the receipt', async () => {
    await unitWithThree('TE-FORGE');
    const { body: intact } = await call<{ records: { count: number; head: string } }>(
      'GET',
      '/api/v1/units/TE-FORGE/warranty',
    );
    const head = await rehashFrom('TE-FORGE', 1);
    await svc.service.sql.query(
      "UPDATE warranty_units SET chain_head = $1 WHERE serial = 'TE-FORGE'",
      [head],
    );
    expect((await verify('TE-FORGE')).ok).toBe(true); // the database alone now agrees with itself
    expect(
      await verify('TE-FORGE', `?receipt=${intact.records.count}:${intact.records.head}`),
    ).toMatchObject({
      ok: false,
      firstBroken: { seq: 3, reason: 'anchor_mismatch', source: 'receipt' },
    });
  });

  it('[finding 6] …and by the repair order that closed a record', async () => {
    const dev = await provision(svc.httpUrl, svc.adminToken);
    await unitWithThree('TE-ORDER', dev.id);
    device = await connectDevice(svc.mqttUrl, dev);
    await device.publishAsync(
      `devices/${dev.id}/events`,
      JSON.stringify({ ts: Date.now(), code: 'F0', severity: 'error', detail: 'low refrigerant' }),
      { qos: 1 },
    );
    let alertId = '';
    await waitFor(
      async () => {
        const l = await call<{ alerts: Array<{ id: string }> }>(
          'GET',
          `/api/v1/alerts?device=${dev.id}`,
        );
        alertId = l.body.alerts[0]?.id ?? '';
        return alertId !== '';
      },
      15_000,
      'an alert',
    );
    const order = await call<{ id: string }>('POST', '/api/v1/repair-orders', {
      alertIds: [alertId],
      outletId: 'TE-O',
      droppedOffAt: '2025-06-01T09:00:00+08:00',
    });
    expect(order.status).toBe(201);
    const closed = await call<{
      order: { recordSeq: number; recordHash: string };
      record: { hash: string };
    }>('POST', `/api/v1/repair-orders/${order.body.id}/close`, {
      handedBackAt: '2025-06-02T09:00:00+08:00',
      signatures: { repairer: 'Li' },
    });
    expect(closed.status).toBe(200);
    expect(closed.body.order).toMatchObject({ recordSeq: 4, recordHash: closed.body.record.hash });
    expect(await verify('TE-ORDER')).toMatchObject({ ok: true, count: 4, linksChecked: 1 });
    // Re-hash from record 2 and forge the unit's anchor: the order still holds record 4's hash.
    const head = await rehashFrom('TE-ORDER', 2);
    await svc.service.sql.query(
      "UPDATE warranty_units SET chain_head = $1 WHERE serial = 'TE-ORDER'",
      [head],
    );
    expect(await verify('TE-ORDER')).toMatchObject({
      ok: false,
      firstBroken: { seq: 4, reason: 'anchor_mismatch', source: `repair order ${order.body.id}` },
    });
  });
});
