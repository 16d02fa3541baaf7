import rateLimit from '@fastify/rate-limit';
import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  onRequestAsyncHookHandler,
  preHandlerAsyncHookHandler,
} from 'fastify';
import { type Auth, type Role, AppErrors } from '../core/index.ts';
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

/** The roles `ownerOrStaff` admits by default: the owner and staff (admin always). */
export const OWNER_OR_STAFF: readonly Role[] = ['admin', 'owner', 'engineer', 'manufacturer'];

/** A preHandler that knows the roles it admits, and its token part for onRequest. */
export type TokenCheck = preHandlerAsyncHookHandler & {
  readonly roles: readonly Role[];
  readonly authenticate: onRequestAsyncHookHandler;
};

/**
 * An owner access check. As a preHandler it runs the whole check; a route whose handler needs
 * the unit uses `tokenOnly` as its preHandler and takes the unit from `admit` (the warranty
 * status, cases/), so nothing is kept beside the request.
 */
export type OwnerCheck = TokenCheck & {
  /**
   * The whole check: a verification code against the unit (wrong codes counted and limited),
   * or a token of the roles, an owner's own unit only, and the tenancy rule of the route. Throws
   * when the request is not admitted; else returns the unit it read, undefined when staff ask
   * after a serial no unit has.
   */
  readonly admit: (req: FastifyRequest, reply: FastifyReply) => Promise<Unit | undefined>;
  /** The same roles with a preHandler that checks only the token and role (not a code). */
  readonly tokenOnly: TokenCheck;
};

/**
 * An access check for `/units/:serial/…` routes readable by owners, admitting `roles` with a
 * token (default {@link OWNER_OR_STAFF}; a route only the owner may call passes `['owner']`).
 * Its `authenticate` part runs at onRequest (app/http.ts): a request with neither a code nor a
 * valid token of those roles is answered 401/403 before its body is read; a code is checked
 * against the unit once the request is parsed.
 */
export function ownerOrStaff(
  auth: Auth,
  store: WarrantyStore,
  codes: OwnerCodes,
  limit: CodeLimiters,
  roles: readonly Role[] = OWNER_OR_STAFF,
): OwnerCheck {
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
  const codeOf = (req: FastifyRequest) => {
    const code = req.headers['x-verification-code'];
    return typeof code === 'string' && code !== '' ? code : undefined;
  };
  /** Token and role, when the request carries no code: needs only the headers. */
  const authenticate = async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (codeOf(req) !== undefined || req.principal) return;
    const principal = await auth.principalOf(req, reply);
    if (!principal) throw new AppErrors.Unauthorized();
    if (!roles.includes(principal.role))
      throw new AppErrors.Forbidden(
        principal.role,
        `${req.method} ${req.routeOptions.url ?? req.url}`,
      );
    req.principal = principal;
  };
  const admit = async (req: FastifyRequest, reply: FastifyReply): Promise<Unit | undefined> => {
    const serial = (req.params as { serial?: string }).serial ?? '';
    const code = codeOf(req);
    if (code !== undefined) {
      const wait = await blocked(req, reply);
      if (wait !== undefined) throw new AppErrors.RateLimited('verification codes', wait);
      const unit = await store.getUnit(serial);
      if (unit && codes.matches(code, unit.verificationCodeHash)) return unit;
      await Promise.all([limit.serial(req), limit.client(req)]);
      throw new AppErrors.Unauthorized();
    }
    await authenticate(req, reply);
    const principal = req.principal!;
    const unit = await store.getUnit(serial);
    if (
      principal.role === 'owner' &&
      (!unit || unit.ownerId === undefined || unit.ownerId !== principal.subject) &&
      // …or one their account linked by its code (accounts/).
      !(unit && principal.units?.includes(serial))
    )
      throw new AppErrors.Forbidden('owner', `read unit ${serial}`);
    // Another maker's unit is unknown to a confined manufacturer token (the route's rule).
    await auth.tenancy.enforce(req);
    return unit;
  };
  // The roles it admits with a token (a code admits anyone), for the route check and OpenAPI.
  const tokenOnly = Object.assign(
    async (req: FastifyRequest, reply: FastifyReply) => authenticate(req, reply),
    {
      roles,
      authenticate,
    },
  ) as TokenCheck;
  const check = async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    await admit(req, reply);
  };
  return Object.assign(check, { roles, authenticate, admit, tokenOnly }) as OwnerCheck;
}

/**
 * Owner access checks that share one pair of wrong-code limits, so every route that takes a
 * code (the warranty status, cases/) counts against the same 5 per serial and 20 per client.
 */
export type OwnerAccess = (roles?: readonly Role[]) => OwnerCheck;

export function ownerAccessWith(
  auth: Auth,
  store: WarrantyStore,
  codes: OwnerCodes,
  limit: CodeLimiters,
): OwnerAccess {
  return (roles) => ownerOrStaff(auth, store, codes, limit, roles);
}
