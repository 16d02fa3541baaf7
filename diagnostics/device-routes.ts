import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { type Auth, ErrorEnvelope, Pagination } from '../core/index.ts';
import { CommandRecordSchema, type RemoteCommands } from './commands.ts';
import { DiagnosticsErrors } from './errors.ts';
import type { HealthReport, RulEstimate } from './types.ts';

export interface DeviceDiagnosticsRoutesOptions {
  /** The engine's health, or in a cluster the saved state's of a device another node holds. */
  engine: { health(deviceId: string): Promise<HealthReport | undefined> };
  commands: RemoteCommands;
  auth: Auth;
  /** Whether a device is provisioned (commands to unknown devices are refused, not timed out). */
  deviceExists: (id: string) => Promise<boolean>;
}

const num = z.number().nullable();
const HealthSchema = z
  .object({
    deviceId: z.string(),
    category: z.string(),
    ts: z.string().nullable(),
    score: z.number(),
    modes: z.array(
      z.object({
        modeId: z.string(),
        score: z.number(),
        indicator: num,
        contributions: z.array(
          z.object({ metric: z.string(), points: num, value: num, baseline: num }),
        ),
        rul: z
          .object({
            rulMs: num,
            lowMs: num,
            highMs: num.describe('null: unbounded'),
            confidence: z.number(),
          })
          .nullable(),
      }),
    ),
  })
  .meta({ id: 'DeviceHealth' });

const fin = (x: number) => (Number.isFinite(x) ? x : null);
const rulOut = (r: RulEstimate | undefined) =>
  r
    ? { rulMs: fin(r.rulMs), lowMs: fin(r.lowMs), highMs: fin(r.highMs), confidence: r.confidence }
    : null;

/** The engine's report as JSON: non-finite numbers (unbounded RUL, missing readings) as null. */
function healthOut(h: HealthReport): z.infer<typeof HealthSchema> {
  return {
    deviceId: h.deviceId,
    category: h.category,
    ts: Number.isFinite(h.ts) && h.ts > 0 ? new Date(h.ts).toISOString() : null,
    score: h.score,
    modes: h.modes.map((m) => ({
      modeId: m.modeId,
      score: m.score,
      indicator: fin(m.indicator),
      contributions: m.contributions.map((c) => ({
        metric: c.metric,
        points: fin(c.points),
        value: fin(c.value),
        baseline: fin(c.baseline),
      })),
      rul: rulOut(m.rul),
    })),
  };
}

const Params = z.object({ id: z.string().min(1).max(100) });
const errors = { 400: ErrorEnvelope, 401: ErrorEnvelope, 403: ErrorEnvelope, 404: ErrorEnvelope };

/** Per-device diagnostics: the health report and remote-diagnosis commands with their audit. */
export const deviceDiagnosticsRoutes: FastifyPluginAsyncZod<
  DeviceDiagnosticsRoutesOptions
> = async (app, o) => {
  const tags = ['diagnostics'];
  app.get(
    '/devices/:id/health',
    {
      preHandler: o.auth.require('engineer', 'manufacturer'),
      config: { tenant: { params: { id: 'device' } } },
      schema: {
        tags,
        summary: 'Health score 0–100 per device and failure mode, with per-sensor contributions',
        params: Params,
        response: { 200: HealthSchema, ...errors },
      },
    },
    async (req) => {
      const h = await o.engine.health(req.params.id);
      if (!h) throw new DiagnosticsErrors.NoHealth(req.params.id);
      return healthOut(h);
    },
  );

  app.post(
    '/devices/:id/commands',
    {
      preHandler: o.auth.require('engineer'),
      schema: {
        tags,
        summary: "Run a remote-diagnosis command and return the device's reply",
        description:
          'Published as {requestId, args} on devices/{id}/commands/{name}; the device answers on …/reply. 504 when it does not answer in time.',
        params: Params,
        body: z.object({
          name: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'a command name like self_test'),
          args: z.unknown().optional(),
          timeoutMs: z.number().int().min(100).max(120_000).default(10_000),
        }),
        response: { 200: CommandRecordSchema, ...errors, 504: ErrorEnvelope },
      },
    },
    async (req) => {
      if (!(await o.deviceExists(req.params.id)))
        throw new DiagnosticsErrors.UnknownDevice(req.params.id);
      const rec = await o.commands.send({
        deviceId: req.params.id,
        name: req.body.name,
        args: req.body.args,
        timeoutMs: req.body.timeoutMs,
        requestedBy: req.principal?.subject ?? req.principal?.tokenId ?? 'unknown',
      });
      if (rec.status === 'timeout')
        throw Object.assign(
          new DiagnosticsErrors.CommandTimeout(req.params.id, req.body.name, req.body.timeoutMs),
          { details: { requestId: rec.requestId } },
        );
      return rec;
    },
  );

  app.get(
    '/devices/:id/commands',
    {
      preHandler: o.auth.require('engineer'),
      schema: {
        tags,
        summary: "A device's command audit log, newest first",
        params: Params,
        querystring: z.object(Pagination),
        response: {
          200: z.object({ commands: z.array(CommandRecordSchema), total: z.number().int() }),
          ...errors,
        },
      },
    },
    async (req) => o.commands.list(req.params.id, req.query),
  );
};
