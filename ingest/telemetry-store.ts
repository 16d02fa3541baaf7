import type { DeviceEvent, Sample } from './sample.ts';

export const AGGREGATES = ['mean', 'min', 'max', 'count'] as const;
export type Aggregate = (typeof AGGREGATES)[number];

export interface TelemetryQuery {
  deviceId: string;
  metric: string;
  /** Inclusive lower bound, epoch ms. */
  from: number;
  /** Exclusive upper bound, epoch ms. */
  to: number;
  /**
   * Window length in ms for aggregation. Windows are aligned to the Unix epoch
   * (floor(ts / every) * every), the same as InfluxQL's GROUP BY time().
   */
  every?: number;
  agg?: Aggregate;
  /** Maximum points returned, oldest first. */
  limit: number;
}

export interface Point {
  ts: number;
  value: number;
}

export interface LatestValues {
  /** metric → its most recent value and when it was reported. */
  [metric: string]: Point;
}

export interface EventQuery {
  deviceId: string;
  from: number;
  to: number;
  limit: number;
}

/**
 * Where telemetry lives. Every backend (SQL on PGlite or PostgreSQL, InfluxDB 1.x, InfluxDB 2.x)
 * passes `describeTelemetryStoreContract` in telemetry-store.contract.ts.
 *
 * Writes are idempotent: a sample is identified by (device, metric, ts), and writing it again
 * (a spool replay, an MQTT redelivery) leaves one point. That is what turns the spool's
 * at-least-once replay into exactly-once storage.
 */
export interface TelemetryStore {
  readonly name: string;
  /** Create what the backend needs (tables, database, retention policies). Idempotent. */
  init(): Promise<void>;
  write(samples: readonly Sample[]): Promise<void>;
  writeEvents(events: readonly DeviceEvent[]): Promise<void>;
  query(q: TelemetryQuery): Promise<Point[]>;
  latest(deviceId: string): Promise<LatestValues>;
  events(q: EventQuery): Promise<DeviceEvent[]>;
  /** Resolves when the backend answers; rejects otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
