import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { type Auth, ErrorEnvelope } from '../core/index.ts';
import { SeveritySchema } from './alert-schemas.ts';
import { webhookUrlProblem } from './delivery/address-guard.ts';
import { WebhookSchema, type WebhookRegistry } from './delivery/webhook-registry.ts';
import { DiagnosticsErrors } from './errors.ts';

const errors = { 400: ErrorEnvelope, 401: ErrorEnvelope, 403: ErrorEnvelope };

/** Webhook subscriptions (admin): register, list with delivery failures, remove. */
export const webhookRoutes: FastifyPluginAsyncZod<{
  registry: WebhookRegistry;
  auth: Auth;
  /** Accept loopback and private addresses (`WEBHOOK_ALLOW_PRIVATE`, development). */
  allowPrivate?: boolean;
}> = async (app, { registry, auth, allowPrivate = false }) => {
  const tags = ['alerts'];
  const admin = auth.require('admin');
  app.post(
    '/webhooks',
    {
      preHandler: admin,
      schema: {
        tags,
        summary: 'Register a webhook for alert notifications',
        description:
          'Deliveries are POSTs of the notification JSON with X-Sanbao-Signature: sha256=<hex HMAC-SHA256 of the raw body with the secret>. The secret is generated when not given and shown once.',
        body: z.object({
          url: z.url({ protocol: /^https?$/ }),
          secret: z.string().min(16).max(200).optional(),
          minSeverity: SeveritySchema.default('info'),
        }),
        response: { 201: WebhookSchema.extend({ secret: z.string() }), ...errors },
      },
    },
    async (req, reply) => {
      const problem = allowPrivate ? undefined : await webhookUrlProblem(req.body.url);
      if (problem) throw new DiagnosticsErrors.WebhookAddress(problem);
      return reply.status(201).send(await registry.create(req.body));
    },
  );
  app.get(
    '/webhooks',
    {
      preHandler: admin,
      schema: {
        tags,
        summary: 'Webhooks with their delivery counts and last error',
        response: { 200: z.object({ webhooks: z.array(WebhookSchema) }), ...errors },
      },
    },
    async () => ({ webhooks: await registry.list() }),
  );
  app.delete(
    '/webhooks/:id',
    {
      preHandler: admin,
      schema: {
        tags,
        params: z.object({ id: z.string() }),
        response: { 204: z.null(), ...errors, 404: ErrorEnvelope },
      },
    },
    async (req, reply) => {
      if (!(await registry.remove(req.params.id)))
        throw new DiagnosticsErrors.UnknownWebhook(req.params.id);
      return reply.status(204).send(null);
    },
  );
};
