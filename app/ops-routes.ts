import helmet from '@fastify/helmet';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import {
  serializerCompiler,
  validatorCompiler,
  type FastifyPluginAsyncZod,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { TelemetryStore } from '../ingest/index.ts';
import {
  AppErrors,
  ErrorEnvelope,
  installErrorHandler,
  NODE_ROLES,
  type Metrics,
  type NodeRole,
  type Sql,
} from '../core/index.ts';

/** What /health and /metrics read. */
export interface OpsDeps {
  sql: Sql;
  store: TelemetryStore;
  metrics: Metrics;
  /** Ingest health for /health: whether the telemetry store is accepting writes. */
  ingestHealthy: () => boolean;
  /** Cluster mode: this node's connections to Redis (broker/cluster.ts), for /health. */
  redis?: () => 'up' | 'down';
  /** The roles this node runs (SANBAO_ROLES); default all. */
  roles?: readonly NodeRole[];
}

/**
 * `/health` (HAProxy's check, deploy/haproxy.cfg) and `/metrics` (Prometheus): on every node,
 * whatever its roles — with the API (app/http.ts) or alone ({@link buildOpsApp}).
 */
export const opsRoutes: FastifyPluginAsyncZod<OpsDeps> = async (app, deps) => {
  const roles = deps.roles ?? NODE_ROLES;
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
            redis: z
              .enum(['up', 'down'])
              .optional()
              .describe('cluster mode only: routing and MQTT sessions in Redis'),
            roles: z.array(z.enum(NODE_ROLES)).describe('what this node runs (SANBAO_ROLES)'),
          }),
          503: ErrorEnvelope,
        },
      },
    },
    async () => {
      try {
        await deps.sql.query('SELECT 1');
      } catch {
        // Down: the node cannot serve its API. What else it knows goes with the answer.
        const err = new AppErrors.Unavailable('database') as Error & { details?: unknown };
        err.details = {
          database: 'down',
          telemetryStore: deps.ingestHealthy() ? 'up' : 'down',
          ...(deps.redis ? { redis: deps.redis() } : {}),
          roles,
        };
        throw err;
      }
      const up =
        deps.ingestHealthy() &&
        (await deps.store.ping().then(
          () => true,
          () => false,
        ));
      // A down telemetry store is degraded, not down: ingest keeps spooling.
      // Redis down is degraded too: the node keeps its own connections and spools what its
      // devices send; routing between nodes resumes when ioredis reconnects.
      return {
        status: 'ok' as const,
        database: 'up' as const,
        telemetryStore: up ? ('up' as const) : ('down' as const),
        ...(deps.redis ? { redis: deps.redis() } : {}),
        roles: [...roles],
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
};

/**
 * A node without the `http` role (SANBAO_ROLES) still answers `/health` and `/metrics` on
 * HTTP_PORT, and nothing else: the balancer's health check and Prometheus reach every node.
 */
export async function buildOpsApp(
  deps: OpsDeps & { logger: FastifyBaseLogger },
): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger,
    logController: new LogController({ disableRequestLogging: true }),
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandler(app);
  await app.register(helmet, { contentSecurityPolicy: false });
  await app.register(opsRoutes, deps);
  return app;
}
