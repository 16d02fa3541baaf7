import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, openPglite, type Sql } from '../core/index.ts';
import {
  MakerPolicySchema,
  RepairRecordBodySchema,
  saveMakerPolicyVersion,
  SqlWarrantyStore,
} from '../warranty/index.ts';
import { exposureForecast } from './exposure.ts';

/**
 * The exposure forecast judges each unit under the terms it was sold with (issue 20): a maker
 * that promises a 30-day exchange window (the law: 15 days, P95 Art. 10) keeps a 20-day-old unit
 * exposed to an exchange; under the law alone that unit is no longer exposed. PGlite; the clock is
 * 2025-07-01 10:00 in China.
 */
const NOW = new Date('2025-07-01T02:00:00Z');
const MODEL = 'KFR-50LW/Acme';

describe('exposure forecast under a maker’s policy', () => {
  let sql: Sql;
  let store: SqlWarrantyStore;
  beforeAll(async () => {
    sql = await openPglite();
    await migrate(sql);
    store = new SqlWarrantyStore(sql);
    const unit = (serial: string, invoiceDate: string) =>
      store.registerUnit({
        serial,
        category: 'air_conditioner',
        model: MODEL,
        manufacturer: 'Acme',
        invoiceDate,
      });
    // Two compressor failures give the Weibull fit something to fit; the others are censored.
    for (const [serial, sold, failed] of [
      ['EXP-F1', '2024-03-01', '2024-09-01'],
      ['EXP-F2', '2024-04-01', '2025-01-15'],
      ['EXP-C1', '2024-05-01', null],
      ['EXP-C2', '2024-10-01', null],
      ['EXP-NEW', '2025-06-11', null],
    ] as const) {
      await unit(serial, sold);
      if (failed)
        await store.appendRepair(
          serial,
          RepairRecordBodySchema.parse({
            outletId: 'O1',
            droppedOffAt: `${failed}T09:00:00+08:00`,
            handedBackAt: `${failed}T17:00:00+08:00`,
            reportedFault: '不制冷',
            diagnosis: { faultCode: 'E5', component: 'compressor', cause: 'quality' },
            signatures: { repairer: 'Li' },
          }),
          `${failed}T10:00:00Z`,
        );
    }
  }, 60_000);
  afterAll(async () => sql?.close());

  const forecast = () =>
    exposureForecast(
      sql,
      { manufacturer: 'Acme', category: 'air_conditioner' },
      { category: 'air_conditioner', component: 'compressor', horizons: [30, 90] },
      NOW,
    );

  it('[部分商品三包 第十条] counts a unit whose maker promised a longer exchange window than the law', async () => {
    const before = await forecast();
    expect(before.weibull.ok).toBe(true);
    expect(before.units.map((u) => u.serial)).not.toContain('EXP-NEW');

    await saveMakerPolicyVersion(
      store,
      MakerPolicySchema.parse({
        manufacturer: 'Acme',
        category: 'air_conditioner',
        model: MODEL,
        version: '2025.1',
        effectiveFrom: '2025-01-01',
        title: 'Acme 空调三包服务承诺（2025版）',
        terms: { exchangeWindowDays: { value: 30, clause: '第四条' } },
      }),
      { today: '2025-07-01', savedAt: NOW.toISOString() },
    );
    const after = await forecast();
    const unit = after.units.find((u) => u.serial === 'EXP-NEW');
    // Sold 2025-06-11: the 30th day is 2025-07-11 (a Friday).
    expect(unit).toMatchObject({ remedy: 'exchange', windowEnds: '2025-07-11' });
    expect(after.horizons[0]!.expected).toBeGreaterThan(before.horizons[0]!.expected);
  });
});
