import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ErrorEnvelope } from '../app/errors.ts';
import { evaluateEligibility, resolvePolicy } from './eligibility.ts';
import { EvaluationSchema } from './evaluation-schema.ts';
import { makerPolicyRoutes } from './maker-policy-routes.ts';
import { outletRoutes } from './outlet-routes.ts';
import { registryRoutes } from './registry-routes.ts';
import { recordRoutes, type RecordRoutesOptions } from './record-routes.ts';
import { EvaluateRequestSchema } from './schemas.ts';

/**
 * Options of the warranty plugin. `{}` gives the public, stateless evaluate route only; with a
 * store and an auth service the registry and repair-record routes are added.
 */
export type WarrantyRoutesOptions = Partial<RecordRoutesOptions>;

/**
 * Warranty HTTP routes, an encapsulated fastify plugin registered under `/api/v1`
 * (STYLE.md §3). `POST /warranty/evaluate` is public and stateless: anyone (owner, consumer
 * association, regulator) can ask what the 三包 rules give for a case.
 */
export const warrantyRoutes: FastifyPluginAsyncZod<WarrantyRoutesOptions> = async (app, opts) => {
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
    async (req) => evaluateEligibility(resolvePolicy(req.body), req.body.facts),
  );
  if (opts.store && opts.auth) {
    const deps = { store: opts.store, auth: opts.auth, ...(opts.now ? { now: opts.now } : {}) };
    const withTelemetry = { ...deps, ...(opts.telemetry ? { telemetry: opts.telemetry } : {}) };
    await app.register(recordRoutes, withTelemetry);
    await app.register(outletRoutes, deps);
    await app.register(registryRoutes, deps);
    await app.register(makerPolicyRoutes, deps);
  }
};
