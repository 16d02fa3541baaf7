import type { Alert, AlertComment, AlertEvidence, AlertHistoryEntry } from './alert-schemas.ts';
import type { AlertCandidate, Severity } from './types.ts';

export type {
  Alert,
  AlertComment,
  AlertHistoryEntry,
  AlertStatus,
  AlertSeverity,
} from './alert-schemas.ts';

/** How an upsert changed the store. */
export type UpsertChange = 'opened' | 'raised' | 'unchanged';

/** Filters of {@link AlertStore.list}; every field optional, combined with AND. */
export interface AlertFilter {
  status?: Alert['status'];
  deviceId?: string;
  modeId?: string;
  severity?: Severity;
  category?: string;
  assignee?: string;
  /**
   * Only alerts of devices of this manufacturer: devices linked to one of its warranty units
   * (core/tenant.ts). The total counts only those.
   */
  manufacturer?: string;
  limit?: number;
  offset?: number;
}

/**
 * Persistence of the alert lifecycle (docs/design.md "Diagnostics"): one active (open or
 * acknowledged) alert per device and failure mode; open → acknowledged → resolved | dismissed
 * (open may be resolved or dismissed directly); every change kept in the alert's history.
 * Times are epoch ms from the caller's clock, so tests control them.
 * Refused transitions throw `DiagnosticsErrors.IllegalTransition`, unknown ids
 * `DiagnosticsErrors.UnknownAlert` (diagnostics/errors.ts).
 */
export interface AlertStore {
  /**
   * Opens an alert for the candidate, or updates the active one of its device and mode:
   * a higher severity raises it (recorded); anything else refreshes its evidence only.
   */
  upsert(candidate: AlertCandidate, at: number): Promise<{ alert: Alert; change: UpsertChange }>;
  get(id: string): Promise<Alert | undefined>;
  /** Newest first, with the number of matches before pagination. */
  list(filter: AlertFilter): Promise<{ alerts: Alert[]; total: number }>;
  acknowledge(id: string, by: string, at: number): Promise<Alert>;
  resolve(id: string, by: string, at: number, repairRef?: string): Promise<Alert>;
  dismiss(id: string, by: string, at: number, reason: string): Promise<Alert>;
  /** Sets (or with null clears) the assignee of an alert that is not closed. */
  assign(id: string, assignee: string | null, by: string, at: number): Promise<Alert>;
  addComment(id: string, author: string, text: string, at: number): Promise<AlertComment>;
  comments(id: string): Promise<AlertComment[]>;
  /** State changes in order, oldest first. */
  history(id: string): Promise<AlertHistoryEntry[]>;
  /**
   * Open (not acknowledged) alerts whose last escalation, or opening if never escalated, is at
   * or before `before`, oldest first.
   */
  dueForEscalation(before: number, limit?: number): Promise<Alert[]>;
  /** Records an escalation: new severity (may be unchanged at critical), count and time. */
  escalate(id: string, severity: Severity, at: number): Promise<Alert>;
  /**
   * The timer's escalation, as a claim: escalates only if the alert is still open and due (its
   * last escalation, or opening, at or before `dueBefore`); undefined when it is not, because
   * another node's timer escalated it first or someone acknowledged it meanwhile.
   */
  escalateIfDue(
    id: string,
    severity: Severity,
    at: number,
    dueBefore: number,
  ): Promise<Alert | undefined>;
  close(): Promise<void>;
}

const iso = (ms: number) => new Date(ms).toISOString();
const finite = (x: number) => (Number.isFinite(x) ? x : null);
const isoOrNull = (ms: number) => (Number.isFinite(ms) ? iso(ms) : null);

/** The JSON parts of a candidate as stored: non-finite numbers become null (JSON has none). */
export function storedParts(c: AlertCandidate): {
  evidence: AlertEvidence[];
  predictedFailure: Alert['predictedFailure'];
} {
  const p = c.predictedFailure;
  return {
    evidence: c.evidence.map((e) => ({
      detector: e.detector,
      metrics: [...e.metrics],
      windowStart: iso(e.windowStart),
      windowEnd: iso(e.windowEnd),
      findings: e.findings.map((f) => ({
        metric: f.metric,
        value: finite(f.value),
        expected: finite(f.expected),
        score: finite(f.score),
      })),
      contributions: e.contributions.map((k) => ({
        metric: k.metric,
        points: finite(k.points),
        value: finite(k.value),
        baseline: finite(k.baseline),
      })),
      message: e.message,
      ...(e.model
        ? {
            model: {
              ...e.model,
              rul: finite(e.model.rul),
              lower: finite(e.model.lower),
              upper: finite(e.model.upper),
            },
          }
        : {}),
    })),
    predictedFailure:
      p && Number.isFinite(p.at) && Number.isFinite(p.earliest)
        ? {
            at: iso(p.at),
            earliest: iso(p.earliest),
            latest: isoOrNull(p.latest),
            confidence: p.confidence,
          }
        : null,
  };
}
