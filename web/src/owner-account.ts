import { ApiError, formatWhen, h, onLangChange, t } from './common.ts';
import type { Key } from './i18n.ts';
import { to, wireOwnerAccountTexts, type OKey } from './owner-account-i18n.ts';

/**
 * The owner's own account on owner.html (issue 25): create one (`POST /api/v1/accounts`) or sign
 * in (`POST /api/v1/session`), link a unit by its serial and the code on its 三包 card
 * (`POST /api/v1/me/units/{serial}`, header x-verification-code), see every linked unit with
 * its 三包 remedy today and its cases (`GET /api/v1/me/units`, then each unit's links), and
 * unlink one (`DELETE /api/v1/me/units/{serial}`). The session is an HTTP-only cookie; every
 * state change sends the session's CSRF token. The lookup by serial and code above works as
 * before, with or without an account.
 */
interface Me {
  signedIn: boolean;
  role: string | null;
  user: { username: string; displayName: string | null } | null;
  csrfToken?: string;
}
interface Linked {
  serial: string;
  linkedAt: string;
  links: { warranty: string; cases: string; page: string };
}
interface Row extends Linked {
  remedy: string | null;
  cases: { n: number; open: number } | null;
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const val = (id: string) => $<HTMLInputElement>(id).value.trim();
let me: Me | null = null;
let rows: Row[] = [];

/** A failed call in the owner's words. */
function why(err: unknown, linking = false): string {
  if (!(err instanceof ApiError)) return t('networkError');
  const by: Record<string, OKey> = {
    ACCOUNTS_ERR_BAD_SIGN_IN: 'badSignIn',
    ACCOUNTS_ERR_USERNAME_TAKEN: 'nameTaken',
    ACCOUNTS_ERR_WEAK_PASSWORD: 'weakPassword',
    ACCOUNTS_ERR_LOCKED: 'locked',
  };
  if (by[err.code]) return to(by[err.code]!);
  if (err.status === 429) return to('tooMany');
  if (linking && (err.status === 401 || err.status === 403 || err.status === 404))
    return to('badLinkCode');
  if (err.status === 400 && !linking) return to('weakPassword');
  return `${t('requestFailed')} (${err.status}): ${err.message}`;
}

function showError(err: unknown, linking = false): void {
  const box = $('account-error');
  box.hidden = err === undefined;
  box.textContent = err === undefined ? '' : why(err, linking);
  if (err !== undefined) box.focus();
}

function notice(text: string): void {
  $('account-notice').textContent = text;
}

/** A JSON call with the session's CSRF token on state changes. */
async function call<T>(method: string, url: string, body?: unknown, headers = {}): Promise<T> {
  const res = await fetch(url, {
    method,
    headers: {
      accept: 'application/json',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(me?.csrfToken && method !== 'GET' ? { 'x-csrf-token': me.csrfToken } : {}),
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  const parsed = text ? (JSON.parse(text) as unknown) : undefined;
  if (!res.ok) {
    const env = (parsed ?? {}) as { error?: string; message?: string };
    throw new ApiError(res.status, env.error ?? `HTTP_${res.status}`, env.message ?? '');
  }
  return parsed as T;
}

function renderUnits(): void {
  $('my-units').replaceChildren(
    rows.length === 0
      ? h('p', { class: 'muted' }, to('noUnits'))
      : h(
          'table',
          { id: 'my-units-table' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ...(['colUnit', 'colStatus', 'colCases', 'colLinked', 'colActions'] as const).map(
                (k) => h('th', { scope: 'col' }, to(k)),
              ),
            ),
          ),
          h(
            'tbody',
            {},
            ...rows.map((r) => {
              const unlink = h(
                'button',
                {
                  type: 'button',
                  class: 'secondary',
                  'aria-label': `${to('unlink')}: ${r.serial}`,
                },
                to('unlink'),
              );
              unlink.addEventListener('click', () => void unlinkUnit(r.serial));
              return h(
                'tr',
                { 'data-serial': r.serial },
                h('th', { scope: 'row' }, r.serial),
                h(
                  'td',
                  { 'data-col': 'status' },
                  r.remedy ? t(`remedy_${r.remedy}` as Key) : to('statusUnknown'),
                ),
                h(
                  'td',
                  { 'data-col': 'cases' },
                  r.cases ? to('casesCount', { n: r.cases.n, open: r.cases.open }) : '—',
                ),
                h('td', {}, formatWhen(r.linkedAt)),
                h(
                  'td',
                  { class: 'actions-cell' },
                  h(
                    'div',
                    { class: 'actions' },
                    h(
                      'a',
                      { href: r.links.page, 'aria-label': `${to('openUnit')}: ${r.serial}` },
                      to('openUnit'),
                    ),
                    unlink,
                  ),
                ),
              );
            }),
          ),
        ),
  );
}

/** Every linked unit with its remedy today and its cases (a unit that fails to load says so). */
async function loadUnits(): Promise<void> {
  const r = await call<{ units: Linked[] }>('GET', '/api/v1/me/units');
  rows = await Promise.all(
    r.units.map(async (u) => {
      const [status, cases] = await Promise.all([
        call<{ remedy: string }>('GET', u.links.warranty).catch(() => null),
        call<{ cases: Array<{ status: string }> }>('GET', u.links.cases).catch(() => null),
      ]);
      return {
        ...u,
        remedy: status?.remedy ?? null,
        cases: cases && {
          n: cases.cases.length,
          open: cases.cases.filter((c) => c.status !== 'closed').length,
        },
      };
    }),
  );
  renderUnits();
}

function render(): void {
  const owner = me?.signedIn === true && me.user !== null;
  $('account-form').hidden = owner;
  $('account-view').hidden = !owner;
  if (owner) {
    $('acc-who').textContent =
      me!.role === 'owner'
        ? to('accountSignedIn', { name: me!.user!.displayName ?? me!.user!.username })
        : to('notOwnerAccount', { role: me!.role ?? '' });
    $('link-form').hidden = me!.role !== 'owner';
    $('my-units').hidden = me!.role !== 'owner';
    $('units-h').hidden = me!.role !== 'owner';
    $('link-h').hidden = me!.role !== 'owner';
    renderUnits();
  }
}

async function refresh(): Promise<void> {
  me = await call<Me>('GET', '/api/v1/session').catch(() => null);
  rows = [];
  render();
  if (me?.signedIn && me.role === 'owner') await loadUnits();
}

async function unlinkUnit(serial: string): Promise<void> {
  showError(undefined);
  notice('');
  try {
    await call('DELETE', `/api/v1/me/units/${encodeURIComponent(serial)}`);
    rows = rows.filter((r) => r.serial !== serial);
    renderUnits();
    notice(to('unlinked', { serial }));
    $('account-notice').focus();
  } catch (err) {
    showError(err);
  }
}

function wire(): void {
  const form = $<HTMLFormElement>('account-form');
  const enter = (create: boolean) => {
    showError(undefined);
    notice('');
    const body = { username: val('acc-name'), password: $<HTMLInputElement>('acc-password').value };
    call<{ csrfToken: string }>('POST', create ? '/api/v1/accounts' : '/api/v1/session', body)
      .then(async () => {
        form.reset();
        await refresh();
        $('link-serial').focus();
      })
      .catch((err: unknown) => showError(err));
  };
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (form.reportValidity()) enter(false);
  });
  $('acc-create').addEventListener('click', () => {
    if (form.reportValidity()) enter(true);
  });
  $('acc-sign-out').addEventListener('click', () => {
    void call('DELETE', '/api/v1/session')
      .catch(() => undefined)
      .then(async () => {
        await refresh();
        $('acc-name').focus();
      });
  });
  const link = $<HTMLFormElement>('link-form');
  link.addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (!link.reportValidity()) return;
    showError(undefined);
    notice('');
    const serial = val('link-serial');
    call('POST', `/api/v1/me/units/${encodeURIComponent(serial)}`, undefined, {
      'x-verification-code': val('link-code'),
    })
      .then(async () => {
        link.reset();
        await loadUnits();
        notice(to('linked', { serial }));
        $('account-notice').focus();
      })
      .catch((err: unknown) => showError(err, true));
  });
}

function start(): void {
  wireOwnerAccountTexts();
  onLangChange(() => render());
  wire();
  void refresh();
}

start();
