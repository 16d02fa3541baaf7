import type { DeviceEvent, Sample } from '../core/index.ts';
import { decodeSpoolBody, encodedPart, pushSamples, readRecordParts } from './spool-codec.ts';
import type { TelemetryStore } from './telemetry-store.ts';

/**
 * Store errors that retrying cannot fix (the store refused the data itself, e.g. a field type
 * another writer fixed differently). Anything else (connection refused, timeouts, 5xx) is
 * transient: the batch stays in the spool and is retried.
 */
const PERMANENT = new Set([
  'INGEST_ERR_INFLUX_BAD_NAME',
  'INGEST_ERR_INFLUX_BAD_VALUE',
  'INGEST_ERR_INFLUX_REJECTED',
]);

/** Whether the store refused the data itself, for good (see PERMANENT). */
export function isPermanent(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  // SQLSTATE class 22 (data exception) is the SQL equivalent.
  return typeof code === 'string' && (PERMANENT.has(code) || /^22[0-9A-Z]{3}$/.test(code));
}

/** Spool records read back for one store write: what the store gets, and what listeners hear. */
export interface Batch {
  /** Telemetry spooled with the store's encoding: these bytes go to the store as they are. */
  encoded: Buffer[];
  /** Samples the store gets through write(): records without the store's encoding. */
  toWrite: Sample[];
  /** Samples of the records listeners hear (from `hearFrom` on), in spool order. */
  heard: Sample[];
  /** Events of those records. */
  heardEvents: DeviceEvent[];
  events: DeviceEvent[];
  /** Samples and events the store keeps when the batch is written. */
  items: number;
}

/**
 * Reads spool record bodies into a batch. Telemetry spooled with the store's encoding
 * (`encodingId`) is passed on as bytes; samples are decoded only for records without it and for
 * listeners, who hear the records from index `hearFrom` on (none by default).
 */
export function readBatch(
  bodies: readonly Buffer[],
  encodingId: number | undefined,
  hearFrom = bodies.length,
): Batch {
  const b: Batch = { encoded: [], toWrite: [], heard: [], heardEvents: [], events: [], items: 0 };
  for (let i = 0; i < bodies.length; i++) {
    const body = bodies[i]!;
    const listening = i >= hearFrom;
    const parts = readRecordParts(body);
    const asEncoded = parts?.kind === 's' && parts.encoding !== 0 && parts.encoding === encodingId;
    if (asEncoded) {
      b.encoded.push(encodedPart(body, parts));
      b.items += parts.items;
      if (!listening) continue;
    }
    if (parts?.kind === 's') {
      // Decoded straight into the batch's arrays (the drainer's path for nearly every record).
      if (!listening) {
        pushSamples(body, parts, b.toWrite);
        continue;
      }
      const from = b.heard.length;
      const n = pushSamples(body, parts, b.heard);
      if (!asEncoded) for (let k = from; k < from + n; k++) b.toWrite.push(b.heard[k]!);
      continue;
    }
    const r = decodeSpoolBody(body, parts);
    if (r.k === 'e') {
      for (const x of r.d) {
        b.events.push(x);
        if (listening) b.heardEvents.push(x);
      }
      continue;
    }
    for (const x of r.d) {
      if (listening) b.heard.push(x);
      if (!asEncoded) b.toWrite.push(x);
    }
  }
  b.items += b.toWrite.length + b.events.length;
  return b;
}

/** Writes a batch: encoded telemetry, then samples, then events. Every write is idempotent. */
export async function writeBatch(store: TelemetryStore, b: Batch): Promise<void> {
  if (b.encoded.length) await store.encoding!.write(b.encoded);
  if (b.toWrite.length) await store.write(b.toWrite);
  if (b.events.length) await store.writeEvents(b.events);
}

/** One spool record (one MQTT message) the store refused for good. */
export interface RefusedRecord {
  deviceId: string;
  kind: 'telemetry' | 'events';
  samples: Sample[];
  events: DeviceEvent[];
  err: Error;
}

/**
 * After the store refused a whole batch for good: writes it again in halves, and halves of
 * those, until every refusal is a single record (one device's message). Only those are refused;
 * the rest of the batch is stored. Before, one bad message cost every device whose messages
 * shared its ~100 ms batch their data (issue 24). A batch with r bad records of n costs about
 * 2·r·log2(n) more writes; writes are idempotent, so a half written before it failed is simply
 * written again. A transient error on the way is thrown: the caller retries the whole batch.
 * Returns the batches stored, in spool order, and the records refused.
 */
export async function writeBisecting(
  store: TelemetryStore,
  bodies: readonly Buffer[],
  err: Error,
): Promise<{ stored: Batch[]; refused: RefusedRecord[] }> {
  const stored: Batch[] = [];
  const refused: RefusedRecord[] = [];
  const encodingId = store.encoding?.id;
  const split = async (part: readonly Buffer[], failed: Error): Promise<void> => {
    if (part.length === 1) {
      refused.push(refusedRecord(part[0]!, failed));
      return;
    }
    const mid = part.length >> 1;
    for (const half of [part.slice(0, mid), part.slice(mid)]) {
      const batch = readBatch(half, encodingId);
      try {
        await writeBatch(store, batch);
        stored.push(batch);
      } catch (e) {
        if (!isPermanent(e)) throw e;
        await split(half, e as Error);
      }
    }
  };
  await split(bodies, err);
  return { stored, refused };
}

function refusedRecord(body: Buffer, err: Error): RefusedRecord {
  const r = decodeSpoolBody(body);
  const first = r.d[0];
  return {
    deviceId: first?.deviceId ?? '',
    kind: r.k === 's' ? 'telemetry' : 'events',
    samples: r.k === 's' ? r.d : [],
    events: r.k === 'e' ? r.d : [],
    err,
  };
}
