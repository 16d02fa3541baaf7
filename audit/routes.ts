import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { type Auth, confinedTo, ErrorEnvelope, InstantQuery } from '../core/index.ts';
import type { AuditEntry } from './chain.ts';
import { AuditErrors } from './errors.ts';
import type { AuditFilter, AuditStore } from './store.ts';

export interface AuditRoutesOptions {
  auth: Auth;
  store: AuditStore;
  /** Writes what is queued, so a search sees every request answered before it. */
  flush: () => Promise<void>;
}

const tags = ['audit'];
const errors = { 400: ErrorEnvelope, 401: ErrorEnvelope, 403: ErrorEnvelope, 404: ErrorEnvelope };
const Resource = z
  .string()
  .min(3)
  .max(300)
  .describe('kind:key, e.g. alert:a1b2, unit:SN-1, repairOrder:o1, user:u1');

const EntrySchema = z
  .object({
    seq: z.number(),
    at: z.string(),
    userId: z.string().nullable(),
    tokenId: z.string().nullable(),
    role: z.string().nullable(),
    subject: z.string().nullable(),
    method: z.string(),
    route: z.string(),
    params: z.unknown(),
    resources: z.array(z.string()),
    after: z.unknown().describe('the request body, redacted (null: none)'),
    before: z.unknown().describe('the prior state, on routes that read it (null: not read)'),
    status: z.number(),
    address: z.string().nullable().optional(),
    hash: z.string(),
  })
  .meta({ id: 'AuditEntry' });

const parse = (t: string | null): unknown => (t === null ? null : JSON.parse(t));
const view = (e: AuditEntry, withAddress: boolean) => ({
  seq: e.seq,
  at: e.at,
  userId: e.userId,
  tokenId: e.tokenId,
  role: e.role,
  subject: e.subject,
  method: e.method,
  route: e.route,
  params: parse(e.params),
  resources: e.resources,
  after: parse(e.body),
  before: parse(e.before),
  status: e.status,
  ...(withAddress ? { address: e.address } : {}),
  hash: e.hash,
});

const Filter = z.object({
  who: z.string().max(200).optional().describe('a user id, token id or subject'),
  role: z.string().max(40).optional(),
  method: z.enum(['POST', 'PUT', 'PATCH', 'DELETE']).optional(),
  route: z.string().max(300).optional().describe('a route pattern, e.g. /api/v1/alerts/:id/ack'),
  resource: Resource.optional(),
  from: InstantQuery.optional().describe('ISO-8601 or epoch ms, inclusive'),
  to: InstantQuery.optional().describe('ISO-8601 or epoch ms, exclusive'),
});

/** The query as a store filter (instants as ISO-8601). */
const filterOf = (
  q: z.infer<typeof Filter> & { limit?: number; offset?: number },
): AuditFilter => ({
  ...q,
  from: q.from === undefined ? undefined : new Date(q.from).toISOString(),
  to: q.to === undefined ? undefined : new Date(q.to).toISOString(),
});

const resourceOk = (r: string | undefined) => {
  if (r !== undefined && !/^[A-Za-z]+:.+$/.test(r)) throw new AuditErrors.BadResource(r);
};

const CSV_COLUMNS = [
  'seq',
  'at',
  'userId',
  'tokenId',
  'role',
  'subject',
  'method',
  'route',
  'params',
  'resources',
  'after',
  'before',
  'status',
  'address',
  'hash',
] as const;

/** One CSV field (RFC 4180), defused against formula injection in spreadsheets. */
function csvField(v: unknown): string {
  let s = v === null || v === undefined ? '' : Array.isArray(v) ? v.join(' ') : String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * The audit trail's routes: an admin searches and exports it (CSV) and verifies its chain;
 * staff read one resource's history (an alert's, an order's, a unit's) — a manufacturer
 * confined to its fleet only of its own resources, and nobody but an admin sees addresses.
 */
export const auditRoutes: FastifyPluginAsyncZod<AuditRoutesOptions> = async (app, o) => {
  const admin = o.auth.require('admin');
  app.get(
    '/audit',
    {
      preHandler: admin,
      schema: {
        tags,
        summary: 'Search the audit trail (newest first)',
        querystring: Filter.extend({
          limit: z.coerce.number().int().min(1).max(1000).default(100),
          offset: z.coerce.number().int().min(0).max(10_000_000).default(0),
        }),
        response: {
          200: z.object({ entries: z.array(EntrySchema), total: z.number() }),
          ...errors,
        },
      },
    },
    async (req) => {
      resourceOk(req.query.resource);
      await o.flush();
      const r = await o.store.search(filterOf(req.query));
      return { entries: r.entries.map((e) => view(e, true)), total: r.total };
    },
  );
  app.get(
    '/audit/export.csv',
    {
      preHandler: admin,
      schema: {
        tags,
        summary: 'The audit trail as CSV (oldest first), with the same filters as the search',
        querystring: Filter,
        produces: ['text/csv'],
        response: { 200: z.string().describe('text/csv'), ...errors },
      },
    },
    async (req, reply) => {
      resourceOk(req.query.resource);
      await o.flush();
      const lines = [CSV_COLUMNS.join(',')];
      for await (const e of o.store.each(filterOf(req.query))) {
        const v = view(e, true) as Record<string, unknown>;
        lines.push(
          CSV_COLUMNS.map((c) =>
            csvField(
              ['params', 'after', 'before'].includes(c) && v[c] !== null
                ? JSON.stringify(v[c])
                : v[c],
            ),
          ).join(','),
        );
      }
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="audit.csv"')
        .send(`${lines.join('\r\n')}\r\n`);
    },
  );
  app.get(
    '/audit/verify',
    {
      preHandler: admin,
      schema: {
        tags,
        summary:
          "Re-check the audit trail's hash chain against its anchor; names the first broken link",
        response: {
          200: z.object({
            ok: z.boolean(),
            count: z.number(),
            head: z.string().optional(),
            firstBroken: z
              .object({
                seq: z.number(),
                reason: z.enum([
                  'missing_entry',
                  'hash_mismatch',
                  'prev_hash_mismatch',
                  'anchor_mismatch',
                ]),
              })
              .optional(),
          }),
          ...errors,
        },
      },
    },
    async () => {
      await o.flush();
      return o.store.verify();
    },
  );
  app.get(
    '/audit/history',
    {
      preHandler: o.auth.require('engineer', 'manufacturer'),
      config: {
        tenant: {
          scoped: "a confined manufacturer reads only its own resource's history (tenancy.check)",
        },
      },
      schema: {
        tags,
        summary: "One resource's history: who changed it, when, how (newest first)",
        querystring: z.object({
          resource: Resource,
          limit: z.coerce.number().int().min(1).max(1000).default(100),
          offset: z.coerce.number().int().min(0).max(10_000_000).default(0),
        }),
        response: {
          200: z.object({ entries: z.array(EntrySchema), total: z.number() }),
          ...errors,
        },
      },
    },
    async (req) => {
      const { resource, limit, offset } = req.query;
      resourceOk(resource);
      const maker = confinedTo(req.principal);
      if (maker !== null) {
        const i = resource.indexOf(':');
        const kind = resource.slice(0, i);
        // Only kinds the tenancy knows; anything else is nobody's to a confined maker.
        if (!o.auth.tenancy.has(kind)) throw new AuditErrors.BadResource(resource);
        await o.auth.tenancy.check(maker, 'link', kind, resource.slice(i + 1));
      }
      await o.flush();
      const r = await o.store.search({ resource, limit, offset });
      const admin = req.principal?.role === 'admin';
      return { entries: r.entries.map((e) => view(e, admin)), total: r.total };
    },
  );
};
