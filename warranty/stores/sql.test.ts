import { describe, expect, it } from 'vitest';
import { migrate, openPglite, type Sql } from '../../app/db.ts';
import { recordHash } from '../hash-chain.ts';
import { RepairRecordBodySchema } from '../repair-record-schema.ts';
import { describeWarrantyStoreContract } from '../warranty-store.contract.ts';
import { SqlWarrantyStore } from './sql.ts';

describeWarrantyStoreContract('sql on PGlite', async () => {
  const sql = await openPglite();
  await migrate(sql);
  return { store: new SqlWarrantyStore(sql), cleanup: () => sql.close() };
});

describe('SqlWarrantyStore tamper evidence (PGlite)', () => {
  const body = (i: number) =>
    RepairRecordBodySchema.parse({
      outletId: 'outlet-1',
      droppedOffAt: `2025-0${4 + i}-01`,
      handedBackAt: `2025-0${4 + i}-03`,
      reportedFault: 'no picture',
      diagnosis: { faultCode: 'BL', component: 'backlight', cause: 'quality' },
      parts: [{ name: 'backlight', number: 'BL-7', genuine: true }],
      charges: { materialsCNY: 0 },
      signatures: { repairer: 'Zhao' },
    });

  async function unitWithThree(): Promise<{ sql: Sql; store: SqlWarrantyStore }> {
    const sql = await openPglite();
    await migrate(sql);
    const store = new SqlWarrantyStore(sql);
    await store.registerUnit({
      serial: 'TV-1',
      category: 'tv',
      model: 'L55',
      invoiceDate: '2025-03-03',
    });
    for (const i of [1, 2, 3])
      await store.appendRepair('TV-1', body(i), `2025-0${4 + i}-03T12:00:00Z`);
    return { sql, store };
  }

  it('an edit made behind the API’s back is named by verify (first broken link)', async () => {
    const { sql, store } = await unitWithThree();
    try {
      await sql.query(
        `UPDATE warranty_repair_records SET body = jsonb_set(body, '{charges,materialsCNY}', '480') WHERE serial = 'TV-1' AND seq = 2`,
      );
      expect(await store.verifyRepairs('TV-1')).toEqual({
        ok: false,
        count: 3,
        firstBroken: { seq: 2, reason: 'hash_mismatch' },
      });
    } finally {
      await sql.close();
    }
  });

  it('a deleted record is named by verify', async () => {
    const { sql, store } = await unitWithThree();
    try {
      await sql.query(`DELETE FROM warranty_repair_records WHERE serial = 'TV-1' AND seq = 2`);
      expect(await store.verifyRepairs('TV-1')).toMatchObject({
        ok: false,
        firstBroken: { seq: 2, reason: 'missing_record' },
      });
    } finally {
      await sql.close();
    }
  });

  it('an edit whose hash is recomputed still breaks the link from the next record', async () => {
    const { sql, store } = await unitWithThree();
    try {
      const [, second] = await store.listRepairs('TV-1');
      if (!second) throw new Error('record 2 missing');
      const forged = {
        ...second,
        body: { ...second.body, charges: { ...second.body.charges, materialsCNY: 480 } },
      };
      await sql.query(
        `UPDATE warranty_repair_records SET body = $1::jsonb, hash = $2 WHERE serial = 'TV-1' AND seq = 2`,
        [JSON.stringify(forged.body), recordHash(forged)],
      );
      expect(await store.verifyRepairs('TV-1')).toMatchObject({
        ok: false,
        firstBroken: { seq: 3, reason: 'prev_hash_mismatch' },
      });
    } finally {
      await sql.close();
    }
  });
});
