import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { migrate, migrationDirs, openPglite, type Sql } from '../core/index.ts';
import { effectiveRecords, recordInForce } from './repair-facts.ts';
import {
  RepairRecordBodySchema,
  type RepairRecordBody,
  type StoredRepairRecord,
} from './repair-record-schema.ts';
import { SqlWarrantyStore } from './stores/sql.ts';

/**
 * Records in force: one rule (stated in warranty/repair-facts.ts and in
 * migrations/303-warranty-records-in-force.sql), two paths. The same table of cases runs against
 * the TypeScript function (a unit's 三包 case, its history) and the SQL view fleet figures count
 * (quality/), on records stored after the migration (its trigger) and before it (its backfill).
 */

/** A chain of records: a number is an original repair of that seq, [seq, n] a correction of n. */
type Chain = Array<number | [number, number]>;
const CASES: Array<{ name: string; chain: Chain; inForce: number[] }> = [
  { name: 'an original repair is in force', chain: [1], inForce: [1] },
  { name: 'two repairs are two records in force', chain: [1, 2], inForce: [1, 2] },
  { name: 'a correction supersedes the record it names', chain: [1, [2, 1]], inForce: [2] },
  {
    name: 'a correction of a correction supersedes that one in turn',
    chain: [1, [2, 1], [3, 2]],
    inForce: [3],
  },
  {
    name: 'two corrections of the same record: the later is in force, the earlier superseded',
    chain: [1, [2, 1], [3, 1]],
    inForce: [3],
  },
  {
    name: 'a correction of the original after a correction of its correction: the latest wins',
    chain: [1, [2, 1], [3, 2], [4, 1]],
    inForce: [4],
  },
  {
    name: 'a correction of a superseded correction: the latest wins',
    chain: [1, [2, 1], [3, 1], [4, 2]],
    inForce: [4],
  },
  {
    name: 'corrections of different repairs stay apart',
    chain: [1, 2, [3, 1], [4, 2], [5, 3], [6, 1]],
    inForce: [4, 6],
  },
  {
    name: 'a correction that names no earlier record supersedes nothing',
    chain: [1, [2, 9]],
    inForce: [1, 2],
  },
];

const bodyOf = (seq: number, corrects?: number) =>
  ({
    outletId: 'OUT-1',
    droppedOffAt: `2025-04-${String(seq).padStart(2, '0')}T09:00:00+08:00`,
    reportedFault: 'noise',
    diagnosis: { faultCode: `F${seq}`, component: 'compressor', cause: 'quality' },
    parts: [],
    signatures: { repairer: 'Li' },
    ...(corrects === undefined ? {} : { kind: 'correction', corrects }),
  }) as unknown as RepairRecordBody;

const recordsOf = (serial: string, chain: Chain): StoredRepairRecord[] =>
  chain.map((r) => {
    const [seq, corrects] = typeof r === 'number' ? [r, undefined] : r;
    return {
      serial,
      seq,
      recordedAt: '2025-05-01T00:00:00Z',
      body: bodyOf(seq, corrects),
      prevHash: '',
      hash: '',
    };
  });

/** Stores a case's chain as rows (the chain's hashes are not what this test is about). */
async function insertCase(sql: Sql, serial: string, chain: Chain): Promise<void> {
  await sql.query(
    `INSERT INTO warranty_units (serial, category, model, invoice_date)
     VALUES ($1, 'air_conditioner', 'AC-1', '2025-01-01')`,
    [serial],
  );
  for (const r of recordsOf(serial, chain))
    await sql.query(
      `INSERT INTO warranty_repair_records (serial, seq, recorded_at, body, prev_hash, hash)
       VALUES ($1, $2, $3, $4::jsonb, '', '')`,
      [serial, r.seq, r.recordedAt, JSON.stringify(r.body)],
    );
}

const serialOf = (i: number) => `RIF-${i}`;

describe('records in force: TypeScript (warranty/repair-facts.ts)', () => {
  for (const c of CASES)
    it(c.name, () => {
      const records = recordsOf('S', c.chain);
      const seqs = effectiveRecords(records).map((r) => r.seq);
      expect(seqs.sort((a, b) => a - b)).toEqual(c.inForce);
      // Each record leads to a record in force (a repair order's record after corrections).
      for (const r of records) expect(c.inForce).toContain(recordInForce(records, r.seq)?.seq);
    });
});

/** The case rows, stored once the migration is in (its trigger) and before it (its backfill). */
const databases: Array<[string, () => Promise<Sql>]> = [
  [
    'stored after migration 303',
    async () => {
      const sql = await openPglite();
      await migrate(sql);
      for (const [i, c] of CASES.entries()) await insertCase(sql, serialOf(i), c.chain);
      return sql;
    },
  ],
  [
    'stored before migration 303',
    async () => {
      const before = await mkdtemp(path.join(tmpdir(), 'sanbao-before-303-'));
      for (const dir of await migrationDirs())
        for (const f of await readdir(dir))
          if (f.endsWith('.sql') && f < '303')
            await copyFile(path.join(dir, f), path.join(before, f));
      const sql = await openPglite();
      await migrate(sql, [before]);
      await rm(before, { recursive: true });
      for (const [i, c] of CASES.entries()) await insertCase(sql, serialOf(i), c.chain);
      expect(await migrate(sql)).toContain('303-warranty-records-in-force.sql');
      return sql;
    },
  ],
];

describe.each(databases)('records in force: SQL view, %s', (_, open) => {
  let sql: Sql;
  // Migrations on PGlite take seconds; more on a busy machine.
  beforeAll(async () => {
    sql = await open();
  }, 60_000);
  afterAll(() => sql.close());

  for (const [i, c] of CASES.entries())
    it(c.name, async () => {
      const r = await sql.query<{ seq: number }>(
        'SELECT seq FROM warranty_records_in_force WHERE serial = $1 ORDER BY seq',
        [serialOf(i)],
      );
      expect(r.rows.map((x) => x.seq)).toEqual(c.inForce);
    });
});

describe('records in force through the store', () => {
  let sql: Sql;
  beforeAll(async () => {
    sql = await openPglite();
    await migrate(sql);
  }, 60_000);
  afterAll(() => sql.close());

  it('two corrections of one record appended by the API: the later one is in force, in both paths', async () => {
    const store = new SqlWarrantyStore(sql);
    await store.registerUnit({
      serial: 'RIF-API',
      category: 'air_conditioner',
      model: 'AC-1',
      invoiceDate: '2025-01-01',
    });
    const body = (code: string, extra: Record<string, unknown> = {}) =>
      RepairRecordBodySchema.parse({
        outletId: 'OUT-1',
        droppedOffAt: '2025-04-01T09:00:00+08:00',
        reportedFault: 'noise',
        diagnosis: { faultCode: code, component: 'compressor', cause: 'quality' },
        parts: [],
        signatures: { repairer: 'Li' },
        ...extra,
      });
    const at = '2025-05-01T00:00:00Z';
    await store.appendRepair('RIF-API', body('A'), at);
    await store.appendRepair('RIF-API', body('A2', { kind: 'correction', corrects: 1 }), at);
    await store.appendRepair('RIF-API', body('A3', { kind: 'correction', corrects: 1 }), at);
    const records = await store.listRepairs('RIF-API');
    expect(effectiveRecords(records).map((r) => r.seq)).toEqual([3]);
    expect(recordInForce(records, 1)?.seq).toBe(3);
    const view = await sql.query<{ seq: number }>(
      "SELECT seq FROM warranty_records_in_force WHERE serial = 'RIF-API'",
    );
    expect(view.rows).toEqual([{ seq: 3 }]);
    expect((await store.verifyRepairs('RIF-API')).ok).toBe(true);
  });

  it('supersedes is set from the body on insert and cannot be edited apart from it', async () => {
    await insertCase(sql, 'RIF-RO', [1, 2]);
    // A value the writer gives is ignored: the body names no record.
    await sql.query(
      `INSERT INTO warranty_repair_records (serial, seq, recorded_at, body, prev_hash, hash, supersedes)
       VALUES ('RIF-RO', 3, '2025-05-01T00:00:00Z', $1::jsonb, '', '', 1)`,
      [JSON.stringify(bodyOf(3))],
    );
    const { rows } = await sql.query<{ seq: number }>(
      "SELECT seq FROM warranty_records_in_force WHERE serial = 'RIF-RO' ORDER BY seq",
    );
    expect(rows.map((r) => r.seq)).toEqual([1, 2, 3]);
    await expect(
      sql.query(
        "UPDATE warranty_repair_records SET supersedes = 1 WHERE serial = 'RIF-RO' AND seq = 2",
      ),
    ).rejects.toThrow(/insert only/);
  });
});
