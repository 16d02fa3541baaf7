import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  type Auth,
  type Principal,
  AppErrors,
  ErrorEnvelope,
  RoleSchema,
  ROLES,
} from '../core/index.ts';
import type { OwnerAccess } from '../warranty/index.ts';
import { AccountErrors } from './errors.ts';
import type { AddressLimits } from './limits.ts';
import {
  decoyHash,
  hashPassword,
  oneTimePassword,
  passwordProblem,
  verifyPassword,
} from './passwords.ts';
import { sessionOf, type Sessions } from './sessions.ts';
import type { AccountStore, User } from './store.ts';

/**
 * Sign-in limits: 5 wrong passwords in a row lock an account for 15 minutes (even the right
 * password is refused meanwhile; an admin's reset lifts it); 20 failed sign-ins per client
 * address in 15 minutes block that address's sign-ins (a try while blocked starts the wait
 * over); 10 owner accounts per address an hour. All of them live in the database (the account
 * row; accounts/limits.ts), so they hold across the nodes of a cluster.
 */
export const SIGN_IN_LIMITS = {
  maxFailures: 5,
  lockMs: 15 * 60_000,
  perAddress: 20,
  windowMs: 15 * 60_000,
  signUpsPerHour: 10,
};

export interface AccountRoutesOptions {
  auth: Auth;
  store: AccountStore;
  sessions: Sessions;
  limits: typeof SIGN_IN_LIMITS;
  /** Per-address counts, shared by every node (accounts/limits.ts). */
  addressLimits: AddressLimits;
  /** Owner access checks sharing the wrong-code limits of every route taking a code. */
  ownerAccess: OwnerAccess;
}

export const UserSchema = z
  .object({
    id: z.string(),
    username: z.string(),
    role: RoleSchema,
    subject: z.string().nullable(),
    displayName: z.string().nullable(),
    outlets: z
      .array(z.string())
      .describe(
        'an engineer: the service outlets they serve; with any listed, they open, close and cancel repair orders only there (empty: anywhere)',
      ),
    mustChangePassword: z.boolean(),
    disabled: z.boolean(),
    lockedUntil: z.string().nullable(),
    createdAt: z.string(),
  })
  .meta({ id: 'User' });

const Username = z
  .string()
  .trim()
  .min(3)
  .max(64)
  .regex(/^[\p{L}\p{N}._@+-]+$/u, 'letters, digits and . _ @ + - only');
const Password = z.string().min(1).max(1000);
/** The outlets an engineer serves: outlet ids as the warranty registry has them. */
const Outlets = z
  .array(z.string().trim().min(1).max(64))
  .max(200)
  .refine((a) => new Set(a).size === a.length, 'each outlet once');
const errors = {
  400: ErrorEnvelope,
  401: ErrorEnvelope,
  403: ErrorEnvelope,
  404: ErrorEnvelope,
  409: ErrorEnvelope,
  429: ErrorEnvelope,
};
const tags = ['accounts'];
const SignedIn = z.object({
  user: UserSchema,
  csrfToken: z.string().describe('send it back in header x-csrf-token on every state change'),
});
const Me = z.object({
  signedIn: z.boolean().describe('whether the request came with a valid session or token'),
  role: RoleSchema.nullable(),
  subject: z.string().nullable(),
  tokenId: z.string().nullable(),
  user: UserSchema.nullable(),
  csrfToken: z.string().optional(),
});
const SerialParams = z.object({ serial: z.string().min(1).max(128) });
const IdParams = z.object({ id: z.string().min(1).max(64) });

/** The account behind a principal (a session's user, or a user's token's); else NOT_A_USER. */
const userIdOf = (p: Principal | undefined, what: string): string => {
  if (!p?.userId) throw new AccountErrors.NotAUser(what);
  return p.userId;
};

const ALL_ROLES = ROLES.filter((r) => r !== 'admin');

export const accountRoutes: FastifyPluginAsyncZod<AccountRoutesOptions> = async (app, o) => {
  const { store, sessions, limits } = o;
  const anyone = o.auth.require(...ALL_ROLES);
  const admin = o.auth.require('admin');
  const own = { tenant: { shared: "the caller's own account" } };

  // Per-address limits in the database, used by hand so only failed sign-ins count.
  const tries = o.addressLimits;
  const signInKey = (req: FastifyRequest) => `sign-in ${req.ip}`;
  const signUpKey = (req: FastifyRequest) => `sign-up ${req.ip}`;
  /** Seconds to wait when this address may not try now (the header set); else undefined. */
  const blocked = async (
    key: string,
    max: number,
    windowMs: number,
    reply: FastifyReply,
  ): Promise<number | undefined> => {
    const seconds = await tries.wait(key, max, windowMs);
    if (seconds !== undefined) reply.header('retry-after', String(seconds));
    return seconds;
  };

  const signedIn = async (req: FastifyRequest, reply: FastifyReply, user: User) => ({
    user,
    csrfToken: await sessions.start(req, reply, user),
  });

  app.post(
    '/session',
    {
      config: { audit: 'always' },
      schema: {
        tags,
        summary: 'Sign in: sets the session cookie and returns the CSRF token',
        security: [],
        body: z.object({ username: z.string().trim().min(1).max(64), password: Password }),
        response: { 200: SignedIn, ...errors },
      },
    },
    async (req, reply) => {
      const wait = await blocked(signInKey(req), limits.perAddress, limits.windowMs, reply);
      if (wait !== undefined) throw new AppErrors.RateLimited('sign-ins', wait);
      const u = await store.withSecret({ username: req.body.username });
      const fail = async () => {
        await tries.count(signInKey(req), limits.windowMs);
        return new AccountErrors.BadSignIn();
      };
      if (!u || u.disabled) {
        // The same work as for a wrong password: a name cannot be told from its timing.
        await verifyPassword(req.body.password, await decoyHash());
        throw await fail();
      }
      if (u.lockedUntil && Date.parse(u.lockedUntil) > Date.now()) {
        const s = Math.max(1, Math.ceil((Date.parse(u.lockedUntil) - Date.now()) / 1000));
        reply.header('retry-after', String(s));
        throw new AccountErrors.Locked(s);
      }
      if (!(await verifyPassword(req.body.password, u.passwordHash))) {
        const locked = await store.recordFailure(u.id, limits.maxFailures, limits.lockMs);
        const err = await fail();
        if (locked) {
          const s = Math.max(1, Math.ceil((Date.parse(locked) - Date.now()) / 1000));
          reply.header('retry-after', String(s));
          throw new AccountErrors.Locked(s);
        }
        throw err;
      }
      await store.recordSuccess(u.id);
      const { passwordHash: _, ...user } = u;
      return signedIn(req, reply, { ...user, lockedUntil: null });
    },
  );

  app.get(
    '/session',
    {
      schema: {
        tags,
        summary:
          'Who is calling (session or token), with a fresh CSRF token for a session; without either, signedIn false',
        description:
          'Public, so that a page can ask without an error in the browser; a wrong bearer token is still 401.',
        security: [],
        response: { 200: Me, ...errors },
      },
    },
    async (req, reply) => {
      const p = await o.auth.principalOf(req, reply);
      if (!p && req.headers.authorization !== undefined) throw new AppErrors.Unauthorized();
      if (!p) return { signedIn: false, role: null, subject: null, tokenId: null, user: null };
      const s = sessionOf(req);
      const user = s?.user ?? (p.userId ? ((await store.get(p.userId)) ?? null) : null);
      return {
        signedIn: true,
        role: p.role,
        subject: p.subject,
        tokenId: p.tokenId,
        user,
        ...(s ? { csrfToken: sessions.csrfToken(req, reply, s.csrfSecret) } : {}),
      };
    },
  );

  app.delete(
    '/session',
    {
      preHandler: anyone,
      config: own,
      schema: {
        tags,
        summary: 'Sign out: ends this session and clears its cookie',
        response: { 204: z.null(), ...errors },
      },
    },
    async (req, reply) => {
      if (!sessionOf(req)) throw new AccountErrors.NotAUser('signing out');
      await sessions.end(req, reply);
      return reply.status(204).send(null);
    },
  );

  app.put(
    '/session/password',
    {
      preHandler: anyone,
      config: own,
      schema: {
        tags,
        summary:
          "Change one's own password (the current one is needed): every session of the user ends, this browser gets a new one",
        body: z.object({ currentPassword: Password, newPassword: Password }),
        response: { 200: SignedIn, ...errors },
      },
    },
    async (req, reply) => {
      const id = userIdOf(req.principal, 'changing a password');
      const u = await store.withSecret({ id });
      if (!u) throw new AccountErrors.UnknownUser(id);
      if (!(await verifyPassword(req.body.currentPassword, u.passwordHash)))
        throw new AccountErrors.BadSignIn();
      const problem = passwordProblem(req.body.newPassword, u.username);
      if (problem) throw new AccountErrors.WeakPassword(problem);
      if (await verifyPassword(req.body.newPassword, u.passwordHash))
        throw new AccountErrors.WeakPassword('must differ from the current one');
      await store.setPassword(id, await hashPassword(req.body.newPassword), false);
      const user = (await store.get(id))!;
      const hadSession = sessionOf(req) !== undefined;
      if (!hadSession) return reply.send({ user, csrfToken: '' });
      await sessions.end(req, reply);
      return signedIn(req, reply, user);
    },
  );

  // An owner's own account (issue 25, "Owners").
  app.post(
    '/accounts',
    {
      config: { audit: 'always' },
      schema: {
        tags,
        summary:
          "Create an owner's account and sign in; link units with their verification codes (POST /me/units/{serial})",
        security: [],
        body: z.object({
          username: Username,
          password: Password,
          displayName: z.string().trim().min(1).max(100).optional(),
        }),
        response: { 201: SignedIn, ...errors },
      },
    },
    async (req, reply) => {
      const wait = await blocked(signUpKey(req), limits.signUpsPerHour, 3_600_000, reply);
      if (wait !== undefined) throw new AppErrors.RateLimited('sign-ups', wait);
      const problem = passwordProblem(req.body.password, req.body.username);
      if (problem) throw new AccountErrors.WeakPassword(problem);
      await tries.count(signUpKey(req), 3_600_000);
      const user = await store.createUser({
        username: req.body.username,
        role: 'owner',
        subject: null,
        // Never a name the owner chose: units registered under that name are not theirs.
        subjectFromId: (id) => `account:${id}`,
        displayName: req.body.displayName ?? null,
        passwordHash: await hashPassword(req.body.password),
        mustChangePassword: false,
      });
      return reply.status(201).send(await signedIn(req, reply, user));
    },
  );

  const UnitLink = z.object({
    serial: z.string(),
    linkedAt: z.string(),
    links: z.object({
      warranty: z.string().describe("the unit's 三包 status (GET)"),
      cases: z.string().describe("the unit's cases (GET)"),
      page: z.string().describe("the owner's page for the unit"),
    }),
  });
  const linksOf = (serial: string) => {
    const s = encodeURIComponent(serial);
    return {
      warranty: `/api/v1/units/${s}/warranty`,
      cases: `/api/v1/units/${s}/cases`,
      page: `/owner.html?serial=${s}`,
    };
  };
  app.get(
    '/me/units',
    {
      preHandler: o.auth.require('owner'),
      schema: {
        tags,
        summary: "The units an owner's account linked, with links to their status and cases",
        response: { 200: z.object({ units: z.array(UnitLink) }), ...errors },
      },
    },
    async (req) => {
      const id = userIdOf(req.principal, 'a list of linked units');
      const units = await store.unitLinks(id);
      return { units: units.map((u) => ({ ...u, links: linksOf(u.serial) })) };
    },
  );
  app.post(
    '/me/units/:serial',
    {
      // The account first, then the code, counted against the same wrong-code limits as
      // every route that takes one (warranty/owner-access.ts).
      preHandler: [o.auth.require('owner'), o.ownerAccess(['owner'])],
      schema: {
        tags,
        summary:
          "Link a unit to the owner's account, proved by its verification code (header x-verification-code)",
        params: SerialParams,
        headers: z.object({ 'x-verification-code': z.string().min(1).max(64) }),
        response: { 201: UnitLink, ...errors },
      },
    },
    async (req, reply) => {
      const id = userIdOf(req.principal, 'linking a unit');
      const linkedAt = await store.linkUnit(id, req.params.serial);
      return reply
        .status(201)
        .send({ serial: req.params.serial, linkedAt, links: linksOf(req.params.serial) });
    },
  );

  app.delete(
    '/me/units/:serial',
    {
      preHandler: o.auth.require('owner'),
      schema: {
        tags,
        summary:
          "Unlink a unit from the owner's account (sold, given away, linked by mistake); linking it again needs its code",
        params: SerialParams,
        response: { 204: z.null(), ...errors },
      },
    },
    async (req, reply) => {
      const id = userIdOf(req.principal, 'unlinking a unit');
      if (!(await store.unlinkUnit(id, req.params.serial)))
        throw new AccountErrors.NotLinked(req.params.serial);
      return reply.status(204).send(null);
    },
  );

  // The admin's user management.
  app.get(
    '/users',
    {
      preHandler: admin,
      schema: {
        tags,
        summary: 'Every user',
        response: { 200: z.object({ users: z.array(UserSchema) }), ...errors },
      },
    },
    async () => ({ users: await store.list() }),
  );
  const WithPassword = z.object({
    user: UserSchema,
    password: z.string().describe('one-time: the user must change it at first sign-in'),
  });
  app.post(
    '/users',
    {
      preHandler: admin,
      schema: {
        tags,
        summary:
          'Create a user with a role (and subject: a maker for manufacturer staff); returns a one-time password',
        body: z
          .object({
            username: Username,
            role: RoleSchema,
            subject: z.string().trim().min(1).max(128).optional(),
            displayName: z.string().trim().min(1).max(100).optional(),
            outlets: Outlets.optional().describe(
              'engineers only: the outlets they serve (repair orders elsewhere are refused them)',
            ),
          })
          .refine((b) => !b.outlets?.length || b.role === 'engineer', {
            path: ['outlets'],
            message: 'only an engineer serves outlets',
          }),
        response: { 201: WithPassword, ...errors },
      },
    },
    async (req, reply) => {
      const password = oneTimePassword();
      const b = req.body;
      const user = await store.createUser({
        username: b.username,
        role: b.role,
        // Staff act under their user name unless given a subject (an alert's ack names them).
        subject:
          b.subject ?? (['engineer', 'desk', 'regulator'].includes(b.role) ? b.username : null),
        ...(b.role === 'owner' && !b.subject
          ? { subjectFromId: (id: string) => `account:${id}` }
          : {}),
        displayName: b.displayName ?? null,
        ...(b.outlets ? { outlets: b.outlets } : {}),
        passwordHash: await hashPassword(password),
        mustChangePassword: true,
      });
      return reply.status(201).send({ user, password });
    },
  );
  app.post(
    '/users/:id/password-reset',
    {
      preHandler: admin,
      schema: {
        tags,
        summary: "Reset a user's password to a one-time one (their sessions end; a lock is lifted)",
        params: IdParams,
        response: { 200: WithPassword, ...errors },
      },
    },
    async (req) => {
      const password = oneTimePassword();
      if (!(await store.setPassword(req.params.id, await hashPassword(password), true)))
        throw new AccountErrors.UnknownUser(req.params.id);
      return { user: (await store.get(req.params.id))!, password };
    },
  );
  app.put(
    '/users/:id/outlets',
    {
      preHandler: admin,
      schema: {
        tags,
        summary:
          'Set the outlets an engineer serves (an empty list: anywhere); their sessions follow at once, their API tokens are not restricted',
        params: IdParams,
        body: z.object({ outlets: Outlets }),
        response: { 200: UserSchema, ...errors },
      },
    },
    async (req) => {
      const u = await store.get(req.params.id);
      if (!u) throw new AccountErrors.UnknownUser(req.params.id);
      if (u.role !== 'engineer' && req.body.outlets.length)
        throw new AccountErrors.NotAnEngineer(u.username, u.role);
      return (await store.setOutlets(u.id, req.body.outlets))!;
    },
  );
  for (const [action, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const)
    app.post(
      `/users/:id/${action}`,
      {
        preHandler: admin,
        schema: {
          tags,
          summary: disabled
            ? 'Disable a user: their sessions end and their API tokens are revoked'
            : 'Enable a disabled user again (revoked tokens stay revoked)',
          params: IdParams,
          response: { 200: UserSchema, ...errors },
        },
      },
      async (req) => {
        const u = await store.setDisabled(req.params.id, disabled);
        if (!u) throw new AccountErrors.UnknownUser(req.params.id);
        return u;
      },
    );
  app.post(
    '/users/:id/tokens',
    {
      preHandler: admin,
      schema: {
        tags,
        summary:
          'Issue an API token that belongs to a user (their role and subject; revoked when they are disabled)',
        params: IdParams,
        body: z.object({ label: z.string().max(200).optional() }).optional(),
        response: {
          201: z.object({
            id: z.string(),
            token: z.string(),
            role: RoleSchema,
            subject: z.string().nullable(),
            label: z.string().nullable(),
          }),
          ...errors,
        },
      },
    },
    async (req, reply) =>
      reply.status(201).send(await store.issueToken(req.params.id, req.body?.label ?? null)),
  );
};

/** For `buildApp({ plugins })`: the account routes under /api/v1. */
export type AccountPlugin = (
  app: FastifyInstance,
  shared: { ownerAccess: OwnerAccess },
) => Promise<void>;
