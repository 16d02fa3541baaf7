import type { Sql } from '../core/index.ts';
import {
  ChainVerifier,
  entryHash,
  type AuditContent,
  type AuditEntry,
  type AuditVerification,
} from './chain.ts';

export interface AuditFilter {
  /** A user id, token id or subject. */
  who?: string;
  role?: string;
  method?: string;
  /** A route pattern, exactly (e.g. /api/v1/alerts/:id/ack). */
  route?: string;
  /** kind:key, e.g. alert:a1b2. */
  resource?: string;
  from?: string;
  to?: string;
  limit?: number;
  offset?: number;
}

interface Row {
  seq: number | string;
  at: Date | string;
  user_id: string | null;
  token_id: string | null;
  role: string | null;
  subject: string | null;
  method: string;
  route: string;
  params: string;
  resources: string[];
  body: string | null;
  before: string | null;
  status: number;
  address: string | null;
  prev_hash: string;
  hash: string;
}

const toEntry = (r: Row): AuditEntry => ({
  seq: Number(r.seq),
  at: new Date(r.at).toISOString(),
  userId: r.user_id,
  tokenId: r.token_id,
  role: r.role,
  subject: r.subject,
  method: r.method,
  route: r.route,
  params: r.params,
  resources: r.resources,
  body: r.body,
  before: r.before,
  status: r.status,
  address: r.address,
  prevHash: r.prev_hash,
  hash: r.hash,
});

function where(f: AuditFilter): { sql: string; params: unknown[] } {
  const c: string[] = [];
  const p: unknown[] = [];
  const add = (cond: (n: string) => string, v: unknown) => {
    p.push(v);
    c.push(cond(`$${p.length}`));
  };
  if (f.who) add((n) => `(user_id = ${n} OR token_id = ${n} OR subject = ${n})`, f.who);
  if (f.role) add((n) => `role = ${n}`, f.role);
  if (f.method) add((n) => `method = ${n}`, f.method.toUpperCase());
  if (f.route) add((n) => `route = ${n}`, f.route);
  if (f.resource) add((n) => `resources @> ARRAY[${n}]::text[]`, f.resource);
  if (f.from) add((n) => `at >= ${n}::timestamptz`, f.from);
  if (f.to) add((n) => `at < ${n}::timestamptz`, f.to);
  return { sql: c.length ? `WHERE ${c.join(' AND ')}` : '', params: p };
}

/** The audit trail in PostgreSQL/PGlite (migration 020): append, search, verify. */
export class AuditStore {
  constructor(private readonly sql: Sql) {}

  /**
   * Appends entries in one transaction, chained from the anchor (its row held, so appends from
   * several processes on one database queue up), and moves the anchor with them.
   */
  async append(entries: readonly AuditContent[]): Promise<void> {
    if (entries.length === 0) return;
    await this.sql.transaction(async (tx) => {
      const { rows } = await tx.query<{ count: number | string; head: string }>(
        'SELECT count, head FROM audit_anchor WHERE id FOR UPDATE',
      );
      let seq = Number(rows[0]!.count);
      let prev = rows[0]!.head;
      for (const e of entries) {
        seq++;
        const hash = entryHash(seq, e, prev);
        await tx.query(
          `INSERT INTO audit_log (seq, at, user_id, token_id, role, subject, method, route, params,
             resources, body, before, status, address, prev_hash, hash)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
          [
            seq,
            e.at,
            e.userId,
            e.tokenId,
            e.role,
            e.subject,
            e.method,
            e.route,
            e.params,
            e.resources,
            e.body,
            e.before,
            e.status,
            e.address,
            prev,
            hash,
          ],
        );
        prev = hash;
      }
      await tx.query('UPDATE audit_anchor SET count = $1, head = $2 WHERE id', [seq, prev]);
    });
  }

  /** Entries matching the filter, newest first, and how many match in all. */
  async search(f: AuditFilter): Promise<{ entries: AuditEntry[]; total: number }> {
    const w = where(f);
    const limit = f.limit ?? 100;
    const offset = f.offset ?? 0;
    const [list, count] = await Promise.all([
      this.sql.query<Row>(
        `SELECT * FROM audit_log ${w.sql} ORDER BY seq DESC LIMIT ${limit} OFFSET ${offset}`,
        w.params,
      ),
      this.sql.query<{ n: number | string }>(
        `SELECT count(*) AS n FROM audit_log ${w.sql}`,
        w.params,
      ),
    ]);
    return { entries: list.rows.map(toEntry), total: Number(count.rows[0]?.n ?? 0) };
  }

  /** Every matching entry, oldest first, a page at a time (the CSV export). */
  async *each(f: AuditFilter, page = 1000): AsyncGenerator<AuditEntry> {
    const w = where(f);
    let after = 0;
    for (;;) {
      const { rows } = await this.sql.query<Row>(
        `SELECT * FROM audit_log ${w.sql ? `${w.sql} AND` : 'WHERE'} seq > $${w.params.length + 1}
          ORDER BY seq LIMIT ${page}`,
        [...w.params, after],
      );
      for (const r of rows) yield toEntry(r);
      if (rows.length < page) return;
      after = Number(rows[rows.length - 1]!.seq);
    }
  }

  /**
   * Re-checks the whole chain against the anchor, a page at a time, holding the anchor (appends
   * wait meanwhile, so every entry read is one the anchor counts or one added behind its back).
   */
  async verify(page = 5000): Promise<AuditVerification> {
    return this.sql.transaction(async (tx) => {
      const { rows } = await tx.query<{ count: number | string; head: string }>(
        'SELECT count, head FROM audit_anchor WHERE id FOR SHARE',
      );
      const anchor = { count: Number(rows[0]!.count), head: rows[0]!.head };
      const v = new ChainVerifier();
      let after = 0;
      for (;;) {
        const { rows: got } = await tx.query<Row>(
          'SELECT * FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2',
          [after, page],
        );
        if (v.add(got.map(toEntry)) || got.length < page) break;
        after = Number(got[got.length - 1]!.seq);
      }
      return v.finish(anchor);
    });
  }
}
