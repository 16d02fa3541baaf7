import { ApiError, initPage, t } from './common.ts';
import type { Key } from './i18n.ts';

/**
 * The sign-in page (issue 25): user name and password (POST /api/v1/session sets the HTTP-only
 * session cookie); a password an admin set is changed here first (PUT /api/v1/session/password);
 * then the page the role works on, or `?next=` when it names one of our pages.
 */
const HOME: Record<string, string> = {
  engineer: 'engineer.html',
  admin: 'admin.html',
  manufacturer: 'fleet.html',
  desk: 'desk.html',
  regulator: 'violations.html',
  owner: 'owner.html',
};

const el = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/** Only a page of this site, by a plain relative name (never another origin). */
function nextPage(role: string): string {
  const next = new URLSearchParams(location.search).get('next');
  if (next && /^[a-z-]+\.html(\?[^#]*)?$/.test(next)) return next;
  return HOME[role] ?? './';
}

function showError(key: Key | null, extra = ''): void {
  const box = el('signin-error');
  box.hidden = key === null;
  box.textContent = key === null ? '' : `${t(key)}${extra}`;
}

function errorKey(err: unknown): [Key, string] {
  if (!(err instanceof ApiError)) return ['networkError', ''];
  switch (err.code) {
    case 'ACCOUNTS_ERR_BAD_SIGN_IN':
      return ['badSignIn', ''];
    case 'ACCOUNTS_ERR_LOCKED':
      return ['lockedOut', ''];
    case 'APP_ERR_RATE_LIMITED':
      return ['tooManySignIns', ''];
    case 'ACCOUNTS_ERR_WEAK_PASSWORD':
      return ['requestFailed', `: ${err.message}`];
    default:
      return ['requestFailed', ` (${err.status}): ${err.message}`];
  }
}

async function send<T>(method: string, url: string, body: unknown, csrf = ''): Promise<T> {
  const res = await fetch(url, {
    method,
    headers: {
      accept: 'application/json',
      'content-type': 'application/json',
      ...(csrf ? { 'x-csrf-token': csrf } : {}),
    },
    body: JSON.stringify(body),
  });
  const parsed = (await res.json().catch(() => ({}))) as T & { error?: string; message?: string };
  if (!res.ok)
    throw new ApiError(res.status, parsed.error ?? `HTTP_${res.status}`, parsed.message ?? '');
  return parsed;
}

interface SignedIn {
  user: { role: string; mustChangePassword: boolean };
  csrfToken: string;
}

function start(): void {
  initPage();
  const form = el<HTMLFormElement>('signin-form');
  const change = el<HTMLFormElement>('change-form');
  const status = el('signin-status');
  let password = '';
  let session: SignedIn | undefined;
  el<HTMLInputElement>('username').focus();

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    showError(null);
    status.textContent = t('signingIn');
    password = el<HTMLInputElement>('password').value;
    void send<SignedIn>('POST', '/api/v1/session', {
      username: el<HTMLInputElement>('username').value,
      password,
    })
      .then((s) => {
        session = s;
        status.textContent = '';
        if (!s.user.mustChangePassword) return location.assign(nextPage(s.user.role));
        form.hidden = true;
        change.hidden = false;
        el<HTMLInputElement>('new-password').focus();
      })
      .catch((err: unknown) => {
        status.textContent = '';
        showError(...errorKey(err));
        el<HTMLInputElement>('password').select();
      });
  });

  change.addEventListener('submit', (ev) => {
    ev.preventDefault();
    showError(null);
    const next = el<HTMLInputElement>('new-password').value;
    if (next !== el<HTMLInputElement>('repeat-password').value) return showError('passwordsDiffer');
    void send<SignedIn>(
      'PUT',
      '/api/v1/session/password',
      { currentPassword: password, newPassword: next },
      session?.csrfToken,
    )
      .then((s) => location.assign(nextPage(s.user.role)))
      .catch((err: unknown) => showError(...errorKey(err)));
  });
}

start();
