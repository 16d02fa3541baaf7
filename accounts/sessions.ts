import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Auth, Principal } from '../core/index.ts';
import { AccountErrors } from './errors.ts';
import type { AccountStore, LiveSession, User } from './store.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * What @fastify/csrf-protection reads the CSRF secret from (its `@fastify/session` mode):
     * set from the session row, so the secret never leaves the server.
     */
    session?: { _csrf?: string };
  }
}

export interface SessionOptions {
  /** `Secure` on the cookie: on TLS requests (`auto`), always, or never. */
  cookieSecure: 'auto' | 'always' | 'never';
  /** A session's longest life (default 12 h). */
  ttlMs: number;
  /** A session unused this long ends (default 2 h). */
  idleMs: number;
}

export const SESSION_DEFAULTS = { ttlMs: 12 * 3_600_000, idleMs: 2 * 3_600_000 };

/** The cookie's name; `__Host-` (Secure, path /, no domain: a browser enforces all three) when secure. */
const COOKIE = 'sanbao_session';
const HOST_COOKIE = `__Host-${COOKIE}`;

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** What a user whose password an admin set may still do: look, sign out, change it. */
const WHILE_MUST_CHANGE = new Set([
  'GET /api/v1/session',
  'DELETE /api/v1/session',
  'PUT /api/v1/session/password',
]);

const live = new WeakMap<FastifyRequest, LiveSession>();

/** The session the request came with, once the role check has resolved it. */
export const sessionOf = (req: FastifyRequest): LiveSession | undefined => live.get(req);

export const principalFor = (user: User, units: readonly string[]): Principal => ({
  tokenId: `session:${user.id}`,
  role: user.role,
  subject: user.subject,
  userId: user.id,
  ...(user.role === 'owner' ? { units } : {}),
  // An engineer's outlets confine their repair orders; none listed: unrestricted (as before).
  ...(user.role === 'engineer' && user.outlets.length ? { outlets: user.outlets } : {}),
});

/**
 * Sign-in sessions: an HTTP-only, SameSite=Strict cookie holding a random 256-bit id, of which
 * the database keeps only the SHA-256 (accounts/store.ts), with an end and an idle timeout.
 * Cookie-authenticated state-changing requests need the session's CSRF token in header
 * `x-csrf-token` (@fastify/csrf-protection: a token is an HMAC of a per-session secret kept in
 * the session row; bearer-token requests need none). Installs @fastify/cookie and
 * @fastify/csrf-protection on the whole app and lets core/auth.ts authenticate by session.
 */
export class Sessions {
  private app?: FastifyInstance;
  constructor(
    private readonly store: AccountStore,
    private readonly opts: SessionOptions,
  ) {}

  async install(app: FastifyInstance, auth: Auth): Promise<void> {
    this.app = app;
    await app.register(fastifyCookie);
    await app.register(fastifyCsrf, {
      sessionPlugin: '@fastify/session',
      getToken: (req: FastifyRequest) => {
        const t = req.headers['x-csrf-token'];
        return typeof t === 'string' ? t : undefined;
      },
    });
    auth.useSessions((req, reply) => this.resolve(req, reply));
  }

  private cookieValue(req: FastifyRequest): string | undefined {
    const c = req.cookies as Record<string, string | undefined> | undefined;
    return c?.[HOST_COOKIE] || c?.[COOKIE] || undefined;
  }

  private secure(req: FastifyRequest): boolean {
    return this.opts.cookieSecure === 'always'
      ? true
      : this.opts.cookieSecure === 'never'
        ? false
        : req.protocol === 'https';
  }

  /** Who the session cookie says the caller is; refuses a state change without its CSRF token. */
  async resolve(req: FastifyRequest, reply: FastifyReply): Promise<Principal | undefined> {
    const value = this.cookieValue(req);
    if (!value) return undefined;
    const s = await this.store.session(value, this.opts.idleMs);
    if (!s) return undefined;
    if (STATE_CHANGING.has(req.method) && !(await this.csrfOk(req, reply, s.csrfSecret)))
      throw new AccountErrors.Csrf();
    if (
      s.user.mustChangePassword &&
      !WHILE_MUST_CHANGE.has(`${req.method} ${req.routeOptions.url ?? ''}`)
    )
      throw new AccountErrors.PasswordChangeRequired();
    live.set(req, s);
    return principalFor(s.user, s.units);
  }

  /** Runs the plugin's check; it answers a failure itself, so its reply is a stand-in here. */
  private csrfOk(req: FastifyRequest, reply: FastifyReply, secret: string): Promise<boolean> {
    const app = this.app!;
    req.session = { _csrf: secret };
    return new Promise<boolean>((resolve) => {
      const standIn = Object.create(reply) as FastifyReply;
      standIn.send = () => {
        resolve(false);
        return standIn;
      };
      app.csrfProtection.call(app, req, standIn, () => resolve(true));
    });
  }

  /** A CSRF token for the session whose secret this is (pages send it back in x-csrf-token). */
  csrfToken(req: FastifyRequest, reply: FastifyReply, secret: string): string {
    req.session = { _csrf: secret };
    return reply.generateCsrf();
  }

  /** Starts a session for `user` and sets its cookie; returns the session's CSRF token. */
  async start(req: FastifyRequest, reply: FastifyReply, user: User): Promise<string> {
    const s = await this.store.createSession(user.id, {
      ttlMs: this.opts.ttlMs,
      address: req.ip,
    });
    const secure = this.secure(req);
    reply.setCookie(secure ? HOST_COOKIE : COOKIE, s.value, {
      path: '/',
      httpOnly: true,
      sameSite: 'strict',
      secure,
      maxAge: Math.floor(this.opts.ttlMs / 1000),
    });
    return this.csrfToken(req, reply, s.csrfSecret);
  }

  /** Ends the request's session (if any) and clears its cookie. */
  async end(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const value = this.cookieValue(req);
    if (value) await this.store.endSession(value);
    for (const name of [COOKIE, HOST_COOKIE])
      if ((req.cookies as Record<string, string | undefined>)[name] !== undefined)
        reply.clearCookie(name, {
          path: '/',
          httpOnly: true,
          sameSite: 'strict',
          secure: name === HOST_COOKIE,
        });
  }
}
