import { LineCounter, parseDocument as parseYaml } from 'yaml';
import type { z } from 'zod';
import { DOCUMENT_SCHEMAS, KINDS, type CatalogDocument } from './documents.ts';

/**
 * Reading catalogue documents, from a JSON value (an API body) or from the text of a data
 * file (YAML or JSON: JSON is YAML), with every problem named by its field path and, for a
 * file, its line: `codes[3].mode (line 17): …`.
 */
export interface DocumentIssue {
  /** Field path as `a.b[2].c`; '' for the document itself. */
  path: string;
  /** 1-based line in the file, when the document came from one. */
  line?: number;
  message: string;
}

export type Path = ReadonlyArray<PropertyKey>;

export type Parsed =
  | { ok: true; doc: CatalogDocument; locate?: (path: Path) => number | undefined }
  | { ok: false; issues: DocumentIssue[] };

/** Formats a path the way the API's validation errors do (core/errors.ts zodIssues). */
export function formatPath(path: Path): string {
  return path
    .map((p) => (typeof p === 'number' ? `[${p}]` : String(p)))
    .join('.')
    .replace(/\.\[/g, '[');
}

/** Validates a document given as a value. `locate` maps a path to its file line, if known. */
export function parseCatalogDocument(
  raw: unknown,
  locate?: (path: Path) => number | undefined,
): Parsed {
  const issue = (path: Path, message: string): DocumentIssue => {
    const line = locate?.(path);
    return { path: formatPath(path), message, ...(line !== undefined ? { line } : {}) };
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return { ok: false, issues: [issue([], 'a document is an object with a "kind"')] };
  const kind = (raw as { kind?: unknown }).kind;
  if (typeof kind !== 'string' || !(KINDS as readonly string[]).includes(kind))
    return {
      ok: false,
      issues: [issue(['kind'], `expected one of ${KINDS.join(', ')}`)],
    };
  const schema = DOCUMENT_SCHEMAS[kind as keyof typeof DOCUMENT_SCHEMAS] as z.ZodType;
  const r = schema.safeParse(raw);
  if (!r.success) return { ok: false, issues: r.error.issues.map((i) => issue(i.path, i.message)) };
  const doc = r.data as CatalogDocument;
  if (doc.kind === 'profile') doc.category = doc.profile.category;
  return { ok: true, doc, ...(locate ? { locate } : {}) };
}

/** Validates the text of a data file (YAML or JSON); issues carry their line. */
export function parseCatalogText(text: string): Parsed {
  const lines = new LineCounter();
  const ydoc = parseYaml(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (ydoc.errors.length)
    return {
      ok: false,
      issues: ydoc.errors.map((e) => ({
        path: '',
        line: lines.linePos(e.pos[0]).line,
        message: e.message.split('\n')[0]!,
      })),
    };
  let raw: unknown;
  try {
    raw = ydoc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    return { ok: false, issues: [{ path: '', message: (err as Error).message }] };
  }
  return parseCatalogDocument(raw, (path) => {
    // The deepest node that exists on the path: a missing field is reported at its parent.
    for (let n = path.length; n >= 0; n--) {
      const node = n === 0 ? ydoc.contents : ydoc.getIn(path.slice(0, n) as unknown[], true);
      const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
      if (range) return lines.linePos(range[0]).line;
    }
    return undefined;
  });
}

/** One line per issue, as the CLI prints them: `file:17: codes[3].mode: …`. */
export function describeIssues(issues: readonly DocumentIssue[], file = 'document'): string {
  return issues
    .map(
      (i) =>
        `${file}${i.line !== undefined ? `:${i.line}` : ''}: ${i.path ? `${i.path}: ` : ''}${i.message}`,
    )
    .join('\n');
}
