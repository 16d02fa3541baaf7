import { readdir, readFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

/**
 * The one relational-database interface every module uses: PostgreSQL dialect, on PGlite
 * (embedded, the default) or a PostgreSQL server. Nothing outside this file knows which.
 */
export interface Sql {
  readonly kind: 'pglite' | 'postgres';
  query<T = Record<string, unknown>>(
    text: string,
    params?: readonly unknown[],
  ): Promise<{ rows: T[] }>;
  /** Runs several statements without parameters (migrations). */
  exec(text: string): Promise<void>;
  /** Runs fn in one transaction; rolls back if it throws. */
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

// int8 → number: our ids and counters stay far below 2^53, and numbers are what the API returns.
pg.types.setTypeParser(20, (v) => Number(v));

class PgSql implements Sql {
  readonly kind = 'postgres' as const;
  constructor(private readonly pool: pg.Pool | pg.PoolClient) {}
  async query<T>(text: string, params?: readonly unknown[]): Promise<{ rows: T[] }> {
    const r = await this.pool.query(text, params as unknown[] | undefined);
    return { rows: r.rows as T[] };
  }
  async exec(text: string): Promise<void> {
    await this.pool.query(text);
  }
  async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    if (!(this.pool instanceof pg.Pool)) return fn(this); // already inside one
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const out = await fn(new PgSql(client));
      await client.query('COMMIT');
      return out;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }
  async close(): Promise<void> {
    if (this.pool instanceof pg.Pool) await this.pool.end();
  }
}

interface PGliteLike {
  query<T>(text: string, params?: unknown[]): Promise<{ rows: T[] }>;
  exec(text: string): Promise<unknown>;
}

class PGliteSql implements Sql {
  readonly kind = 'pglite' as const;
  constructor(
    private readonly db: PGliteLike,
    private readonly root?: PGlite,
  ) {}
  async query<T>(text: string, params?: readonly unknown[]): Promise<{ rows: T[] }> {
    const r = await this.db.query<T>(text, params as unknown[] | undefined);
    return { rows: r.rows };
  }
  async exec(text: string): Promise<void> {
    await this.db.exec(text);
  }
  async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    if (!this.root) return fn(this);
    return this.root.transaction((tx) => fn(new PGliteSql(tx)));
  }
  async close(): Promise<void> {
    await this.root?.close();
  }
}

/** How long a query waits for a connection to PostgreSQL before it fails. */
const CONNECT_TIMEOUT_MS = 5000;

/**
 * PostgreSQL server at `url` (a connection string). While the server is unreachable each query
 * fails within CONNECT_TIMEOUT_MS (the HTTP API answers 503, see `isDatabaseUnreachable`; ingest
 * keeps spooling), and the pool connects again by itself when it is back.
 */
export function connectPostgres(url: string, max = 10): Sql {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
  });
  // An idle connection that the server or the network ends is reported here; without a
  // listener that error would end the process. The pool drops it and opens a new one.
  pool.on('error', () => undefined);
  return new PgSql(pool);
}

/** Connection-level failures (node's socket codes, SQLSTATE classes 08 and 57P0x). */
const UNREACHABLE_CODES =
  /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|08[0-9A-Z]{3}|57P0[1-3])$/;
/** pg's own words for a connection it lost or could not get (its errors carry no code). */
const UNREACHABLE_MESSAGES =
  /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection ended)/;

/**
 * Whether an error says the database cannot be reached (down, restarting, network), rather
 * than that it refused a statement: the service is unavailable for now, not broken.
 */
export function isDatabaseUnreachable(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown; errors?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  if (typeof e.code === 'string' && UNREACHABLE_CODES.test(e.code)) return true;
  if (typeof e.message === 'string' && UNREACHABLE_MESSAGES.test(e.message)) return true;
  // Node's AggregateError for a host with several addresses.
  return Array.isArray(e.errors) && e.errors.some(isDatabaseUnreachable);
}

/** PGlite in `dir` (created if missing), or in memory when dir is undefined. */
export async function openPglite(dir?: string): Promise<Sql> {
  if (dir) await mkdir(dir, { recursive: true });
  const db = await PGlite.create(dir);
  return new PGliteSql(db as unknown as PGliteLike, db);
}

/** The repository's root: core/ sits one level below it. */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Every module's `migrations/` folder (core/, ingest/, warranty/, diagnostics/, quality/,
 * cases/ …): each module owns the tables and views it writes. Found by looking, so core/ names no
 * module.
 */
export async function migrationDirs(root = ROOT): Promise<string[]> {
  const dirs: string[] = [];
  for (const e of await readdir(root, { withFileTypes: true })) {
    if (!e.isDirectory() || e.name.startsWith('.') || e.name === 'node_modules') continue;
    const dir = path.join(root, e.name, 'migrations');
    if ((await readdir(dir).catch(() => [])).some((f) => f.endsWith('.sql'))) dirs.push(dir);
  }
  return dirs.sort();
}

/** Advisory lock key of migrations (any constant; "sanbao" in ASCII). */
const MIGRATION_LOCK = 0x73616e62616f;

/**
 * Applies every module's migrations/*.sql in file-name order across modules, each once, each in
 * its own transaction. Number ranges keep modules apart: 0xx core, ingest and accounts, 1xx
 * warranty, 2xx diagnostics, 3xx quality, 4xx cases. A migration that must follow another
 * module's takes a number after it in that range: warranty's 302–304 (the records' chain anchor,
 * `supersedes` and the read views) follow quality's 300, which adds columns to warranty's tables;
 * cases' 402 widens the api_tokens role check of core's 001 with `desk` and `regulator`. A name is the key in
 * schema_migrations, so a file keeps its name when it moves between folders. Returns the names
 * applied now.
 */
export async function migrate(sql: Sql, dirs?: readonly string[]): Promise<string[]> {
  // Nodes of a cluster may start together against one database: each step holds a lock for its
  // transaction, and a migration another node applied meanwhile is skipped.
  const lock = (tx: Sql) => tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
  await sql.transaction(async (tx) => {
    await lock(tx);
    await tx.exec(
      `CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
  });
  const where = new Map<string, string>();
  for (const dir of dirs ?? (await migrationDirs())) {
    for (const f of (await readdir(dir)).filter((n) => n.endsWith('.sql'))) {
      const other = where.get(f);
      if (other) throw new Error(`migration ${f} is in both ${other} and ${dir}`);
      where.set(f, dir);
    }
  }
  const files = [...where.keys()].sort();
  const done = new Set(
    (await sql.query<{ name: string }>('SELECT name FROM schema_migrations')).rows.map(
      (r) => r.name,
    ),
  );
  const applied: string[] = [];
  for (const f of files) {
    if (done.has(f)) continue;
    const text = await readFile(path.join(where.get(f)!, f), 'utf8');
    const ran = await sql.transaction(async (tx) => {
      await lock(tx);
      const { rows } = await tx.query('SELECT 1 FROM schema_migrations WHERE name = $1', [f]);
      if (rows.length) return false;
      await tx.exec(text);
      await tx.query('INSERT INTO schema_migrations (name) VALUES ($1)', [f]);
      return true;
    });
    if (ran) applied.push(f);
  }
  return applied;
}
