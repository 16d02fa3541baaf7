import { ta, wireAdminTexts, type AKey } from './admin-i18n.ts';
import { tu, wireAuditTexts, type UKey } from './audit-i18n.ts';
import { ApiError, formatWhen, getJson, h, initPage, onLangChange, t } from './common.ts';
import { downloadFile } from './download.ts';
import { auth, errorText, hasToken, whoIsSignedIn, wireTokenForm } from './session.ts';

/**
 * The admin's audit-trail page (`audit.html`, issue 25): search the trail (who, role, method,
 * route, resource, China dates, paged), read each entry (who, token or session, when, address,
 * status, the before and after as text), download the same search as CSV, and verify the hash
 * chain. Only the audit API (`/api/v1/audit…`) and the user list for names; an admin signed in,
 * or with an admin token. Anyone else gets the service's 403 and the page says why.
 */
interface Entry {
  seq: number;
  at: string;
  userId: string | null;
  tokenId: string | null;
  role: string | null;
  subject: string | null;
  method: string;
  route: string;
  resources: string[];
  after: unknown;
  before: unknown;
  status: number;
  address?: string | null;
}
interface Verification {
  ok: boolean;
  count: number;
  head?: string;
  firstBroken?: { seq: number; reason: string };
}

const el = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const val = (id: string) => el<HTMLInputElement | HTMLSelectElement>(id).value.trim();

/** User id → user name, from the admin's user list (for the "who" column and search). */
let names = new Map<string, string>();
let entries: Entry[] = [];
let total = 0;
let offset = 0;
let query = new URLSearchParams();
let verification: Verification | null = null;
let started = false;

/** A failed call in words; a 403 says that this page is an admin's. */
function why(err: unknown): string {
  if (err instanceof ApiError && err.status === 403) {
    const me = whoIsSignedIn();
    return me ? tu('auditOnly', { role: me.role }) : tu('auditOnlyToken');
  }
  return errorText(err);
}

function showError(err: unknown): void {
  const box = el('page-error');
  box.hidden = err === undefined;
  box.textContent = err === undefined ? '' : why(err);
}

/** The next China civil day of `YYYY-MM-DD`. */
function nextDay(d: string): string {
  const ms = Date.parse(`${d}T00:00:00Z`) + 86_400_000;
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * The search form as the API's query: China dates as instants (the "to" day included), a user
 * name typed in "who" as that user's id.
 */
function filters(): URLSearchParams {
  const q = new URLSearchParams();
  const who = val('f-who');
  if (who) {
    const id = [...names].find(([, name]) => name.toLowerCase() === who.toLowerCase())?.[0];
    q.set('who', id ?? who);
  }
  for (const [id, key] of [
    ['f-role', 'role'],
    ['f-method', 'method'],
    ['f-route', 'route'],
    ['f-resource', 'resource'],
  ] as const)
    if (val(id)) q.set(key, val(id));
  const from = val('f-from');
  const to = val('f-to');
  if (from) q.set('from', `${from}T00:00:00+08:00`);
  if (to) q.set('to', `${nextDay(to)}T00:00:00+08:00`);
  return q;
}

function whoText(e: Entry): string {
  const name = e.userId ? (names.get(e.userId) ?? e.userId) : (e.subject ?? tu('nobody'));
  return e.role ? `${name} (${ta(`role_${e.role}` as AKey)})` : name;
}

function viaText(e: Entry): string {
  if (!e.tokenId) return '—';
  return e.tokenId.startsWith('session:') ? tu('viaSession') : tu('viaToken', { id: e.tokenId });
}

/** Before and after as plain text in a disclosure (never HTML). */
function changes(e: Entry): HTMLElement {
  const text = (v: unknown) =>
    v === null || v === undefined ? tu('none') : JSON.stringify(v, null, 2);
  return h(
    'details',
    {},
    h('summary', {}, tu('showChanges')),
    h('h3', {}, tu('before')),
    h('pre', { class: 'reply', 'data-part': 'before' }, text(e.before)),
    h('h3', {}, tu('after')),
    h('pre', { class: 'reply', 'data-part': 'after' }, text(e.after)),
  );
}

const COLUMNS: UKey[] = [
  'colWhen',
  'colWho',
  'colVia',
  'colAddress',
  'colAction',
  'colResources',
  'colStatus',
  'colChanges',
];

function renderEntries(): void {
  const first = total === 0 ? 0 : offset + 1;
  const last = offset + entries.length;
  el('entries-count').textContent = `(${total})`;
  el('entries-status').textContent =
    total === 0 ? tu('noEntries') : tu('entriesRange', { first, last, total });
  el<HTMLButtonElement>('prev').disabled = offset === 0;
  el<HTMLButtonElement>('next').disabled = last >= total;
  el('entries').replaceChildren(
    entries.length === 0
      ? ''
      : h(
          'table',
          { id: 'entries-table' },
          h('thead', {}, h('tr', {}, ...COLUMNS.map((k) => h('th', { scope: 'col' }, tu(k))))),
          h(
            'tbody',
            {},
            ...entries.map((e) =>
              h(
                'tr',
                { 'data-seq': String(e.seq) },
                h('td', {}, h('time', { datetime: e.at }, formatWhen(e.at))),
                h('td', { 'data-col': 'who' }, whoText(e)),
                h('td', { 'data-col': 'via' }, viaText(e)),
                h('td', { 'data-col': 'address' }, e.address ?? '—'),
                h('td', { 'data-col': 'action' }, h('code', {}, `${e.method} ${e.route}`)),
                h('td', { 'data-col': 'resources' }, e.resources.join(' ')),
                h('td', { 'data-col': 'status', class: 'num' }, String(e.status)),
                h('td', {}, changes(e)),
              ),
            ),
          ),
        ),
  );
}

async function loadPage(): Promise<void> {
  const q = new URLSearchParams(query);
  q.set('limit', val('f-size'));
  q.set('offset', String(offset));
  const r = await getJson<{ entries: Entry[]; total: number }>(`/api/v1/audit?${q}`, auth());
  entries = r.entries;
  total = r.total;
  renderEntries();
}

function wireSearch(): void {
  const form = el<HTMLFormElement>('audit-form');
  const error = el('search-error');
  const submit = el<HTMLButtonElement>('search');
  const fail = (err: unknown) => {
    error.hidden = false;
    error.textContent = why(err);
  };
  const datesOk = () => {
    const from = val('f-from');
    const to = val('f-to');
    if (from && to && from > to) {
      error.hidden = false;
      error.textContent = tu('badDates');
      el('f-from').focus();
      return false;
    }
    return true;
  };
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    error.hidden = true;
    if (!datesOk()) return;
    query = filters();
    offset = 0;
    submit.disabled = true;
    submit.textContent = tu('searching');
    loadPage()
      .then(() => el('entries-h').focus())
      .catch(fail)
      .finally(() => {
        submit.disabled = false;
        submit.textContent = tu('search');
      });
  });
  form.addEventListener('reset', () => {
    error.hidden = true;
    // After the form has put its fields back: the search of everything.
    setTimeout(() => form.requestSubmit(), 0);
  });
  const page = (step: 1 | -1) => {
    const size = Number(val('f-size'));
    offset = Math.max(0, offset + step * size);
    loadPage()
      .then(() => el('entries-h').focus())
      .catch(fail);
  };
  el('prev').addEventListener('click', () => page(-1));
  el('next').addEventListener('click', () => page(1));

  // The same search as CSV: fetched with the page's credentials, handed over as a file.
  const status = el('download-status');
  el('download').addEventListener('click', () => {
    error.hidden = true;
    if (!datesOk()) return;
    status.textContent = tu('downloading');
    downloadFile(`/api/v1/audit/export.csv?${filters()}`, auth(), 'audit.csv')
      .then((file) => {
        status.textContent = tu('downloaded', { file });
      })
      .catch((err: unknown) => {
        status.textContent = '';
        fail(err);
      });
  });
}

function renderVerification(): void {
  const out = el('verify-result');
  const v = verification;
  out.className = v ? (v.ok ? 'notice' : 'error') : '';
  out.textContent = !v
    ? ''
    : v.ok
      ? tu('intact', { count: v.count, head: (v.head ?? '').slice(0, 16) })
      : tu('broken', {
          seq: v.firstBroken?.seq ?? '?',
          reason: v.firstBroken ? tu(`reason_${v.firstBroken.reason}` as UKey) : '?',
        });
}

function wireVerify(): void {
  const button = el<HTMLButtonElement>('verify');
  button.addEventListener('click', () => {
    verification = null;
    renderVerification();
    button.disabled = true;
    button.textContent = tu('verifying');
    getJson<Verification>('/api/v1/audit/verify', auth())
      .then((v) => {
        verification = v;
        renderVerification();
      })
      .catch((err: unknown) => {
        const out = el('verify-result');
        out.className = 'error';
        out.textContent = why(err);
      })
      .finally(() => {
        button.disabled = false;
        button.textContent = tu('verify');
      });
  });
}

async function load(): Promise<void> {
  // The user list first: a 403 there is the same refusal as the trail's.
  const r = await getJson<{ users: Array<{ id: string; username: string }> }>(
    '/api/v1/users',
    auth(),
  );
  names = new Map(r.users.map((u) => [u.id, u.username]));
  query = filters();
  offset = 0;
  await loadPage();
  el('audit-view').hidden = false;
}

function start(): void {
  initPage();
  wireAdminTexts();
  wireAuditTexts();
  onLangChange(() => {
    document.title = `${tu('auditTitle')} · ${t('appName')}`;
    if (started) {
      renderEntries();
      renderVerification();
    }
  });
  wireSearch();
  wireVerify();
  wireTokenForm(() => {
    showError(undefined);
    el('audit-view').hidden = true;
    verification = null;
    started = hasToken();
    if (!started) return;
    load().catch((err: unknown) => {
      started = false;
      showError(err);
    });
  });
}

start();
