import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { type Auth, scopeOf, ErrorEnvelope, Pagination } from '../core/index.ts';
import {
  AlertCommentSchema,
  AlertHistoryEntrySchema,
  AlertSchema,
  AlertStatusSchema,
  SeveritySchema,
} from './alert-schemas.ts';
import type { AlertService } from './alerts.ts';
import type { SseHub } from './delivery/sse.ts';
import { DiagnosticsErrors } from './errors.ts';

export interface AlertRoutesOptions {
  alerts: AlertService;
  auth: Auth;
  sse: SseHub;
}

const AlertDetailSchema = AlertSchema.extend({
  history: z.array(AlertHistoryEntrySchema),
  comments: z.array(AlertCommentSchema),
}).meta({ id: 'AlertDetail' });
const AlertListSchema = z
  .object({
    alerts: z.array(AlertSchema),
    total: z.number().int(),
    limit: z.number().int(),
    offset: z.number().int(),
  })
  .meta({ id: 'AlertList' });
const Params = z.object({ id: z.string().min(1).max(100) });
const errors = { 400: ErrorEnvelope, 401: ErrorEnvelope, 403: ErrorEnvelope, 404: ErrorEnvelope };
const transitionErrors = { ...errors, 409: ErrorEnvelope };

/** Who acted: the token's subject when it has one (a person), else the token id. */
const actor = (req: FastifyRequest) =>
  req.principal?.subject ?? req.principal?.tokenId ?? 'unknown';

/**
 * Alert routes (docs/design.md "Diagnostics"): list, detail with history and comments, the
 * lifecycle actions, assignment, comments, and the live stream. Engineers act on alerts;
 * manufacturers read them. A manufacturer token with a subject reads only the alerts of its own
 * devices (core/tenant.ts): the list and its total, the detail (another maker's alert is unknown),
 * and the stream; engineers serve every manufacturer's outlets and see every alert.
 */
export const alertRoutes: FastifyPluginAsyncZod<AlertRoutesOptions> = async (
  app,
  { alerts, auth, sse },
) => {
  const read = auth.require('engineer', 'manufacturer');
  const act = auth.require('engineer');
  const tags = ['alerts'];
  // An alert is its device's manufacturer's (core/tenant.ts).
  auth.tenancy.define('alert', {
    async relation(maker, id) {
      const alert = await alerts.store.get(id);
      if (!alert) return 'absent';
      return (await auth.tenancy.owns(maker, alert.deviceId)) ? 'owned' : 'foreign';
    },
    hidden: (id) => new DiagnosticsErrors.UnknownAlert(id),
  });

  app.get(
    '/alerts',
    {
      preHandler: read,
      config: { tenant: { scoped: 'lists and counts only the alerts of its own devices' } },
      schema: {
        tags,
        summary: 'List alerts, newest first',
        querystring: z.object({
          status: AlertStatusSchema.optional(),
          device: z.string().max(100).optional(),
          mode: z.string().max(100).optional(),
          severity: SeveritySchema.optional(),
          category: z.string().max(64).optional(),
          assignee: z.string().min(1).max(200).optional(),
          ...Pagination,
        }),
        response: { 200: AlertListSchema, ...errors },
      },
    },
    async (req) => {
      const q = req.query;
      const maker = scopeOf(req);
      const { alerts: list, total } = await alerts.store.list({
        ...(q.status ? { status: q.status } : {}),
        ...(q.device ? { deviceId: q.device } : {}),
        ...(q.mode ? { modeId: q.mode } : {}),
        ...(q.severity ? { severity: q.severity } : {}),
        ...(q.category ? { category: q.category } : {}),
        ...(q.assignee ? { assignee: q.assignee } : {}),
        ...(maker !== null ? { manufacturer: maker } : {}),
        limit: q.limit,
        offset: q.offset,
      });
      return { alerts: list, total, limit: q.limit, offset: q.offset };
    },
  );

  app.get(
    '/alerts/stream',
    {
      preHandler: read,
      config: { tenant: { scoped: 'streams only the alerts of its own devices' } },
      schema: {
        tags,
        summary: 'Live alerts as server-sent events (event = notification type, data = JSON)',
        description: 'A comment line every 15 s keeps the stream alive.',
        produces: ['text/event-stream'],
        response: {
          200: z.string().describe('text/event-stream'),
          401: ErrorEnvelope,
          403: ErrorEnvelope,
        },
      },
    },
    (req, reply) => {
      const maker = scopeOf(req);
      return sse.open(req, reply, maker === null ? undefined : () => auth.tenancy.devicesOf(maker));
    },
  );

  app.get(
    '/alerts/:id',
    {
      preHandler: read,
      config: { tenant: { params: { id: 'alert' } } },
      schema: { tags, params: Params, response: { 200: AlertDetailSchema, ...errors } },
    },
    async (req) => {
      const alert = await alerts.store.get(req.params.id);
      if (!alert) throw new DiagnosticsErrors.UnknownAlert(req.params.id);
      const [history, comments] = await Promise.all([
        alerts.store.history(alert.id),
        alerts.store.comments(alert.id),
      ]);
      return { ...alert, history, comments };
    },
  );

  const lifecycle = { tags, params: Params, response: { 200: AlertSchema, ...transitionErrors } };
  app.post(
    '/alerts/:id/ack',
    { preHandler: act, schema: { ...lifecycle, summary: 'Acknowledge an open alert' } },
    async (req) => alerts.acknowledge(req.params.id, actor(req)),
  );
  app.post(
    '/alerts/:id/resolve',
    {
      preHandler: act,
      schema: {
        ...lifecycle,
        summary: 'Resolve an alert, optionally naming the repair order that fixed it',
        body: z.object({ repairRef: z.string().min(1).max(200).optional() }).optional(),
      },
    },
    async (req) => alerts.resolve(req.params.id, actor(req), req.body?.repairRef),
  );
  app.post(
    '/alerts/:id/dismiss',
    {
      preHandler: act,
      schema: {
        ...lifecycle,
        summary: 'Dismiss an alert (a reason is required)',
        body: z.object({ reason: z.string().trim().min(1).max(2000) }),
      },
    },
    async (req) => alerts.dismiss(req.params.id, actor(req), req.body.reason),
  );
  app.post(
    '/alerts/:id/assign',
    {
      preHandler: act,
      schema: {
        ...lifecycle,
        summary: 'Assign an alert (null clears the assignee)',
        body: z.object({ assignee: z.string().min(1).max(200).nullable() }),
      },
    },
    async (req) => alerts.assign(req.params.id, req.body.assignee, actor(req)),
  );
  app.post(
    '/alerts/:id/comments',
    {
      preHandler: act,
      schema: {
        tags,
        params: Params,
        body: z.object({ text: z.string().trim().min(1).max(4000) }),
        response: { 201: AlertCommentSchema, ...errors },
      },
    },
    async (req, reply) =>
      reply.status(201).send(await alerts.comment(req.params.id, actor(req), req.body.text)),
  );
};
