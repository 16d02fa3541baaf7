import { createHash } from 'node:crypto';
import type {
  BrokenReason,
  ChainAnchor,
  ChainVerification,
  LinkAnchor,
  RepairRecordBody,
  StoredRepairRecord,
} from './repair-record-schema.ts';

/**
 * Tamper evidence for repair records (docs/design.md "Storage"): each record's hash covers the unit
 * serial, its sequence number, its time, its body (kind and corrects included) and the previous
 * record's hash, so editing, deleting or reordering a stored record breaks the chain from that
 * record on. What the chain alone cannot show — its last records, or all of them, deleted, or a
 * consistent re-hash from some record on — the anchor shows: the head and length kept on the
 * unit, the hash each repair order keeps of its record, the head an owner's receipt prints.
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
 * Re-checks a unit's records (sorted by seq) against the anchor kept on the unit and any other
 * copies of its links (repair orders, a receipt), and names the first broken link:
 * - `missing_record`: a gap in the sequence, or fewer records than the anchor counts (the last
 *   records, or all of them, deleted);
 * - `hash_mismatch`: a record whose content no longer matches its hash (an edit);
 * - `prev_hash_mismatch`: a record that does not point at its predecessor's hash (replaced or
 *   reordered);
 * - `anchor_mismatch`: a chain consistent in itself that is not the anchored one: re-hashed from
 *   some record on, or records added behind the API's back; `source` names the copy.
 */
export function verifyChain(
  records: readonly StoredRepairRecord[],
  anchor: ChainAnchor,
  links: readonly LinkAnchor[] = [],
): ChainVerification {
  const broken = (seq: number, reason: BrokenReason, source?: string): ChainVerification => ({
    ok: false,
    count: records.length,
    anchor,
    linksChecked: links.length,
    firstBroken: { seq, reason, ...(source ? { source } : {}) },
  });
  let prev = GENESIS_HASH;
  for (let i = 0; i < records.length; i++) {
    const r = records[i] as StoredRepairRecord;
    if (r.seq !== i + 1) return broken(i + 1, 'missing_record');
    if (r.prevHash !== prev) return broken(r.seq, 'prev_hash_mismatch');
    if (recordHash(r) !== r.hash) return broken(r.seq, 'hash_mismatch');
    prev = r.hash;
  }
  for (const l of [...links].sort((a, b) => a.seq - b.seq)) {
    const r = records[l.seq - 1];
    if (!r) return broken(l.seq, 'missing_record', l.source);
    if (r.hash !== l.hash) return broken(l.seq, 'anchor_mismatch', l.source);
  }
  if (records.length < anchor.count) return broken(records.length + 1, 'missing_record', 'unit');
  if (records.length > anchor.count) return broken(anchor.count + 1, 'anchor_mismatch', 'unit');
  if (prev !== anchor.head) return broken(records.length, 'anchor_mismatch', 'unit');
  return { ok: true, count: records.length, head: prev, anchor, linksChecked: links.length };
}
