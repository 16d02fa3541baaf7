import type { Kind } from './documents.ts';

/**
 * Storage of the diagnostics catalogue (port; SQL backend in stores/sql-catalog.ts, behaviour
 * in store.contract.ts). Invariants: a key's versions are numbered 1, 2, … and never change
 * once written; at most one version of a key is in force (its head; none = the built-in
 * behaviour); every change of head is one audit entry, written in the same transaction.
 */
export interface CatalogVersion {
  kind: Kind;
  key: string;
  version: number;
  category: string;
  model: string | null;
  modeId: string | null;
  /** The validated document (null in lists that did not ask for bodies). */
  body: unknown;
  /** What it holds, in short (documents.ts `summarise`). */
  summary: Record<string, unknown>;
  createdBy: string;
  createdAt: string;
  note: string | null;
  /** Whether this version is the key's head. */
  active: boolean;
}

export type CatalogAction = 'upload' | 'rollback' | 'activate';

export interface CatalogAuditEntry {
  seq: number;
  at: string;
  actor: string;
  action: CatalogAction;
  kind: Kind;
  key: string;
  fromVersion: number | null;
  toVersion: number | null;
  reason: string | null;
}

export interface NewVersion {
  kind: Kind;
  key: string;
  category: string;
  model: string | null;
  modeId: string | null;
  body: unknown;
  summary: Record<string, unknown>;
  actor: string;
  note: string | null;
  /** Epoch ms. */
  at: number;
}

export interface CatalogStore {
  /** Writes the key's next version and makes it the head, with its audit entry, atomically. */
  append(v: NewVersion): Promise<CatalogVersion>;
  /**
   * Makes `version` the key's head (null: none). Returns the head before and after, or
   * undefined when the key or the version does not exist (nothing changes then).
   */
  activate(
    kind: Kind,
    key: string,
    version: number | null,
    by: {
      actor: string;
      action: Exclude<CatalogAction, 'upload'>;
      reason: string | null;
      at: number;
    },
  ): Promise<{ from: number | null; to: number | null } | undefined>;
  /** The head version of every key that has one, with its body. */
  active(): Promise<CatalogVersion[]>;
  /** Versions matching the filter, newest first (bodies included only with `bodies`). */
  list(filter?: {
    kind?: Kind;
    category?: string;
    key?: string;
    bodies?: boolean;
  }): Promise<CatalogVersion[]>;
  get(kind: Kind, key: string, version: number): Promise<CatalogVersion | undefined>;
  /** Audit entries, newest first. */
  audit(filter?: { kind?: Kind; key?: string; limit?: number }): Promise<CatalogAuditEntry[]>;
}
