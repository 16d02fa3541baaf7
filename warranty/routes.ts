import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ErrorEnvelope } from '../core/index.ts';
import { evaluateEligibility, resolvePolicy } from './eligibility.ts';
import { EvaluationSchema } from './evaluation-schema.ts';
import { makerPolicyRoutes } from './maker-policy-routes.ts';
import { outletRoutes } from './outlet-routes.ts';
import { registryRoutes } from './registry-routes.ts';
import { recordRoutes, type RecordRoutesOptions } from './record-routes.ts';
import { defineWarrantyResources } from './tenancy.ts';
import { unitRoutes } from './unit-routes.ts';
import { EvaluateRequestSchema } from './schemas.ts';
import { HolidayCalendars } from './holiday-calendars.ts';
import { holidayRoutes } from './holiday-routes.ts';

/**
 * Options of the warranty plugin. `{}` gives the public, stateless evaluate route only; with a
 * store and an auth service the registry and repair-record routes are added.
 */
export type WarrantyRoutesOptions = Partial<RecordRoutesOptions> & {
  /** The holiday calendar in force; with `auth`, adds the admin routes that load it. */
  calendars?: HolidayCalendars;
};

/**
 * Warranty HTTP routes, an encapsulated fastify plugin registered under `/api/v1`
 * (docs/style.md §3). `POST /warranty/evaluate` is public and stateless: anyone (owner, consumer
 * association, regulator) can ask what the 三包 rules give for a case.
 */
export const warrantyRoutes: FastifyPluginAsyncZod<WarrantyRoutesOptions> = async (app, opts) => {
  // Every evaluation uses the calendar in force: loaded years, else the built-in ones.
  const calendars = opts.calendars ?? new HolidayCalendars();
  app.post(
    '/warranty/evaluate',
    {
      schema: {
        tags: ['warranty'],
        summary: 'Evaluate a 三包 case: remedies, clauses, deadlines, counters',
        description:
          'Stateless and public. The decision cites the clause for every remedy; facts the legal reference marks uncertain are listed in policy.uncertainFacts.',
        security: [],
        body: EvaluateRequestSchema,
        response: { 200: EvaluationSchema, 400: ErrorEnvelope, 422: ErrorEnvelope },
      },
    },
    async (req) =>
      evaluateEligibility(resolvePolicy(req.body), req.body.facts, {
        calendar: await calendars.fresh(),
      }),
  );
  if (opts.calendars && opts.auth)
    await app.register(holidayRoutes, { calendars: opts.calendars, auth: opts.auth });
  if (opts.store && opts.auth) {
    if (!opts.ownerCodes) throw new Error('warranty routes with a store need ownerCodes');
    defineWarrantyResources(opts.auth.tenancy, opts.store);
    const deps = { store: opts.store, auth: opts.auth, ...(opts.now ? { now: opts.now } : {}) };
    await app.register(recordRoutes, {
      ...deps,
      calendars,
      ownerCodes: opts.ownerCodes,
      ...(opts.telemetry ? { telemetry: opts.telemetry } : {}),
      ...(opts.codeLimits ? { codeLimits: opts.codeLimits } : {}),
      ...(opts.limiters ? { limiters: opts.limiters } : {}),
      ...(opts.chainLinks ? { chainLinks: opts.chainLinks } : {}),
    });
    await app.register(unitRoutes, { ...deps, ownerCodes: opts.ownerCodes });
    await app.register(outletRoutes, deps);
    await app.register(registryRoutes, deps);
    await app.register(makerPolicyRoutes, deps);
  }
};
