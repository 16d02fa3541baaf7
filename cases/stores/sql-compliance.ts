import { randomBytes } from 'node:crypto';
import type { Sql } from '../../core/index.ts';
import { CasesErrors } from '../errors.ts';
import type { Finding, FindingFilter, NewFinding } from '../findings.ts';
import type {
  ComplianceStore,
  Disclosure,
  FindingCount,
  OutletAuthorization,
  PartyColumn,
  Span,
} from '../store.ts';
import { iso, json, toFinding, type FindingRow } from './rows.ts';

/**
 * Compliance findings, disclosures and outlet authorization history on the relational database
 * (migration 401). Recording is `INSERT … ON CONFLICT (dedupe_key) DO NOTHING`: idempotent under
 * retries and concurrent writers. Rectification and dismissal are compare-and-set on the
 * status, so a finding is closed once.
 */
export const newId = (prefix: string): string =>
  `${prefix}${randomBytes(5).toString('hex').toUpperCase()}`;

/** Inserts the findings not stored yet, inside the caller's transaction; returns those stored. */
export async function insertFindings(sql: Sql, fs: readonly NewFinding[]): Promise<Finding[]> {
  const out: Finding[] = [];
  for (const f of fs) {
    const r = await sql.query<FindingRow>(
      `INSERT INTO compliance_findings (id, dedupe_key, source, rule, severity, clause, message,
         evidence, case_id, serial, record_seq, category, outlet_id, seller, manufacturer,
         detected_at, status)
       VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb, $9, $10, $11, $12, $13, $14, $15, $16, 'open')
       ON CONFLICT (dedupe_key) DO NOTHING RETURNING *`,
      [
        newId('F'),
        f.dedupeKey,
        f.source,
        f.rule,
        f.severity,
        f.clause,
        JSON.stringify(f.message),
        JSON.stringify(f.evidence),
        f.caseId ?? null,
        f.serial ?? null,
        f.recordSeq ?? null,
        f.category ?? null,
        f.outletId ?? null,
        f.seller ?? null,
        f.manufacturer ?? null,
        f.detectedAt,
      ],
    );
    if (r.rows[0]) out.push(toFinding(r.rows[0]));
  }
  return out;
}

function where(f: Omit<FindingFilter, 'limit' | 'offset'>): { sql: string; params: unknown[] } {
  const conds: string[] = [];
  const params: unknown[] = [];
  const eq = (col: string, v: unknown) => {
    if (v === undefined) return;
    params.push(v);
    conds.push(`${col} = $${params.length}`);
  };
  const cmp = (col: string, op: string, v: string | undefined) => {
    if (v === undefined) return;
    params.push(v);
    conds.push(`${col} ${op} $${params.length}::timestamptz`);
  };
  eq('status', f.status);
  eq('rule', f.rule);
  eq('source', f.source);
  eq('outlet_id', f.outletId);
  eq('manufacturer', f.manufacturer);
  eq('case_id', f.caseId);
  cmp('detected_at', '>=', f.detectedFrom);
  cmp('detected_at', '<', f.detectedTo);
  cmp(`(rectification ->> 'at')::timestamptz`, '>=', f.rectifiedFrom);
  cmp(`(rectification ->> 'at')::timestamptz`, '<', f.rectifiedTo);
  return { sql: conds.length ? `WHERE ${conds.join(' AND ')}` : '', params };
}

const PARTY_COLUMN = { outlet: 'outlet_id', seller: 'seller', maker: 'manufacturer' } as const;

export class SqlComplianceStore implements ComplianceStore {
  constructor(private readonly sql: Sql) {}

  record(fs: readonly NewFinding[]): Promise<Finding[]> {
    return this.sql.transaction((tx) => insertFindings(tx, fs));
  }

  async get(id: string): Promise<Finding | undefined> {
    const r = await this.sql.query<FindingRow>('SELECT * FROM compliance_findings WHERE id = $1', [
      id,
    ]);
    return r.rows[0] && toFinding(r.rows[0]);
  }

  async count(span: Span, by: PartyColumn): Promise<FindingCount[]> {
    const col = PARTY_COLUMN[by];
    const r = await this.sql.query<FindingCount>(
      `SELECT ${col} AS party, rule, status, count(*)::int AS n FROM compliance_findings
        WHERE detected_at >= $1::timestamptz AND detected_at < $2::timestamptz
          AND ($3::text IS NULL OR manufacturer = $3)
        GROUP BY ${col}, rule, status ORDER BY ${col} NULLS LAST, rule, status`,
      [span.from, span.to, span.manufacturer ?? null],
    );
    return r.rows;
  }

  async list(f: FindingFilter): Promise<{ findings: Finding[]; total: number }> {
    const w = where(f);
    const n = w.params.length;
    const [rows, count] = await Promise.all([
      this.sql.query<FindingRow>(
        `SELECT * FROM compliance_findings ${w.sql} ORDER BY detected_at, id LIMIT $${n + 1} OFFSET $${n + 2}`,
        [...w.params, f.limit, f.offset],
      ),
      this.sql.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM compliance_findings ${w.sql}`,
        w.params,
      ),
    ]);
    return { findings: rows.rows.map(toFinding), total: count.rows[0]?.n ?? 0 };
  }

  private async close(
    id: string,
    column: 'rectification' | 'dismissal',
    to: string,
    value: object,
  ) {
    const r = await this.sql.query<FindingRow>(
      `UPDATE compliance_findings SET status = $2, ${column} = $3::jsonb
        WHERE id = $1 AND status = 'open' RETURNING *`,
      [id, to, JSON.stringify(value)],
    );
    if (r.rows[0]) return toFinding(r.rows[0]);
    const now = await this.get(id);
    if (!now) throw new CasesErrors.UnknownFinding(id);
    throw new CasesErrors.FindingClosed(id, now.status);
  }

  rectify(id: string, r: { by: string; at: string; action: string; evidence?: string }) {
    return this.close(id, 'rectification', 'rectified', r);
  }

  dismiss(id: string, d: { by: string; at: string; reason: string }) {
    return this.close(id, 'dismissal', 'dismissed', d);
  }

  async confirm(ids: readonly string[], by: string, at: string): Promise<Finding[]> {
    const r = await this.sql.query<FindingRow>(
      `UPDATE compliance_findings SET confirmed_at = coalesce(confirmed_at, $2::timestamptz),
              confirmed_by = coalesce(confirmed_by, $3)
        WHERE id = ANY($1::text[]) AND status <> 'dismissed' RETURNING *`,
      [ids, at, by],
    );
    return r.rows.map(toFinding);
  }

  async publish(d: Omit<Disclosure, 'id'>): Promise<Disclosure> {
    const id = newId('D');
    await this.sql.query(
      `INSERT INTO violation_disclosures (id, party_kind, party_id, party_name, finding_ids, summary,
         blacklisted, blacklist_reason, published_at, published_by)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8, $9, $10)`,
      [
        id,
        d.party.kind,
        d.party.id,
        d.party.name,
        JSON.stringify(d.findingIds),
        d.summary,
        d.blacklisted,
        d.blacklistReason,
        d.publishedAt,
        d.publishedBy,
      ],
    );
    return { id, ...d };
  }

  async disclosures(): Promise<Disclosure[]> {
    const r = await this.sql.query<{
      id: string;
      party_kind: Disclosure['party']['kind'];
      party_id: string;
      party_name: string;
      finding_ids: unknown;
      summary: string;
      blacklisted: boolean;
      blacklist_reason: string | null;
      published_at: Date | string;
      published_by: string;
    }>('SELECT * FROM violation_disclosures ORDER BY published_at DESC, id');
    return r.rows.map((x) => ({
      id: x.id,
      party: { kind: x.party_kind, id: x.party_id, name: x.party_name },
      findingIds: json<string[]>(x.finding_ids),
      summary: x.summary,
      blacklisted: x.blacklisted,
      blacklistReason: x.blacklist_reason,
      publishedAt: iso(x.published_at),
      publishedBy: x.published_by,
    }));
  }

  async outletHistory(outletId: string): Promise<OutletAuthorization[]> {
    const r = await this.sql.query<{
      seq: number | string;
      manufacturer: string | null;
      name: string;
      authorized_from: string;
      authorized_to: string | null;
      recorded_at: Date | string;
    }>(
      `SELECT seq, manufacturer, name, authorized_from, authorized_to, recorded_at
         FROM outlet_authorization_history WHERE outlet_id = $1 ORDER BY seq`,
      [outletId],
    );
    return r.rows.map((x, i) => ({
      seq: i + 1,
      manufacturer: x.manufacturer,
      name: x.name,
      authorizedFrom: x.authorized_from,
      authorizedTo: x.authorized_to,
      recordedAt: iso(x.recorded_at),
    }));
  }
}
