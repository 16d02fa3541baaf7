import createError from '@fastify/error';
import type { FastifyError, FastifyInstance } from 'fastify';
import {
  hasZodFastifySchemaValidationErrors,
  isResponseSerializationError,
} from 'fastify-type-provider-zod';
import { z } from 'zod';
import { isDatabaseUnreachable } from './db.ts';

/**
 * Coded errors (docs/style.md §10). Each module keeps its own catalogue built with `defineError`;
 * every code is `MODULE_ERR_WHAT`. One handler (installErrorHandler) renders one envelope:
 * `{ error, message, details }`.
 */
export interface CodedErrorClass {
  new (...args: unknown[]): FastifyError & { details?: unknown };
  readonly code: string;
  readonly statusCode: number;
}

const registry = new Map<string, { statusCode: number; message: string }>();

/** Declares an error code. `message` may contain %s placeholders filled by constructor args. */
export function defineError(code: string, message: string, statusCode: number): CodedErrorClass {
  registry.set(code, { statusCode, message });
  const Base = createError(code, message, statusCode);
  return Object.assign(Base, { code, statusCode }) as unknown as CodedErrorClass;
}

/** Every declared code, for docs/errors.md and its sync test. */
export function errorCatalogue(): ReadonlyMap<string, { statusCode: number; message: string }> {
  return registry;
}

/** Attaches structured details to an error before throwing it. */
export function withDetails<E extends Error>(err: E, details: unknown): E {
  (err as E & { details?: unknown }).details = details;
  return err;
}

export const ErrorEnvelope = z
  .object({
    error: z.string().describe('stable code, e.g. APP_ERR_VALIDATION'),
    message: z.string(),
    details: z.unknown().optional(),
  })
  .meta({ id: 'Error' });

/**
 * The device registry's "no such device": declared here because tenancy (core/tenant.ts) hides
 * another maker's device behind the same 404 the registry gives for one that does not exist.
 */
export const DeviceErrors = {
  UnknownDevice: defineError('BROKER_ERR_UNKNOWN_DEVICE', 'no device %s', 404),
};

export const AppErrors = {
  Validation: defineError('APP_ERR_VALIDATION', 'invalid request: %s', 400),
  Unauthorized: defineError('APP_ERR_UNAUTHORIZED', 'missing or invalid bearer token', 401),
  Forbidden: defineError('APP_ERR_FORBIDDEN', 'role %s may not %s', 403),
  NotFound: defineError('APP_ERR_NOT_FOUND', 'no route %s', 404),
  OtherTenant: defineError(
    'APP_ERR_OTHER_TENANT',
    '%s belongs to another manufacturer: this token acts for %s only',
    403,
  ),
  TenantMustName: defineError(
    'APP_ERR_TENANT_MUST_NAME',
    'this token acts for %s only: name %s of its own',
    403,
  ),
  RateLimited: defineError('APP_ERR_RATE_LIMITED', 'too many wrong %s: try again in %s s', 429),
  Internal: defineError('APP_ERR_INTERNAL', 'internal error', 500),
  Unavailable: defineError('APP_ERR_UNAVAILABLE', '%s is unavailable', 503),
};

/** Turns zod issues into `[{ path: 'a.b[0]', message }]`, the details of a validation error. */
export function zodIssues(
  issues: readonly z.core.$ZodIssue[],
): Array<{ path: string; message: string }> {
  return issues.map((i) => ({
    path: i.path
      .map((p) => (typeof p === 'number' ? `[${p}]` : String(p)))
      .join('.')
      .replace(/\.\[/g, '['),
    message: i.message,
  }));
}

/** A PostgreSQL data exception (SQLSTATE class 22), from pg or PGlite. */
function isDataException(err: { code?: unknown; statusCode?: number }): boolean {
  return (
    err.statusCode === undefined && typeof err.code === 'string' && /^22[0-9A-Z]{3}$/.test(err.code)
  );
}

export function installErrorHandler(app: FastifyInstance): void {
  app.setNotFoundHandler((req, reply) => {
    reply.status(404).send({
      error: 'APP_ERR_NOT_FOUND',
      message: `no route ${req.method} ${req.url.split('?')[0]}`,
    });
  });
  app.setErrorHandler((err: FastifyError & { details?: unknown }, req, reply) => {
    if (hasZodFastifySchemaValidationErrors(err)) {
      const details = err.validation.map((v) => ({
        path: `${err.validationContext ?? 'body'}${v.instancePath.replace(/\//g, '.')}`,
        message: v.message ?? 'invalid',
      }));
      return reply.status(400).send({
        error: 'APP_ERR_VALIDATION',
        message: `invalid request: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`,
        details,
      });
    }
    if (err instanceof z.ZodError) {
      const details = zodIssues(err.issues);
      return reply.status(400).send({
        error: 'APP_ERR_VALIDATION',
        message: `invalid request: ${details.map((d) => `${d.path || '(root)'}: ${d.message}`).join('; ')}`,
        details,
      });
    }
    if (isResponseSerializationError(err)) {
      req.log.error({ err }, 'response did not match its schema');
      return reply.status(500).send({ error: 'APP_ERR_INTERNAL', message: 'internal error' });
    }
    // A database data exception (SQLSTATE class 22: a value the column cannot hold) is the
    // request's fault, not the server's: 400, logged in one line without a stack. The input
    // guards (core/input-guards.ts) and the schemas are meant to stop such values first.
    if (isDataException(err)) {
      req.log.warn({ sqlstate: err.code, route: req.routeOptions.url }, 'database refused a value');
      return reply.status(400).send({
        error: 'APP_ERR_VALIDATION',
        message: `invalid request: a value cannot be stored (SQLSTATE ${err.code})`,
      });
    }
    // The database cannot be reached (down, restarting, network): unavailable for now, not an
    // internal error. Devices' readings are spooled meanwhile; clients may retry.
    if (err.statusCode === undefined && isDatabaseUnreachable(err)) {
      req.log.warn({ err: err.message, route: req.routeOptions.url }, 'database unreachable');
      return reply
        .status(503)
        .header('retry-after', '5')
        .send({ error: 'APP_ERR_UNAVAILABLE', message: 'database is unavailable' });
    }
    const status = err.statusCode ?? 500;
    // One of our coded errors (docs/style.md §10): its message is ours to show. Anything else that
    // fails with 5xx is internal: logged with its stack, answered with a generic message that
    // never echoes it (a driver's or a library's message can name tables, paths, values).
    const ours = typeof err.code === 'string' && registry.has(err.code);
    if (status >= 500 && !ours) {
      req.log.error({ err }, 'request failed');
      return reply.status(500).send({ error: 'APP_ERR_INTERNAL', message: 'internal error' });
    }
    if (status >= 500) req.log.error({ err }, 'request failed');
    const code =
      ours || (typeof err.code === 'string' && /^[A-Z]+_ERR_[A-Z_]+$/.test(err.code))
        ? err.code!
        : status === 400
          ? 'APP_ERR_VALIDATION'
          : `APP_ERR_HTTP_${status}`;
    return reply.status(status).send({
      error: code,
      message: err.message,
      ...(err.details === undefined ? {} : { details: err.details }),
    });
  });
}
