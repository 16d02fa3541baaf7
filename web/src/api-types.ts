/**
 * The API's answers as the staff pages read them. Alerts come straight from the service's zod
 * definitions (type-only imports: nothing of the server is bundled); the rest mirror the
 * schemas in /docs (DeviceHealth, DeviceCommand, Device, the fleet overview).
 */
import type { Alert, AlertHistoryEntry, AlertSeverity } from '../../diagnostics/index.ts';

export type { Alert, AlertHistoryEntry, AlertSeverity };

/** One server-sent event of `/api/v1/alerts/stream` (`AlertNotification` in diagnostics). */
export interface AlertNotification {
  type: `alert.${string}`;
  at: string;
  alert: Alert;
  suppressed: number;
}

export const SEVERITIES = ['critical', 'major', 'minor', 'info'] as const;
export const STATUSES = ['open', 'acknowledged', 'resolved', 'dismissed'] as const;

export interface AlertList {
  alerts: Alert[];
  total: number;
  limit: number;
  offset: number;
}

export interface Device {
  id: string;
  category: string;
  model: string;
  serial: string;
  disabled: boolean;
  online: boolean;
  createdAt: string;
  lastSeenAt: string | null;
}

export interface DeviceList {
  devices: Device[];
  total: number;
}

/** `DeviceHealth`: 0–100 per device and mode; each sensor's contribution in points taken off. */
export interface Health {
  deviceId: string;
  category: string;
  ts: string | null;
  score: number;
  modes: Array<{
    modeId: string;
    score: number;
    indicator: number | null;
    contributions: Array<{
      metric: string;
      points: number | null;
      value: number | null;
      baseline: number | null;
    }>;
    rul: {
      rulMs: number | null;
      lowMs: number | null;
      highMs: number | null;
      confidence: number;
    } | null;
  }>;
}

/** `DeviceCommand`: one remote-diagnosis command and the device's reply. */
export interface CommandRecord {
  requestId: string;
  deviceId: string;
  name: string;
  args: unknown;
  requestedBy: string | null;
  requestedAt: string;
  timeoutMs: number;
  status: 'pending' | 'ok' | 'error' | 'timeout';
  result: unknown;
  error: string | null;
  completedAt: string | null;
}

export interface Points {
  deviceId: string;
  metric: string;
  points: Array<{ ts: string; value: number }>;
}

/** `POST /api/v1/repair-orders` → 201 (contract agreed with the repair-order work). */
export interface RepairOrder {
  id: string;
  status: string;
  serial: string;
  deviceId: string;
  alertIds: string[];
  suspectedComponent?: string;
  partsCalledFor?: string[];
}

/** `GET /api/v1/fleet/overview` (roles manufacturer, admin; `?category=`). */
export interface FleetOverview {
  generatedAt: string;
  /** Whose fleet: a manufacturer token sees its own units and their devices. */
  scope?: { manufacturer: string | null; category: string | null };
  devices: { total: number; online: number; offline: number; disabled: number };
  health: {
    scored: number;
    buckets: Array<{ from: number; to: number; count: number }>;
    /** Scored from a saved detector state (a device another cluster node holds). */
    fromSavedState: number;
    /** When the oldest of those was saved (≤ 5 min plus, normally); null when all are live. */
    oldestSavedAt: string | null;
  };
  alerts: {
    open: number;
    byModeSeverity: Array<{ category: string; mode: string; severity: string; count: number }>;
  };
  failures: {
    byModel: Array<{
      category: string;
      model: string;
      units: number;
      failedUnits: number;
      repairs: number;
      unitYears: number;
      ratePerUnitYear: number | null;
      mtbfDays: number | null;
    }>;
    byComponent: Array<{
      category: string;
      component: string;
      failedUnits: number;
      repairs: number;
      ratePerUnitYear: number | null;
    }>;
  };
  remedies: Array<{ remedy: 'repair' | 'exchange' | 'return'; count: number; costCNY: number }>;
}
