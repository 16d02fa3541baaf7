import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { connectPostgres, migrate, type Sql } from '../../core/index.ts';
import { describeWithService } from './require-service.ts';

/** Server used for PostgreSQL tests; the machine's local cluster by default (trust auth). */
export const TEST_PG_URL =
  process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Probes the server once; returns an error message when it cannot be reached. */
export async function probePostgres(): Promise<string | undefined> {
  const c = new pg.Client({ connectionString: TEST_PG_URL, connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
    await c.query('SELECT 1');
    return undefined;
  } catch (err) {
    return (err as Error).message;
  } finally {
    await c.end().catch(() => undefined);
  }
}

export interface TestDatabase {
  url: string;
  sql: Sql;
  drop(): Promise<void>;
}

/** A fresh database with migrations applied; `drop()` removes it. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `sanbao_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_PG_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(TEST_PG_URL);
  url.pathname = `/${name}`;
  const sql = connectPostgres(url.toString());
  await migrate(sql);
  return {
    url: url.toString(),
    sql,
    async drop() {
      await sql.close();
      const a = new pg.Client({ connectionString: TEST_PG_URL });
      await a.connect();
      // pool.end() resolves once each client is told to end, not once its backend has gone:
      // forcing the drop meanwhile kills a backend mid-goodbye, and its client emits an error
      // nobody listens to any more. Wait (briefly) for the pool's backends to leave first.
      for (let i = 0; i < 50; i++) {
        const r = await a.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1',
          [name],
        );
        if (r.rows[0]!.n === 0) break;
        await new Promise((res) => setTimeout(res, 20));
      }
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}

/**
 * A suite that needs the PostgreSQL server: probed once, then skipped or failed per docs/style.md §13
 * (`describeWithService`) when it is down.
 */
export async function describeIfPostgres(name: string, fn: () => void): Promise<void> {
  const problem = await probePostgres();
  describeWithService('PostgreSQL', problem === undefined, problem ?? '', name, fn);
}

/** As `describeIfPostgres`, with a fresh migrated database for the suite (dropped after it). */
export async function describeOnPostgresDb(
  name: string,
  fn: (db: () => TestDatabase) => void,
): Promise<void> {
  await describeIfPostgres(name, () => {
    let db: TestDatabase | undefined;
    beforeAll(async () => {
      db = await createTestDatabase();
    });
    afterAll(async () => db?.drop());
    fn(() => {
      if (!db) throw new Error('the PostgreSQL test database is not created yet');
      return db;
    });
  });
}
