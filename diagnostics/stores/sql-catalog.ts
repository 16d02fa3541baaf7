import type { Sql } from '../../core/index.ts';
import type { Kind } from '../catalog/documents.ts';
import type { CatalogAuditEntry, CatalogStore, CatalogVersion } from '../catalog/store.ts';

/** The catalogue on the relational database (migration 202). */
export function createSqlCatalogStore(sql: Sql): CatalogStore {
  return {
    async append(v) {
      return sql.transaction(async (tx) => {
        // The head row, locked: two uploads of one key get consecutive versions.
        await tx.query(
          `INSERT INTO diagnostics_catalog_heads (kind, key, version) VALUES ($1, $2, NULL)
           ON CONFLICT (kind, key) DO NOTHING`,
          [v.kind, v.key],
        );
        const head = await tx.query<{ version: number | null }>(
          'SELECT version FROM diagnostics_catalog_heads WHERE kind = $1 AND key = $2 FOR UPDATE',
          [v.kind, v.key],
        );
        const max = await tx.query<{ n: number | null }>(
          'SELECT max(version) AS n FROM diagnostics_catalog_versions WHERE kind = $1 AND key = $2',
          [v.kind, v.key],
        );
        const version = Number(max.rows[0]?.n ?? 0) + 1;
        const at = new Date(v.at).toISOString();
        await tx.query(
          `INSERT INTO diagnostics_catalog_versions
             (kind, key, version, category, model, mode_id, body, summary, created_by, created_at, note)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
          [
            v.kind,
            v.key,
            version,
            v.category,
            v.model,
            v.modeId,
            JSON.stringify(v.body),
            JSON.stringify(v.summary),
            v.actor,
            at,
            v.note,
          ],
        );
        await tx.query(
          'UPDATE diagnostics_catalog_heads SET version = $3 WHERE kind = $1 AND key = $2',
          [v.kind, v.key, version],
        );
        await tx.query(
          `INSERT INTO diagnostics_catalog_audit (at, actor, action, kind, key, from_version, to_version, reason)
           VALUES ($1, $2, 'upload', $3, $4, $5, $6, $7)`,
          [at, v.actor, v.kind, v.key, head.rows[0]?.version ?? null, version, v.note],
        );
        return {
          kind: v.kind,
          key: v.key,
          version,
          category: v.category,
          model: v.model,
          modeId: v.modeId,
          body: v.body,
          summary: v.summary,
          createdBy: v.actor,
          createdAt: at,
          note: v.note,
          active: true,
        };
      });
    },
    async activate(kind, key, version, by) {
      return sql.transaction(async (tx) => {
        const head = await tx.query<{ version: number | null }>(
          'SELECT version FROM diagnostics_catalog_heads WHERE kind = $1 AND key = $2 FOR UPDATE',
          [kind, key],
        );
        if (!head.rows[0]) return undefined;
        if (version !== null) {
          const exists = await tx.query(
            'SELECT 1 FROM diagnostics_catalog_versions WHERE kind = $1 AND key = $2 AND version = $3',
            [kind, key, version],
          );
          if (!exists.rows.length) return undefined;
        }
        const from = head.rows[0].version;
        await tx.query(
          'UPDATE diagnostics_catalog_heads SET version = $3 WHERE kind = $1 AND key = $2',
          [kind, key, version],
        );
        await tx.query(
          `INSERT INTO diagnostics_catalog_audit (at, actor, action, kind, key, from_version, to_version, reason)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
          [new Date(by.at).toISOString(), by.actor, by.action, kind, key, from, version, by.reason],
        );
        return { from, to: version };
      });
    },
    async active() {
      const { rows } = await sql.query<VersionRow>(
        `SELECT v.*, true AS active FROM diagnostics_catalog_versions v
           JOIN diagnostics_catalog_heads h ON h.kind = v.kind AND h.key = v.key AND h.version = v.version
          ORDER BY v.kind, v.key`,
      );
      return rows.map((r) => toVersion(r, true));
    },
    async list(filter = {}) {
      const where: string[] = [];
      const params: unknown[] = [];
      for (const [col, value] of [
        ['v.kind', filter.kind],
        ['v.category', filter.category],
        ['v.key', filter.key],
      ] as const) {
        if (value === undefined) continue;
        params.push(value);
        where.push(`${col} = $${params.length}`);
      }
      const { rows } = await sql.query<VersionRow>(
        `SELECT v.kind, v.key, v.version, v.category, v.model, v.mode_id, v.summary, v.created_by,
                v.created_at, v.note, ${filter.bodies ? 'v.body' : 'NULL AS body'},
                (h.version IS NOT NULL AND h.version = v.version) AS active
           FROM diagnostics_catalog_versions v
           LEFT JOIN diagnostics_catalog_heads h ON h.kind = v.kind AND h.key = v.key
          ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
          ORDER BY v.created_at DESC, v.kind, v.key, v.version DESC`,
        params,
      );
      return rows.map((r) => toVersion(r, filter.bodies === true));
    },
    async get(kind, key, version) {
      const { rows } = await sql.query<VersionRow>(
        `SELECT v.*, (h.version IS NOT NULL AND h.version = v.version) AS active
           FROM diagnostics_catalog_versions v
           LEFT JOIN diagnostics_catalog_heads h ON h.kind = v.kind AND h.key = v.key
          WHERE v.kind = $1 AND v.key = $2 AND v.version = $3`,
        [kind, key, version],
      );
      return rows[0] ? toVersion(rows[0], true) : undefined;
    },
    async audit(filter = {}) {
      const where: string[] = [];
      const params: unknown[] = [];
      if (filter.kind !== undefined) {
        params.push(filter.kind);
        where.push(`kind = $${params.length}`);
      }
      if (filter.key !== undefined) {
        params.push(filter.key);
        where.push(`key = $${params.length}`);
      }
      params.push(filter.limit ?? 100);
      const { rows } = await sql.query<AuditRow>(
        `SELECT * FROM diagnostics_catalog_audit ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
          ORDER BY seq DESC LIMIT $${params.length}`,
        params,
      );
      return rows.map((r): CatalogAuditEntry => ({
        seq: Number(r.seq),
        at: new Date(r.at).toISOString(),
        actor: r.actor,
        action: r.action,
        kind: r.kind,
        key: r.key,
        fromVersion: r.from_version,
        toVersion: r.to_version,
        reason: r.reason,
      }));
    },
  };
}

interface VersionRow {
  kind: Kind;
  key: string;
  version: number;
  category: string;
  model: string | null;
  mode_id: string | null;
  body: unknown;
  summary: unknown;
  created_by: string;
  created_at: Date | string;
  note: string | null;
  active: boolean;
}

interface AuditRow {
  seq: number | string;
  at: Date | string;
  actor: string;
  action: CatalogAuditEntry['action'];
  kind: Kind;
  key: string;
  from_version: number | null;
  to_version: number | null;
  reason: string | null;
}

function toVersion(r: VersionRow, withBody: boolean): CatalogVersion {
  return {
    kind: r.kind,
    key: r.key,
    version: Number(r.version),
    category: r.category,
    model: r.model,
    modeId: r.mode_id,
    body: withBody ? json(r.body) : null,
    summary: json(r.summary) as Record<string, unknown>,
    createdBy: r.created_by,
    createdAt: new Date(r.created_at).toISOString(),
    note: r.note,
    active: Boolean(r.active),
  };
}

// jsonb comes back parsed from both drivers; a string would mean a driver changed its mind.
function json(v: unknown): unknown {
  return typeof v === 'string' ? (JSON.parse(v) as unknown) : v;
}
