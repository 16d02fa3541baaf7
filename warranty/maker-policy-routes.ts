import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { type Auth, AppErrors, ErrorEnvelope, confinedTo } from '../core/index.ts';
import { parseInstant } from './calendar.ts';
import { WarrantyErrors } from './errors.ts';
import {
  buildMakerPolicy,
  makerPolicyId,
  MakerPolicySchema,
  StoredMakerPolicySchema,
} from './maker-policy.ts';
import {
  saveMakerPolicyVersion,
  versionInForce,
  withEffectiveTo,
} from './maker-policy-versions.ts';
import { baselineFor, isMakerOnlyCategory } from './policies/index.ts';
import { PolicySchema } from './policy-schema.ts';
import { modelKey } from './tenancy.ts';
import type { WarrantyStore } from './warranty-store.ts';

/**
 * Makers' own policies over HTTP (issue 20): a manufacturer saves a version of its policy for a
 * model; staff read the versions and which one is in force on a date. A manufacturer token
 * confined to one maker (core/tenant.ts) saves and reads that maker's policies only.
 */
export interface MakerPolicyRoutesOptions {
  store: WarrantyStore;
  auth: Auth;
  now?: () => Date;
}

const tags = ['warranty'];
const errors = { 400: ErrorEnvelope, 401: ErrorEnvelope, 403: ErrorEnvelope };
const VersionSchema = StoredMakerPolicySchema.extend({
  effectiveTo: z.iso.date().optional().describe('the day before the next version took effect'),
});
const name = z.string().min(1).max(128);

export const makerPolicyRoutes: FastifyPluginAsyncZod<MakerPolicyRoutesOptions> = async (
  app,
  { store, auth, now = () => new Date() },
) => {
  const today = () => parseInstant(now().toISOString()).date;
  /** A confined token acts for its own maker only; the check comes before any lookup. */
  const ownMaker = (req: FastifyRequest, manufacturer: string, what: string) => {
    const m = confinedTo(req.principal);
    if (m !== null && manufacturer !== m) throw new AppErrors.OtherTenant(what, m);
  };

  app.post(
    '/warranty/policies',
    {
      preHandler: auth.require('manufacturer'),
      // The body names its maker: a confined token may leave it out or give its own; a model
      // another maker registered is not this maker's to promise terms for (core/tenant.ts).
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
        summary: 'Save a new version of a maker’s own 三包 policy for a product model',
        description:
          'Never weaker than the national baseline in force from its effective date (422 WARRANTY_ERR_POLICY_WEAKER names each term); later than every saved version (409); effective before today only if it gives units already sold no less than the version it displaces (422 WARRANTY_ERR_POLICY_RETROACTIVE). For a category without national rules (excavator) it is the whole policy, cited to the maker’s terms.',
        body: MakerPolicySchema,
        response: {
          201: StoredMakerPolicySchema.extend({
            resolved: PolicySchema.describe(
              'the policy units will be evaluated under (on the national baseline in force on its effective date)',
            ),
          }),
          409: ErrorEnvelope,
          422: ErrorEnvelope,
          ...errors,
        },
      },
    },
    async (req, reply) => {
      const doc = req.body;
      ownMaker(req, doc.manufacturer, `the policy ${makerPolicyId(doc)}`);
      const saved = await saveMakerPolicyVersion(store, doc, {
        today: today(),
        savedAt: now().toISOString(),
        ...(req.principal ? { savedBy: req.principal.tokenId } : {}),
      });
      const base = isMakerOnlyCategory(doc.category)
        ? undefined
        : baselineFor(doc.category, doc.effectiveFrom);
      return reply.status(201).send({ ...saved, resolved: buildMakerPolicy(doc, base) });
    },
  );

  app.get(
    '/warranty/policies',
    {
      preHandler: auth.require('manufacturer', 'engineer'),
      config: {
        tenant: { scoped: 'a confined token lists its own maker’s policies only (ownMaker)' },
      },
      schema: {
        tags,
        summary: 'Makers’ saved policy versions (a confined manufacturer token: its own only)',
        querystring: z.object({
          manufacturer: name.optional().describe('default for a confined token: its maker'),
          category: z.string().min(1).max(64).optional(),
          model: name.optional(),
        }),
        response: {
          200: z
            .object({ policies: z.array(VersionSchema) })
            .meta({ id: 'WarrantyMakerPolicyList' }),
          ...errors,
        },
      },
    },
    async (req) => {
      const m = confinedTo(req.principal);
      const manufacturer = req.query.manufacturer ?? m ?? undefined;
      if (manufacturer !== undefined)
        ownMaker(req, manufacturer, `the policies of ${manufacturer}`);
      const all = await store.listMakerPolicies({
        ...req.query,
        ...(manufacturer ? { manufacturer } : {}),
      });
      // Each model's versions are consecutive in the list: effectiveTo per model.
      const byModel = new Map<string, typeof all>();
      for (const p of all) {
        const id = makerPolicyId(p);
        byModel.set(id, [...(byModel.get(id) ?? []), p]);
      }
      return { policies: [...byModel.values()].flatMap((v) => withEffectiveTo(v)) };
    },
  );

  app.get(
    '/warranty/policies/:manufacturer/:category/:model',
    {
      preHandler: auth.require('manufacturer', 'engineer'),
      config: { tenant: { scoped: 'the path names the maker: ownMaker refuses another’s' } },
      schema: {
        tags,
        summary: 'One model’s policy versions, and the one in force on a date (default today)',
        params: z.object({ manufacturer: name, category: z.string().min(1).max(64), model: name }),
        querystring: z.object({
          date: z.iso.date().optional().describe('a unit’s start date (delivery, else invoice)'),
        }),
        response: {
          200: z
            .object({
              date: z.iso.date(),
              inForce: VersionSchema.nullable().describe('null: no version yet on that date'),
              versions: z.array(VersionSchema),
            })
            .meta({ id: 'WarrantyMakerPolicyVersions' }),
          404: ErrorEnvelope,
          ...errors,
        },
      },
    },
    async (req) => {
      const p = req.params;
      ownMaker(req, p.manufacturer, `the policy ${makerPolicyId(p)}`);
      const versions = withEffectiveTo(await store.listMakerPolicies(p));
      if (versions.length === 0) throw new WarrantyErrors.UnknownMakerPolicy(makerPolicyId(p));
      const date = req.query.date ?? today();
      return { date, inForce: versionInForce(versions, date) ?? null, versions };
    },
  );
};
