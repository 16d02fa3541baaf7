import { describe, expect, it } from 'vitest';
import { migrate, openPglite, type Sql } from '../../core/db.ts';
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
      expect(await store.verifyRepairs('TV-1')).toMatchObject({
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

  it('[issue 24, finding 6] deleting the last records, or all of them, fails against the anchor', async () => {
    const { sql, store } = await unitWithThree();
    try {
      await sql.query(`DELETE FROM warranty_repair_records WHERE serial = 'TV-1' AND seq = 3`);
      expect(await store.verifyRepairs('TV-1')).toMatchObject({
        ok: false,
        count: 2,
        anchor: { count: 3 },
        firstBroken: { seq: 3, reason: 'missing_record', source: 'unit' },
      });
      await sql.query(`DELETE FROM warranty_repair_records WHERE serial = 'TV-1'`);
      expect(await store.verifyRepairs('TV-1')).toMatchObject({
        ok: false,
        count: 0,
        firstBroken: { seq: 1, reason: 'missing_record', source: 'unit' },
      });
      // The next record chains from the anchor: the gap stays visible.
      const next = await store.appendRepair('TV-1', body(4), '2025-09-03T12:00:00Z');
      expect(next.seq).toBe(4);
      expect((await store.verifyRepairs('TV-1')).ok).toBe(false);
    } finally {
      await sql.close();
    }
  });

  it('[issue 24, finding 6] a chain re-hashed from a record on fails against the anchor', async () => {
    const { sql, store } = await unitWithThree();
    try {
      const records = await store.listRepairs('TV-1');
      let prev = records[0]!.hash;
      for (const r of records.slice(1)) {
        const forged = {
          ...r,
          prevHash: prev,
          body: { ...r.body, charges: { ...r.body.charges, materialsCNY: 480 } },
        };
        const hash = recordHash(forged);
        await sql.query(
          `UPDATE warranty_repair_records SET body = $1::jsonb, prev_hash = $2, hash = $3 WHERE serial = 'TV-1' AND seq = $4`,
          [JSON.stringify(forged.body), prev, hash, r.seq],
        );
        prev = hash;
      }
      expect(await store.verifyRepairs('TV-1')).toMatchObject({
        ok: false,
        count: 3,
        firstBroken: { seq: 3, reason: 'anchor_mismatch', source: 'unit' },
      });
    } finally {
      await sql.close();
    }
  });

  it('[issue 24, finding 6] kind and corrects cannot be edited apart from the hashed body', async () => {
    const { sql, store } = await unitWithThree();
    try {
      await expect(
        sql.query(`UPDATE warranty_repair_records SET kind = 'correction' WHERE serial = 'TV-1'`),
      ).rejects.toThrow();
      await expect(
        sql.query(`UPDATE warranty_repair_records SET corrects = 1 WHERE serial = 'TV-1'`),
      ).rejects.toThrow();
      // Through the body, the edit is seen.
      await sql.query(
        `UPDATE warranty_repair_records SET body = body || '{"kind":"correction","corrects":1}' WHERE serial = 'TV-1' AND seq = 3`,
      );
      const { rows } = await sql.query<{ kind: string; corrects: number }>(
        `SELECT kind, corrects FROM warranty_repair_records WHERE serial = 'TV-1' AND seq = 3`,
      );
      expect(rows[0]).toEqual({ kind: 'correction', corrects: 1 });
      expect(await store.verifyRepairs('TV-1')).toMatchObject({
        ok: false,
        firstBroken: { seq: 3, reason: 'hash_mismatch' },
      });
    } finally {
      await sql.close();
    }
  });
});
