import helmet from '@fastify/helmet';
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
import { deviceRoutes, type DeviceRegistry } from '../devices/index.ts';
import { telemetryRoutes, type TelemetryStore } from '../ingest/index.ts';
import {
  codeLimiters,
  ownerAccessWith,
  warrantyRoutes,
  type HolidayCalendars,
  type OwnerAccess,
  type OwnerCodes,
  type WarrantyStore,
} from '../warranty/index.ts';
import { webRoutes } from '../web/index.ts';
import {
  RoleSchema,
  roleCheckOf,
  type Auth,
  type Sql,
  installInputGuards,
  AppErrors,
  ErrorEnvelope,
  installErrorHandler,
  type Metrics,
  describeRule,
  type TenantRule,
  type NodeRole,
} from '../core/index.ts';
import { opsRoutes } from './ops-routes.ts';

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
  /** Cluster mode: this node's connections to Redis (broker/cluster.ts), for /health. */
  redis?: () => 'up' | 'down';
  /** The roles this node runs (SANBAO_ROLES), for /health; default all. */
  roles?: readonly NodeRole[];
  logger?: FastifyBaseLogger | boolean;
  /**
   * Set-up on the root instance before any route (hooks, decorators): the audit trail's
   * recording hooks, the session cookie and CSRF plugins (audit/, accounts/).
   */
  setup?: Array<(app: FastifyInstance) => Promise<void> | void>;
  /** Extra domain plugins registered under /api/v1 (diagnostics, quality, cases…). */
  plugins?: Array<(app: FastifyInstance, shared: ApiShared) => Promise<void>>;
  /** Serve the pages' source maps (development only). */
  webSourceMaps?: boolean;
  /** Owner verification codes (warranty/owner-codes.ts), keyed by the service's key. */
  ownerCodes: OwnerCodes;
  /** Copies of repair-record links kept elsewhere (quality's orders), for chain verification. */
  chainLinks?: (serial: string) => Promise<Array<{ seq: number; hash: string; source: string }>>;
}

/** What the /api/v1 scope shares with the domain plugins. */
export interface ApiShared {
  /**
   * Owner access checks (warranty/owner-access.ts) counting wrong verification codes against
   * the same limits as the warranty status route: a code tried on any route counts once.
   */
  ownerAccess: OwnerAccess;
}

/**
 * Security headers on every answer (issue 24, finding 9), by @fastify/helmet: a content
 * security policy that allows the pages' own scripts, styles and API calls and nothing else
 * (no inline script or style, no framing: frame-ancestors 'none' with X-Frame-Options DENY),
 * nosniff, no referrer, cross-origin isolation of resources. test/web-*.test.ts load every page
 * under it in Chromium and fail on any console error (a CSP violation is one).
 */
const HELMET = {
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'self'"],
      baseUri: ["'self'"],
      scriptSrc: ["'self'"],
      scriptSrcAttr: ["'none'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'", 'data:'],
      fontSrc: ["'self'", 'data:'],
      connectSrc: ["'self'"],
      objectSrc: ["'none'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
    },
  },
  frameguard: { action: 'deny' as const },
  referrerPolicy: { policy: 'no-referrer' as const },
};

/** The HTTP API as a fastify instance; tests drive it with `inject`, app/service.ts (startService) binds the port. */
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
  installInputGuards(app);
  await app.register(helmet, HELMET);
  for (const f of deps.setup ?? []) await f(app);

  // Who may call each route, and what it addresses for tenancy (core/tenant.ts): a route that
  // admits manufacturer tokens without a tenancy rule does not start. Both go into the OpenAPI
  // document as `x-roles` and `x-tenant` (test/authorization-matrix.test.ts reads them).
  const access = new Map<string, { roles: readonly string[]; tenant: string | undefined }>();
  const rules: TenantRule[] = [];
  app.addHook('onRoute', (r) => {
    const check = roleCheckOf(r.preHandler);
    const roles = check?.roles;
    if (!roles) return;
    // Token and role first: without a valid token nothing of the request is parsed or checked.
    if (check.authenticate)
      r.onRequest = [...[r.onRequest ?? []].flat(), check.authenticate] as typeof r.onRequest;
    const tenant = r.config?.tenant;
    if (roles.includes('manufacturer') && !tenant)
      throw new Error(
        `${String(r.method)} ${r.url} admits manufacturer tokens but declares no tenant rule (config.tenant, core/tenant.ts)`,
      );
    if (tenant) rules.push(tenant);
    for (const m of [r.method].flat())
      access.set(`${m.toLowerCase()} ${r.url.replace(/:(\w+)/g, '{$1}')}`, {
        roles,
        tenant: describeRule(tenant),
      });
  });
  app.addHook('onReady', async () => {
    for (const rule of rules) {
      const kinds =
        'params' in rule || 'body' in rule
          ? [...Object.values(rule.params ?? {}), ...(rule.body ?? []).map((c) => c.resource)]
          : [];
      for (const k of kinds)
        if (!deps.auth.tenancy.has(k))
          throw new Error(`tenant rule names undeclared resource ${k}`);
    }
  });

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
    // Named schemas (`.meta({ id })`) become components/schemas in the document; each
    // operation says which roles it admits and its tenancy rule.
    transformObject: (input) => {
      const doc = jsonSchemaTransformObject(input) as {
        paths?: Record<string, Record<string, Record<string, unknown>>>;
      };
      for (const [path, ops] of Object.entries(doc.paths ?? {}))
        for (const [method, op] of Object.entries(ops)) {
          const a = access.get(`${method} ${path}`);
          if (!a) continue;
          op['x-roles'] = a.roles;
          if (a.tenant) op['x-tenant'] = a.tenant;
        }
      return doc as ReturnType<typeof jsonSchemaTransformObject>;
    },
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    // Swagger UI sets inline styles as it renders; its pages alone may (styles, never scripts).
    transformStaticCSP: (csp: string) =>
      csp.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'"),
  });

  await app.register(opsRoutes, deps);

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
          preHandler: deps.auth.require('owner', 'engineer', 'manufacturer', 'desk', 'regulator'),
          config: { tenant: { shared: "the calling token's own role and subject" } },
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
      // One pair of wrong-code limiters for every route that takes an owner's code.
      const limiters = await codeLimiters(a);
      const shared: ApiShared = {
        ownerAccess: ownerAccessWith(deps.auth, deps.warranty, deps.ownerCodes, limiters),
      };
      await a.register(warrantyRoutes, {
        store: deps.warranty,
        auth: deps.auth,
        telemetry: deps.store,
        ...(deps.holidays ? { calendars: deps.holidays } : {}),
        ownerCodes: deps.ownerCodes,
        limiters,
        ...(deps.chainLinks ? { chainLinks: deps.chainLinks } : {}),
      });
      for (const p of deps.plugins ?? []) await p(a, shared);
    },
    { prefix: '/api/v1' },
  );
  // The web pages (web/dist, built by `npm run build:web`) at /.
  await app.register(webRoutes, { sourceMaps: deps.webSourceMaps ?? false });

  return app;
}
