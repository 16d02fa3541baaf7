import { crc32 } from 'node:zlib';
import type { Category } from './categories.ts';
import type { SpoolRecord } from './spool.ts';
import type { DeviceContext } from './validate.ts';

/**
 * On-disk form of a spooled message: the device and the payload exactly as it arrived, already
 * validated. Copying bytes costs a fraction of re-serialising the samples on the hot path; the
 * payload is parsed again only when the spool is read back from disk (recovery, long outages),
 * and then without the checks it already passed — a catalogue change between runs must not
 * refuse a message that was acknowledged.
 *
 * Layout: 0x01, kind ('s' | 'e'), then device id, category and model each as u16 length + UTF-8,
 * then the payload. A body starting with '{' is the plain JSON form (`JSON.stringify(record)`).
 */
const MAGIC = 0x01;

/** A record's on-disk form before the payload, and its CRC-32 (the spool continues it). */
export interface SpoolHead {
  bytes: Buffer;
  crc: number;
}

const heads = {
  s: new WeakMap<DeviceContext, SpoolHead>(),
  e: new WeakMap<DeviceContext, SpoolHead>(),
};

/**
 * The part of a record's on-disk form before the payload: magic, kind and the device. The same
 * for every message of a connection, so it is built once per device context (the broker keeps
 * one per connection) and the spool copies it and the payload into its group buffer.
 */
export function spoolHead(kind: 's' | 'e', dev: DeviceContext): SpoolHead {
  const cache = kind === 's' ? heads.s : heads.e;
  let h = cache.get(dev);
  if (!h) cache.set(dev, (h = headOf(encodeHead(kind, dev))));
  return h;
}

const headOf = (bytes: Buffer): SpoolHead => ({ bytes, crc: crc32(bytes) });

function encodeHead(kind: 's' | 'e', dev: DeviceContext): Buffer {
  const parts = [dev.deviceId, dev.category, dev.model].map((s) => Buffer.from(s, 'utf8'));
  const out = Buffer.alloc(2 + parts.reduce((n, p) => n + 2 + p.length, 0));
  out[0] = MAGIC;
  out[1] = kind.charCodeAt(0);
  let off = 2;
  for (const p of parts) {
    out.writeUInt16LE(p.length, off);
    p.copy(out, off + 2);
    off += 2 + p.length;
  }
  return out;
}

/** A whole record body: `spoolHead` followed by the payload. */
export function encodeSpoolBody(kind: 's' | 'e', dev: DeviceContext, payload: Buffer): Buffer {
  return Buffer.concat([spoolHead(kind, dev).bytes, payload]);
}

interface Entry {
  ts: number | string;
  metrics?: Record<string, number>;
  code?: string;
  severity?: 'info' | 'warning' | 'error' | 'critical';
  detail?: string;
}

const toEpochMs = (ts: number | string) =>
  typeof ts === 'number' ? Math.round(ts) : Date.parse(ts);

export function decodeSpoolBody(body: Buffer): SpoolRecord {
  if (body[0] !== MAGIC) return JSON.parse(body.toString('utf8')) as SpoolRecord;
  const kind = String.fromCharCode(body[1]!);
  let off = 2;
  const strs: string[] = [];
  for (let i = 0; i < 3; i++) {
    const len = body.readUInt16LE(off);
    strs.push(body.toString('utf8', off + 2, off + 2 + len));
    off += 2 + len;
  }
  const [deviceId, category, model] = strs as [string, Category, string];
  const json = JSON.parse(body.toString('utf8', off)) as Entry | Entry[];
  const entries = Array.isArray(json) ? json : [json];
  if (kind === 's') {
    return {
      k: 's',
      d: entries.map((e) => ({
        deviceId,
        category,
        model,
        ts: toEpochMs(e.ts),
        metrics: e.metrics ?? {},
      })),
    };
  }
  return {
    k: 'e',
    d: entries.map((e) => ({
      deviceId,
      category,
      model,
      ts: toEpochMs(e.ts),
      code: e.code ?? '',
      severity: e.severity ?? 'error',
      ...(e.detail === undefined ? {} : { detail: e.detail }),
    })),
  };
}
