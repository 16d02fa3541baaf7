import { createHash } from 'node:crypto';

/**
 * Tamper evidence for the audit trail, as for repair records (warranty/hash-chain.ts): each
 * entry's hash covers its content and its predecessor's hash, so editing, deleting or reordering
 * a stored entry breaks the chain from there on; the head and length kept in `audit_anchor`
 * (written in the same transaction) show the last entries deleted, or a consistent re-hash.
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

/** One entry's content, as hashed and stored (JSON parts already canonical text). */
export interface AuditContent {
  at: string;
  userId: string | null;
  tokenId: string | null;
  role: string | null;
  subject: string | null;
  method: string;
  route: string;
  params: string;
  resources: string[];
  body: string | null;
  before: string | null;
  status: number;
  address: string | null;
}

export interface AuditEntry extends AuditContent {
  seq: number;
  prevHash: string;
  hash: string;
}

export function entryHash(seq: number, c: AuditContent, prevHash: string): string {
  return createHash('sha256')
    .update(canonicalJson({ ...c, seq, prevHash }))
    .digest('hex');
}

export type AuditBroken =
  'missing_entry' | 'hash_mismatch' | 'prev_hash_mismatch' | 'anchor_mismatch';

export type AuditVerification =
  | { ok: true; count: number; head: string }
  | { ok: false; count: number; firstBroken: { seq: number; reason: AuditBroken } };

/**
 * Re-checks entries in seq order, a page at a time (`add`), then against the anchor (`finish`);
 * names the first broken link: a gap or fewer entries than anchored (`missing_entry`), an edit
 * (`hash_mismatch`), an entry not pointing at its predecessor (`prev_hash_mismatch`), a chain
 * consistent in itself that is not the anchored one (`anchor_mismatch`).
 */
export class ChainVerifier {
  private count = 0;
  private prev = GENESIS_HASH;
  private failed?: AuditVerification;

  private broken(seq: number, reason: AuditBroken): AuditVerification {
    return (this.failed ??= { ok: false, count: this.count, firstBroken: { seq, reason } });
  }

  /** Checks the next entries; returns the failure once one is found. */
  add(entries: readonly AuditEntry[]): AuditVerification | undefined {
    for (const e of entries) {
      if (this.failed) return this.failed;
      if (e.seq !== this.count + 1) return this.broken(this.count + 1, 'missing_entry');
      if (e.prevHash !== this.prev) return this.broken(e.seq, 'prev_hash_mismatch');
      const { seq, prevHash, hash, ...content } = e;
      if (entryHash(seq, content, prevHash) !== hash) return this.broken(e.seq, 'hash_mismatch');
      this.prev = e.hash;
      this.count++;
    }
    return this.failed;
  }

  finish(anchor: { count: number; head: string }): AuditVerification {
    if (this.failed) return this.failed;
    if (this.count < anchor.count) return this.broken(this.count + 1, 'missing_entry');
    if (this.count > anchor.count) return this.broken(anchor.count + 1, 'anchor_mismatch');
    if (this.prev !== anchor.head) return this.broken(this.count, 'anchor_mismatch');
    return { ok: true, count: this.count, head: this.prev };
  }
}

export function verifyEntries(
  entries: readonly AuditEntry[],
  anchor: { count: number; head: string },
): AuditVerification {
  const v = new ChainVerifier();
  v.add(entries);
  return v.finish(anchor);
}
