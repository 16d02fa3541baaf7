import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { type Auth, ErrorEnvelope } from '../core/index.ts';
import { daysBetween, parseInstant } from './calendar.ts';
import { listedMaker, MakerQuery } from './tenancy.ts';
import { OutletSchema, TechnicianSchema, type Outlet } from './registry-schema.ts';
import type { WarrantyStore } from './warranty-store.ts';

/**
 * Authorized outlets and certified technicians (issue 5 "Registry"), and the public check an
 * owner makes before handing a unit over: is this outlet, or this service phone number, really
 * authorized today?
 */
export interface OutletRoutesOptions {
  store: WarrantyStore;
  auth: Auth;
  now?: () => Date;
}

const OutletVerification = z
  .object({
    authorized: z.boolean().describe('at least one matching outlet is authorized on `asOf`'),
    asOf: z.iso.date(),
    outlets: z.array(OutletSchema.omit({ priceList: true }).extend({ authorizedNow: z.boolean() })),
  })
  .meta({ id: 'WarrantyOutletVerification' });

const errors = { 400: ErrorEnvelope, 401: ErrorEnvelope, 403: ErrorEnvelope };

/** Whether an outlet is authorized on civil date `d`. */
export function authorizedOn(
  o: Pick<Outlet, 'authorizedFrom' | 'authorizedTo'>,
  d: string,
): boolean {
  return (
    daysBetween(parseInstant(o.authorizedFrom).date, d) >= 0 &&
    (o.authorizedTo === undefined || daysBetween(d, parseInstant(o.authorizedTo).date) >= 0)
  );
}

export const outletRoutes: FastifyPluginAsyncZod<OutletRoutesOptions> = async (
  app,
  { store, auth, now = () => new Date() },
) => {
  const maker = auth.require('manufacturer');

  app.post(
    '/warranty/outlets',
    {
      preHandler: maker,
      config: {
        tenant: {
          stamp: 'manufacturer',
          body: [{ resource: 'outlet', key: (b) => String(b.id), mode: 'upsert' }],
        },
      },
      schema: {
        tags: ['warranty'],
        summary: 'Create or update an authorized outlet',
        body: OutletSchema,
        response: { 201: OutletSchema, ...errors },
      },
    },
    async (req, reply) => reply.status(201).send(await store.saveOutlet(req.body)),
  );

  app.post(
    '/warranty/technicians',
    {
      preHandler: maker,
      config: {
        tenant: {
          // Certified for one of its own outlets; a technician of another maker's outlet (or of
          // none) is not its to change.
          body: [
            { resource: 'technician', key: (b) => String(b.certificate), mode: 'upsert' },
            {
              resource: 'outlet',
              key: (b) => (typeof b.outletId === 'string' ? b.outletId : undefined),
              mode: 'link',
              required: true,
            },
          ],
        },
      },
      schema: {
        tags: ['warranty'],
        summary: 'Create or update a technician certificate',
        body: TechnicianSchema,
        response: { 201: TechnicianSchema, ...errors },
      },
    },
    async (req, reply) => reply.status(201).send(await store.saveTechnician(req.body)),
  );

  app.get(
    '/warranty/technicians',
    {
      preHandler: maker,
      config: {
        tenant: { scoped: 'a confined token lists the technicians of its own outlets only' },
      },
      schema: {
        tags: ['warranty'],
        summary:
          "The technicians certified for a manufacturer's outlets, with their certificates' validity (a confined token: its own)",
        querystring: MakerQuery,
        response: {
          200: z
            .object({
              asOf: z.iso.date(),
              technicians: z.array(
                TechnicianSchema.extend({
                  validNow: z.boolean().describe('the certificate is valid on `asOf`'),
                }),
              ),
            })
            .meta({ id: 'WarrantyTechnicianList' }),
          ...errors,
        },
      },
    },
    async (req) => {
      const asOf = parseInstant(now().toISOString()).date;
      const list = await store.listTechnicians(
        listedMaker(req.principal, req.query.manufacturer, 'technicians'),
      );
      return {
        asOf,
        technicians: list.map((t) => ({
          ...t,
          validNow: authorizedOn({ authorizedFrom: t.validFrom, authorizedTo: t.validTo }, asOf),
        })),
      };
    },
  );

  app.get(
    '/warranty/outlets/verify',
    {
      schema: {
        tags: ['warranty'],
        summary:
          'Public: is this outlet id or service phone number an authorized 三包 outlet today?',
        security: [],
        querystring: z
          .object({
            id: z.string().min(1).max(64).optional(),
            phone: z.string().min(3).max(32).optional(),
          })
          .refine((q) => q.id !== undefined || q.phone !== undefined, {
            message: 'give id or phone',
            path: ['phone'],
          }),
        response: { 200: OutletVerification, 400: ErrorEnvelope },
      },
    },
    async (req) => {
      const asOf = parseInstant(now().toISOString()).date;
      const found = req.query.id
        ? [await store.getOutlet(req.query.id)].filter((o): o is Outlet => o !== undefined)
        : [];
      const byPhone = req.query.phone ? await store.findOutletsByPhone(req.query.phone) : [];
      const outlets = [...found, ...byPhone.filter((o) => !found.some((f) => f.id === o.id))].map(
        ({ priceList: _p, ...o }) => ({
          ...o,
          authorizedNow: authorizedOn(o, asOf),
        }),
      );
      return { authorized: outlets.some((o) => o.authorizedNow), asOf, outlets };
    },
  );
};
