import type { Sql } from '../../core/index.ts';

/**
 * What the systematic HTTP suites (authorization matrix, input fuzz) read from the service's
 * own OpenAPI document: every operation with its parameters, body schema, roles (`x-roles`) and
 * tenancy rule (`x-tenant`); a sample value for a JSON schema; a digest of the database.
 */
export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  $ref?: string;
  format?: string;
  pattern?: string;
  minimum?: number;
  minItems?: number;
  minLength?: number;
  default?: unknown;
  const?: unknown;
}

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  schema?: JsonSchema;
}

export interface Operation {
  method: string;
  path: string;
  roles?: string[];
  tenant?: string;
  public: boolean;
  parameters: Parameter[];
  body?: { contentType: string; schema: JsonSchema };
}

interface Doc {
  paths: Record<string, Record<string, Record<string, unknown>>>;
  components?: { schemas?: Record<string, JsonSchema> };
}

/** Every operation of the document. */
export function operations(doc: Doc): Operation[] {
  const out: Operation[] = [];
  for (const [path, ops] of Object.entries(doc.paths))
    for (const [method, op] of Object.entries(ops)) {
      const content = (op.requestBody as { content?: Record<string, { schema: JsonSchema }> })
        ?.content;
      const [contentType, media] = Object.entries(content ?? {})[0] ?? [];
      out.push({
        method: method.toUpperCase(),
        path,
        ...(op['x-roles'] ? { roles: op['x-roles'] as string[] } : {}),
        ...(op['x-tenant'] ? { tenant: op['x-tenant'] as string } : {}),
        public: Array.isArray(op.security) && (op.security as unknown[]).length === 0,
        parameters: (op.parameters as Parameter[] | undefined) ?? [],
        ...(contentType && media ? { body: { contentType, schema: media.schema } } : {}),
      });
    }
  return out;
}

/** Follows `$ref`s into components/schemas. */
export function resolver(doc: Doc): (s: JsonSchema | undefined) => JsonSchema {
  const resolve = (s: JsonSchema | undefined): JsonSchema => {
    if (!s) return {};
    if (s.$ref) return resolve(doc.components?.schemas?.[s.$ref.split('/').pop()!]);
    if (s.allOf) return Object.assign({}, ...s.allOf.map(resolve)) as JsonSchema;
    return s;
  };
  return resolve;
}

/**
 * A small value that the schema accepts where it can tell: `overrides` by property name win;
 * enums take their first value; dates a date; strings `x` (or a default); numbers their minimum
 * or 1; arrays one item when they must have one; objects their required properties (and any
 * property an override names).
 */
export function sample(
  s: JsonSchema | undefined,
  resolve: (s: JsonSchema | undefined) => JsonSchema,
  overrides: Record<string, unknown> = {},
  name = '',
): unknown {
  const r = resolve(s);
  if (name in overrides) return overrides[name];
  if (r.default !== undefined) return r.default;
  if (r.const !== undefined) return r.const;
  if (r.enum) return r.enum[0];
  const alt = r.anyOf ?? r.oneOf;
  if (alt) {
    const first = alt.map(resolve).find((x) => x.type !== 'null') ?? alt[0];
    return sample(first, resolve, overrides, name);
  }
  const type = Array.isArray(r.type) ? r.type.find((t) => t !== 'null') : r.type;
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(r.properties ?? {}))
        if (r.required?.includes(k) || k in overrides) out[k] = sample(v, resolve, overrides, k);
      return out;
    }
    case 'array':
      return (r.minItems ?? 0) > 0 || name in overrides
        ? [sample(r.items, resolve, overrides, `${name}[]`)]
        : [];
    case 'integer':
    case 'number':
      return r.minimum ?? 1;
    case 'boolean':
      return false;
    case 'string':
      if (r.format === 'date') return '2025-01-10';
      if (r.format === 'date-time') return '2025-01-10T08:00:00Z';
      if (r.format === 'uri') return 'https://93.184.215.14/x';
      if (/date|At$/i.test(name)) return '2025-01-10';
      return 'x'.repeat(Math.max(1, r.minLength ?? 1));
    default:
      return 'x';
  }
}

/** Every string field of a body schema, as a path of property names (`[]` for array items). */
export function stringFields(
  s: JsonSchema | undefined,
  resolve: (s: JsonSchema | undefined) => JsonSchema,
  prefix: string[] = [],
  depth = 0,
): string[][] {
  const r = resolve(s);
  if (depth > 6) return [];
  const alt = r.anyOf ?? r.oneOf;
  if (alt) return alt.flatMap((x) => stringFields(x, resolve, prefix, depth + 1)).slice(0, 50);
  const type = Array.isArray(r.type) ? r.type.find((t) => t !== 'null') : r.type;
  if (type === 'string') return [prefix];
  if (type === 'array') return stringFields(r.items, resolve, [...prefix, '[]'], depth + 1);
  if (type === 'object')
    return Object.entries(r.properties ?? {}).flatMap(([k, v]) =>
      stringFields(v, resolve, [...prefix, k], depth + 1),
    );
  return [];
}

/** Sets `value` at `path` in a copy of `body` (array steps go into item 0). */
export function setAt(body: unknown, path: string[], value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path as [string, ...string[]];
  if (head === '[]') {
    const arr = Array.isArray(body) ? [...(body as unknown[])] : [];
    arr[0] = setAt(arr[0], rest, value);
    return arr;
  }
  const obj = body && typeof body === 'object' ? { ...(body as Record<string, unknown>) } : {};
  obj[head] = setAt(obj[head], rest, value);
  return obj;
}

/**
 * The audit trail (audit/) records every state-changing request, refused ones after
 * authentication too: it is never part of "the request stored nothing".
 */
const AUDIT_TABLES = ['audit_log', 'audit_anchor'];

/**
 * A digest of every table's rows (minus those that background work changes on its own, and the
 * audit trail), to assert that a request stored nothing.
 */
export async function dbDigest(sql: Sql, skip: readonly string[] = []): Promise<string> {
  const { rows } = await sql.query<{ t: string }>(
    "SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
  );
  const parts: string[] = [];
  for (const { t } of rows) {
    if (skip.includes(t) || AUDIT_TABLES.includes(t)) continue;
    const r = await sql.query<{ d: string }>(
      `SELECT md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) AS d FROM "${t}" x`,
    );
    parts.push(`${t}:${r.rows[0]?.d}`);
  }
  return parts.join(' ');
}
