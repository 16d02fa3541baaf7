import { createHash } from 'node:crypto';
import type {
  ChainVerification,
  RepairRecordBody,
  StoredRepairRecord,
} from './repair-record-schema.ts';

/**
 * Tamper evidence for repair records (DESIGN.md "Storage"): each record's hash covers the unit
 * serial, its sequence number, its time, its body and the previous record's hash, so editing,
 * deleting or reordering any stored record breaks the chain from that record on.
 */
export const GENESIS_HASH = '0'.repeat(64);

/** JSON with object keys sorted at every level: the same value always gives the same text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** sha256 (hex) of a record's content and its predecessor's hash. */
export function recordHash(r: {
  serial: string;
  seq: number;
  recordedAt: string;
  body: RepairRecordBody;
  prevHash: string;
}): string {
  const content = canonicalJson({
    serial: r.serial,
    seq: r.seq,
    recordedAt: r.recordedAt,
    body: r.body,
    prevHash: r.prevHash,
  });
  return createHash('sha256').update(content).digest('hex');
}

/** Builds the next record of a chain whose last record is `last` (undefined for the first). */
export function chainRecord(
  serial: string,
  last: Pick<StoredRepairRecord, 'seq' | 'hash'> | undefined,
  body: RepairRecordBody,
  recordedAt: string,
): StoredRepairRecord {
  const seq = (last?.seq ?? 0) + 1;
  const prevHash = last?.hash ?? GENESIS_HASH;
  return {
    serial,
    seq,
    recordedAt,
    body,
    prevHash,
    hash: recordHash({ serial, seq, recordedAt, body, prevHash }),
  };
}

/**
 * Re-checks a unit's records (sorted by seq) and names the first broken link: a gap in the
 * sequence (a deleted record), a record whose content no longer matches its hash (an edit), or
 * a record that does not point at its predecessor's hash (a replaced or reordered record).
 */
export function verifyChain(records: readonly StoredRepairRecord[]): ChainVerification {
  let prev = GENESIS_HASH;
  for (let i = 0; i < records.length; i++) {
    const r = records[i] as StoredRepairRecord;
    const broken = (
      reason: 'hash_mismatch' | 'prev_hash_mismatch' | 'missing_record',
      seq = r.seq,
    ): ChainVerification => ({
      ok: false,
      count: records.length,
      firstBroken: { seq, reason },
    });
    if (r.seq !== i + 1) return broken('missing_record', i + 1);
    if (r.prevHash !== prev) return broken('prev_hash_mismatch');
    if (recordHash(r) !== r.hash) return broken('hash_mismatch');
    prev = r.hash;
  }
  return { ok: true, count: records.length, head: prev };
}
