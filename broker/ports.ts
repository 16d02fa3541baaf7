import type { Category } from '../core/index.ts';
import type { DeviceRegistry } from '../devices/index.ts';

/**
 * The device a message comes from, as the broker hands it to ingest: one object per connection,
 * the same for each of its messages, so ingest may keep per-device state on it.
 */
export interface PublishingDevice {
  deviceId: string;
  category: Category;
  model: string;
}

/** Ingest's verdict on one message; with `durable` asked for, `durable` settles once it is on disk. */
export type IngestVerdict =
  | { ok: true; durable?: Promise<void> }
  | { ok: false; reason: string; message: string; details?: unknown };

/** A message ingest accepted, whose store later refused it for good (dead-lettered). */
export interface RefusedMessage {
  deviceId: string;
  kind: 'telemetry' | 'events';
  /** Samples or events of the message. */
  items: number;
  /** The store's error code, if it gave one. */
  code?: string;
}

/**
 * What the broker needs from ingest: protocol stays here, ingest sees payloads and devices. The
 * composition root (app/service.ts) plugs ingest in; the broker imports nothing of it.
 */
export interface IngestPort {
  /**
   * Ingest's verdict, at once; with `durable`, `durable` settles once the message is on disk.
   * Throws when it cannot take the message now (see `isFull`).
   */
  admit(
    kind: 'telemetry' | 'events',
    dev: PublishingDevice,
    payload: Buffer,
    durable: boolean,
  ): IngestVerdict;
  /** Whether an error `admit` threw means it has no room for the message now (its spool is full). */
  isFull(err: unknown): boolean;
  /** A device authenticated: ingest may prepare what it keeps on `dev` before its first message. */
  prepareDevice(dev: PublishingDevice): void;
  /** The store is up but not keeping up with what is admitted. */
  readonly behind: boolean;
  /** Resolves once it is no longer behind. */
  caughtUp(): Promise<void>;
  /** Tells of each message the store refused for good after it was accepted (dead-lettered). */
  onRefused?(listener: (r: RefusedMessage) => void): void;
}

/**
 * What the broker needs from the device registry: checking credentials, marking presence; in a
 * cluster, sharing changes of credentials between the nodes' caches of verified secrets.
 */
export type DeviceDirectory = Pick<DeviceRegistry, 'authenticate' | 'markOnline'> &
  Partial<Pick<DeviceRegistry, 'onCredentialsChanged' | 'forgetVerified'>>;
