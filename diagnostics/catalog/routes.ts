import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { type Auth, ErrorEnvelope, CategorySchema } from '../../core/index.ts';
import { BUILTIN_MODES } from '../profiles/builtin.ts';
import { COMPONENT_NAMES, componentName, partId, partName } from '../profiles/names.ts';
import { KindSchema } from './documents.ts';
import type { Catalog, CatalogPrincipal } from './service.ts';

const errors = { 400: ErrorEnvelope, 401: ErrorEnvelope, 403: ErrorEnvelope };

const VersionSchema = z
  .object({
    kind: KindSchema,
    key: z.string(),
    version: z.number().int(),
    category: z.string(),
    model: z.string().nullable(),
    modeId: z.string().nullable(),
    createdBy: z.string().describe('id of the token that uploaded it'),
    createdAt: z.string(),
    note: z.string().nullable(),
    active: z.boolean().describe('in force now'),
    summary: z.record(z.string(), z.unknown()).describe('what the document holds, in short'),
  })
  .meta({ id: 'CatalogVersion' });

const UploadedSchema = VersionSchema.extend({
  replaced: z.number().int().nullable().describe('the version in force before (null: none)'),
}).meta({ id: 'CatalogUpload' });

const AuditSchema = z
  .object({
    seq: z.number().int(),
    at: z.string(),
    actor: z.string(),
    action: z.enum(['upload', 'rollback', 'activate']),
    kind: KindSchema,
    key: z.string(),
    fromVersion: z.number().int().nullable(),
    toVersion: z.number().int().nullable(),
    reason: z.string().nullable(),
  })
  .meta({ id: 'CatalogAuditEntry' });

/** A model upload: the `rul-model` document without its kind (POST /diagnostics/models). */
const ModelUploadSchema = z
  .object({
    category: z.string(),
    model: z.string().nullish(),
    mode: z.string(),
    mapping: z.record(z.string(), z.string()),
    timeUnit: z.union([z.number(), z.string()]),
    condition: z.string().optional(),
    alertWithin: z.number().nullish(),
    note: z.string().nullish(),
    artefact: z.unknown(),
  })
  .passthrough()
  .meta({ id: 'RulModelUpload' });

/**
 * Tenancy (core/tenant.ts): the catalogue service confines every call itself — a maker's token
 * changes and sees documents of its own registered product models only (and category-wide ones
 * read-only), audit entries of what it may see.
 */
const CONFINED = {
  scoped: 'the catalogue confines the call to the maker’s own product models (catalog/service.ts)',
};

/**
 * The diagnostics catalogue over HTTP (issue 19): upload documents (a JSON body, or a data
 * file's text as YAML or JSON, whose errors then carry line numbers), upload remaining-life
 * models, list versions, read one, roll back, read the audit log and the profile in force.
 */
export const catalogRoutes: FastifyPluginAsyncZod<{ catalog: Catalog; auth: Auth }> = async (
  app,
  { catalog, auth },
) => {
  const tags = ['diagnostics catalogue'];
  const write = auth.require('manufacturer');
  const read = auth.require('manufacturer', 'engineer');
  // A data file as it is on disk: YAML (or JSON) text; its errors then name file lines.
  app.addContentTypeParser(
    ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml', 'text/plain'],
    { parseAs: 'string' },
    (_req, body, done) => done(null, body),
  );
  const principal = (req: { principal?: CatalogPrincipal }) => req.principal!;
  const out = (v: Awaited<ReturnType<Catalog['get']>>) => {
    const { body: _body, ...rest } = v;
    return rest;
  };

  app.post(
    '/diagnostics/data',
    {
      preHandler: write,
      config: { tenant: CONFINED },
      bodyLimit: 32 * 1024 * 1024,
      schema: {
        tags,
        summary:
          'Upload a catalogue document (profile, fault-code table, calibration, references, model)',
        description:
          'JSON body, or the text of a YAML/JSON data file with content-type application/yaml or text/plain (errors then give the file line). The document becomes a new version of its key and is in force at once; nothing is stored when it is invalid.',
        body: z.union([z.string(), z.record(z.string(), z.unknown())]),
        response: { 201: UploadedSchema, ...errors },
      },
    },
    async (req, reply) => {
      const input = typeof req.body === 'string' ? { text: req.body } : { value: req.body };
      const r = await catalog.upload(input, principal(req));
      return reply.status(201).send({ ...out(r.version), replaced: r.replaced });
    },
  );

  app.post(
    '/diagnostics/models',
    {
      preHandler: write,
      config: { tenant: CONFINED },
      bodyLimit: 32 * 1024 * 1024,
      schema: {
        tags,
        summary: 'Upload a remaining-life model for a category (or product model) and failure mode',
        description:
          'artefact: as saved by `sanbao diagnose replay --save`; mapping: model sensor → category metric; timeUnit: length of one unit of the training time column (e.g. "1h"); condition: profile condition under which samples are aggregated into rows; alertWithin: remaining life (model time units) that raises the mode (default: the mode\'s major severity horizon).',
        body: ModelUploadSchema,
        response: { 201: UploadedSchema, ...errors },
      },
    },
    async (req, reply) => {
      const r = await catalog.upload({ value: { ...req.body, kind: 'rul-model' } }, principal(req));
      return reply.status(201).send({ ...out(r.version), replaced: r.replaced });
    },
  );

  const ListQuery = z.object({
    kind: KindSchema.optional(),
    category: CategorySchema.optional(),
    key: z.string().max(300).optional(),
  });
  app.get(
    '/diagnostics/data',
    {
      preHandler: read,
      config: { tenant: CONFINED },
      schema: {
        tags,
        summary: 'Catalogue versions, newest first',
        querystring: ListQuery,
        response: { 200: z.object({ versions: z.array(VersionSchema) }), ...errors },
      },
    },
    async (req) => ({ versions: (await catalog.list(req.query, principal(req))).map(out) }),
  );
  app.get(
    '/diagnostics/models',
    {
      preHandler: read,
      config: { tenant: CONFINED },
      schema: {
        tags,
        summary: 'Uploaded remaining-life models (every version), newest first',
        querystring: ListQuery.omit({ kind: true }),
        response: { 200: z.object({ versions: z.array(VersionSchema) }), ...errors },
      },
    },
    async (req) => ({
      versions: (await catalog.list({ ...req.query, kind: 'rul-model' }, principal(req))).map(out),
    }),
  );

  app.get(
    '/diagnostics/data/version',
    {
      preHandler: read,
      config: { tenant: CONFINED },
      schema: {
        tags,
        summary: 'One version of a catalogue document, with the document',
        querystring: z.object({
          kind: KindSchema,
          key: z.string().max(300),
          version: z.coerce.number().int().positive(),
        }),
        response: {
          200: VersionSchema.extend({ body: z.unknown() }),
          ...errors,
          404: ErrorEnvelope,
        },
      },
    },
    async (req) => {
      const v = await catalog.get(req.query.kind, req.query.key, req.query.version, principal(req));
      return { ...out(v), body: v.body };
    },
  );

  app.post(
    '/diagnostics/data/rollback',
    {
      preHandler: write,
      config: { tenant: CONFINED },
      schema: {
        tags,
        summary:
          'Put an earlier version of a document back in force (or none: the built-in behaviour)',
        description:
          'toVersion: a version number, null for none; left out: the version before the one in force. Refused (409) when the result would clash with documents in force.',
        body: z.object({
          kind: KindSchema,
          key: z.string().min(1).max(300),
          toVersion: z.number().int().positive().nullable().optional(),
          reason: z.string().min(1).max(2000),
        }),
        response: {
          200: z.object({
            kind: KindSchema,
            key: z.string(),
            from: z.number().int().nullable(),
            to: z.number().int().nullable(),
          }),
          ...errors,
          404: ErrorEnvelope,
          409: ErrorEnvelope,
        },
      },
    },
    async (req) => {
      const b = req.body;
      return catalog.rollback(b.kind, b.key, b.toVersion, principal(req), b.reason);
    },
  );

  app.get(
    '/diagnostics/data/audit',
    {
      preHandler: auth.require('manufacturer'),
      config: { tenant: CONFINED },
      schema: {
        tags,
        summary: 'Who changed the catalogue, when, from which version to which',
        querystring: z.object({
          kind: KindSchema.optional(),
          key: z.string().max(300).optional(),
          limit: z.coerce.number().int().min(1).max(1000).default(100),
        }),
        response: { 200: z.object({ entries: z.array(AuditSchema) }), ...errors },
      },
    },
    async (req) => ({ entries: await catalog.audit(req.query, principal(req)) }),
  );

  const Text = z.object({ zh: z.string(), en: z.string() });
  app.get(
    '/diagnostics/names',
    {
      schema: {
        tags,
        security: [],
        summary: 'Failure modes and components by identifier, in Chinese and English (public)',
        description:
          'What the pages show for the identifiers in alerts, health reports and repair records: the profiles in force (category level) and the built-in modes.',
        response: {
          200: z.object({
            components: z.record(z.string(), Text),
            modes: z.record(z.string(), z.record(z.string(), Text)),
            parts: z
              .record(z.string(), Text)
              .describe('parts by the (English) identifier alerts and repair orders carry'),
          }),
        },
      },
    },
    async () => {
      const modes: Record<string, Record<string, { zh: string; en: string }>> = {};
      const components: Record<string, { zh: string; en: string }> = { ...COMPONENT_NAMES };
      const parts: Record<string, { zh: string; en: string }> = {};
      for (const category of CategorySchema.options) {
        const p = catalog.effective(category, '*').profile;
        const named: Record<string, { zh: string; en: string }> = {};
        for (const m of [...(p?.modes ?? []), ...BUILTIN_MODES.values()]) {
          named[m.id] = m.name;
          components[m.component] ??= componentName(m.component);
          for (const p of m.parts) parts[partId(p)] ??= partName(p);
        }
        modes[category] = named;
      }
      return { components, modes, parts };
    },
  );

  app.get(
    '/diagnostics/profiles/:category',
    {
      preHandler: read,
      config: { tenant: CONFINED },
      schema: {
        tags,
        summary: 'The failure-mode profile in force for a category or product model',
        params: z.object({ category: CategorySchema }),
        querystring: z.object({ model: z.string().min(1).max(128).default('*') }),
        response: {
          200: z.object({
            category: z.string(),
            model: z.string(),
            documents: z.string().describe('the documents in force that made it ("builtin": none)'),
            profile: z.record(z.string(), z.unknown()),
          }),
          ...errors,
        },
      },
    },
    async (req) => {
      const e = catalog.effective(req.params.category, req.query.model);
      return {
        category: req.params.category,
        model: req.query.model,
        documents: e.documents,
        profile: (e.profile ?? {}) as Record<string, unknown>,
      };
    },
  );
};
