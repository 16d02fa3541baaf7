/**
 * Public interface of the accounts module (issue 25): user accounts with a role and a subject
 * (their tenancy, exactly as an API token's), passwords hashed with scrypt, sign-in sessions in
 * HTTP-only SameSite=Strict cookies with CSRF tokens, lockout and per-address limits, API tokens
 * that belong to a user, and owners' own accounts that link units by their verification codes.
 * A session yields the same `Principal` as a token (core/auth.ts), so every route's role check
 * and tenancy rule apply unchanged.
 */
import type { FastifyInstance } from 'fastify';
import type { Auth, Role, Sql } from '../core/index.ts';
import type { OwnerAccess } from '../warranty/index.ts';
import { AddressLimits } from './limits.ts';
import { hashPassword } from './passwords.ts';
import { accountRoutes, SIGN_IN_LIMITS } from './routes.ts';
import { SESSION_DEFAULTS, Sessions, type SessionOptions } from './sessions.ts';
import { AccountStore, type User } from './store.ts';

export { AccountErrors } from './errors.ts';
export { PASSWORD_PARAMS, hashPassword, verifyPassword } from './passwords.ts';
export { SIGN_IN_LIMITS, UserSchema } from './routes.ts';
export { SESSION_DEFAULTS } from './sessions.ts';
export type { User } from './store.ts';

export interface AccountsOptions extends Partial<Omit<SessionOptions, 'cookieSecure'>> {
  sql: Sql;
  auth: Auth;
  cookieSecure: SessionOptions['cookieSecure'];
  limits?: Partial<typeof SIGN_IN_LIMITS>;
}

export interface Accounts {
  store: AccountStore;
  /** Removes per-address counts whose window has ended (at start, like the session sweep). */
  sweepLimits(): Promise<number>;
  /**
   * Registers @fastify/cookie and @fastify/csrf-protection on the app (root level) and lets
   * core/auth.ts authenticate requests by session cookie. Call before any route is added.
   */
  install(app: FastifyInstance): Promise<void>;
  /** For `buildApp({ plugins })`: the routes under /api/v1. */
  routes: (app: FastifyInstance, shared: { ownerAccess: OwnerAccess }) => Promise<void>;
  /**
   * Creates a user, or sets an existing one's password, role and subject: a password the caller
   * chose and that need not be changed (the demo's users, printed at its start). Returns the user.
   */
  ensureUser(input: {
    username: string;
    password: string;
    role: Role;
    subject?: string | null;
    displayName?: string | null;
  }): Promise<User>;
}

export function createAccounts(opts: AccountsOptions): Accounts {
  const store = new AccountStore(opts.sql);
  const sessions = new Sessions(store, {
    cookieSecure: opts.cookieSecure,
    ttlMs: opts.ttlMs ?? SESSION_DEFAULTS.ttlMs,
    idleMs: opts.idleMs ?? SESSION_DEFAULTS.idleMs,
  });
  const limits = { ...SIGN_IN_LIMITS, ...opts.limits };
  const addressLimits = new AddressLimits(opts.sql);
  return {
    store,
    sweepLimits: () => addressLimits.sweep(),
    install: (app) => sessions.install(app, opts.auth),
    routes: async (app, shared) => {
      await app.register(accountRoutes, {
        auth: opts.auth,
        store,
        sessions,
        limits,
        addressLimits,
        ownerAccess: shared.ownerAccess,
      });
    },
    async ensureUser(input) {
      const hash = await hashPassword(input.password);
      const existing = await store.withSecret({ username: input.username });
      if (!existing)
        return store.createUser({
          username: input.username,
          role: input.role,
          subject: input.subject ?? null,
          displayName: input.displayName ?? null,
          passwordHash: hash,
          mustChangePassword: false,
        });
      await store.setPassword(existing.id, hash, false);
      return (await store.setRole(existing.id, input.role, input.subject ?? null))!;
    },
  };
}
