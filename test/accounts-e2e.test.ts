import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from './helpers/clients.ts';
import { startService, type RunningService } from './helpers/service.ts';

/**
 * User accounts and the audit trail through HTTP on the whole service with PGlite (issue 25):
 * sign-in with a cookie and its CSRF token, an admin's one-time passwords, lockout after wrong
 * passwords, sessions ended by sign-out, a password change and disabling (with the user's API
 * tokens), tenancy taken from the account, owners linking units by code; and the audit trail
 * recording who did what, redacted, with tampering found by its verification.
 */

/** A browser-like client: keeps the session cookie and the CSRF token it was given. */
class Browser {
  cookie = '';
  csrf = '';
  constructor(private readonly base: string) {}

  async call<T = Record<string, unknown>>(
    method: string,
    url: string,
    body?: unknown,
    opts: { csrf?: boolean; headers?: Record<string, string> } = {},
  ): Promise<{ status: number; body: T; headers: Headers }> {
    const res = await fetch(`${this.base}${url}`, {
      method,
      headers: {
        ...(this.cookie ? { cookie: this.cookie } : {}),
        ...(opts.csrf !== false && this.csrf ? { 'x-csrf-token': this.csrf } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...opts.headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      if (pair?.startsWith('sanbao_session='))
        this.cookie = /Max-Age=0|Expires=Thu, 01 Jan 1970/i.test(c) ? '' : pair;
    }
    const text = await res.text();
    const parsed = (text ? JSON.parse(text) : undefined) as T;
    const t = (parsed as { csrfToken?: string } | undefined)?.csrfToken;
    if (t) this.csrf = t;
    return { status: res.status, body: parsed, headers: res.headers };
  }

  async signIn(username: string, password: string) {
    return this.call<{ user: { mustChangePassword: boolean }; error?: string }>(
      'POST',
      '/api/v1/session',
      { username, password },
    );
  }
}

describe('accounts and the audit trail', () => {
  let svc: RunningService;
  const admin = (method: string, url: string, body?: unknown) =>
    api<Record<string, never>>(svc.httpUrl, method, url, svc.adminToken, body);
  const codes: Record<string, string> = {};

  /** Creates a user as the admin and gives them their own password; returns id and browser. */
  async function user(username: string, role: string, subject?: string) {
    const made = await api<{ user: { id: string }; password: string }>(
      svc.httpUrl,
      'POST',
      '/api/v1/users',
      svc.adminToken,
      { username, role, ...(subject ? { subject } : {}) },
    );
    expect(made.status).toBe(201);
    const b = new Browser(svc.httpUrl);
    expect((await b.signIn(username, made.body.password)).status).toBe(200);
    const pw = `${username}-own-password-1`;
    const changed = await b.call('PUT', '/api/v1/session/password', {
      currentPassword: made.body.password,
      newPassword: pw,
    });
    expect(changed.status).toBe(200);
    return { id: made.body.user.id, browser: b, password: pw };
  }

  beforeAll(async () => {
    svc = await startService({ SESSION_COOKIE_SECURE: 'false' });
    for (const [serial, manufacturer] of [
      ['ACC-A-1', 'MakerA'],
      ['ACC-B-1', 'MakerB'],
      ['ACC-O-1', 'MakerA'],
      ['ACC-O-2', 'MakerB'],
    ] as const) {
      const r = await api<{ verificationCode: string }>(
        svc.httpUrl,
        'POST',
        '/api/v1/warranty/units',
        svc.adminToken,
        {
          serial,
          category: 'air_conditioner',
          model: 'KFR-35',
          manufacturer,
          invoiceDate: '2025-01-10',
        },
      );
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      codes[serial] = r.body.verificationCode;
    }
  }, 60_000);

  afterAll(async () => {
    await svc?.stop();
  });

  it('an admin-set password must be changed first; the change needs the CSRF token and ends the old session', async () => {
    const made = await admin('POST', '/api/v1/users', { username: 'eng.li', role: 'engineer' });
    expect(made.status).toBe(201);
    const { password } = made.body as unknown as { password: string };
    const b = new Browser(svc.httpUrl);
    const signed = await b.signIn('eng.li', password);
    expect(signed.status).toBe(200);
    expect(signed.body.user.mustChangePassword).toBe(true);
    const setCookie = signed.headers.getSetCookie().join('\n');
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Strict/i);
    // Nothing but the change meanwhile.
    expect((await b.call('GET', '/api/v1/alerts')).body).toMatchObject({
      error: 'ACCOUNTS_ERR_PASSWORD_CHANGE_REQUIRED',
    });
    const body = { currentPassword: password, newPassword: 'a much better passphrase' };
    const noCsrf = await b.call('PUT', '/api/v1/session/password', body, { csrf: false });
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.body).toMatchObject({ error: 'ACCOUNTS_ERR_CSRF' });
    const wrongCsrf = await b.call('PUT', '/api/v1/session/password', body, {
      csrf: false,
      headers: { 'x-csrf-token': 'forged' },
    });
    expect(wrongCsrf.body).toMatchObject({ error: 'ACCOUNTS_ERR_CSRF' });
    const oldCookie = b.cookie;
    expect((await b.call('PUT', '/api/v1/session/password', body)).status).toBe(200);
    expect(b.cookie).not.toBe(oldCookie);
    expect((await b.call('GET', '/api/v1/alerts')).status).toBe(200);
    // The session from before the change is over.
    const stale = await fetch(`${svc.httpUrl}/api/v1/alerts`, { headers: { cookie: oldCookie } });
    expect(stale.status).toBe(401);
    const staleMe = await fetch(`${svc.httpUrl}/api/v1/session`, {
      headers: { cookie: oldCookie },
    });
    expect(await staleMe.json()).toMatchObject({ signedIn: false });
    const me = await b.call<{ role: string; subject: string }>('GET', '/api/v1/session');
    expect(me.body).toMatchObject({ role: 'engineer', subject: 'eng.li' });
  });

  it('wrong passwords lock the account, even against the right one, until an admin resets it', async () => {
    const u = await user('desk.wu', 'desk');
    const b = new Browser(svc.httpUrl);
    for (let i = 0; i < 4; i++) {
      const r = await b.signIn('desk.wu', `wrong-password-${i}`);
      expect(r.status).toBe(401);
      expect(r.body).toMatchObject({ error: 'ACCOUNTS_ERR_BAD_SIGN_IN' });
    }
    const fifth = await b.signIn('desk.wu', 'wrong-password-5');
    expect(fifth.status).toBe(429);
    expect(fifth.body).toMatchObject({ error: 'ACCOUNTS_ERR_LOCKED' });
    expect(Number(fifth.headers.get('retry-after'))).toBeGreaterThan(60);
    expect((await b.signIn('desk.wu', u.password)).status).toBe(429);
    // An unknown name answers like a wrong password.
    expect((await b.signIn('nobody-here', 'whatever-it-is')).body).toMatchObject({
      error: 'ACCOUNTS_ERR_BAD_SIGN_IN',
    });
    const reset = await admin('POST', `/api/v1/users/${u.id}/password-reset`);
    expect(reset.status).toBe(200);
    const otp = (reset.body as unknown as { password: string }).password;
    expect((await b.signIn('desk.wu', u.password)).status).toBe(401);
    expect((await b.signIn('desk.wu', otp)).body.user.mustChangePassword).toBe(true);
  });

  it('a session after sign-out is refused', async () => {
    const { browser: b } = await user('eng.sign-out', 'engineer');
    const cookie = b.cookie;
    expect((await b.call('DELETE', '/api/v1/session', undefined, { csrf: false })).status).toBe(
      403,
    );
    expect((await b.call('DELETE', '/api/v1/session')).status).toBe(204);
    expect(b.cookie).toBe('');
    const r = await fetch(`${svc.httpUrl}/api/v1/alerts`, { headers: { cookie } });
    expect(r.status).toBe(401);
  });

  it("a disabled user's token and session are refused; bearer requests need no CSRF token", async () => {
    const u = await user('eng.disabled', 'engineer');
    const t = await admin('POST', `/api/v1/users/${u.id}/tokens`, { label: 'laptop' });
    expect(t.status).toBe(201);
    const token = (t.body as unknown as { token: string }).token;
    const me = await api<{ role: string; subject: string }>(
      svc.httpUrl,
      'GET',
      '/api/v1/tokens/me',
      token,
    );
    expect(me.body).toMatchObject({ role: 'engineer', subject: 'eng.disabled' });
    // What the token does is the user's: the trail names the token and its user.
    const tokenId = (t.body as unknown as { id: string }).id;
    const acted = await api(svc.httpUrl, 'POST', '/api/v1/alerts/no-such-alert/ack', token, {});
    expect(acted.status).toBe(404);
    const byToken = await admin('GET', `/api/v1/audit?who=${tokenId}`);
    expect((byToken.body as unknown as { entries: unknown[] }).entries).toEqual([
      expect.objectContaining({
        tokenId,
        userId: u.id,
        role: 'engineer',
        route: '/api/v1/alerts/:id/ack',
        status: 404,
      }),
    ]);
    expect((await admin('POST', `/api/v1/users/${u.id}/disable`)).status).toBe(200);
    expect((await api(svc.httpUrl, 'GET', '/api/v1/tokens/me', token)).status).toBe(401);
    expect((await u.browser.call('GET', '/api/v1/alerts')).status).toBe(401);
    expect((await new Browser(svc.httpUrl).signIn('eng.disabled', u.password)).status).toBe(401);
    // No token for a disabled user.
    expect((await admin('POST', `/api/v1/users/${u.id}/tokens`, {})).status).toBe(409);
  });

  it("a maker's staff reach their own maker's units only; other roles keep to theirs", async () => {
    const { browser: a } = await user('svc.maker-a', 'manufacturer', 'MakerA');
    expect((await a.call('GET', '/api/v1/units/ACC-A-1')).status).toBe(200);
    expect((await a.call('GET', '/api/v1/units/ACC-B-1')).status).toBe(404);
    // A state change in another maker's name is refused too.
    const w = await a.call('POST', '/api/v1/warranty/units', {
      serial: 'ACC-A-2',
      category: 'air_conditioner',
      model: 'KFR-35',
      manufacturer: 'MakerB',
      invoiceDate: '2025-01-10',
    });
    expect(w.status).toBe(403);
    const { browser: d } = await user('desk.only', 'desk');
    expect((await d.call('GET', '/api/v1/users')).status).toBe(403);
    expect(
      (await d.call('POST', '/api/v1/users', { username: 'x-y-z', role: 'admin' })).status,
    ).toBe(403);
  });

  it('an owner signs up, links units by their codes and sees them all', async () => {
    const o = new Browser(svc.httpUrl);
    const made = await o.call<{ user: { role: string; subject: string } }>(
      'POST',
      '/api/v1/accounts',
      { username: 'owner.zhao', password: 'owner zhao passphrase' },
    );
    expect(made.status).toBe(201);
    expect(made.body.user).toMatchObject({
      role: 'owner',
      subject: expect.stringMatching(/^account:/),
    });
    const wrong = await o.call('POST', '/api/v1/me/units/ACC-O-1', undefined, {
      headers: { 'x-verification-code': 'AAAAA-AAAAA' },
    });
    expect(wrong.status).toBe(401);
    expect((await o.call('GET', '/api/v1/units/ACC-O-1/warranty')).status).toBe(403);
    for (const serial of ['ACC-O-1', 'ACC-O-2']) {
      const r = await o.call('POST', `/api/v1/me/units/${serial}`, undefined, {
        headers: { 'x-verification-code': codes[serial]! },
      });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
    }
    const list = await o.call<{ units: Array<{ serial: string; links: { warranty: string } }> }>(
      'GET',
      '/api/v1/me/units',
    );
    expect(list.body.units.map((u) => u.serial)).toEqual(['ACC-O-1', 'ACC-O-2']);
    const status = await o.call('GET', list.body.units[0]!.links.warranty);
    expect(status.status, JSON.stringify(status.body)).toBe(200);
    // Not a unit it linked.
    expect((await o.call('GET', '/api/v1/units/ACC-A-1/warranty')).status).toBe(403);
    // Unlinked (sold on): gone from the list and out of reach; once is enough.
    expect((await o.call('DELETE', '/api/v1/me/units/ACC-O-2')).status).toBe(204);
    const after = await o.call<{ units: Array<{ serial: string }> }>('GET', '/api/v1/me/units');
    expect(after.body.units.map((u) => u.serial)).toEqual(['ACC-O-1']);
    expect((await o.call('GET', '/api/v1/units/ACC-O-2/warranty')).status).toBe(403);
    const again = await o.call<{ error: string }>('DELETE', '/api/v1/me/units/ACC-O-2');
    expect(again.status).toBe(404);
    // Without the CSRF token a cookie cannot unlink.
    expect(
      (await o.call('DELETE', '/api/v1/me/units/ACC-O-1', undefined, { csrf: false })).status,
    ).toBe(403);
  });

  it('records who did what, redacted, and verification finds tampering', async () => {
    await svc.service.audit.flush();
    const trail = await admin('GET', '/api/v1/audit?limit=1000');
    expect(trail.status).toBe(200);
    const entries = (trail.body as unknown as { entries: Array<Record<string, unknown>> }).entries;
    const text = JSON.stringify(entries);
    // Passwords, one-time passwords and codes never reach the trail.
    expect(text).not.toContain('a much better passphrase');
    expect(text).not.toContain('owner zhao passphrase');
    expect(text).not.toContain(codes['ACC-O-1']);
    expect(text).toContain('[redacted]');
    const change = entries.find(
      (e) => e.route === '/api/v1/session/password' && e.subject === 'eng.li',
    );
    expect(change).toMatchObject({
      method: 'PUT',
      role: 'engineer',
      userId: expect.stringMatching(/^u/),
      status: 200,
      after: { currentPassword: '[redacted]', newPassword: '[redacted]' },
      address: expect.any(String),
    });
    // A refused sign-in names who tried; a refusal after authentication names who was refused.
    expect(entries.find((e) => e.route === '/api/v1/session' && e.status === 429)).toMatchObject({
      after: { username: 'desk.wu', password: '[redacted]' },
    });
    expect(
      entries.find((e) => e.route === '/api/v1/warranty/units' && e.status === 403),
    ).toMatchObject({ role: 'manufacturer', subject: 'MakerA' });
    // A unit's history.
    const history = await admin('GET', '/api/v1/audit/history?resource=unit:ACC-O-1');
    const h = (history.body as unknown as { entries: Array<{ route: string }> }).entries;
    expect(h.map((e) => e.route)).toContain('/api/v1/me/units/:serial');
    // The unlink is in the unit's history too.
    const h2 = await admin('GET', '/api/v1/audit/history?resource=unit:ACC-O-2');
    const unlinks = (h2.body as unknown as { entries: Array<Record<string, unknown>> }).entries;
    expect(unlinks.filter((e) => e.method === 'DELETE').map((e) => e.status)).toEqual([404, 204]);
    // CSV export.
    const csv = await fetch(`${svc.httpUrl}/api/v1/audit/export.csv?method=PUT`, {
      headers: { authorization: `Bearer ${svc.adminToken}` },
    });
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    const rows = (await csv.text()).trim().split('\r\n');
    expect(rows[0]).toMatch(/^seq,at,userId/);
    expect(rows.length).toBeGreaterThan(1);

    expect((await admin('GET', '/api/v1/audit/verify')).body).toMatchObject({ ok: true });
    // Append-only: the database itself refuses an edit…
    const sql = svc.service.sql;
    await expect(sql.query('UPDATE audit_log SET status = 200 WHERE seq = 2')).rejects.toThrow(
      /append-only/,
    );
    // …and an insider who lifts the trigger is caught by the chain.
    await sql.exec('ALTER TABLE audit_log DISABLE TRIGGER USER');
    await sql.query("UPDATE audit_log SET subject = 'someone else' WHERE seq = 2");
    await sql.exec('ALTER TABLE audit_log ENABLE TRIGGER USER');
    expect((await admin('GET', '/api/v1/audit/verify')).body).toMatchObject({
      ok: false,
      firstBroken: { seq: 2, reason: 'hash_mismatch' },
    });
  });
});
