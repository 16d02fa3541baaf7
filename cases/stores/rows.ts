import type { Finding } from '../findings.ts';
import type { Case, CaseEvent } from '../model.ts';
import type { Notification, Survey, Webhook } from '../store.ts';

/** Row ↔ object conversions of the cases tables (migrations 400 and 401). */

type Instant = Date | string;
/** An instant column as ISO 8601 (UTC). */
export const iso = (v: Instant): string => new Date(v).toISOString();
export const isoOrNull = (v: Instant | null): string | null => (v === null ? null : iso(v));
/** jsonb arrives parsed from both drivers; a string is parsed (defensive). */
export const json = <T>(v: unknown): T => (typeof v === 'string' ? JSON.parse(v) : v) as T;

export interface CaseRow {
  id: string;
  kind: Case['kind'];
  status: Case['status'];
  serial: string;
  category: string;
  model: string;
  manufacturer: string | null;
  seller: string | null;
  outlet_id: string | null;
  assignee: string | null;
  channel: Case['channel'];
  opened_by: string;
  opened_at: Instant;
  body: unknown;
  decision: unknown;
  deadlines: unknown;
  escalation: Case['escalation'];
  answer: unknown;
  resolution: unknown;
  repeat_of: string | null;
  closed_at: Instant | null;
  version: number;
}

export const toCase = (r: CaseRow): Case => ({
  id: r.id,
  kind: r.kind,
  status: r.status,
  serial: r.serial,
  category: r.category,
  model: r.model,
  manufacturer: r.manufacturer,
  seller: r.seller,
  outletId: r.outlet_id,
  assignee: r.assignee,
  channel: r.channel,
  openedBy: r.opened_by,
  openedAt: iso(r.opened_at),
  request: json(r.body),
  decision: r.decision === null ? null : json(r.decision),
  deadlines: json(r.deadlines),
  escalation: r.escalation,
  answer: r.answer === null ? null : json(r.answer),
  resolution: r.resolution === null ? null : json(r.resolution),
  repeatOf: r.repeat_of,
  closedAt: isoOrNull(r.closed_at),
  version: r.version,
});

export const toEvent = (r: {
  seq: number;
  at: Instant;
  actor: string;
  type: CaseEvent['type'];
  data: unknown;
}): CaseEvent => ({ seq: r.seq, at: iso(r.at), actor: r.actor, type: r.type, data: json(r.data) });

export interface SurveyRow {
  case_id: string;
  serial: string;
  category: string;
  manufacturer: string | null;
  outlet_id: string | null;
  created_at: Instant;
  answered_at: Instant | null;
  score: number | null;
  resolved: boolean | null;
  comment: string | null;
}
export const toSurvey = (r: SurveyRow): Survey => ({
  caseId: r.case_id,
  serial: r.serial,
  category: r.category,
  manufacturer: r.manufacturer,
  outletId: r.outlet_id,
  createdAt: iso(r.created_at),
  answeredAt: isoOrNull(r.answered_at),
  score: r.score,
  resolved: r.resolved,
  comment: r.comment,
});

export interface NotificationRow {
  id: string;
  case_id: string | null;
  serial: string | null;
  event: string;
  channel: 'email' | 'webhook';
  target: string;
  payload: unknown;
  status: Notification['status'];
  attempts: number;
  next_attempt_at: Instant;
  last_error: string | null;
  log: unknown;
  created_at: Instant;
  sent_at: Instant | null;
}
export const toNotification = (r: NotificationRow): Notification => ({
  id: r.id,
  caseId: r.case_id,
  serial: r.serial,
  event: r.event,
  channel: r.channel,
  target: r.target,
  payload: json(r.payload),
  status: r.status,
  attempts: r.attempts,
  nextAttemptAt: iso(r.next_attempt_at),
  lastError: r.last_error,
  log: json(r.log),
  createdAt: iso(r.created_at),
  sentAt: isoOrNull(r.sent_at),
});

export const toWebhook = (r: {
  id: string;
  manufacturer: string | null;
  url: string;
  secret: string;
  created_at: Instant;
  created_by: string;
}): Webhook => ({
  id: r.id,
  manufacturer: r.manufacturer,
  url: r.url,
  secret: r.secret,
  createdAt: iso(r.created_at),
  createdBy: r.created_by,
});

export interface FindingRow {
  id: string;
  source: Finding['source'];
  rule: string;
  severity: Finding['severity'];
  clause: string;
  message: unknown;
  evidence: unknown;
  case_id: string | null;
  serial: string | null;
  record_seq: number | null;
  category: string | null;
  outlet_id: string | null;
  seller: string | null;
  manufacturer: string | null;
  detected_at: Instant;
  status: Finding['status'];
  confirmed_at: Instant | null;
  confirmed_by: string | null;
  rectification: unknown;
  dismissal: unknown;
}
export const toFinding = (r: FindingRow): Finding => ({
  id: r.id,
  source: r.source,
  rule: r.rule,
  severity: r.severity,
  clause: r.clause,
  message: json(r.message),
  evidence: json(r.evidence),
  caseId: r.case_id,
  serial: r.serial,
  recordSeq: r.record_seq,
  category: r.category,
  outletId: r.outlet_id,
  seller: r.seller,
  manufacturer: r.manufacturer,
  detectedAt: iso(r.detected_at),
  status: r.status,
  confirmedAt: isoOrNull(r.confirmed_at),
  confirmedBy: r.confirmed_by,
  rectification: r.rectification === null ? null : json(r.rectification),
  dismissal: r.dismissal === null ? null : json(r.dismissal),
});
