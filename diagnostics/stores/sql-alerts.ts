import { randomUUID } from 'node:crypto';
import { type Sql, ownedDeviceSql } from '../../core/index.ts';
import type { Alert, AlertComment, AlertHistoryEntry } from '../alert-schemas.ts';
import { storedParts, type AlertFilter, type AlertStore } from '../alert-store.ts';
import { DiagnosticsErrors } from '../errors.ts';
import { iso, json, toAlert, ts, type AlertRow, type Stamp } from './sql-alert-rows.ts';
import { SEVERITY_RANK, type AlertCandidate, type Severity } from '../types.ts';

/** Which statuses each lifecycle action may start from. */
const FROM: Record<'acknowledged' | 'resolved' | 'dismissed', Alert['status'][]> = {
  acknowledged: ['open'],
  resolved: ['open', 'acknowledged'],
  dismissed: ['open', 'acknowledged'],
};

/** AlertStore on the `Sql` interface (PGlite or PostgreSQL), tables of migration 200. */
export function createSqlAlertStore(sql: Sql): AlertStore {
  const history = (
    tx: Sql,
    a: Alert,
    at: number,
    actor: string | null,
    action: AlertHistoryEntry['action'],
    from: Alert['status'] | null,
    detail: Record<string, unknown> | null = null,
  ) =>
    tx.query(
      `INSERT INTO alert_history (alert_id, at, actor, action, from_status, to_status, severity, detail)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [a.id, iso(at), actor, action, from, a.status, a.severity, detail && JSON.stringify(detail)],
    );

  const mustGet = async (tx: Sql, id: string): Promise<Alert> => {
    const { rows } = await tx.query<AlertRow>('SELECT * FROM alerts WHERE id = $1', [id]);
    if (!rows[0]) throw new DiagnosticsErrors.UnknownAlert(id);
    return toAlert(rows[0]);
  };

  /** One lifecycle step: a conditional UPDATE, so a concurrent step cannot slip in between. */
  const transition = (
    id: string,
    to: keyof typeof FROM,
    by: string,
    at: number,
    set: string,
    params: unknown[],
    detail: Record<string, unknown> | null,
  ) =>
    sql.transaction(async (tx) => {
      const before = await mustGet(tx, id);
      const { rows } = await tx.query<AlertRow>(
        `UPDATE alerts SET status = $2, updated_at = $3, ${set}
         WHERE id = $1 AND status = ANY($4::text[]) RETURNING *`,
        [id, to, iso(at), FROM[to], ...params],
      );
      if (!rows[0]) throw new DiagnosticsErrors.IllegalTransition(id, before.status, to);
      const a = toAlert(rows[0]);
      await history(tx, a, at, by, to, before.status, detail);
      return a;
    });

  const insert = async (tx: Sql, c: AlertCandidate, at: number): Promise<Alert> => {
    const { evidence, predictedFailure } = storedParts(c);
    const { rows } = await tx.query<AlertRow>(
      `INSERT INTO alerts (id, device_id, category, model, mode_id, mode_name, component, severity,
         status, revision, detected_at, opened_at, updated_at, predicted_failure, evidence, action, parts,
         names)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'open', $9, $10, $11, $11, $12, $13, $14, $15, $16)
       RETURNING *`,
      [
        `al_${randomUUID()}`,
        c.deviceId,
        c.category,
        c.model,
        c.modeId,
        c.modeName,
        c.component,
        c.severity,
        c.revision,
        iso(c.ts),
        iso(at),
        predictedFailure && JSON.stringify(predictedFailure),
        JSON.stringify(evidence),
        JSON.stringify(c.action),
        JSON.stringify(c.parts),
        c.names ? JSON.stringify(c.names) : null,
      ],
    );
    const a = toAlert(rows[0]!);
    await history(tx, a, at, null, 'opened', null);
    return a;
  };

  const upsertOnce = (c: AlertCandidate, at: number) =>
    sql.transaction(async (tx) => {
      const { rows } = await tx.query<AlertRow>(
        `SELECT * FROM alerts WHERE device_id = $1 AND mode_id = $2
           AND status IN ('open', 'acknowledged') FOR UPDATE`,
        [c.deviceId, c.modeId],
      );
      if (!rows[0]) return { alert: await insert(tx, c, at), change: 'opened' as const };
      const current = toAlert(rows[0]);
      const raised = SEVERITY_RANK[c.severity] > SEVERITY_RANK[current.severity];
      const { evidence, predictedFailure } = storedParts(c);
      const { rows: updated } = await tx.query<AlertRow>(
        `UPDATE alerts SET evidence = $2, predicted_failure = $3, updated_at = $4,
           severity = $5, revision = revision + $6 WHERE id = $1 RETURNING *`,
        [
          current.id,
          JSON.stringify(evidence),
          predictedFailure && JSON.stringify(predictedFailure),
          iso(at),
          raised ? c.severity : current.severity,
          raised ? 1 : 0,
        ],
      );
      const a = toAlert(updated[0]!);
      if (!raised) return { alert: a, change: 'unchanged' as const };
      await history(tx, a, at, null, 'raised', current.status, { from: current.severity });
      return { alert: a, change: 'raised' as const };
    });

  return {
    async upsert(c, at) {
      try {
        return await upsertOnce(c, at);
      } catch (err) {
        // Another writer opened the same device+mode between our SELECT and INSERT: its alert wins.
        if ((err as { code?: unknown }).code !== '23505') throw err;
        return upsertOnce(c, at);
      }
    },
    async get(id) {
      const { rows } = await sql.query<AlertRow>('SELECT * FROM alerts WHERE id = $1', [id]);
      return rows[0] ? toAlert(rows[0]) : undefined;
    },
    async list(f: AlertFilter) {
      const where: string[] = [];
      const params: unknown[] = [];
      const add = (col: string, v: string | undefined) => {
        if (v === undefined) return;
        params.push(v);
        where.push(`${col} = $${params.length}`);
      };
      add('status', f.status);
      add('device_id', f.deviceId);
      add('mode_id', f.modeId);
      add('severity', f.severity);
      add('category', f.category);
      add('assignee', f.assignee);
      if (f.manufacturer !== undefined) {
        params.push(f.manufacturer);
        where.push(ownedDeviceSql('device_id', params.length));
      }
      const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
      const { rows: count } = await sql.query<{ n: number | string }>(
        `SELECT count(*)::int AS n FROM alerts ${w}`,
        params,
      );
      const { rows } = await sql.query<AlertRow>(
        `SELECT * FROM alerts ${w} ORDER BY opened_at DESC, id
         LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
        [...params, f.limit ?? 100, f.offset ?? 0],
      );
      return { alerts: rows.map(toAlert), total: Number(count[0]?.n ?? 0) };
    },
    acknowledge: (id, by, at) =>
      transition(
        id,
        'acknowledged',
        by,
        at,
        'acknowledged_by = $5, acknowledged_at = $3',
        [by],
        null,
      ),
    resolve: (id, by, at, repairRef) =>
      transition(
        id,
        'resolved',
        by,
        at,
        'closed_by = $5, closed_at = $3, repair_ref = $6',
        [by, repairRef ?? null],
        repairRef ? { repairRef } : null,
      ),
    dismiss: (id, by, at, reason) =>
      transition(
        id,
        'dismissed',
        by,
        at,
        'closed_by = $5, closed_at = $3, dismiss_reason = $6',
        [by, reason],
        { reason },
      ),
    assign: (id, assignee, by, at) =>
      sql.transaction(async (tx) => {
        const before = await mustGet(tx, id);
        if (before.status === 'resolved' || before.status === 'dismissed')
          throw new DiagnosticsErrors.IllegalTransition(id, before.status, 'assigned');
        const { rows } = await tx.query<AlertRow>(
          'UPDATE alerts SET assignee = $2, updated_at = $3 WHERE id = $1 RETURNING *',
          [id, assignee, iso(at)],
        );
        const a = toAlert(rows[0]!);
        await history(tx, a, at, by, 'assigned', before.status, { assignee });
        return a;
      }),
    async addComment(id, author, text, at) {
      await mustGet(sql, id);
      await sql.query(
        'INSERT INTO alert_comments (alert_id, at, author, text) VALUES ($1, $2, $3, $4)',
        [id, iso(at), author, text],
      );
      return { at: iso(at), author, text };
    },
    async comments(id) {
      await mustGet(sql, id);
      const { rows } = await sql.query<{ at: Stamp; author: string; text: string }>(
        'SELECT at, author, text FROM alert_comments WHERE alert_id = $1 ORDER BY seq',
        [id],
      );
      return rows.map((r): AlertComment => ({ at: ts(r.at)!, author: r.author, text: r.text }));
    },
    async history(id) {
      await mustGet(sql, id);
      const { rows } = await sql.query<{
        at: Stamp;
        actor: string | null;
        action: AlertHistoryEntry['action'];
        from_status: Alert['status'] | null;
        to_status: Alert['status'];
        severity: Alert['severity'];
        detail: Record<string, unknown> | null;
      }>('SELECT * FROM alert_history WHERE alert_id = $1 ORDER BY seq', [id]);
      return rows.map((r) => ({
        at: ts(r.at)!,
        actor: r.actor,
        action: r.action,
        fromStatus: r.from_status,
        toStatus: r.to_status,
        severity: r.severity,
        detail: r.detail === null ? null : json(r.detail),
      }));
    },
    async dueForEscalation(before, limit = 500) {
      const { rows } = await sql.query<AlertRow>(
        `SELECT * FROM alerts WHERE status = 'open' AND coalesce(escalated_at, opened_at) <= $1
         ORDER BY coalesce(escalated_at, opened_at), id LIMIT $2`,
        [iso(before), limit],
      );
      return rows.map(toAlert);
    },
    escalate: (id, severity: Severity, at) =>
      sql.transaction(async (tx) => {
        const before = await mustGet(tx, id);
        const { rows } = await tx.query<AlertRow>(
          `UPDATE alerts SET severity = $2, escalations = escalations + 1, escalated_at = $3,
             updated_at = $3 WHERE id = $1 RETURNING *`,
          [id, severity, iso(at)],
        );
        const a = toAlert(rows[0]!);
        await history(tx, a, at, null, 'escalated', before.status, { from: before.severity });
        return a;
      }),
    escalateIfDue: (id, severity: Severity, at, dueBefore) =>
      sql.transaction(async (tx) => {
        // The row lock makes two timers queue here; the second finds it no longer due.
        const { rows: was } = await tx.query<AlertRow>(
          `SELECT * FROM alerts WHERE id = $1 AND status = 'open'
             AND coalesce(escalated_at, opened_at) <= $2 FOR UPDATE`,
          [id, iso(dueBefore)],
        );
        if (!was[0]) return undefined;
        const before = toAlert(was[0]);
        const { rows } = await tx.query<AlertRow>(
          `UPDATE alerts SET severity = $2, escalations = escalations + 1, escalated_at = $3,
             updated_at = $3 WHERE id = $1 RETURNING *`,
          [id, severity, iso(at)],
        );
        const a = toAlert(rows[0]!);
        await history(tx, a, at, null, 'escalated', before.status, { from: before.severity });
        return a;
      }),
    async close() {},
  };
}
