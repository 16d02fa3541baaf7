import type { ByteWriter } from './byte-writer.ts';
import type { DeviceEvent, Sample } from '../core/index.ts';
import type { DeviceContext } from './validate.ts';

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
  /**
   * Optional: the backend's own wire form of telemetry, made by ingest in the same pass that
   * checks a message and spooled with it, so the drainer writes bytes without decoding them.
   */
  readonly encoding?: TelemetryEncoding;
  writeEvents(events: readonly DeviceEvent[]): Promise<void>;
  query(q: TelemetryQuery): Promise<Point[]>;
  latest(deviceId: string): Promise<LatestValues>;
  events(q: EventQuery): Promise<DeviceEvent[]>;
  /** Resolves when the backend answers; rejects otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A backend's wire form of telemetry (InfluxDB: line protocol). Ingest encodes each accepted
 * message as it checks it and spools the result beside the payload; the drainer passes what was
 * spooled to `write`. Records spooled without it, or under another encoding, are decoded into
 * samples and go through `TelemetryStore.write` as before.
 */
export interface TelemetryEncoding {
  /** Names the encoding in spooled records (1–255): bump it when the wire form changes. */
  readonly id: number;
  /** An encoder for ingest's hot path; ingest keeps one and reuses it for every message. */
  encoder(): TelemetryEncoder;
  /**
   * Stores encoded telemetry: what encoders made, one message's encoding after another, the
   * same points as `TelemetryStore.write` of the messages' samples.
   */
  write(encoded: readonly Uint8Array[]): Promise<void>;
}

/**
 * Encodes one message at a time, as ingest's check reads its payload (validate.ts): `start`,
 * then one `metric` per catalogued metric the check accepted (by its index in the category's
 * catalogue, telemetry-scan.ts) and one `entry` per reading set. A payload the reader declines
 * (ISO timestamps, unknown metrics…) is decoded by the general path and handed over with
 * `samples`. Throws what the backend cannot store (a name it cannot write faithfully).
 */
export interface TelemetryEncoder {
  /** Starts the message of `dev`: its encoding is appended to `out` from here on. */
  start(dev: DeviceContext, out: ByteWriter): void;
  /**
   * A metric of the reading set being read: catalogue entry `index` of the device's category,
   * its value as written (`b[valueStart..valueEnd)`, a JSON number) and as a number.
   */
  metric(index: number, b: Buffer, valueStart: number, valueEnd: number, value: number): void;
  /** The end of a reading set: its timestamp as written and as a number (not rounded). */
  entry(b: Buffer, ts: number, tsStart: number, tsEnd: number): void;
  /** Drops what was written since `start` (the reader declined the payload after all). */
  reset(): void;
  /** Encodes the started message from samples instead, dropping what the reader's calls wrote. */
  samples(samples: readonly Sample[]): void;
}
