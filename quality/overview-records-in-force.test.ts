import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, openPglite, type Sql } from '../core/index.ts';
import { RepairRecordBodySchema, SqlWarrantyStore } from '../warranty/index.ts';
import { fleetOverview } from './overview.ts';

/**
 * Fleet figures count the records in force (warranty's view `warranty_records_in_force`, whose
 * rule warranty/records-in-force.test.ts tests): one compressor repair, corrected twice, is one
 * failure and one remedy, not two. PGlite.
 */
describe('fleet overview over records in force', () => {
  let sql: Sql;
  beforeAll(async () => {
    sql = await openPglite();
    await migrate(sql);
    const store = new SqlWarrantyStore(sql);
    await store.registerUnit({
      serial: 'OV-1',
      category: 'air_conditioner',
      model: 'KFR-35',
      manufacturer: 'Acme',
      invoiceDate: '2025-01-01',
      priceCNY: 3000,
    });
    const body = (component: string, extra: Record<string, unknown> = {}) =>
      RepairRecordBodySchema.parse({
        outletId: 'O1',
        droppedOffAt: '2025-03-01T09:00:00+08:00',
        reportedFault: '不制冷',
        diagnosis: { faultCode: 'E5', component, cause: 'quality' },
        signatures: { repairer: 'Li' },
        ...extra,
      });
    const at = '2025-03-02T00:00:00Z';
    await store.appendRepair('OV-1', body('fan_motor'), at);
    // Both name record 1: the second is the repair's record, the first is superseded too.
    await store.appendRepair('OV-1', body('compressor', { kind: 'correction', corrects: 1 }), at);
    await store.appendRepair('OV-1', body('compressor', { kind: 'correction', corrects: 1 }), at);
  }, 60_000);
  afterAll(async () => sql?.close());

  it('two corrections of one record: one failure, one remedy', async () => {
    const o = await fleetOverview(
      { sql, healthOf: async () => new Map(), now: () => new Date('2025-07-01T02:00:00Z') },
      { manufacturer: null, category: null },
    );
    expect(o.failures.byModel).toMatchObject([{ model: 'KFR-35', failedUnits: 1, repairs: 1 }]);
    expect(o.failures.byComponent).toMatchObject([
      { component: 'compressor', failedUnits: 1, repairs: 1 },
    ]);
    expect(o.remedies).toMatchObject([{ remedy: 'repair', count: 1 }]);
  });
});
