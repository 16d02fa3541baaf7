import { ta, wireAdminTexts, type AKey } from './admin-i18n.ts';
import { wireAuditTexts } from './audit-i18n.ts';
import { ApiError, formatWhen, getJson, h, initPage, onLangChange, postJson, t } from './common.ts';
import { auth, errorText, hasToken, whoIsSignedIn, wireTokenForm } from './session.ts';

/**
 * The admin's page for users and roles (`admin.html`, issue 25): every user with their role,
 * maker and state; create a user (the one-time password is shown once, here); reset a password;
 * disable and enable. Only the accounts API (`/api/v1/users…`); signed in as an admin, or with
 * an admin token. Anyone else gets the service's 403 and the page says why.
 */
interface User {
  id: string;
  username: string;
  role: string;
  subject: string | null;
  displayName: string | null;
  outlets?: string[];
  mustChangePassword: boolean;
  disabled: boolean;
  lockedUntil: string | null;
  createdAt: string;
}
interface WithPassword {
  user: User;
  password: string;
}

const el = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const enc = encodeURIComponent;
let users: User[] = [];
let started = false;

/** A failed call in words; a 403 says that this page is an admin's. */
function why(err: unknown): string {
  if (err instanceof ApiError && err.status === 403) {
    const me = whoIsSignedIn();
    return me ? ta('adminOnly', { role: me.role }) : ta('adminOnlyToken');
  }
  return errorText(err);
}

function showError(err: unknown): void {
  const box = el('page-error');
  box.hidden = err === undefined;
  box.textContent = err === undefined ? '' : why(err);
}

function roleName(role: string): string {
  const key = `role_${role}` as AKey;
  return ta(key);
}

function stateText(u: User): string {
  const parts: string[] = [];
  parts.push(ta(u.disabled ? 'state_disabled' : 'state_active'));
  if (u.lockedUntil && Date.parse(u.lockedUntil) > Date.now())
    parts.push(ta('state_locked', { when: formatWhen(u.lockedUntil) }));
  if (u.mustChangePassword) parts.push(ta('state_mustChange'));
  return parts.join(' · ');
}

function notice(text: string): void {
  const n = el('admin-notice');
  n.hidden = text === '';
  n.textContent = text;
}

function showPassword(r: WithPassword): void {
  el('otp-for').textContent = ta('oneTimePassword', { user: r.user.username });
  el('otp').textContent = r.password;
  const box = el('otp-box');
  box.hidden = false;
  box.focus();
}

function replaceUser(u: User): void {
  users = users.map((x) => (x.id === u.id ? u : x));
  if (!users.some((x) => x.id === u.id)) users.push(u);
  renderUsers();
}

async function act(u: User, what: 'reset' | 'disable' | 'enable'): Promise<void> {
  showError(undefined);
  notice('');
  el('otp-box').hidden = true;
  try {
    if (what === 'reset') {
      const r = await postJson<WithPassword>(
        `/api/v1/users/${enc(u.id)}/password-reset`,
        {},
        auth(),
      );
      replaceUser(r.user);
      showPassword(r);
    } else {
      const r = await postJson<User>(`/api/v1/users/${enc(u.id)}/${what}`, {}, auth());
      replaceUser(r);
      notice(ta(what === 'disable' ? 'disabledDone' : 'enabledDone', { user: r.username }));
      // The row was drawn again: the focus goes to its other button (enable ↔ disable).
      document
        .querySelector<HTMLButtonElement>(
          `tr[data-user="${CSS.escape(r.id)}"] [data-action="${r.disabled ? 'enable' : 'disable'}"]`,
        )
        ?.focus();
    }
  } catch (err) {
    showError(err);
  }
}

function button(u: User, what: 'reset' | 'disable' | 'enable', label: AKey): HTMLButtonElement {
  const b = h(
    'button',
    {
      type: 'button',
      class: what === 'reset' ? '' : 'secondary',
      'data-action': what,
      'aria-label': `${ta(label)}: ${u.username}`,
    },
    ta(label),
  );
  b.addEventListener('click', () => void act(u, what));
  return b;
}

function renderUsers(): void {
  el('users-count').textContent = `(${users.length})`;
  el('users').replaceChildren(
    users.length === 0
      ? h('p', {}, ta('noUsers'))
      : h(
          'table',
          { id: 'users-table' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ...(
                ['userName', 'name', 'role', 'subjectShort', 'state', 'created', 'actions'] as const
              ).map((k) => h('th', { scope: 'col' }, ta(k))),
            ),
          ),
          h(
            'tbody',
            {},
            ...users.map((u) =>
              h(
                'tr',
                { 'data-user': u.id, 'data-username': u.username },
                h('th', { scope: 'row' }, u.username),
                h('td', {}, u.displayName ?? ''),
                h('td', {}, roleName(u.role)),
                h(
                  'td',
                  {},
                  [
                    u.subject,
                    u.outlets?.length ? ta('outletsOf', { list: u.outlets.join(', ') }) : '',
                  ]
                    .filter(Boolean)
                    .join(' · '),
                ),
                h('td', { class: 'state' }, stateText(u)),
                h('td', {}, formatWhen(u.createdAt)),
                h(
                  'td',
                  { class: 'actions-cell' },
                  h(
                    'div',
                    { class: 'actions' },
                    button(u, 'reset', 'resetPassword'),
                    u.disabled ? button(u, 'enable', 'enable') : button(u, 'disable', 'disable'),
                  ),
                ),
              ),
            ),
          ),
        ),
  );
}

async function load(): Promise<void> {
  const r = await getJson<{ users: User[] }>('/api/v1/users', auth());
  users = r.users;
  el('admin-view').hidden = false;
  renderUsers();
}

/** Outlet ids typed with commas, spaces or 、 between them, each once. */
const outletList = (v: string): string[] => [
  ...new Set(
    v
      .split(/[\s,，、;]+/)
      .map((x) => x.trim())
      .filter(Boolean),
  ),
];

function wireCreate(): void {
  const form = el<HTMLFormElement>('create-form');
  const role = el<HTMLSelectElement>('c-role');
  // Only an engineer serves outlets: the field shows for that role only.
  const showOutlets = () => (el('c-outlets-field').hidden = role.value !== 'engineer');
  role.addEventListener('change', showOutlets);
  form.addEventListener('reset', () => setTimeout(showOutlets));
  showOutlets();
  const error = el('create-error');
  const submit = el<HTMLButtonElement>('create-submit');
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const val = (id: string) => el<HTMLInputElement>(id).value.trim();
    error.hidden = true;
    notice('');
    submit.disabled = true;
    submit.textContent = ta('creating');
    postJson<WithPassword>(
      '/api/v1/users',
      {
        username: val('c-username'),
        role: role.value,
        ...(val('c-subject') ? { subject: val('c-subject') } : {}),
        ...(val('c-display') ? { displayName: val('c-display') } : {}),
        ...(role.value === 'engineer' && outletList(val('c-outlets')).length
          ? { outlets: outletList(val('c-outlets')) }
          : {}),
      },
      auth(),
    )
      .then((r) => {
        form.reset();
        replaceUser(r.user);
        showPassword(r);
      })
      .catch((err: unknown) => {
        error.hidden = false;
        error.textContent = why(err);
        el<HTMLInputElement>('c-username').focus();
      })
      .finally(() => {
        submit.disabled = false;
        submit.textContent = ta('create');
      });
  });
}

function start(): void {
  initPage();
  wireAdminTexts();
  wireAuditTexts();
  onLangChange(() => {
    document.title = `${ta('adminTitle')} · ${t('appName')}`;
    if (started) renderUsers();
  });
  wireCreate();
  wireTokenForm(() => {
    showError(undefined);
    el('admin-view').hidden = true;
    el('otp-box').hidden = true;
    started = hasToken();
    if (!started) return;
    load().catch((err: unknown) => {
      started = false;
      showError(err);
    });
  });
}

start();
