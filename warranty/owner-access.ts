import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Auth } from '../app/auth.ts';
import { AppErrors } from '../app/errors.ts';
import type { OwnerCodes } from './owner-codes.ts';
import type { Unit } from './repair-record-schema.ts';
import type { WarrantyStore } from './warranty-store.ts';

/**
 * Who may read a unit's warranty status (issue 5 "Owner lookup"): staff (engineer,
 * manufacturer, admin), the owner whose account the unit is registered to, or anyone holding the
 * verification code printed on the 三包凭证 (header `x-verification-code`). A wrong code and an
 * unknown serial get the same answer, so serials cannot be probed.
 *
 * Wrong codes are limited (issue 24, finding 5) by @fastify/rate-limit: at most
 * {@link CODE_LIMITS}.perSerial wrong codes per serial and perClient per client address in a
 * window; past that every code — the right one too — is answered 429 with `retry-after`, and
 * each further try while blocked starts the whole wait over (the library's `exponentialBackoff`
 * with its in-process store; nodes of a cluster each count their own). Only wrong codes count,
 * so an owner who types the right one is never slowed down by their own lookups.
 */
export const CODE_LIMITS = { perSerial: 5, perClient: 20, windowMs: 15 * 60_000 };

type Limiter = ReturnType<FastifyInstance['createRateLimit']>;
export interface CodeLimiters {
  serial: Limiter;
  client: Limiter;
}

/** Registers the rate limiter on `app` (an encapsulated plugin) and makes the two limits. */
export async function codeLimiters(
  app: FastifyInstance,
  limits = CODE_LIMITS,
): Promise<CodeLimiters> {
  await app.register(rateLimit, {
    global: false,
    exponentialBackoff: true,
    timeWindow: limits.windowMs,
  });
  const serialOf = (req: FastifyRequest) => (req.params as { serial?: string }).serial ?? '';
  return {
    serial: app.createRateLimit({
      max: limits.perSerial,
      keyGenerator: (req) => `owner-code serial ${serialOf(req)}`,
    }),
    client: app.createRateLimit({
      max: limits.perClient,
      keyGenerator: (req) => `owner-code client ${req.ip}`,
    }),
  };
}

const unitsRead = new WeakMap<FastifyRequest, Unit>();

/** The unit `ownerOrStaff` read for this request, so the handler need not read it again. */
export const unitReadFor = (req: FastifyRequest): Unit | undefined => unitsRead.get(req);

/** A preHandler for `/units/:serial/…` routes readable by owners. */
export function ownerOrStaff(
  auth: Auth,
  store: WarrantyStore,
  codes: OwnerCodes,
  limit: CodeLimiters,
) {
  const blocked = async (req: FastifyRequest, reply: FastifyReply) => {
    for (const l of [limit.serial, limit.client]) {
      const s = await l(req, { increment: false });
      // The limit is reached once `max` wrong codes are counted (no try left).
      if (!s.isAllowed && (s.isExceeded || s.remaining <= 0)) {
        await l(req); // a try while blocked lengthens the block (backoff)
        const after = await l(req, { increment: false });
        const seconds = after.isAllowed ? 1 : Math.max(1, after.ttlInSeconds);
        reply.header('retry-after', String(seconds));
        return seconds;
      }
    }
    return undefined;
  };
  const check = async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const serial = (req.params as { serial?: string }).serial ?? '';
    const code = req.headers['x-verification-code'];
    if (typeof code === 'string' && code !== '') {
      const wait = await blocked(req, reply);
      if (wait !== undefined) throw new AppErrors.RateLimited('verification codes', wait);
      const unit = await store.getUnit(serial);
      if (unit && codes.matches(code, unit.verificationCodeHash)) {
        unitsRead.set(req, unit);
        return;
      }
      await Promise.all([limit.serial(req), limit.client(req)]);
      throw new AppErrors.Unauthorized();
    }
    const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    const principal = m?.[1] ? await auth.verify(m[1]) : undefined;
    if (!principal) throw new AppErrors.Unauthorized();
    const unit = await store.getUnit(serial);
    if (unit) unitsRead.set(req, unit);
    if (
      principal.role === 'owner' &&
      (!unit || unit.ownerId === undefined || unit.ownerId !== principal.subject)
    )
      throw new AppErrors.Forbidden('owner', `read unit ${serial}`);
    req.principal = principal;
    // Another maker's unit is unknown to a confined manufacturer token (the route's rule).
    await auth.tenancy.enforce(req);
  };
  // The roles it admits with a token (a code admits anyone), for the route check and OpenAPI.
  return Object.assign(check, { roles: ['admin', 'owner', 'engineer', 'manufacturer'] as const });
}
