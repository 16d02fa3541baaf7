import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  type Auth,
  ErrorEnvelope,
  DurationQuery,
  InstantQuery,
  type TenantRule,
  DeviceErrors,
} from '../core/index.ts';
import type { DeviceRegistry } from '../devices/index.ts';
import { AGGREGATES, type TelemetryStore } from './telemetry-store.ts';

const PointSchema = z
  .object({ ts: z.string().describe('ISO-8601'), value: z.number() })
  .meta({ id: 'Point' });
const errors = { 400: ErrorEnvelope, 401: ErrorEnvelope, 403: ErrorEnvelope, 404: ErrorEnvelope };
const IdParams = z.object({ id: z.string().min(1).max(64) });
const oneDevice: TenantRule = { params: { id: 'device' } };
const iso = (ms: number) => new Date(ms).toISOString();

/** Telemetry and device events, as stored. */
export const telemetryRoutes: FastifyPluginAsyncZod<{
  store: TelemetryStore;
  devices: DeviceRegistry;
  auth: Auth;
}> = async (app, { store, devices, auth }) => {
  const reader = auth.require('engineer', 'manufacturer');
  const known = async (id: string) => {
    if (!(await devices.get(id))) throw new DeviceErrors.UnknownDevice(id);
  };

  app.get(
    '/devices/:id/telemetry',
    {
      preHandler: reader,
      config: { tenant: oneDevice },
      schema: {
        tags: ['telemetry'],
        summary: 'Points of one metric: raw, or aggregated per window (`every` + `agg`)',
        params: IdParams,
        querystring: z
          .object({
            metric: z.string().min(1).max(64),
            from: InstantQuery.optional().describe(
              'ISO-8601 or epoch ms, inclusive; default: 24 h before `to`',
            ),
            to: InstantQuery.optional().describe('ISO-8601 or epoch ms, exclusive; default: now'),
            every: DurationQuery.optional().describe(
              'window, e.g. 1m, 1h; windows are aligned to the Unix epoch',
            ),
            agg: z
              .enum(AGGREGATES)
              .optional()
              .describe('aggregate per window; default mean when `every` is given'),
            limit: z.coerce.number().int().min(1).max(100_000).default(10_000),
          })
          .refine((q) => !q.agg || q.every, { message: '`agg` needs `every`', path: ['agg'] })
          .refine((q) => q.from === undefined || q.to === undefined || q.from < q.to, {
            message: '`from` must be before `to`',
            path: ['from'],
          }),
        response: {
          200: z.object({ deviceId: z.string(), metric: z.string(), points: z.array(PointSchema) }),
          ...errors,
        },
      },
    },
    async (req) => {
      await known(req.params.id);
      const q = req.query;
      const to = q.to ?? Date.now();
      const from = q.from ?? to - 86_400_000;
      const points = await store.query({
        deviceId: req.params.id,
        metric: q.metric,
        from,
        to,
        limit: q.limit,
        ...(q.every ? { every: q.every, agg: q.agg ?? 'mean' } : {}),
      });
      return {
        deviceId: req.params.id,
        metric: q.metric,
        points: points.map((p) => ({ ts: iso(p.ts), value: p.value })),
      };
    },
  );

  app.get(
    '/devices/:id/latest',
    {
      preHandler: reader,
      config: { tenant: oneDevice },
      schema: {
        tags: ['telemetry'],
        summary: 'Latest value of every metric of a device',
        params: IdParams,
        response: {
          200: z.object({ deviceId: z.string(), metrics: z.record(z.string(), PointSchema) }),
          ...errors,
        },
      },
    },
    async (req) => {
      await known(req.params.id);
      const latest = await store.latest(req.params.id);
      return {
        deviceId: req.params.id,
        metrics: Object.fromEntries(
          Object.entries(latest).map(([k, p]) => [k, { ts: iso(p.ts), value: p.value }]),
        ),
      };
    },
  );

  app.get(
    '/devices/:id/events',
    {
      preHandler: reader,
      config: { tenant: oneDevice },
      schema: {
        tags: ['telemetry'],
        summary: 'Fault and error codes the device reported',
        params: IdParams,
        querystring: z.object({
          from: InstantQuery.optional(),
          to: InstantQuery.optional(),
          limit: z.coerce.number().int().min(1).max(10_000).default(1000),
        }),
        response: {
          200: z.object({
            deviceId: z.string(),
            events: z.array(
              z.object({
                ts: z.string(),
                code: z.string(),
                severity: z.string(),
                detail: z.string().optional(),
              }),
            ),
          }),
          ...errors,
        },
      },
    },
    async (req) => {
      await known(req.params.id);
      const to = req.query.to ?? Date.now();
      const events = await store.events({
        deviceId: req.params.id,
        from: req.query.from ?? to - 30 * 86_400_000,
        to,
        limit: req.query.limit,
      });
      return {
        deviceId: req.params.id,
        events: events.map((e) => ({
          ts: iso(e.ts),
          code: e.code,
          severity: e.severity,
          ...(e.detail ? { detail: e.detail } : {}),
        })),
      };
    },
  );
};
