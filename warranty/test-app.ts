import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance } from 'fastify';
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
import type { OdometerSource } from './odometer.ts';
import { createOwnerCodes } from './owner-codes.ts';
import { warrantyRoutes } from './routes.ts';
import { SqlWarrantyStore } from './stores/sql.ts';
import { HolidayCalendars } from './holiday-calendars.ts';
import { SqlHolidayCalendarStore } from './holiday-store.ts';

/**
 * A fastify app with the warranty plugin on in-memory PGlite, for route tests. The caller closes
 * it with `close()`. The clock is fixed at 2025-07-01T02:00Z (10:00 in Beijing).
 */
export interface TestApp {
  app: FastifyInstance;
  sql: Sql;
  tokens: { engineer: string; owner: string; manufacturer: string; admin: string };
  close: () => Promise<void>;
}

export async function buildTestApp(
  opts: { telemetry?: OdometerSource; openapi?: boolean } = {},
): Promise<TestApp> {
  const { openapi, ...deps } = opts;
  const sql = await openPglite();
  await migrate(sql);
  const auth = createAuth(sql);
  const tokens = {
    engineer: (await auth.issue({ role: 'engineer' })).token,
    owner: (await auth.issue({ role: 'owner', subject: 'o1' })).token,
    manufacturer: (await auth.issue({ role: 'manufacturer', subject: 'Acme' })).token,
    admin: (await auth.issue({ role: 'admin' })).token,
  };
  const app = Fastify({ logger: false });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandler(app);
  installInputGuards(app);
  if (openapi)
    await app.register(swagger, {
      openapi: {
        info: { title: 'warranty', version: '0' },
        components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
        security: [{ bearer: [] }],
      },
      transform: jsonSchemaTransform,
      transformObject: jsonSchemaTransformObject,
    });
  await app.register(warrantyRoutes, {
    prefix: '/api/v1',
    store: new SqlWarrantyStore(sql),
    calendars: new HolidayCalendars(new SqlHolidayCalendarStore(sql)),
    auth,
    ownerCodes: createOwnerCodes('test-owner-code-key-0123456789abcdef'),
    now: () => new Date('2025-07-01T02:00:00Z'),
    ...deps,
  });
  return {
    app,
    sql,
    tokens,
    close: async () => {
      await app.close();
      await sql.close();
    },
  };
}
