import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, openPglite, type Sql } from '../core/index.ts';
import { RepairRecordBodySchema, SqlWarrantyStore } from '../warranty/index.ts';
import { alertAccuracy } from './labels.ts';

/**
 * A failure confirms the failure modes of the repair order that closed it, through however many
 * corrections of the order's record (migration 305's `origin`): record 1 written by the order,
 * 2 corrects 1, 3 corrects 2. The corrections name another component (fan motor), so a failure
 * that lost its order would confirm the fan motor's mode instead of the order's. PGlite.
 */
describe('alert accuracy: a corrected order record keeps its order', () => {
  let sql: Sql;
  const at = '2025-03-02T00:00:00Z';
  const body = (component: string, extra: Record<string, unknown> = {}) =>
    RepairRecordBodySchema.parse({
      outletId: 'O1',
      droppedOffAt: '2025-03-01T09:00:00+08:00',
      reportedFault: '不制冷',
      diagnosis: { faultCode: 'E5', component, cause: 'quality' },
      signatures: { repairer: 'Li' },
      ...extra,
    });
  const unit = (serial: string, deviceId: string) => ({
    serial,
    category: 'air_conditioner' as const,
    model: 'KFR-35',
    manufacturer: 'Acme',
    invoiceDate: '2025-01-01',
    priceCNY: 3000,
    deviceId,
  });
  const order = (id: string, serial: string, deviceId: string) =>
    sql.query(
      `INSERT INTO repair_orders (id, serial, device_id, status, alert_ids, mode_ids,
         suspected_component, parts_called_for, evidence, outlet_id, dropped_off_at,
         opened_by, opened_at, record_seq)
       VALUES ($1, $2, $3, 'closed', '["a-${id}"]', '["refrigerant_leak"]', 'refrigeration_system',
         '[]', '[]', 'O1', '2025-03-01T09:00:00+08:00', 'eng', $4, 1)`,
      [id, serial, deviceId, at],
    );
  const alert = (id: string, deviceId: string) =>
    sql.query(
      `INSERT INTO alerts (id, device_id, category, model, mode_id, mode_name, component, severity,
         status, detected_at, opened_at, updated_at, evidence, action, parts)
       VALUES ($1, $2, 'air_conditioner', 'KFR-35', 'refrigerant_leak', '冷媒泄漏', 'refrigeration_system',
         'major', 'resolved', '2025-02-20T00:00:00Z', '2025-02-20T00:00:00Z', '2025-02-20T00:00:00Z',
         '[]', '{}', '[]')`,
      [id, deviceId],
    );

  beforeAll(async () => {
    sql = await openPglite();
    await migrate(sql);
    const store = new SqlWarrantyStore(sql);
    // A chain: 2 corrects 1, 3 corrects 2 (a correction of a correction).
    await store.registerUnit(unit('LC-CHAIN', 'dev-chain'));
    await store.appendRepair('LC-CHAIN', body('refrigeration_system'), at);
    await store.appendRepair(
      'LC-CHAIN',
      body('fan_motor', { kind: 'correction', corrects: 1 }),
      at,
    );
    await store.appendRepair(
      'LC-CHAIN',
      body('fan_motor', { kind: 'correction', corrects: 2 }),
      at,
    );
    await order('RO-CHAIN', 'LC-CHAIN', 'dev-chain');
    await alert('a-RO-CHAIN', 'dev-chain');
    // Two corrections both naming record 1 (the case the join already handled).
    await store.registerUnit(unit('LC-FAN', 'dev-fan'));
    await store.appendRepair('LC-FAN', body('refrigeration_system'), at);
    await store.appendRepair('LC-FAN', body('fan_motor', { kind: 'correction', corrects: 1 }), at);
    await store.appendRepair('LC-FAN', body('fan_motor', { kind: 'correction', corrects: 1 }), at);
    await order('RO-FAN', 'LC-FAN', 'dev-fan');
    await alert('a-RO-FAN', 'dev-fan');
  }, 60_000);
  afterAll(async () => sql?.close());

  it('each record in force names the first record of its line', async () => {
    const r = await sql.query<{ serial: string; seq: number; origin: number }>(
      `SELECT serial, seq, origin FROM warranty_records_in_force ORDER BY serial`,
    );
    expect(r.rows).toEqual([
      { serial: 'LC-CHAIN', seq: 3, origin: 1 },
      { serial: 'LC-FAN', seq: 3, origin: 1 },
    ]);
  });

  it("both units' failures confirm the order's mode: two right alerts, two announced failures", async () => {
    const a = await alertAccuracy(
      sql,
      { manufacturer: null, category: null },
      { lookbackDays: 90, horizonDays: 90 },
      new Date('2025-07-01T00:00:00Z'),
    );
    expect(a.rows).toEqual([
      expect.objectContaining({
        mode: 'refrigerant_leak',
        alerts: 2,
        right: 2,
        wrong: 0,
        failures: 2,
        announced: 2,
      }),
    ]);
  });

  it('origin cannot be edited apart from the hashed body', async () => {
    await expect(
      sql.query(
        `UPDATE warranty_repair_records SET origin = 2 WHERE serial = 'LC-CHAIN' AND seq = 3`,
      ),
    ).rejects.toThrow(/origin is set from the hashed body/);
  });
});
