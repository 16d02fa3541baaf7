import { randomUUID } from 'node:crypto';
import type {
  FastifyReply,
  FastifyRequest,
  onRequestAsyncHookHandler,
  preHandlerAsyncHookHandler,
} from 'fastify';
import { z } from 'zod';
import { generateSecret, sha256 } from './secrets.ts';
import type { Sql } from './db.ts';
import { AppErrors, DeviceErrors } from './errors.ts';
import { createTenancy, type Tenancy } from './tenant.ts';

/**
 * `desk`: a service-desk agent who takes owners' calls and works the case queue (cases/);
 * `regulator`: market regulation, who confirms violations and publishes them (信息公开).
 */
export const ROLES = ['owner', 'engineer', 'manufacturer', 'admin', 'desk', 'regulator'] as const;
export const RoleSchema = z.enum(ROLES);
export type Role = z.infer<typeof RoleSchema>;

export interface Principal {
  /** The API token's id; for a signed-in user's session, `session:` and the user's id. */
  tokenId: string;
  role: Role;
  /** Owner id or manufacturer name the token is scoped to; null for admin/engineer. */
  subject: string | null;
  /** The user account acting: a session's user, or the user an API token was issued to (accounts/). */
  userId?: string;
  /** Serials an owner's account linked by their verification codes (accounts/). */
  units?: readonly string[];
  /**
   * The service outlets a signed-in engineer serves (accounts/, migration 011): with a list,
   * they open, close and cancel repair orders only at those outlets (quality/routes.ts). Absent
   * for an engineer with none listed and for every API token: unrestricted.
   */
  outlets?: readonly string[];
}

/**
 * Who a request without an `Authorization` header is, from its session cookie (accounts/
 * registers one): undefined when it has no valid session. It may refuse the request outright
 * (a state-changing request without its CSRF token) by throwing a coded error.
 */
export type SessionResolver = (
  req: FastifyRequest,
  reply: FastifyReply,
) => Promise<Principal | undefined>;

export interface IssuedToken {
  id: string;
  token: string;
  role: Role;
  subject: string | null;
  label: string | null;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
    /**
     * Resources (`kind:key`) a request concerned beyond those its path and body name, set by its
     * handler (a repair order's unit): the audit trail records them too (audit/recorder.ts).
     */
    auditResources?: string[];
  }
}

/** Bearer-token authentication with roles. Tokens are stored as SHA-256 hashes only. */
export interface Auth {
  issue(input: {
    role: Role;
    subject?: string | null;
    label?: string | null;
    id?: string;
    token?: string;
  }): Promise<IssuedToken>;
  revoke(id: string): Promise<boolean>;
  list(): Promise<
    Array<Omit<IssuedToken, 'token'> & { createdAt: string; revokedAt: string | null }>
  >;
  verify(token: string): Promise<Principal | undefined>;
  /**
   * Who is calling: the bearer token when the request has an `Authorization` header (a wrong
   * one is not retried as a session), else the session a {@link SessionResolver} finds.
   */
  principalOf(req: FastifyRequest, reply: FastifyReply): Promise<Principal | undefined>;
  /** Lets requests authenticate with a session cookie too (accounts/ calls it once). */
  useSessions(resolver: SessionResolver): void;
  /**
   * A preHandler that lets through only the given roles (admin always passes), then applies the
   * route's tenancy rule (`config.tenant`, core/tenant.ts) to a token confined to one
   * manufacturer: another maker's device, unit, alert or order is answered like a missing one,
   * and a write that claims another maker's resource is refused. The returned function carries
   * the roles it admits (`roles`), read by the route check and the OpenAPI document.
   */
  require(...roles: Role[]): RoleCheck;
  /** Which devices a confined token may see (core/tenant.ts). */
  readonly tenancy: Tenancy;
  /**
   * Makes sure an admin token exists. With `configured`, that token is (re)registered under id
   * `admin-env`; otherwise one is generated if none exists and returned (to be printed once).
   */
  ensureAdmin(configured?: string): Promise<string | undefined>;
}

/**
 * A role check: a preHandler that knows the roles it admits. Its `authenticate` part (token and
 * role only) can run first, at onRequest, so a request without a valid token is answered 401
 * before its body is parsed or validated (app/http.ts does that for every route).
 */
export type RoleCheck = preHandlerAsyncHookHandler & {
  readonly roles: readonly Role[];
  readonly authenticate: onRequestAsyncHookHandler;
};

/** The role check among a route's preHandler(s), if it has one. */
export function roleCheckOf(preHandler: unknown): Partial<RoleCheck> | undefined {
  const list = Array.isArray(preHandler) ? preHandler : [preHandler];
  return list.find((h) => (h as Partial<RoleCheck> | undefined)?.roles) as
    Partial<RoleCheck> | undefined;
}

/** The roles a preHandler (or one of an array of them) admits, when it is a role check. */
export function rolesOf(preHandler: unknown): readonly Role[] | undefined {
  return roleCheckOf(preHandler)?.roles;
}

export function createAuth(sql: Sql): Auth {
  const tenancy = createTenancy(sql, (id) => new DeviceErrors.UnknownDevice(id));
  let sessions: SessionResolver | undefined;
  const auth: Auth = {
    tenancy,
    async issue({
      role,
      subject = null,
      label = null,
      id = `t${randomUUID().slice(0, 8)}`,
      token = generateSecret(),
    }) {
      await sql.query(
        `INSERT INTO api_tokens (id, token_hash, role, subject, label) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (id) DO UPDATE SET token_hash = EXCLUDED.token_hash, role = EXCLUDED.role, revoked_at = NULL`,
        [id, sha256(token), role, subject, label],
      );
      return { id, token, role, subject, label };
    },
    async revoke(id) {
      const { rows } = await sql.query(
        'UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING id',
        [id],
      );
      return rows.length > 0;
    },
    async list() {
      const { rows } = await sql.query<{
        id: string;
        role: Role;
        subject: string | null;
        label: string | null;
        created_at: Date | string;
        revoked_at: Date | string | null;
      }>(
        'SELECT id, role, subject, label, created_at, revoked_at FROM api_tokens ORDER BY created_at',
      );
      return rows.map((r) => ({
        id: r.id,
        role: r.role,
        subject: r.subject,
        label: r.label,
        createdAt: new Date(r.created_at).toISOString(),
        revokedAt: r.revoked_at === null ? null : new Date(r.revoked_at).toISOString(),
      }));
    },
    async verify(token) {
      // user_id: a token issued to a user (accounts/) acts as that user, and the audit trail
      // names both the token and its user.
      const { rows } = await sql.query<{
        id: string;
        role: Role;
        subject: string | null;
        user_id: string | null;
      }>(
        'SELECT id, role, subject, user_id FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL',
        [sha256(token)],
      );
      const r = rows[0];
      if (!r) return undefined;
      return {
        tokenId: r.id,
        role: r.role,
        subject: r.subject,
        ...(r.user_id === null ? {} : { userId: r.user_id }),
      };
    },
    async principalOf(req, reply) {
      const header = req.headers.authorization;
      if (header === undefined) return sessions ? sessions(req, reply) : undefined;
      const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
      return m?.[1] ? auth.verify(m[1]) : undefined;
    },
    useSessions(resolver) {
      sessions = resolver;
    },
    require(...roles) {
      /** Token (or session) and role: needs nothing but the headers and the route. */
      const authenticate = async (req: FastifyRequest, reply: FastifyReply) => {
        if (req.principal) return;
        const principal = await auth.principalOf(req, reply);
        if (!principal) throw new AppErrors.Unauthorized();
        if (principal.role !== 'admin' && !roles.includes(principal.role)) {
          throw new AppErrors.Forbidden(
            principal.role,
            `${req.method} ${req.routeOptions.url ?? req.url}`,
          );
        }
        req.principal = principal;
      };
      const check = async (req: FastifyRequest, reply: FastifyReply) => {
        await authenticate(req, reply);
        await tenancy.enforce(req);
      };
      return Object.assign(check, {
        roles: [...new Set(['admin', ...roles] as const)],
        authenticate,
      }) as RoleCheck;
    },
    async ensureAdmin(configured) {
      if (configured) {
        await auth.issue({
          role: 'admin',
          id: 'admin-env',
          token: configured,
          label: 'ADMIN_TOKEN',
        });
        return undefined;
      }
      const { rows } = await sql.query(
        "SELECT 1 FROM api_tokens WHERE role = 'admin' AND revoked_at IS NULL LIMIT 1",
      );
      if (rows.length > 0) return undefined;
      const t = await auth.issue({
        role: 'admin',
        id: 'admin-generated',
        label: 'generated on first start',
      });
      return t.token;
    },
  };
  return auth;
}
