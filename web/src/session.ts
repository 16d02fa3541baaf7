import { ApiError, h, onLangChange, t } from './common.ts';

/**
 * How the staff pages authenticate. Signed in (signin.html): the session cookie, which the
 * browser sends by itself (HTTP-only: no script reads it), and the session's CSRF token, sent
 * back in `x-csrf-token` on every call. Otherwise, as a fallback, an API token: typed into the
 * token form, kept in sessionStorage (gone with the tab, never in localStorage or a cookie), sent
 * as a bearer token. Shared by the engineer and manufacturer pages, so one token typed on one
 * page works on the other in the same tab.
 */
const TOKEN_KEY = 'sanbao.token';

function stored(): string {
  try {
    return sessionStorage.getItem(TOKEN_KEY) ?? '';
  } catch {
    return '';
  }
}

function store(token: string): void {
  try {
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    // storage disabled: the token lives as long as the page
  }
}

let current = stored();

/** The signed-in user, when the page has a session (GET /api/v1/session answered with one). */
interface SignedIn {
  name: string;
  role: string;
  csrf: string;
}
let signedIn: SignedIn | null = null;

/** The headers a call needs: the session's CSRF token, or the bearer token. */
export const auth = (): Record<string, string> =>
  signedIn ? { 'x-csrf-token': signedIn.csrf } : { authorization: `Bearer ${current}` };

/** Who is signed in (name and role), when the page has a session. */
export const whoIsSignedIn = (): { name: string; role: string } | null =>
  signedIn && { name: signedIn.name, role: signedIn.role };

const authListeners: Array<() => void> = [];

/**
 * Runs `fn` whenever the page's way of calling changes (a session found or ended, a token used
 * or forgotten), after the page's own `wireTokenForm` callback: for a second part of a page.
 */
export function onAuthChange(fn: () => void): void {
  authListeners.push(fn);
}

/** Whether the page may call the API: signed in, or a token given. */
export const hasToken = (): boolean => signedIn !== null || current !== '';

/** Asks the service whether this browser has a session (the cookie goes by itself). */
async function checkSession(): Promise<SignedIn | null> {
  try {
    const res = await fetch('/api/v1/session', { headers: { accept: 'application/json' } });
    if (!res.ok) return null;
    const me = (await res.json()) as {
      role: string;
      user: { username: string; displayName: string | null } | null;
      csrfToken?: string;
    };
    if (!me.user || !me.csrfToken) return null;
    return { name: me.user.displayName ?? me.user.username, role: me.role, csrf: me.csrfToken };
  } catch {
    return null;
  }
}

/** The current token (for the live stream, which sends it itself). */
export const token = (): string => current;

/**
 * Wires the page's `#token-form` (input `#token`, button `#forget`): `onChange` runs once the
 * service has said whether this browser is signed in, and after every change of token or
 * sign-out. A signed-in page shows who is signed in and a sign-out button instead of the form;
 * the form links to the sign-in page.
 */
export function wireTokenForm(pageChange: () => void): void {
  const onChange = () => {
    pageChange();
    for (const fn of authListeners) fn();
  };
  const form = document.getElementById('token-form') as HTMLFormElement;
  const input = document.getElementById('token') as HTMLInputElement;
  const field = input.closest<HTMLElement>('.field');
  const use = form.querySelector<HTMLButtonElement>('button[type=submit]');
  // With a token in use the form folds to one line (the page's content matters then, above
  // all on a phone); "Change token" opens it again.
  const change = h('button', { type: 'button', class: 'secondary', id: 'change-token' }, '');
  const inUse = h('p', { id: 'token-in-use', class: 'muted' }, '');
  form.prepend(inUse);
  form.querySelector('.buttons')?.prepend(change);
  const fold = (folded: boolean) => {
    if (field) field.hidden = folded;
    if (use) use.hidden = folded;
    inUse.hidden = !folded;
    change.hidden = !folded;
  };
  const relabel = () => {
    inUse.textContent = t('tokenInUse');
    change.textContent = t('changeToken');
  };
  onLangChange(relabel);
  change.addEventListener('click', () => {
    fold(false);
    input.focus();
  });
  // Signed in: one line naming the user, with a sign-out button, instead of the form.
  const who = h('p', { id: 'signed-in', class: 'muted' }, '');
  const out = h('button', { type: 'button', class: 'secondary', id: 'sign-out' }, '');
  const signedInBox = h('div', { class: 'signed-in', hidden: true }, who, out);
  const toSignIn = h(
    'a',
    {
      href: `signin.html?next=${encodeURIComponent(location.pathname.slice(1) + location.search)}`,
      id: 'sign-in-link',
    },
    '',
  );
  const signInHint = h('p', { class: 'sign-in-hint' }, toSignIn);
  form.before(signedInBox);
  form.prepend(signInHint);
  const relabelSession = () => {
    toSignIn.textContent = t('signInInstead');
    out.textContent = t('signOut');
    if (signedIn) who.textContent = t('signedInAs', { name: signedIn.name, role: signedIn.role });
  };
  onLangChange(relabelSession);
  const showSession = () => {
    signedInBox.hidden = signedIn === null;
    form.hidden = signedIn !== null;
    relabelSession();
  };
  out.addEventListener('click', () => {
    const csrf = signedIn?.csrf ?? '';
    void fetch('/api/v1/session', { method: 'DELETE', headers: { 'x-csrf-token': csrf } })
      .catch(() => undefined)
      .then(() => {
        signedIn = null;
        showSession();
        onChange();
        input.focus();
      });
  });
  input.value = current;
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    current = input.value.trim();
    store(current);
    fold(current !== '');
    onChange();
  });
  document.getElementById('forget')?.addEventListener('click', () => {
    current = '';
    input.value = '';
    store('');
    fold(false);
    onChange();
  });
  fold(current !== '');
  // Once the service has said whether there is a session (a token typed meanwhile has already
  // started the page, and keeps it unless a session takes over).
  let typed = false;
  form.addEventListener('submit', () => (typed = true));
  void checkSession().then((s) => {
    signedIn = s;
    showSession();
    if (s || !typed) onChange();
  });
}

/** What a failed call means to a member of staff, in the page's language. */
export function errorText(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.status === 401 || err.status === 403) return t('badToken');
    return `${t('requestFailed')} (${err.status}): ${err.message}`;
  }
  return t('networkError');
}
