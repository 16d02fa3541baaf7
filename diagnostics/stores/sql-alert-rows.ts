import type { Alert } from '../alert-schemas.ts';

/** Row shapes of migration 200 and their mapping to the API's types. */

export type Stamp = Date | string | null;
export interface AlertRow {
  id: string;
  device_id: string;
  category: string;
  model: string;
  mode_id: string;
  mode_name: string;
  component: string;
  severity: Alert['severity'];
  status: Alert['status'];
  revision: number;
  detected_at: Stamp;
  opened_at: Stamp;
  updated_at: Stamp;
  predicted_failure: Alert['predictedFailure'];
  evidence: Alert['evidence'];
  action: Alert['action'];
  parts: string[];
  names: Alert['names'];
  assignee: string | null;
  acknowledged_by: string | null;
  acknowledged_at: Stamp;
  closed_by: string | null;
  closed_at: Stamp;
  repair_ref: string | null;
  dismiss_reason: string | null;
  escalations: number;
  escalated_at: Stamp;
}

export const iso = (ms: number) => new Date(ms).toISOString();
export const ts = (v: Stamp) => (v === null ? null : new Date(v).toISOString());
// jsonb comes back parsed from both drivers; a string would mean a driver changed its mind.
export const json = <T>(v: T | string): T => (typeof v === 'string' ? (JSON.parse(v) as T) : v);

/** An alerts row as the API type. */
export function toAlert(r: AlertRow): Alert {
  return {
    id: r.id,
    deviceId: r.device_id,
    category: r.category,
    model: r.model,
    modeId: r.mode_id,
    modeName: r.mode_name,
    component: r.component,
    severity: r.severity,
    status: r.status,
    revision: Number(r.revision),
    detectedAt: ts(r.detected_at)!,
    openedAt: ts(r.opened_at)!,
    updatedAt: ts(r.updated_at)!,
    predictedFailure: r.predicted_failure === null ? null : json(r.predicted_failure),
    evidence: json(r.evidence),
    action: json(r.action),
    parts: json(r.parts),
    names: r.names === null || r.names === undefined ? null : json(r.names),
    assignee: r.assignee,
    acknowledgedBy: r.acknowledged_by,
    acknowledgedAt: ts(r.acknowledged_at),
    closedBy: r.closed_by,
    closedAt: ts(r.closed_at),
    repairRef: r.repair_ref,
    dismissReason: r.dismiss_reason,
    escalations: Number(r.escalations),
    escalatedAt: ts(r.escalated_at),
  };
}
