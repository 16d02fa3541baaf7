import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dbDigest,
  operations,
  resolver,
  sample,
  setAt,
  stringFields,
  type JsonSchema,
  type Operation,
} from './helpers/openapi.ts';
import { startService, type RunningService } from './helpers/service.ts';

/**
 * A fuzz pass over every string parameter and body field of every operation in the OpenAPI
 * document (issue 24, finding 7 as a class): NUL, a lone UTF-16 surrogate (in a URL: bytes that
 * are not UTF-8), an escape control character and a 70,000-character string, each in turn, with
 * an admin token so that only the input decides (an operation admin may not call, such as the
 * owner's own, with a token of the first role it lists). Every answer is a 4xx (never a 5xx); the three
 * kinds of invalid text are a 400 APP_ERR_VALIDATION naming the field; and the database is the
 * same after each operation's pass as before it.
 */
const BAD = {
  nul: { body: 'a\u0000b', url: 'a%00b', says: 'U+0000' },
  surrogate: { body: 'a\ud800b', url: 'a%ED%A0%80b', says: '' },
  control: { body: 'a\u001bb', url: 'a%1Bb', says: 'U+001B' },
  huge: { body: 'x'.repeat(70_000), url: 'x'.repeat(70_000), says: '' },
} as const;
type Kind = keyof typeof BAD;

describe('input fuzz over every operation', () => {
  let svc: RunningService;
  let ops: Operation[];
  let resolve: (s: JsonSchema | undefined) => JsonSchema;
  const tokens: Record<string, string> = {};
  /** An admin token, or one of the operation's first role where admin is not listed. */
  const tokenFor = async (op: Operation): Promise<string> => {
    const role = op.roles && !op.roles.includes('admin') ? op.roles[0]! : 'admin';
    if (role === 'admin') return svc.adminToken;
    if (tokens[role]) return tokens[role];
    const r = await svc.service.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: { authorization: `Bearer ${svc.adminToken}` },
      payload: { role, subject: `fuzz-${role}` },
    });
    return (tokens[role] = r.json<{ token: string }>().token);
  };

  beforeAll(async () => {
    svc = await startService();
    const doc = await svc.service.app.inject({ method: 'GET', url: '/docs/json' });
    const json = doc.json<Parameters<typeof operations>[0]>();
    ops = operations(json).filter((o) => o.path.startsWith('/api/') && !o.path.endsWith('/stream'));
    resolve = resolver(json);
  });
  afterAll(async () => {
    await svc?.stop();
  });

  /** The operation's request with every value valid-looking, and `bad` in one place. */
  function request(
    op: Operation,
    where: { in: 'path' | 'query'; name: string } | { in: 'body'; field: string[] },
    kind: Kind,
  ) {
    const url = op.path.replace(/\{(\w+)\}/g, (_m, name: string) =>
      where.in === 'path' && where.name === name ? BAD[kind].url : 'x1',
    );
    const q: string[] = [];
    for (const p of op.parameters.filter((x) => x.in === 'query')) {
      if (where.in === 'query' && where.name === p.name) q.push(`${p.name}=${BAD[kind].url}`);
      else if (p.required)
        q.push(`${p.name}=${encodeURIComponent(String(sample(p.schema, resolve)))}`);
    }
    const full = q.length ? `${url}?${q.join('&')}` : url;
    if (!op.body) return { url: full };
    if (op.body.contentType === 'text/csv') {
      // A text body has no UTF-16: its lone surrogate is the bytes ED A0 80 (not UTF-8).
      const value =
        kind === 'surrogate' ? Buffer.from([0xed, 0xa0, 0x80]) : Buffer.from(BAD[kind].body);
      const csv = Buffer.concat([
        Buffer.from('serial,category,model,invoiceDate\nFZ-1,tv,'),
        value,
        Buffer.from(',2025-01-10\n'),
      ]);
      return { url: full, contentType: 'text/csv', payload: csv };
    }
    let body = sample(op.body.schema, resolve);
    if (where.in === 'body') body = setAt(body, where.field, BAD[kind].body);
    return { url: full, contentType: 'application/json', payload: JSON.stringify(body) };
  }

  /** The path the refusal names for a body field (`body.parts[0].name`). */
  const bodyPath = (field: string[]) => ['body', ...field].join('.').replace(/\.\[\]/g, '[0]');

  it('answers every bad string with a 4xx, names the field for invalid text, stores nothing', async () => {
    const problems: string[] = [];
    let requests = 0;
    for (const op of ops) {
      const places: Array<
        { in: 'path' | 'query'; name: string } | { in: 'body'; field: string[] }
      > = [
        ...op.parameters
          .filter((p) => p.in === 'path' || p.in === 'query')
          .filter((p) => resolve(p.schema).type === 'string' || p.in === 'path')
          .map((p) => ({ in: p.in as 'path' | 'query', name: p.name })),
        ...(op.body
          ? op.body.contentType === 'text/csv'
            ? [{ in: 'body' as const, field: [] }]
            : stringFields(op.body.schema, resolve).map((field) => ({ in: 'body' as const, field }))
          : []),
      ];
      if (places.length === 0) continue;
      const token = await tokenFor(op);
      const before = await dbDigest(svc.service.sql);
      for (const where of places)
        for (const kind of Object.keys(BAD) as Kind[]) {
          const req = request(op, where, kind);
          requests++;
          const res = await svc.service.app.inject({
            method: op.method as 'GET',
            url: req.url,
            headers: {
              authorization: `Bearer ${token}`,
              ...(req.contentType ? { 'content-type': req.contentType } : {}),
            },
            ...(req.payload !== undefined ? { payload: req.payload } : {}),
          });
          const place = where.in === 'body' ? bodyPath(where.field) : `${where.in}.${where.name}`;
          const name = `${op.method} ${op.path} ${place} ${kind}`;
          if (res.statusCode < 400 || res.statusCode >= 500) {
            problems.push(`${name}: ${res.statusCode} ${res.body.slice(0, 200)}`);
            continue;
          }
          if (kind === 'huge' || where.in === 'path') continue;
          const err = res.json<{
            error: string;
            details?: Array<{ path: string; message: string }>;
          }>();
          const named =
            err.error === 'APP_ERR_VALIDATION' &&
            (err.details ?? []).some(
              (d) =>
                (where.in === 'body' && op.body?.contentType === 'text/csv'
                  ? d.path === 'body'
                  : d.path === (where.in === 'query' ? `querystring.${where.name}` : place)) &&
                d.message.includes(BAD[kind].says),
            );
          if (!named) problems.push(`${name}: ${res.statusCode} ${res.body.slice(0, 200)}`);
        }
      if ((await dbDigest(svc.service.sql)) !== before)
        problems.push(`${op.method} ${op.path}: the database changed`);
    }
    expect(requests).toBeGreaterThan(500);
    expect(problems).toEqual([]);
  }, 300_000);
});
