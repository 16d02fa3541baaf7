import type { Category } from './categories.ts';

/**
 * One normalised telemetry reading set: what ingest hands to storage and diagnostics.
 * Protocol details (topics, packets) never get past the broker (docs/style.md §4).
 */
export interface Sample {
  deviceId: string;
  category: Category;
  model: string;
  /** Epoch milliseconds, taken from the device's payload. */
  ts: number;
  /** Open map of metric name → finite number. */
  metrics: Record<string, number>;
}

/** A fault or error code the device reported itself (appliance codes, OBD-II DTCs). */
export interface DeviceEvent {
  deviceId: string;
  category: Category;
  model: string;
  ts: number;
  code: string;
  severity: 'info' | 'warning' | 'error' | 'critical';
  detail?: string;
}
