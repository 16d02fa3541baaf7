import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connectPostgres, migrate, migrationDirs, type Sql } from '../core/index.ts';
import { describeIfPostgres, TEST_PG_URL } from './helpers/postgres.ts';

/**
 * The nodes of a cluster (README "Running a cluster") may start together against one empty
 * database: every migration is applied once, by one of them, and neither fails.
 */
await describeIfPostgres('migrations from nodes starting together', () => {
  const name = `sanbao_test_${randomBytes(6).toString('hex')}`;
  const admin = async (text: string) => {
    const c = new pg.Client({ connectionString: TEST_PG_URL });
    await c.connect();
    await c.query(text);
    await c.end();
  };
  let nodes: Sql[] = [];

  beforeAll(async () => {
    await admin(`CREATE DATABASE ${name}`);
    const url = new URL(TEST_PG_URL);
    url.pathname = `/${name}`;
    nodes = [connectPostgres(url.toString()), connectPostgres(url.toString())];
  });
  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.close()));
    await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  });

  it('applies each migration once between two nodes migrating at once', async () => {
    const [a, b] = await Promise.all(nodes.map((n) => migrate(n)));
    const all = (await Promise.all((await migrationDirs()).map(async (d) => await readdir(d))))
      .flat()
      .filter((f) => f.endsWith('.sql'))
      .sort();
    expect([...a!, ...b!].sort()).toEqual(all);
    const { rows } = await nodes[0]!.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM schema_migrations',
    );
    expect(rows[0]!.n).toBe(all.length);
  });
});
