import type { Category } from '../../core/index.ts';
import type { EngineCatalog } from '../engine/catalog.ts';
import { DiagnosticsErrors } from '../errors.ts';
import {
  createRulStream,
  parseRulModel,
  type RulModelArtefact,
  type RulStream,
} from '../models/learner.ts';
import type { CategoryProfile } from '../profiles/schema.ts';
import {
  composeCatalog,
  type ActiveDocument,
  type CompositionProblem,
  type ModelLoader,
} from './compose.ts';
import { documentKey, documentMode, summarise, type Kind } from './documents.ts';
import {
  formatPath,
  parseCatalogDocument,
  parseCatalogText,
  type DocumentIssue,
  type Parsed,
} from './parse.ts';
import type { CatalogAuditEntry, CatalogStore, CatalogVersion } from './store.ts';

/**
 * The diagnostics catalogue, running (issue 19, parts 4 and 5): documents are validated —
 * alone, then composed with every document in force for each product model they touch —
 * stored as a new version, and handed to the engine, which runs them from the next sample.
 * Nothing is stored or run when anything is wrong: the error names each field, the file line
 * when the document came as a file, and the other document it clashes with. Rollbacks move a
 * key's head back (or to any version, or to none: the built-in behaviour) under the same
 * checks. Every change is in the audit log.
 *
 * Who may: admins anything; a manufacturer token without a subject (a single-maker install)
 * too; a manufacturer token with a subject only documents of its own registered product models
 * (warranty registry), never a whole category that other makers' units share.
 */
export interface CatalogPrincipal {
  tokenId: string;
  role: string;
  subject: string | null;
}

export interface CatalogDeps {
  store: CatalogStore;
  builtin: readonly CategoryProfile[];
  engine: { reconfigure(catalog: EngineCatalog): void };
  clock?: () => number;
  /** The manufacturer of a registered product model (warranty registry), if any. */
  manufacturerOf(category: string, model: string): Promise<string | undefined>;
  /**
   * Documents in force that do not compose any more (found at start: a new release's
   * profiles, a learner's new artefact format). Their rows are left out and said here.
   */
  onProblems?: (problems: readonly CompositionProblem[]) => void;
}

export interface UploadResult {
  version: CatalogVersion;
  /** The previous head (null: none). */
  replaced: number | null;
}

export interface Catalog {
  /** Reads the documents in force and hands them to the engine (at start). */
  load(): Promise<void>;
  /** Validates a document (a value, or a data file's text) and puts it in force as a new version. */
  upload(
    input: { value: unknown } | { text: string },
    by: CatalogPrincipal,
    note?: string | null,
  ): Promise<UploadResult>;
  /**
   * Puts an earlier version of a key back in force: `to` a version, null for none (built-in),
   * undefined for the one before the current head.
   */
  rollback(
    kind: Kind,
    key: string,
    to: number | null | undefined,
    by: CatalogPrincipal,
    reason: string,
  ): Promise<{ kind: Kind; key: string; from: number | null; to: number | null }>;
  list(
    filter: { kind?: Kind; category?: string; key?: string },
    by: CatalogPrincipal,
  ): Promise<CatalogVersion[]>;
  get(kind: Kind, key: string, version: number, by: CatalogPrincipal): Promise<CatalogVersion>;
  /** The audit log; a confined maker sees the entries of documents it may see (`list`). */
  audit(
    filter: { kind?: Kind; key?: string; limit?: number },
    by: CatalogPrincipal,
  ): Promise<CatalogAuditEntry[]>;
  /** The profile in force for a product model, and the documents that made it. */
  effective(
    category: Category,
    model: string,
  ): { profile: CategoryProfile | undefined; documents: string };
  /** The catalogue as the engine runs it. */
  engineCatalog(): EngineCatalog;
}

export function createCatalog(d: CatalogDeps): Catalog {
  const clock = d.clock ?? Date.now;
  let active: ActiveDocument[] = [];
  // What the learner made of each document's artefact, by document (a validated upload's
  // object is the one put in force: parsed once), let go with the document.
  const loaded = new WeakMap<object, { artefact: RulModelArtefact; stream: RulStream }>();
  const models: ModelLoader = {
    load(a) {
      let m = loaded.get(a.doc);
      if (!m) {
        const artefact = parseRulModel(a.doc.artefact);
        m = { artefact, stream: createRulStream(artefact) };
        loaded.set(a.doc, m);
      }
      return m;
    },
  };
  let current = composeCatalog(d.builtin, active, models);
  // One change at a time: each is validated against the state it will replace.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(f: () => Promise<T>): Promise<T> => {
    const next = queue.then(f, f);
    queue = next.catch(() => undefined);
    return next;
  };

  const put = (next: ActiveDocument[]) => {
    active = next;
    current = composeCatalog(d.builtin, active, models);
    d.engine.reconfigure(current);
  };

  /** Problems of composing `set` for every product model that `category`/`model` touches. */
  const problemsOf = (set: ActiveDocument[], category: Category, model: string | null) => {
    const trial = composeCatalog(d.builtin, set, models);
    const scopes =
      model !== null
        ? [model]
        : [
            '*',
            ...new Set(
              set
                .filter((a) => a.doc.category === category && a.doc.model !== null)
                .map((a) => a.doc.model!),
            ),
          ];
    const seen = new Set<string>();
    const out: CompositionProblem[] = [];
    for (const m of scopes)
      for (const p of trial.problems(category, m)) {
        const id = `${p.kind}\u0000${p.key}\u0000${formatPath(p.path)}\u0000${p.message}`;
        if (seen.has(id)) continue;
        seen.add(id);
        out.push(p);
      }
    return out;
  };

  const allowed = async (
    by: CatalogPrincipal,
    category: string,
    model: string | null,
    what: string,
  ) => {
    if (by.role === 'admin' || (by.role === 'manufacturer' && by.subject === null)) return;
    if (by.role !== 'manufacturer')
      throw new DiagnosticsErrors.NotYourModel(by.subject ?? by.role, what);
    if (model === null)
      throw new DiagnosticsErrors.NotYourModel(
        by.subject,
        `${what} applies to every ${category} (name your model)`,
      );
    const maker = await d.manufacturerOf(category, model);
    if (maker !== by.subject)
      throw new DiagnosticsErrors.NotYourModel(
        by.subject,
        `${category} ${model} is ${maker ? `${maker}'s` : 'not registered'}`,
      );
  };

  async function load(): Promise<void> {
    const rows = await d.store.active();
    const docs: ActiveDocument[] = [];
    for (const r of rows) {
      const p = parseCatalogDocument(r.body);
      // Stored documents were valid when written; one that is not now (a schema change)
      // is left out rather than stopping the service.
      if (p.ok) docs.push({ kind: r.kind, key: r.key, version: r.version, doc: p.doc });
      else
        d.onProblems?.(
          p.issues.map((i) => ({ kind: r.kind, key: r.key, path: [i.path], message: i.message })),
        );
    }
    put(docs);
    const scopes = new Set(docs.map((a) => `${a.doc.category}\u0000${a.doc.model ?? '*'}`));
    const problems = [...scopes].flatMap((id) => {
      const [category, model] = id.split('\u0000') as [Category, string];
      return current.problems(category, model);
    });
    if (problems.length) d.onProblems?.(problems);
  }

  return {
    load,

    upload(input, by, note = null) {
      const parsed: Parsed =
        'text' in input ? parseCatalogText(input.text) : parseCatalogDocument(input.value);
      if (!parsed.ok) return Promise.reject(invalid(parsed.issues));
      const doc = parsed.doc;
      const key = documentKey(doc);
      return serial(async () => {
        await allowed(by, doc.category, doc.model, `${doc.kind} ${key}`);
        const previous = await d.store.list({ kind: doc.kind, key });
        const version = Math.max(0, ...previous.map((v) => v.version)) + 1;
        const mine: ActiveDocument = { kind: doc.kind, key, version, doc };
        const next = [...active.filter((a) => !(a.kind === doc.kind && a.key === key)), mine];
        const problems = problemsOf(next, doc.category, doc.model);
        if (problems.length) throw invalid(problems.map((p) => issueOf(p, mine, parsed.locate)));
        const stored = await d.store.append({
          kind: doc.kind,
          key,
          category: doc.category,
          model: doc.model,
          modeId: documentMode(doc),
          body: doc,
          summary: summarise(doc),
          actor: by.tokenId,
          note: note ?? doc.note ?? null,
          at: clock(),
        });
        if (stored.version !== version) {
          // Another node wrote a version meanwhile: run what is stored.
          await load();
        } else put(next);
        return { version: stored, replaced: previous.find((v) => v.active)?.version ?? null };
      });
    },

    rollback(kind, key, to, by, reason) {
      return serial(async () => {
        const versions = await d.store.list({ kind, key, bodies: true });
        const head = versions.find((v) => v.active);
        if (!versions.length) throw new DiagnosticsErrors.UnknownVersion(`${kind} ${key}`);
        const first = versions[0]!;
        await allowed(by, first.category, first.model, `${kind} ${key}`);
        const target = to === undefined ? (head ? head.version - 1 || null : undefined) : to;
        if (target === undefined)
          throw new DiagnosticsErrors.CatalogConflict(
            `${kind} ${key} has no version in force to roll back`,
          );
        const row = target === null ? undefined : versions.find((v) => v.version === target);
        if (target !== null && !row)
          throw new DiagnosticsErrors.UnknownVersion(`version ${target} of ${kind} ${key}`);
        let next = active.filter((a) => !(a.kind === kind && a.key === key));
        if (row) {
          const p = parseCatalogDocument(row.body);
          if (!p.ok)
            throw new DiagnosticsErrors.CatalogConflict(
              `version ${target} of ${kind} ${key} is no longer valid`,
            );
          next = [...next, { kind, key, version: row.version, doc: p.doc }];
        }
        const problems = problemsOf(next, first.category as Category, first.model);
        if (problems.length) {
          const err = new DiagnosticsErrors.CatalogConflict(
            `putting ${target === null ? 'no version' : `version ${target}`} of ${kind} ${key} in force clashes with documents in force`,
          );
          throw Object.assign(err, { details: problems.map((p) => issueOf(p)) });
        }
        const r = await d.store.activate(kind, key, target, {
          actor: by.tokenId,
          action: 'rollback',
          reason,
          at: clock(),
        });
        if (!r) throw new DiagnosticsErrors.UnknownVersion(`${kind} ${key}`);
        put(next);
        return { kind, key, from: r.from, to: r.to };
      });
    },

    async list(filter, by) {
      const rows = await d.store.list(filter);
      if (by.role !== 'manufacturer' || by.subject === null) return rows;
      const mine = new Map<string, boolean>();
      const out: CatalogVersion[] = [];
      for (const r of rows) {
        if (r.model === null) {
          out.push(r);
          continue;
        }
        const id = `${r.category}\u0000${r.model}`;
        if (!mine.has(id))
          mine.set(id, (await d.manufacturerOf(r.category, r.model)) === by.subject);
        if (mine.get(id)) out.push(r);
      }
      return out;
    },

    async get(kind, key, version, by) {
      const v = await d.store.get(kind, key, version);
      if (!v) throw new DiagnosticsErrors.UnknownVersion(`version ${version} of ${kind} ${key}`);
      if (by.role === 'manufacturer' && by.subject !== null && v.model !== null) {
        if ((await d.manufacturerOf(v.category, v.model)) !== by.subject)
          throw new DiagnosticsErrors.UnknownVersion(`version ${version} of ${kind} ${key}`);
      }
      return v;
    },

    async audit(filter, by) {
      const entries = await d.store.audit(filter);
      if (by.role !== 'manufacturer' || by.subject === null) return entries;
      const visible = new Set(
        (await this.list({ ...(filter.kind ? { kind: filter.kind } : {}) }, by)).map(
          (v) => `${v.kind}\u0000${v.key}`,
        ),
      );
      return entries.filter((e) => visible.has(`${e.kind}\u0000${e.key}`));
    },

    effective(category, model) {
      return {
        profile: current.profile(category, model),
        documents: current.version(category, model),
      };
    },

    engineCatalog: () => current,
  };
}

/** A problem as an issue of the uploaded document (with its line) or of another one. */
function issueOf(
  p: CompositionProblem,
  mine?: ActiveDocument,
  locate?: (path: ReadonlyArray<PropertyKey>) => number | undefined,
): DocumentIssue {
  if (mine && p.kind === mine.kind && p.key === mine.key) {
    const line = locate?.(p.path);
    return {
      path: formatPath(p.path),
      message: p.message,
      ...(line !== undefined ? { line } : {}),
    };
  }
  const where = formatPath(p.path);
  return {
    path: '',
    message: `clashes with ${p.kind} ${p.key} in force${where ? ` at ${where}` : ''}: ${p.message}`,
  };
}

function invalid(issues: readonly DocumentIssue[]) {
  const text = issues
    .map(
      (i) =>
        `${i.path || '(document)'}${i.line !== undefined ? ` (line ${i.line})` : ''}: ${i.message}`,
    )
    .join('; ');
  const err = new DiagnosticsErrors.InvalidDocument(text);
  return Object.assign(err, { details: issues });
}
