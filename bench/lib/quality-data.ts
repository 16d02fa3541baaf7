/**
 * Production facts for the quality bench (bench/quality.ts), added to the warranty data set
 * (bench/lib/warranty-data.ts) in place: migrations up to date (`migrate()`, so 300-quality's
 * generated columns over the 5M records exist), then every unit's production batch, production
 * date and component suppliers/batches filled by one deterministic UPDATE. Cached: a marker
 * table `bench_quality_meta` records the version; a database with the current one is reused.
 *
 * The repair records are the warranty generator's and are not changed (bench:warranty keeps its
 * data). Batches are assigned after the fact:
 * - every unit gets one of 200 batches `PB-000`…`PB-199` by a hash of its serial, independent
 *   of the hash the generator chose its failures with, so those batches differ by chance only;
 * - one batch, `PB-117`, also takes the air conditioners that the generator made fail on their
 *   compressor at every repair, with at least three repairs, for 1 in 32 of them (by yet another
 *   bit of that hash): about 900 units on top of its ~600 ordinary air conditioners, so its
 *   compressor failure rate is about 1.6× the fleet's. The records allow a bad batch that way
 *   only: they are fixed, so the batch is chosen by the failures rather than the other way round.
 * - each main component gets one of three suppliers and one of 20 component batches by hash.
 */
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { connectPostgres, migrate, type Sql } from '../../core/index.ts';
import { COMPONENTS, dbUrl, fmt, q } from './warranty-data.ts';

/** Bump when the facts below change: a database with another version gets them again. */
export const QUALITY_FACTS = 'quality-bench-v1';
export const BAD_BATCH = 'PB-117';
export const BAD_BATCH_CATEGORY = 'air_conditioner';
export const BAD_BATCH_COMPONENT = 'compressor';

const log = (msg: string) => process.stderr.write(`${msg}\n`);

/**
 * Prints on stderr, every `everyMs`, what the database is doing for the bench's own database:
 * the running statement, and the progress views of index builds and vacuums.
 */
export function watchProgress(label: string, everyMs = 10_000): () => Promise<void> {
  const t0 = performance.now();
  const c = new pg.Client({ connectionString: dbUrl() });
  let stopped = false;
  const tick = async () => {
    const s = await c.query<{ pid: number; secs: number; q: string }>(
      `SELECT pid, extract(epoch FROM now() - query_start)::int AS secs,
              left(regexp_replace(regexp_replace(query, '^(\\s*--[^\\n]*\\n)*', ''), '\\s+', ' ', 'g'), 90) AS q
         FROM pg_stat_activity
        WHERE datname = current_database() AND state = 'active' AND pid <> pg_backend_pid()
          AND backend_type = 'client backend'`,
    );
    const idx = await c.query<{ phase: string; done: number; total: number; rel: string }>(
      `SELECT phase, blocks_done AS done, blocks_total AS total, relid::regclass::text AS rel
         FROM pg_stat_progress_create_index WHERE datid = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    );
    const vac = await c.query<{ phase: string; done: number; total: number; rel: string }>(
      `SELECT phase, heap_blks_scanned AS done, heap_blks_total AS total, relid::regclass::text AS rel
         FROM pg_stat_progress_vacuum WHERE datid = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    );
    const sizes = await c.query<{ rel: string; mb: number }>(
      `SELECT relname AS rel, (pg_table_size(oid) / 1048576)::int AS mb
         FROM pg_class WHERE relname IN ('warranty_units', 'warranty_repair_records')`,
    );
    const parts = [
      ...s.rows.map((r) => `running ${r.secs} s: ${r.q}`),
      ...[...idx.rows, ...vac.rows].map(
        (r) =>
          `${r.rel}: ${r.phase}${Number(r.total) > 0 ? ` ${fmt((100 * Number(r.done)) / Number(r.total), 0)} % of blocks` : ''}`,
      ),
      sizes.rows.map((r) => `${r.rel} ${fmt(r.mb)} MB`).join(', '),
    ];
    log(`  [${label} ${fmt((performance.now() - t0) / 1000)} s] ${parts.join(' | ')}`);
  };
  const connected = c.connect();
  const timer = setInterval(() => {
    void connected
      .then(() => (stopped ? undefined : tick()))
      .catch((e: unknown) => log(`  (progress: ${String(e)})`));
  }, everyMs);
  return async () => {
    stopped = true;
    clearInterval(timer);
    await connected.catch(() => undefined);
    await c.end();
  };
}

/** Components of a category as a jsonb array: supplier and component batch by hash `g`. */
function componentsSql(): string {
  const cases = Object.entries(COMPONENTS).map(([cat, rows]) => {
    const mains = rows.filter((r) => r[2]);
    const items = mains.map(
      ([component], k) =>
        `jsonb_build_object('component', ${q(component)},
          'supplier', 'Supplier ' || chr(65 + ((g >> ${8 + 2 * k}) % 3)::int),
          'batch', ${q(`CB-${component}-`)} || lpad(((g >> ${16 + k}) % 20)::text, 2, '0'))`,
    );
    return `WHEN ${q(cat)} THEN jsonb_build_array(${items.join(', ')})`;
  });
  return `CASE category ${cases.join(' ')} ELSE '[]'::jsonb END`;
}

/**
 * h: the warranty generator's hash of unit i (the one its failures come from); g: another hash,
 * for batches and suppliers. The bad batch's rule names the generator's own choices: (h >> 9) %
 * 3 = 0 is a unit whose every repair is on its category's first component (compressor for air
 * conditioners), (7 i) % 11 its number of records.
 */
const FACTS_SQL = `
UPDATE warranty_units u SET
  production_batch = CASE
    WHEN u.category = ${q(BAD_BATCH_CATEGORY)} AND (x.h >> 9) % 3 = 0 AND (7 * x.i) % 11 >= 3
         AND (x.h >> 12) % 32 = 0 THEN ${q(BAD_BATCH)}
    ELSE 'PB-' || lpad((x.g % 200)::text, 3, '0') END,
  production_date = to_char(left(u.invoice_date, 10)::date - (20 + (x.g >> 24) % 70)::int, 'YYYY-MM-DD'),
  components = x.components
FROM (SELECT serial, i, h, g, ${componentsSql()} AS components
        FROM (SELECT serial, category, i, hashint4(i)::bigint & 2147483647 AS h,
                     hashint4(i + 7919)::bigint & 2147483647 AS g
                FROM (SELECT serial, category, substr(serial, 3)::int AS i FROM warranty_units) s) t) x
WHERE u.serial = x.serial`;

async function factsVersion(sql: Sql): Promise<string | undefined> {
  const t = await sql.query<{ t: string | null }>(`SELECT to_regclass('bench_quality_meta') AS t`);
  if (!t.rows[0]?.t) return undefined;
  const r = await sql.query<{ facts: string }>(`SELECT facts FROM bench_quality_meta`);
  return r.rows[0]?.facts;
}

/**
 * Brings the warranty bench database up to the quality bench's needs: pending migrations, then
 * the production facts unless the marker says they are current. Returns what it did.
 */
export async function ensureQualityData(): Promise<string[]> {
  const did: string[] = [];
  const sql = connectPostgres(dbUrl(), 2);
  try {
    const t0 = performance.now();
    const pending = await sql.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM schema_migrations`,
    );
    log(`migrations: ${pending.rows[0]?.n ?? 0} applied so far; applying the rest…`);
    let stop = watchProgress('migrate');
    const applied = await migrate(sql).finally(() => stop());
    if (applied.length) {
      const s = (performance.now() - t0) / 1000;
      did.push(`applied ${applied.join(', ')} in ${fmt(s, 1)} s`);
      log(`applied ${applied.join(', ')} in ${fmt(s, 1)} s`);
    }
    const version = await factsVersion(sql);
    if (version === QUALITY_FACTS) {
      log(`production facts ${QUALITY_FACTS} already in place (bench_quality_meta)`);
      return did;
    }
    const t1 = performance.now();
    log(
      `filling production facts (${QUALITY_FACTS}, was ${version ?? 'none'}): one UPDATE of every unit…`,
    );
    stop = watchProgress('facts');
    try {
      await sql.exec(FACTS_SQL);
      log(`  UPDATE done in ${fmt((performance.now() - t1) / 1000, 1)} s; vacuum…`);
      // FULL: the UPDATE left every old row version behind (the table would stay twice its size).
      await sql.exec(`VACUUM (FULL, ANALYZE) warranty_units`);
      // Index-only scans over the records need their visibility map set.
      await sql.exec(`VACUUM (ANALYZE) warranty_repair_records`);
    } finally {
      await stop();
    }
    await sql.exec(`DROP TABLE IF EXISTS bench_quality_meta;
      CREATE TABLE bench_quality_meta (facts text, seconds double precision,
        filled_at timestamptz DEFAULT now())`);
    const s = (performance.now() - t1) / 1000;
    await sql.query(`INSERT INTO bench_quality_meta (facts, seconds) VALUES ($1, $2)`, [
      QUALITY_FACTS,
      s,
    ]);
    did.push(`filled production facts ${QUALITY_FACTS} in ${fmt(s, 1)} s`);
    log(`production facts filled in ${fmt(s, 1)} s`);
    return did;
  } finally {
    await sql.close();
  }
}
