import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance } from 'fastify';
import pino from 'pino';
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
} from 'fastify-type-provider-zod';
import {
  createAuth,
  migrate,
  openPglite,
  type Sql,
  installInputGuards,
  installErrorHandler,
} from '../core/index.ts';
import {
  codeLimiters,
  createOwnerCodes,
  HolidayCalendars,
  ownerAccessWith,
  SqlHolidayCalendarStore,
  SqlWarrantyStore,
  warrantyRoutes,
} from '../warranty/index.ts';
import type { Mailer } from './notify/mailer.ts';
import { startCases, type Cases } from './service.ts';

/**
 * The warranty and cases plugins on in-memory PGlite, for route tests driven with `inject`.
 * The case clock starts at `start` and moves with `advance(ms)`. Without a mailer, mail is
 * recorded as failed (no SMTP), which the tests can read. Wired as app/http.ts wires them: one
 * pair of wrong-code limiters for warranty's and the cases' owner routes, one loaded holiday
 * calendar (an admin loads years with POST /warranty/holidays) for warranty and cases.
 */
export interface CasesTestApp {
  app: FastifyInstance;
  sql: Sql;
  cases: Cases;
  tokens: Record<
    'engineer' | 'owner' | 'manufacturer' | 'otherMaker' | 'desk' | 'regulator' | 'admin',
    string
  >;
  advance(ms: number): void;
  now(): Date;
  close(): Promise<void>;
}

export async function buildCasesTestApp(
  o: { start?: string; mailer?: Mailer } = {},
): Promise<CasesTestApp> {
  const sql = await openPglite();
  await migrate(sql);
  const auth = createAuth(sql);
  const issue = async (role: Parameters<typeof auth.issue>[0]['role'], subject?: string) =>
    (await auth.issue({ role, ...(subject ? { subject } : {}) })).token;
  const tokens = {
    engineer: await issue('engineer'),
    owner: await issue('owner', 'o1'),
    manufacturer: await issue('manufacturer', 'Changan'),
    otherMaker: await issue('manufacturer', 'Geely'),
    desk: await issue('desk', 'desk-wang'),
    regulator: await issue('regulator', 'samr-hebei'),
    admin: await issue('admin'),
  };
  let t = Date.parse(o.start ?? '2026-03-02T02:00:00.000Z');
  const clock = () => new Date(t);
  const registry = new SqlWarrantyStore(sql);
  const holidays = new HolidayCalendars(new SqlHolidayCalendarStore(sql));
  const ownerCodes = createOwnerCodes('test-owner-code-key-0123456789abcdef');
  const cases = startCases({
    sql,
    auth,
    warranty: registry,
    log: pino({ level: 'silent' }),
    clock,
    holidays,
    mailer: o.mailer,
    publicUrl: () => 'http://sanbao.test',
    delivery: { baseDelayMs: 20, maxAttempts: 3, pollMs: 50 },
    // Webhook receivers in these tests listen on 127.0.0.1 (test/cases-e2e.test.ts keeps the check).
    webhooks: { allowPrivate: true },
  });
  const app = Fastify({ logger: false });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandler(app);
  installInputGuards(app);
  await app.register(swagger, {
    openapi: {
      info: { title: 'cases', version: '0' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(
    async (api) => {
      const limiters = await codeLimiters(api);
      await api.register(warrantyRoutes, {
        store: cases.observe(registry),
        auth,
        now: clock,
        calendars: holidays,
        ownerCodes,
        limiters,
      });
      await cases.routes(api, {
        ownerAccess: ownerAccessWith(auth, registry, ownerCodes, limiters),
      });
    },
    { prefix: '/api/v1' },
  );
  return {
    app,
    sql,
    cases,
    tokens,
    advance: (ms) => {
      t += ms;
    },
    now: clock,
    close: async () => {
      await app.close();
      await cases.close();
      await sql.close();
    },
  };
}
