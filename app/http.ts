import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { DeviceRegistry } from '../broker/devices.ts';
import { deviceRoutes } from '../broker/routes.ts';
import { telemetryRoutes } from '../ingest/routes.ts';
import type { TelemetryStore } from '../ingest/telemetry-store.ts';
import { warrantyRoutes } from '../warranty/routes.ts';
import type { WarrantyStore } from '../warranty/warranty-store.ts';
import type { HolidayCalendars } from '../warranty/index.ts';
import { webRoutes } from '../web/server.ts';
import { RoleSchema, type Auth } from './auth.ts';
import type { Sql } from './db.ts';
import { AppErrors, ErrorEnvelope, installErrorHandler } from './errors.ts';
import type { Metrics } from './metrics.ts';

export interface AppDeps {
  sql: Sql;
  auth: Auth;
  devices: DeviceRegistry;
  store: TelemetryStore;
  metrics: Metrics;
  warranty: WarrantyStore;
  /** The holiday calendar in force and its admin routes (warranty/holiday-calendars.ts). */
  holidays?: HolidayCalendars;
  /** Ingest health for /health: whether the telemetry store is accepting writes. */
  ingestHealthy: () => boolean;
  logger?: FastifyBaseLogger | boolean;
  /** Extra domain plugins registered under /api/v1 (warranty, diagnostics, …). */
  plugins?: Array<(app: FastifyInstance) => Promise<void>>;
}

/** The HTTP API as a fastify instance; tests drive it with `inject`, main.ts binds the port. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    ...(typeof deps.logger === 'object'
      ? { loggerInstance: deps.logger }
      : { logger: deps.logger ?? false }),
    bodyLimit: 10 * 1024 * 1024,
    // One line per request drowns the log of a busy fleet; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandler(app);

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Sanbao API',
        version: '0.1.0',
        description: 'Remote diagnosis and 三包 warranty tracking',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
    // Named schemas (`.meta({ id })`) become components/schemas in the document.
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  app.get(
    '/health',
    {
      schema: {
        tags: ['ops'],
        security: [],
        response: {
          200: z.object({
            status: z.literal('ok'),
            database: z.literal('up'),
            telemetryStore: z.enum(['up', 'down']),
          }),
          503: ErrorEnvelope,
        },
      },
    },
    async () => {
      try {
        await deps.sql.query('SELECT 1');
      } catch {
        throw new AppErrors.Unavailable('database');
      }
      const up =
        deps.ingestHealthy() &&
        (await deps.store.ping().then(
          () => true,
          () => false,
        ));
      // A down telemetry store is degraded, not down: ingest keeps spooling.
      return {
        status: 'ok' as const,
        database: 'up' as const,
        telemetryStore: up ? ('up' as const) : ('down' as const),
      };
    },
  );

  app.get(
    '/metrics',
    { schema: { tags: ['ops'], security: [], hide: false } },
    async (_req, reply) => {
      reply.header('content-type', deps.metrics.registry.contentType);
      return deps.metrics.registry.metrics();
    },
  );

  await app.register(
    async (api) => {
      const a = api.withTypeProvider<ZodTypeProvider>();
      a.post(
        '/tokens',
        {
          preHandler: deps.auth.require('admin'),
          schema: {
            tags: ['auth'],
            summary: 'Issue an API token (shown once)',
            body: z.object({
              role: RoleSchema,
              subject: z.string().min(1).max(128).optional(),
              label: z.string().max(200).optional(),
            }),
            response: {
              201: z.object({
                id: z.string(),
                token: z.string(),
                role: RoleSchema,
                subject: z.string().nullable(),
                label: z.string().nullable(),
              }),
              400: ErrorEnvelope,
              401: ErrorEnvelope,
              403: ErrorEnvelope,
            },
          },
        },
        async (req, reply) => reply.status(201).send(await deps.auth.issue(req.body)),
      );
      a.get(
        '/tokens/me',
        {
          preHandler: deps.auth.require('owner', 'engineer', 'manufacturer'),
          schema: {
            tags: ['auth'],
            summary: "The calling token's role and subject (pages hide what the role cannot do)",
            response: {
              200: z.object({
                role: RoleSchema,
                subject: z.string().nullable(),
                tokenId: z.string(),
              }),
              401: ErrorEnvelope,
            },
          },
        },
        async (req) => req.principal!,
      );
      a.delete(
        '/tokens/:id',
        {
          preHandler: deps.auth.require('admin'),
          schema: {
            tags: ['auth'],
            params: z.object({ id: z.string() }),
            response: { 204: z.null(), 404: ErrorEnvelope },
          },
        },
        async (req, reply) => {
          if (!(await deps.auth.revoke(req.params.id)))
            throw new AppErrors.NotFound(`token ${req.params.id}`);
          return reply.status(204).send(null);
        },
      );
      await a.register(deviceRoutes, { devices: deps.devices, auth: deps.auth });
      await a.register(telemetryRoutes, {
        store: deps.store,
        devices: deps.devices,
        auth: deps.auth,
      });
      await a.register(warrantyRoutes, {
        store: deps.warranty,
        auth: deps.auth,
        telemetry: deps.store,
        ...(deps.holidays ? { calendars: deps.holidays } : {}),
      });
      for (const p of deps.plugins ?? []) await p(a);
    },
    { prefix: '/api/v1' },
  );
  // The web pages (web/dist, built by `npm run build:web`) at /.
  await app.register(webRoutes);

  return app;
}
