import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { type Auth, AppErrors, ErrorEnvelope, scopeOf } from '../core/index.ts';
import { webhookUrlProblem } from '../diagnostics/index.ts';
import { CommitmentSchema } from './commitment.ts';
import { CasesErrors } from './errors.ts';
import { Id, WebhookBody } from './requests.ts';
import type { CaseStore } from './store.ts';

/**
 * What a maker sets for its cases: its published service commitment (response times, versioned)
 * and its case webhooks (its own app or SMS gateway, which tells owners who opted in). A
 * confined manufacturer token acts in its own name only (core/tenant.ts: the body's
 * `manufacturer` is stamped, another maker's is refused 403 APP_ERR_OTHER_TENANT; another
 * maker's webhook is unknown). Webhooks reach public addresses only, checked as the alert
 * webhooks' are (diagnostics/delivery/address-guard.ts), unless `allowPrivate`.
 */
export interface SettingsRoutesOptions {
  auth: Auth;
  store: CaseStore;
  clock: () => Date;
  /** WEBHOOK_ALLOW_PRIVATE: accept loopback and private addresses (development only). */
  allowPrivate?: boolean;
}

const errors = { 400: ErrorEnvelope, 401: ErrorEnvelope, 403: ErrorEnvelope, 404: ErrorEnvelope };
const tags = ['cases'];
const WebhookOut = z
  .object({
    id: z.string(),
    manufacturer: z.string().nullable(),
    url: z.string(),
    createdAt: z.string(),
  })
  .meta({ id: 'CaseWebhook' });

export const settingsRoutes: FastifyPluginAsyncZod<SettingsRoutesOptions> = async (app, o) => {
  const maker = o.auth.require('manufacturer');
  const by = (p: { subject: string | null; tokenId: string } | undefined) =>
    p?.subject ?? p?.tokenId ?? 'unknown';
  // A case webhook is its maker's; one for every maker (admin's) is nobody's.
  o.auth.tenancy.define('caseWebhook', {
    async relation(maker, id) {
      const w = (await o.store.webhooks()).find((x) => x.id === id);
      return !w ? 'absent' : w.manufacturer === maker ? 'owned' : 'foreign';
    },
    hidden: (id) => new CasesErrors.UnknownWebhook(id),
  });
  const ownName = { stamp: 'manufacturer' };

  app.post(
    '/cases/commitments',
    {
      preHandler: maker,
      config: { tenant: ownName },
      schema: {
        tags,
        summary: "Save a version of a maker's service commitment (answer and fulfilment times)",
        body: CommitmentSchema,
        response: { 201: CommitmentSchema, 409: ErrorEnvelope, ...errors },
      },
    },
    async (req, reply) => {
      const saved = await o.store.appendCommitment(req.body, {
        savedAt: o.clock().toISOString(),
        savedBy: by(req.principal),
      });
      return reply.status(201).send(saved);
    },
  );

  app.get(
    '/cases/commitments',
    {
      schema: {
        tags,
        summary: "Makers' published service commitments (public)",
        security: [],
        querystring: z.object({ manufacturer: z.string().max(128).optional() }),
        response: { 200: z.object({ commitments: z.array(CommitmentSchema) }), 400: ErrorEnvelope },
      },
    },
    async (req) => ({ commitments: await o.store.commitments(req.query.manufacturer) }),
  );

  app.post(
    '/cases/webhooks',
    {
      preHandler: maker,
      config: { tenant: ownName },
      schema: {
        tags,
        summary:
          "A maker's case webhook: every event of its cases, HMAC-signed (x-sanbao-signature), retried; the owner's contact when they opted in",
        body: WebhookBody,
        response: { 201: WebhookOut, ...errors },
      },
    },
    async (req, reply) => {
      // A confined token's own name was filled in by the tenancy rule.
      const manufacturer = req.body.manufacturer ?? null;
      if (manufacturer === null && req.principal?.role !== 'admin')
        throw new AppErrors.Forbidden(
          req.principal?.role ?? 'unknown',
          'add a webhook for every maker',
        );
      const problem = o.allowPrivate ? undefined : await webhookUrlProblem(req.body.url);
      if (problem) throw new CasesErrors.WebhookAddress(problem);
      const w = await o.store.addWebhook({
        manufacturer,
        url: req.body.url,
        secret: req.body.secret,
        createdAt: o.clock().toISOString(),
        createdBy: by(req.principal),
      });
      return reply
        .status(201)
        .send({ id: w.id, manufacturer: w.manufacturer, url: w.url, createdAt: w.createdAt });
    },
  );

  app.get(
    '/cases/webhooks',
    {
      preHandler: maker,
      config: { tenant: { scoped: "lists only its own maker's webhooks" } },
      schema: { tags, response: { 200: z.object({ webhooks: z.array(WebhookOut) }), ...errors } },
    },
    async (req) => {
      const m = scopeOf(req);
      const all = await o.store.webhooks(m ?? undefined);
      return {
        webhooks: all
          .filter((w) => m === null || w.manufacturer === m)
          .map((w) => ({
            id: w.id,
            manufacturer: w.manufacturer,
            url: w.url,
            createdAt: w.createdAt,
          })),
      };
    },
  );

  app.delete(
    '/cases/webhooks/:id',
    {
      preHandler: maker,
      config: { tenant: { params: { id: 'caseWebhook' } } },
      schema: { tags, params: z.object({ id: Id }), response: { 204: z.null(), ...errors } },
    },
    async (req, reply) => {
      const w = (await o.store.webhooks()).find((x) => x.id === req.params.id);
      if (!w) throw new CasesErrors.UnknownWebhook(req.params.id);
      await o.store.deleteWebhook(w.id);
      return reply.status(204).send(null);
    },
  );
};
