import { afterAll, beforeAll, expect, it } from 'vitest';
import { SIGN_IN_LIMITS } from '../accounts/index.ts';
import { api } from './helpers/clients.ts';
import { describeOnPostgresDb } from './helpers/postgres.ts';
import { startService, type RunningService } from './helpers/service.ts';

/**
 * Sign-in limits across the nodes of a cluster (issue 25): two service instances on one
 * PostgreSQL database. Wrong passwords counted on either node lock the account on both; an
 * address's failed sign-ins spread over both nodes block it on both, with a Retry-After; sign-ups
 * per address likewise. Nothing here depends on which node a request reaches.
 */
await describeOnPostgresDb('sign-in limits held by the database, across two nodes', (db) => {
  let a: RunningService;
  let b: RunningService;
  const signIn = (node: RunningService, username: string, password: string) =>
    fetch(`${node.httpUrl}/api/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });

  beforeAll(async () => {
    const env = { DATABASE_URL: db().url, SESSION_COOKIE_SECURE: 'false' as const };
    a = await startService(env);
    b = await startService(env);
    for (const username of ['desk.ma', 'desk.niu']) {
      const made = await api<{ password: string }>(
        a.httpUrl,
        'POST',
        '/api/v1/users',
        a.adminToken,
        {
          username,
          role: 'desk',
        },
      );
      expect(made.status).toBe(201);
      // Their own password, set through the other node.
      const first = await signIn(b, username, made.body.password);
      const csrf = ((await first.json()) as { csrfToken: string }).csrfToken;
      const cookie = first.headers.getSetCookie()[0]!.split(';')[0]!;
      const own = await fetch(`${b.httpUrl}/api/v1/session/password`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrf },
        body: JSON.stringify({
          currentPassword: made.body.password,
          newPassword: `${username} own passphrase`,
        }),
      });
      expect(own.status).toBe(200);
    }
  }, 120_000);

  afterAll(async () => {
    await a?.stop();
    await b?.stop();
  });

  it('wrong passwords on both nodes lock the account on both', async () => {
    const { maxFailures } = SIGN_IN_LIMITS;
    for (let i = 0; i < maxFailures - 1; i++)
      expect((await signIn(i % 2 ? a : b, 'desk.ma', 'wrong guess')).status).toBe(401);
    const last = await signIn(a, 'desk.ma', 'wrong guess');
    expect(last.status).toBe(429);
    for (const node of [a, b]) {
      const right = await signIn(node, 'desk.ma', 'desk.ma own passphrase');
      expect(right.status).toBe(429);
      expect(((await right.json()) as { error: string }).error).toBe('ACCOUNTS_ERR_LOCKED');
    }
  });

  it("an address's failed sign-ins on both nodes block it on both, the right password too", async () => {
    const { perAddress, maxFailures, windowMs } = SIGN_IN_LIMITS;
    // The lockout test counted maxFailures failures from this address already (127.0.0.1).
    for (let i = maxFailures; i < perAddress; i++) {
      const r = await signIn(i % 2 ? a : b, `nobody-${i}`, 'wrong guess');
      expect(r.status, `try ${i}`).toBe(401);
    }
    for (const node of [b, a]) {
      const r = await signIn(node, 'desk.niu', 'desk.niu own passphrase');
      expect(r.status).toBe(429);
      expect(((await r.json()) as { error: string }).error).toBe('APP_ERR_RATE_LIMITED');
      const wait = Number(r.headers.get('retry-after'));
      expect(wait).toBeGreaterThan(windowMs / 1000 - 60);
      expect(wait).toBeLessThanOrEqual(windowMs / 1000);
    }
    // The limit is a row of the shared database, not any node's memory.
    const { rows } = await db().sql.query<{ tries: number }>(
      "SELECT tries FROM sign_in_limits WHERE key = 'sign-in 127.0.0.1'",
    );
    expect(rows[0]!.tries).toBeGreaterThanOrEqual(perAddress);
  });

  it('sign-ups per address count on both nodes', async () => {
    const { signUpsPerHour } = SIGN_IN_LIMITS;
    for (let i = 0; i < signUpsPerHour; i++) {
      const r = await api(i % 2 ? a.httpUrl : b.httpUrl, 'POST', '/api/v1/accounts', undefined, {
        username: `owner.n${i}`,
        password: `owner n${i} passphrase`,
      });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
    }
    for (const node of [a, b]) {
      const r = await api<{ error: string }>(node.httpUrl, 'POST', '/api/v1/accounts', undefined, {
        username: 'owner.late',
        password: 'owner late passphrase',
      });
      expect(r.status).toBe(429);
      expect(r.body.error).toBe('APP_ERR_RATE_LIMITED');
    }
  });
});
