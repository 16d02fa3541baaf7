import type { Sql } from '../../core/index.ts';
import { appendConflict, type Commitment } from '../commitment.ts';
import { nextDue } from '../deadlines.ts';
import { CasesErrors } from '../errors.ts';
import type { Case, CaseEvent } from '../model.ts';
import type {
  CaseFilter,
  CaseStats,
  PartyColumn,
  CaseStore,
  CaseWrite,
  NewNotification,
  Notification,
  Span,
  Subscription,
  Survey,
  Webhook,
} from '../store.ts';
import {
  json,
  toCase,
  toEvent,
  toNotification,
  toSurvey,
  toWebhook,
  type CaseRow,
  type NotificationRow,
  type SurveyRow,
} from './rows.ts';
import { insertFindings, newId } from './sql-compliance.ts';

/**
 * Cases on the relational database (migration 400). A transition locks the case row
 * (`SELECT … FOR UPDATE`), so two desk agents acting at once are serialised; the case, its
 * events, its findings, its survey and its notifications are written in that one transaction.
 */
/** The column of each party (whitelisted: it is put into SQL text). */
export const PARTY_COLUMN = {
  outlet: 'outlet_id',
  seller: 'seller',
  maker: 'manufacturer',
} as const;

const CASE_COLUMNS = `kind, status, serial, category, model, manufacturer, seller, outlet_id,
  assignee, channel, opened_by, opened_at, body, decision, deadlines, escalation, answer,
  resolution, repeat_of, next_due_at, closed_at`;

function caseValues(c: Case): unknown[] {
  const j = (v: unknown) => (v === null ? null : JSON.stringify(v));
  return [
    c.kind,
    c.status,
    c.serial,
    c.category,
    c.model,
    c.manufacturer,
    c.seller,
    c.outletId,
    c.assignee,
    c.channel,
    c.openedBy,
    c.openedAt,
    JSON.stringify(c.request),
    j(c.decision),
    JSON.stringify(c.deadlines),
    c.escalation,
    j(c.answer),
    j(c.resolution),
    c.repeatOf,
    c.status === 'closed' ? null : nextDue(c.deadlines),
    c.closedAt,
  ];
}

async function writeRest(tx: Sql, w: CaseWrite): Promise<void> {
  const c = w.next;
  if (w.events.length) {
    const r = await tx.query<{ n: number }>(
      'SELECT coalesce(max(seq), 0)::int AS n FROM case_events WHERE case_id = $1',
      [c.id],
    );
    let seq = r.rows[0]?.n ?? 0;
    for (const e of w.events)
      await tx.query(
        'INSERT INTO case_events (case_id, seq, at, actor, type, data) VALUES ($1, $2, $3, $4, $5, $6::jsonb)',
        [c.id, ++seq, e.at, e.actor, e.type, JSON.stringify(e.data)],
      );
  }
  await insertFindings(tx, w.findings);
  await insertNotifications(tx, w.notifications);
  if (w.openSurvey)
    await tx.query(
      `INSERT INTO case_surveys (case_id, serial, category, manufacturer, outlet_id, created_at)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (case_id) DO NOTHING`,
      [c.id, c.serial, c.category, c.manufacturer, c.outletId, c.closedAt ?? c.openedAt],
    );
}

async function insertNotifications(tx: Sql, ns: readonly NewNotification[]): Promise<void> {
  for (const n of ns)
    await tx.query(
      `INSERT INTO case_notifications (id, case_id, serial, event, channel, target, payload, status,
         next_attempt_at, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, 'pending', $8, $9)`,
      [
        newId('N'),
        n.caseId,
        n.serial,
        n.event,
        n.channel,
        n.target,
        JSON.stringify(n.payload),
        n.firstAttemptAt,
        n.createdAt,
      ],
    );
}

export class SqlCaseStore implements CaseStore {
  constructor(private readonly sql: Sql) {}

  async insert(w: CaseWrite): Promise<Case> {
    return this.sql.transaction(async (tx) => {
      const placeholders = caseValues(w.next).map((_, i) => `$${i + 2}`);
      const r = await tx.query<CaseRow>(
        `INSERT INTO cases (id, ${CASE_COLUMNS}) VALUES ($1, ${placeholders.join(', ')}) RETURNING *`,
        [w.next.id, ...caseValues(w.next)],
      );
      await writeRest(tx, w);
      return toCase(r.rows[0]!);
    });
  }

  async get(id: string): Promise<Case | undefined> {
    const r = await this.sql.query<CaseRow>('SELECT * FROM cases WHERE id = $1', [id]);
    return r.rows[0] && toCase(r.rows[0]);
  }

  async transition(id: string, step: (c: Case) => CaseWrite | null): Promise<Case> {
    return this.sql.transaction(async (tx) => {
      const r = await tx.query<CaseRow>('SELECT * FROM cases WHERE id = $1 FOR UPDATE', [id]);
      if (!r.rows[0]) throw new CasesErrors.UnknownCase(id);
      const current = toCase(r.rows[0]);
      const w = step(current);
      if (!w) return current;
      const sets = CASE_COLUMNS.split(',').map((col, i) => `${col.trim()} = $${i + 2}`);
      const u = await tx.query<CaseRow>(
        `UPDATE cases SET ${sets.join(', ')}, version = version + 1 WHERE id = $1 RETURNING *`,
        [id, ...caseValues(w.next)],
      );
      await writeRest(tx, w);
      return toCase(u.rows[0]!);
    });
  }

  async list(f: CaseFilter): Promise<{ cases: Case[]; total: number }> {
    const conds: string[] = [];
    const params: unknown[] = [];
    const eq = (col: string, v: unknown) => {
      if (v === undefined) return;
      params.push(v);
      conds.push(`${col} = $${params.length}`);
    };
    eq('status', f.status);
    eq('kind', f.kind);
    eq('manufacturer', f.manufacturer);
    eq('outlet_id', f.outletId);
    eq('serial', f.serial);
    eq('escalation', f.escalation);
    if (f.flagged !== undefined)
      conds.push(
        `${f.flagged ? '' : 'NOT '}EXISTS (SELECT 1 FROM compliance_findings x WHERE x.case_id = cases.id)`,
      );
    const w = conds.length ? `WHERE ${conds.join(' AND ')}` : '';
    const n = params.length;
    // The queue: the most urgent clock first, closed cases last (newest first among them).
    const [rows, count] = await Promise.all([
      this.sql.query<CaseRow>(
        `SELECT * FROM cases ${w}
          ORDER BY (status = 'closed'), next_due_at ASC NULLS LAST, opened_at DESC, id
          LIMIT $${n + 1} OFFSET $${n + 2}`,
        [...params, f.limit, f.offset],
      ),
      this.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM cases ${w}`, params),
    ]);
    return { cases: rows.rows.map(toCase), total: count.rows[0]?.n ?? 0 };
  }

  async ofUnit(serial: string): Promise<Case[]> {
    const r = await this.sql.query<CaseRow>(
      'SELECT * FROM cases WHERE serial = $1 ORDER BY opened_at DESC, id DESC',
      [serial],
    );
    return r.rows.map(toCase);
  }

  async events(caseId: string): Promise<CaseEvent[]> {
    const r = await this.sql.query<Parameters<typeof toEvent>[0]>(
      'SELECT seq, at, actor, type, data FROM case_events WHERE case_id = $1 ORDER BY seq',
      [caseId],
    );
    return r.rows.map(toEvent);
  }

  async due(now: string, limit: number): Promise<string[]> {
    const r = await this.sql.query<{ id: string }>(
      `SELECT id FROM cases WHERE status <> 'closed' AND next_due_at <= $1::timestamptz
        ORDER BY next_due_at LIMIT $2`,
      [now, limit],
    );
    return r.rows.map((x) => x.id);
  }

  async caseStats(span: Span, by: PartyColumn): Promise<CaseStats[]> {
    const col = PARTY_COLUMN[by];
    const r = await this.sql.query<{
      party: string | null;
      cases: number;
      closed: number;
      met: number;
      missed: number;
    }>(
      `SELECT ${col} AS party, count(*)::int AS cases,
              count(*) FILTER (WHERE status = 'closed')::int AS closed,
              coalesce(sum(x.met), 0)::int AS met, coalesce(sum(x.missed), 0)::int AS missed
         FROM cases,
              LATERAL (SELECT count(*) FILTER (WHERE d ->> 'status' = 'met') AS met,
                              count(*) FILTER (WHERE d ->> 'status' = 'missed') AS missed
                         FROM jsonb_array_elements(deadlines) d) x
        WHERE opened_at >= $1::timestamptz AND opened_at < $2::timestamptz
          AND ($3::text IS NULL OR manufacturer = $3)
        GROUP BY ${col} ORDER BY ${col} NULLS LAST`,
      [span.from, span.to, span.manufacturer ?? null],
    );
    return r.rows.map((x) => ({
      party: x.party,
      cases: x.cases,
      closed: x.closed,
      deadlinesMet: x.met,
      deadlinesMissed: x.missed,
    }));
  }

  async getSurvey(caseId: string): Promise<Survey | undefined> {
    const r = await this.sql.query<SurveyRow>('SELECT * FROM case_surveys WHERE case_id = $1', [
      caseId,
    ]);
    return r.rows[0] && toSurvey(r.rows[0]);
  }

  async answerSurvey(
    caseId: string,
    a: { score: number; resolved: boolean; comment?: string | undefined },
    at: string,
  ): Promise<Survey> {
    const r = await this.sql.query<SurveyRow>(
      `UPDATE case_surveys SET answered_at = $2, score = $3, resolved = $4, comment = $5
        WHERE case_id = $1 AND answered_at IS NULL RETURNING *`,
      [caseId, at, a.score, a.resolved, a.comment ?? null],
    );
    if (r.rows[0]) return toSurvey(r.rows[0]);
    const s = await this.getSurvey(caseId);
    if (s?.answeredAt) throw new CasesErrors.SurveyAnswered(caseId, s.answeredAt.slice(0, 10));
    const c = await this.get(caseId);
    if (!c) throw new CasesErrors.UnknownCase(caseId);
    throw new CasesErrors.NoSurvey(caseId, c.status);
  }

  async surveys(span: Span): Promise<Survey[]> {
    const r = await this.sql.query<SurveyRow>(
      `SELECT * FROM case_surveys WHERE answered_at >= $1::timestamptz AND answered_at < $2::timestamptz
          AND ($3::text IS NULL OR manufacturer = $3) ORDER BY answered_at`,
      [span.from, span.to, span.manufacturer ?? null],
    );
    return r.rows.map(toSurvey);
  }

  async claimNotifications(now: string, leaseMs: number, limit: number): Promise<Notification[]> {
    const r = await this.sql.query<NotificationRow>(
      `UPDATE case_notifications SET next_attempt_at = $2::timestamptz
        WHERE id IN (SELECT id FROM case_notifications
                      WHERE status = 'pending' AND next_attempt_at <= $1::timestamptz
                      ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED)
        RETURNING *`,
      [now, new Date(Date.parse(now) + leaseMs).toISOString(), limit],
    );
    return r.rows.map(toNotification);
  }

  async recordAttempt(
    id: string,
    a: { at: string; ok: boolean; error?: string; nextAttemptAt: string | null },
  ): Promise<void> {
    const entry = { at: a.at, ok: a.ok, ...(a.error ? { error: a.error } : {}) };
    await this.sql.query(
      `UPDATE case_notifications SET attempts = attempts + 1,
          status = CASE WHEN $2 THEN 'sent' WHEN $3::timestamptz IS NULL THEN 'failed' ELSE 'pending' END,
          next_attempt_at = coalesce($3::timestamptz, next_attempt_at),
          last_error = CASE WHEN $2 THEN last_error ELSE $4 END,
          sent_at = CASE WHEN $2 THEN $5::timestamptz ELSE sent_at END,
          log = log || $6::jsonb
        WHERE id = $1`,
      [id, a.ok, a.nextAttemptAt, a.error ?? null, a.at, JSON.stringify([entry])],
    );
  }

  async notifications(caseId: string): Promise<Notification[]> {
    const r = await this.sql.query<NotificationRow>(
      'SELECT * FROM case_notifications WHERE case_id = $1 ORDER BY created_at, id',
      [caseId],
    );
    return r.rows.map(toNotification);
  }

  enqueue(ns: NewNotification[]): Promise<void> {
    return this.sql.transaction((tx) => insertNotifications(tx, ns));
  }

  async subscribe(x: Subscription): Promise<Subscription> {
    await this.sql.query(
      `INSERT INTO owner_subscriptions (serial, email, phone, alerts, webhook, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (serial) DO UPDATE SET email = EXCLUDED.email, phone = EXCLUDED.phone,
         alerts = EXCLUDED.alerts, webhook = EXCLUDED.webhook, updated_at = EXCLUDED.updated_at`,
      [x.serial, x.email, x.phone, x.alerts, x.webhook, x.updatedAt],
    );
    return (await this.subscription(x.serial))!;
  }

  async subscription(serial: string): Promise<Subscription | undefined> {
    const r = await this.sql.query<{
      serial: string;
      email: string | null;
      phone: string | null;
      alerts: boolean;
      webhook: boolean;
      updated_at: Date | string;
    }>('SELECT * FROM owner_subscriptions WHERE serial = $1', [serial]);
    const x = r.rows[0];
    return (
      x && {
        serial: x.serial,
        email: x.email,
        phone: x.phone,
        alerts: x.alerts,
        webhook: x.webhook,
        updatedAt: new Date(x.updated_at).toISOString(),
      }
    );
  }

  async unitNotifications(serial: string): Promise<Notification[]> {
    const r = await this.sql.query<NotificationRow>(
      'SELECT * FROM case_notifications WHERE serial = $1 AND case_id IS NULL ORDER BY created_at, id',
      [serial],
    );
    return r.rows.map(toNotification);
  }

  async addWebhook(w: Omit<Webhook, 'id'>): Promise<Webhook> {
    const r = await this.sql.query<Parameters<typeof toWebhook>[0]>(
      `INSERT INTO case_webhooks (id, manufacturer, url, secret, created_at, created_by)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
      [newId('W'), w.manufacturer, w.url, w.secret, w.createdAt, w.createdBy],
    );
    return toWebhook(r.rows[0]!);
  }

  async webhooks(manufacturer?: string | null): Promise<Webhook[]> {
    const r = await this.sql.query<Parameters<typeof toWebhook>[0]>(
      manufacturer === undefined
        ? 'SELECT * FROM case_webhooks ORDER BY created_at, id'
        : 'SELECT * FROM case_webhooks WHERE manufacturer IS NULL OR manufacturer = $1 ORDER BY created_at, id',
      manufacturer === undefined ? [] : [manufacturer],
    );
    return r.rows.map(toWebhook);
  }

  async deleteWebhook(id: string): Promise<boolean> {
    const r = await this.sql.query('DELETE FROM case_webhooks WHERE id = $1 RETURNING id', [id]);
    return r.rows.length > 0;
  }

  async appendCommitment(
    c: Commitment,
    meta: { savedAt: string; savedBy: string },
  ): Promise<Commitment> {
    return this.sql.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
        `commitment:${c.manufacturer}`,
      ]);
      const conflict = appendConflict(await this.commitmentsOn(tx, c.manufacturer), c);
      if (conflict) throw new CasesErrors.CommitmentConflict(c.manufacturer, c.version, conflict);
      await tx.query(
        `INSERT INTO service_commitments (manufacturer, version, effective_from, doc, saved_at, saved_by)
         VALUES ($1, $2, $3, $4::jsonb, $5, $6)`,
        [c.manufacturer, c.version, c.effectiveFrom, JSON.stringify(c), meta.savedAt, meta.savedBy],
      );
      return c;
    });
  }

  commitments(manufacturer?: string): Promise<Commitment[]> {
    return this.commitmentsOn(this.sql, manufacturer);
  }

  private async commitmentsOn(sql: Sql, manufacturer?: string): Promise<Commitment[]> {
    const r = await sql.query<{ doc: unknown }>(
      `SELECT doc FROM service_commitments WHERE $1::text IS NULL OR manufacturer = $1
        ORDER BY manufacturer COLLATE "C", effective_from`,
      [manufacturer ?? null],
    );
    return r.rows.map((x) => json<Commitment>(x.doc));
  }
}
