import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { type Auth, ErrorEnvelope } from '../core/index.ts';
import { parseInstant } from './calendar.ts';
import { WarrantyErrors } from './errors.ts';
import { authorizedOn } from './outlet-routes.ts';
import { listedMaker, MakerQuery, modelKey } from './tenancy.ts';
import { policyById, UnitCategorySchema } from './policies/index.ts';
import { GenuinePartSchema, OutletSchema, ProductModelSchema } from './registry-schema.ts';
import type { WarrantyStore } from './warranty-store.ts';

/**
 * The rest of the registry (issue 5): product models (manufacturer, main parts, policy),
 * genuine parts with the serials a manufacturer issued, and the public list of authorized
 * outlets an owner chooses from. Manufacturers write; the checks owners need are public.
 */
export interface RegistryRoutesOptions {
  store: WarrantyStore;
  auth: Auth;
  now?: () => Date;
}

const errors = { 400: ErrorEnvelope, 401: ErrorEnvelope, 403: ErrorEnvelope, 404: ErrorEnvelope };
const PartInfoSchema = GenuinePartSchema.omit({ serials: true })
  .extend({ serialCount: z.number().int() })
  .meta({ id: 'WarrantyGenuinePartInfo' });
const ModelBody = ProductModelSchema.extend({ category: UnitCategorySchema });

export const registryRoutes: FastifyPluginAsyncZod<RegistryRoutesOptions> = async (
  app,
  { store, auth, now = () => new Date() },
) => {
  const maker = auth.require('manufacturer');
  const tags = ['warranty'];

  app.post(
    '/warranty/models',
    {
      preHandler: maker,
      config: {
        tenant: {
          stamp: 'manufacturer',
          body: [
            {
              resource: 'productModel',
              key: (b) => modelKey(String(b.category), String(b.model)),
              mode: 'upsert',
            },
          ],
        },
      },
      schema: {
        tags,
        summary:
          'Create or replace a product model: manufacturer, main parts, the policy its units follow',
        description:
          "A manufacturer token with a subject creates and replaces its own models only: another maker's model is refused (403).",
        body: ModelBody,
        response: { 201: ProductModelSchema, ...errors },
      },
    },
    async (req, reply) => {
      const m = req.body;
      if (m.policyId !== undefined) {
        const p = policyById(m.policyId);
        if (!p) throw new WarrantyErrors.UnknownPolicy(m.policyId);
        if (p.category !== m.category)
          throw new WarrantyErrors.PolicyCategoryMismatch(m.policyId, p.category, m.category);
      }
      return reply.status(201).send(await store.saveModel(m));
    },
  );

  app.get(
    '/warranty/models',
    {
      preHandler: maker,
      config: { tenant: { scoped: 'a confined token lists its own maker’s models only' } },
      schema: {
        tags,
        summary:
          "A manufacturer's product models with their main parts (a confined token: its own)",
        querystring: MakerQuery,
        response: {
          200: z
            .object({ models: z.array(ProductModelSchema) })
            .meta({ id: 'WarrantyProductModelList' }),
          ...errors,
        },
      },
    },
    async (req) => ({
      models: await store.listModels(listedMaker(req.principal, req.query.manufacturer, 'models')),
    }),
  );

  app.get(
    '/warranty/parts',
    {
      preHandler: maker,
      config: { tenant: { scoped: 'a confined token lists its own maker’s parts only' } },
      schema: {
        tags,
        summary:
          "A manufacturer's genuine part numbers and how many serials each has (a confined token: its own)",
        querystring: MakerQuery,
        response: {
          200: z.object({ parts: z.array(PartInfoSchema) }).meta({ id: 'WarrantyGenuinePartList' }),
          ...errors,
        },
      },
    },
    async (req) => ({
      parts: await store.listParts(listedMaker(req.principal, req.query.manufacturer, 'parts')),
    }),
  );

  app.get(
    '/warranty/models/:category/:model',
    {
      schema: {
        tags,
        summary: 'Public: a product model, its main parts and policy',
        security: [],
        params: z.object({
          category: z.string().min(1).max(64),
          model: z.string().min(1).max(128),
        }),
        response: { 200: ProductModelSchema, 404: ErrorEnvelope },
      },
    },
    async (req) => {
      const m = await store.getModel(req.params.category, req.params.model);
      if (!m) throw new WarrantyErrors.UnknownModel(req.params.category, req.params.model);
      return m;
    },
  );

  app.post(
    '/warranty/parts',
    {
      preHandler: maker,
      config: {
        tenant: {
          stamp: 'manufacturer',
          body: [{ resource: 'genuinePart', key: (b) => String(b.number), mode: 'upsert' }],
        },
      },
      schema: {
        tags,
        summary: 'Register a genuine part number and (some of) the serials issued for it',
        body: GenuinePartSchema,
        response: { 201: PartInfoSchema, ...errors },
      },
    },
    async (req, reply) => reply.status(201).send(await store.savePart(req.body)),
  );

  app.get(
    '/warranty/parts/verify',
    {
      schema: {
        tags,
        summary: 'Public: is this part number (and serial) a genuine part?',
        security: [],
        querystring: z.object({
          number: z.string().min(1).max(64),
          serial: z.string().min(1).max(128).optional(),
        }),
        response: {
          200: z
            .object({
              genuine: z
                .boolean()
                .describe('the number is registered and, when given, the serial too'),
              part: PartInfoSchema.omit({ serialCount: true }).nullable(),
              serialKnown: z.boolean().nullable().describe('null when no serial was asked about'),
            })
            .meta({ id: 'WarrantyPartVerification' }),
          400: ErrorEnvelope,
        },
      },
    },
    async (req) => {
      const part = await store.getPart(req.query.number);
      const serialKnown =
        req.query.serial === undefined
          ? null
          : part !== undefined && (await store.partSerialKnown(part.number, req.query.serial));
      const { serialCount: _n, ...info } = part ?? { serialCount: 0 };
      return {
        genuine: part !== undefined && serialKnown !== false,
        part: part ? (info as z.infer<typeof PartInfoSchema>) : null,
        serialKnown,
      };
    },
  );

  app.get(
    '/warranty/outlets',
    {
      schema: {
        tags,
        summary:
          "Public: a manufacturer's authorized outlets today, with their official phone numbers and price lists",
        security: [],
        querystring: z.object({
          manufacturer: z.string().min(1).max(128),
          includeExpired: z
            .enum(['true', 'false'])
            .default('false')
            .transform((v) => v === 'true'),
        }),
        response: {
          200: z
            .object({
              asOf: z.iso.date(),
              outlets: z.array(OutletSchema.extend({ authorizedNow: z.boolean() })),
            })
            .meta({ id: 'WarrantyOutletList' }),
          400: ErrorEnvelope,
        },
      },
    },
    async (req) => {
      const asOf = parseInstant(now().toISOString()).date;
      const outlets = (await store.listOutlets(req.query.manufacturer))
        .map((o) => ({ ...o, authorizedNow: authorizedOn(o, asOf) }))
        .filter((o) => req.query.includeExpired || o.authorizedNow);
      return { asOf, outlets };
    },
  );
};
