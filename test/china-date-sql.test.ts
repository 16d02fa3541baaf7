import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPglite, type Sql } from '../core/db.ts';
import { chinaDateText } from '../quality/china-date.ts';
import { parseInstant } from '../warranty/calendar.ts';
import { createTestDatabase, describeIfPostgres, type TestDatabase } from './helpers/postgres.ts';

/**
 * Fleet analytics read stored dates in SQL, the warranty engine in TypeScript: both must give the
 * same China civil date. Reading `left(col, 10)` gave the UTC date of "…Z" stamps (what the
 * service writes by default), one day early from 16:00 to 24:00 UTC: exposure and failure ages
 * were off by a day every evening.
 */
const INPUTS = [
  '2026-11-23',
  '2026-11-23T17:12:00.000Z', // 01:12 on the 24th in China
  '2026-11-23T15:59:59Z',
  '2026-11-23T16:00:00Z',
  '2026-11-23T23:30:00+08:00',
  '2026-11-23T23:30:00+0800',
  '2026-11-23T20:00:00-05:00', // 09:00 on the 24th in China
  '2026-11-23T23:30:00', // no offset: China time already
  '2026-12-31T16:30:00z', // lower-case Z, across a year
];

function agreesWithTheWarrantyEngine(
  name: string,
  open: () => Promise<{ sql: Sql; close(): Promise<void> }>,
) {
  describe(name, () => {
    let db: { sql: Sql; close(): Promise<void> };
    beforeAll(async () => {
      db = await open();
    });
    afterAll(() => db?.close());

    it.each(INPUTS)('%s', async (s) => {
      const r = await db.sql.query<{ d: string }>(`SELECT ${chinaDateText('$1::text')} AS d`, [s]);
      expect(r.rows[0]!.d).toBe(parseInstant(s).date);
    });
  });
}

agreesWithTheWarrantyEngine('China dates in SQL on PGlite', async () => {
  const sql = await openPglite();
  return { sql, close: () => sql.close() };
});

await describeIfPostgres('China dates in SQL on PostgreSQL', () => {
  agreesWithTheWarrantyEngine('China dates in SQL on PostgreSQL', async () => {
    const db: TestDatabase = await createTestDatabase();
    return { sql: db.sql, close: () => db.drop() };
  });
});
