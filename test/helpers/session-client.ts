/**
 * A browser-like HTTP client for tests of cookie sessions: keeps the session cookie and the CSRF
 * token the service gave it, and sends both back (accounts/).
 */
export class SessionClient {
  cookie = '';
  csrf = '';
  constructor(private readonly base: string) {}

  async call<T = Record<string, unknown>>(
    method: string,
    url: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }> {
    const res = await fetch(`${this.base}${url}`, {
      method,
      headers: {
        ...(this.cookie ? { cookie: this.cookie } : {}),
        ...(this.csrf ? { 'x-csrf-token': this.csrf } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
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
    return { status: res.status, body: parsed };
  }

  /** Signs in with the admin's one-time password and replaces it with `own`. */
  async signInFirstTime(username: string, otp: string, own: string): Promise<void> {
    const s = await this.call('POST', '/api/v1/session', { username, password: otp });
    if (s.status !== 200) throw new Error(`sign-in of ${username}: ${s.status}`);
    const c = await this.call('PUT', '/api/v1/session/password', {
      currentPassword: otp,
      newPassword: own,
    });
    if (c.status !== 200) throw new Error(`password change of ${username}: ${c.status}`);
  }
}
