import type { Commitment } from './commitment.ts';
import type { Finding, FindingFilter, NewFinding } from './findings.ts';
import type { NewEvent } from './lifecycle.ts';
import type { Case, CaseEvent } from './model.ts';

/**
 * The cases module's storage ports (docs/style.md §1). Every backend passes the contract suite in
 * case-store.contract.ts (PGlite and PostgreSQL). Inputs are already validated.
 *
 * The invariant: a case change, its timeline events, the findings it made and the
 * notifications it owes are written together or not at all (`insert`, `transition`), so a
 * notification is never sent for a change that did not happen, nor lost for one that did;
 * findings are idempotent on their `dedupeKey`, so nothing is counted twice.
 */
export interface CaseWrite {
  next: Case;
  events: NewEvent[];
  findings: NewFinding[];
  notifications: NewNotification[];
  openSurvey?: boolean | undefined;
}

export interface NewNotification {
  caseId: string | null;
  serial: string | null;
  event: string;
  channel: 'email' | 'webhook';
  /** An email address, or a webhook id. */
  target: string;
  payload: Record<string, unknown>;
  /** When the change happened (the case clock). */
  createdAt: string;
  /** When to try first: delivery runs on wall time, whatever the case clock says. */
  firstAttemptAt: string;
}

export interface Notification extends Omit<NewNotification, 'firstAttemptAt'> {
  id: string;
  status: 'pending' | 'sent' | 'failed';
  attempts: number;
  nextAttemptAt: string;
  lastError: string | null;
  log: Array<{ at: string; ok: boolean; error?: string }>;
  sentAt: string | null;
}

export interface CaseFilter {
  status?: Case['status'] | undefined;
  kind?: Case['kind'] | undefined;
  manufacturer?: string | undefined;
  outletId?: string | undefined;
  serial?: string | undefined;
  escalation?: Case['escalation'] | undefined;
  /** Only cases with at least one finding. */
  flagged?: boolean | undefined;
  limit: number;
  offset: number;
}

export interface Survey {
  caseId: string;
  serial: string;
  category: string;
  manufacturer: string | null;
  outletId: string | null;
  createdAt: string;
  answeredAt: string | null;
  score: number | null;
  resolved: boolean | null;
  comment: string | null;
}

/** An owner's wish to hear about predictive alerts on their unit. */
export interface Subscription {
  serial: string;
  email: string | null;
  phone: string | null;
  alerts: boolean;
  webhook: boolean;
  updatedAt: string;
}

export interface Webhook {
  id: string;
  manufacturer: string | null;
  url: string;
  secret: string;
  createdAt: string;
  createdBy: string;
}

/** A period of instants, `from` inclusive, `to` exclusive. */
export interface Span {
  from: string;
  to: string;
  manufacturer?: string | undefined;
}

/** Who a figure is about: an outlet, a seller, a maker. */
export type PartyColumn = 'outlet' | 'seller' | 'maker';

export interface CaseStats {
  party: string | null;
  cases: number;
  closed: number;
  deadlinesMet: number;
  deadlinesMissed: number;
}

export interface FindingCount {
  party: string | null;
  rule: string;
  status: 'open' | 'rectified' | 'dismissed';
  n: number;
}

export interface CaseStore {
  /** A new case with what its opening did. */
  insert(w: CaseWrite): Promise<Case>;
  get(id: string): Promise<Case | undefined>;
  /**
   * Reads the case under a row lock, gives it to `step` (synchronous: no other query may run
   * inside), and writes what it returns, with `version` + 1. `null` writes nothing.
   * CASES_ERR_UNKNOWN_CASE when there is no such case.
   */
  transition(id: string, step: (c: Case) => CaseWrite | null): Promise<Case>;
  list(f: CaseFilter): Promise<{ cases: Case[]; total: number }>;
  /** A unit's cases, newest first. */
  ofUnit(serial: string): Promise<Case[]>;
  events(caseId: string): Promise<CaseEvent[]>;
  /** Ids of cases not closed whose deadlines need a look at `now`. */
  due(now: string, limit: number): Promise<string[]>;

  /** Cases opened in the span, per party, with their deadlines met and missed. */
  caseStats(span: Span, by: PartyColumn): Promise<CaseStats[]>;

  getSurvey(caseId: string): Promise<Survey | undefined>;
  /**
   * Records the owner's answer once: CASES_ERR_NO_SURVEY when the case has none yet,
   * CASES_ERR_SURVEY_ANSWERED the second time (atomically: two answers at once store one).
   */
  answerSurvey(
    caseId: string,
    a: { score: number; resolved: boolean; comment?: string | undefined },
    at: string,
  ): Promise<Survey>;
  /** Answered surveys in the span (by answer time). */
  surveys(span: Span): Promise<Survey[]>;

  /**
   * Notifications due at `now`, leased for `leaseMs` (their next attempt moved past it) so two
   * workers never send the same one at once.
   */
  claimNotifications(now: string, leaseMs: number, limit: number): Promise<Notification[]>;
  /** The outcome of one attempt: sent, or failed with the next attempt (null = given up). */
  recordAttempt(
    id: string,
    r: { at: string; ok: boolean; error?: string; nextAttemptAt: string | null },
  ): Promise<void>;
  notifications(caseId: string): Promise<Notification[]>;
  /** Notifications not about a case (alerts for an owner), by serial. */
  enqueue(n: NewNotification[]): Promise<void>;

  /** Creates or replaces the owner's subscription of a unit. */
  subscribe(s: Subscription): Promise<Subscription>;
  subscription(serial: string): Promise<Subscription | undefined>;
  /** Notifications about a unit not tied to a case (predictive alerts), oldest first. */
  unitNotifications(serial: string): Promise<Notification[]>;

  addWebhook(w: Omit<Webhook, 'id'>): Promise<Webhook>;
  /** The webhooks of `manufacturer` and those for every maker; all when undefined. */
  webhooks(manufacturer?: string | null): Promise<Webhook[]>;
  deleteWebhook(id: string): Promise<boolean>;

  /**
   * Appends a version of a maker's service commitment: CASES_ERR_COMMITMENT_CONFLICT when its
   * label or effective date is taken or it is not later than the latest version.
   */
  appendCommitment(c: Commitment, meta: { savedAt: string; savedBy: string }): Promise<Commitment>;
  commitments(manufacturer?: string): Promise<Commitment[]>;
}

export interface Disclosure {
  id: string;
  party: { kind: 'outlet' | 'seller' | 'maker'; id: string; name: string };
  findingIds: string[];
  summary: string;
  blacklisted: boolean;
  blacklistReason: string | null;
  publishedAt: string;
  publishedBy: string;
}

export interface OutletAuthorization {
  seq: number;
  manufacturer: string | null;
  name: string;
  authorizedFrom: string;
  authorizedTo: string | null;
  recordedAt: string;
}

export interface ComplianceStore {
  /** Stores the findings not stored yet (by dedupeKey); returns those it stored. */
  record(fs: readonly NewFinding[]): Promise<Finding[]>;
  get(id: string): Promise<Finding | undefined>;
  /** Findings detected in the span, counted per party, rule and status. */
  count(span: Span, by: PartyColumn): Promise<FindingCount[]>;
  list(f: FindingFilter): Promise<{ findings: Finding[]; total: number }>;
  /** open → rectified, once: CASES_ERR_FINDING_CLOSED otherwise. */
  rectify(
    id: string,
    r: { by: string; at: string; action: string; evidence?: string | undefined },
  ): Promise<Finding>;
  /** open → dismissed, once. */
  dismiss(id: string, d: { by: string; at: string; reason: string }): Promise<Finding>;
  /** A regulator confirms the findings (not dismissed ones); returns them. */
  confirm(ids: readonly string[], by: string, at: string): Promise<Finding[]>;
  publish(d: Omit<Disclosure, 'id'>): Promise<Disclosure>;
  disclosures(): Promise<Disclosure[]>;
  /** Every recorded authorization of an outlet, oldest first (kept by the database). */
  outletHistory(outletId: string): Promise<OutletAuthorization[]>;
}
