import { ApiError, h, onLangChange, t } from './common.ts';

/**
 * The staff pages' API token: typed into the token form, kept in sessionStorage (gone with the
 * tab, never in localStorage or a cookie), sent as a bearer token. Shared by the engineer and
 * manufacturer pages, so one token typed on one page works on the other in the same tab.
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

/** The bearer header for the current token. */
export const auth = (): Record<string, string> => ({ authorization: `Bearer ${current}` });

/** Whether a token has been given. */
export const hasToken = (): boolean => current !== '';

/** The current token (for the live stream, which sends it itself). */
export const token = (): string => current;

/**
 * Wires the page's `#token-form` (input `#token`, button `#forget`): `onChange` runs once at
 * start and after every change of token.
 */
export function wireTokenForm(onChange: () => void): void {
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
  onChange();
}

/** What a failed call means to a member of staff, in the page's language. */
export function errorText(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.status === 401 || err.status === 403) return t('badToken');
    return `${t('requestFailed')} (${err.status}): ${err.message}`;
  }
  return t('networkError');
}
