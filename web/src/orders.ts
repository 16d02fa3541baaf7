import {
  ApiError,
  formatCNY,
  formatWhen,
  getJson,
  h,
  initPage,
  onLangChange,
  pick,
  postJson,
  t,
} from './common.ts';
import { historyPanel } from './history-panel.ts';
import { closeForm, type Closed } from './orders-close.ts';
import { to, wireOrdersTexts, type OKey } from './orders-i18n.ts';
import { auth, errorText, hasToken, wireTokenForm } from './session.ts';

/**
 * The repair-orders page (`orders.html`, issue 25): the list with filters (status, outlet, unit),
 * and one order (`orders.html?order=…`) with its facts, its alerts, the record it was closed
 * into and the checks of that record, and its history from the audit trail. An engineer closes
 * it (parts used, itemised charges and whether 三包 makes them free; orders-close.ts) or cancels
 * it with a reason; a manufacturer reads only (the API answers 403 to them anyway). Orders are
 * opened from an alert on the alert queue.
 */
export interface Order {
  id: string;
  serial: string;
  deviceId: string | null;
  status: 'open' | 'closed' | 'cancelled';
  alertIds: string[];
  suspectedComponent: string | null;
  partsCalledFor: string[];
  outletId: string;
  technicianCertificate: string | null;
  droppedOffAt: string;
  handedBackAt: string | null;
  note: string | null;
  openedBy: string;
  openedAt: string;
  closedBy: string | null;
  closedAt: string | null;
  recordSeq: number | null;
  verification: string;
  verifyUntil: string | null;
}
interface Me {
  signedIn: boolean;
  role: string | null;
  user: { outlets?: string[] } | null;
}

const el = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const enc = encodeURIComponent;
const params = new URLSearchParams(location.search);
const orderId = params.get('order');
const LIMIT = 100;

let me: Me | undefined;
let orders: Order[] = [];
let total = 0;
let current: Order | undefined;
/** The answer of the close this page made, shown with the order (its record and checks). */
let closed: Closed | undefined;
let started = false;

/** Engineers (and admins) act on orders; a manufacturer reads them. */
const canAct = () => me?.role === 'engineer' || me?.role === 'admin';
const myOutlets = (): string[] => me?.user?.outlets ?? [];

/** A failed call in words; an outlet this engineer does not serve is said so. */
function why(err: unknown): string {
  if (err instanceof ApiError && err.code === 'QUALITY_ERR_OUTLET_NOT_SERVED')
    return to('notYourOutlet', {
      list: myOutlets().join(', '),
      outlet: current?.outletId ?? '?',
    });
  if (err instanceof ApiError && err.status === 403 && !canAct()) return to('readOnly');
  return errorText(err);
}

function showError(err: unknown): void {
  const box = el('page-error');
  box.hidden = err === undefined;
  box.textContent = err === undefined ? '' : why(err);
}

function notice(text: string): void {
  const n = el('notice');
  n.hidden = text === '';
  n.textContent = text;
  if (text) n.focus();
}

const statusBadge = (o: Order) =>
  h(
    'span',
    {
      class: `badge ${o.status === 'open' ? 'warn' : o.status === 'closed' ? 'ok' : 'muted'}`,
      'data-status': o.status,
    },
    to(`order_${o.status}`),
  );

const when = (at: string | null, by: string | null) =>
  at ? `${formatWhen(at)}${by ? ` · ${by}` : ''}` : to('none');

// ---- The list ----

function renderList(): void {
  el('orders-count').textContent = to('ordersCount', { n: total });
  const outlets = myOutlets();
  el('my-outlets').hidden = outlets.length === 0;
  el('my-outlets').textContent = to('myOutlets', { list: outlets.join(', ') });
  const cols: OKey[] = ['colOrder', 'colUnit', 'colOutlet', 'colStatus', 'colOpened', 'colClosed'];
  el('orders').replaceChildren(
    orders.length === 0
      ? h('p', {}, to('noOrders'))
      : h(
          'table',
          { id: 'orders-table', class: 'stack' },
          h('thead', {}, h('tr', {}, ...cols.map((k) => h('th', { scope: 'col' }, to(k))))),
          h(
            'tbody',
            {},
            ...orders.map((o) => {
              // On a phone each row is a card, each cell labelled with its column.
              const cell = (k: OKey, ...c: Array<Node | string>) =>
                h('td', { 'data-label': to(k) }, ...c);
              return h(
                'tr',
                { 'data-order': o.id, 'data-status': o.status },
                cell('colOrder', h('a', { href: `orders.html?order=${enc(o.id)}` }, o.id)),
                cell('colUnit', o.serial),
                cell('colOutlet', o.outletId),
                cell('colStatus', statusBadge(o)),
                cell('colOpened', when(o.openedAt, o.openedBy)),
                cell('colClosed', when(o.closedAt, o.closedBy)),
              );
            }),
          ),
        ),
    total > orders.length
      ? h('p', { class: 'muted' }, to('moreOrders', { shown: orders.length, total }))
      : '',
  );
}

async function loadList(): Promise<void> {
  const q = new URLSearchParams({ limit: String(LIMIT) });
  for (const [id, name] of [
    ['f-status', 'status'],
    ['f-outlet', 'outlet'],
    ['f-serial', 'serial'],
  ] as const) {
    const v = el<HTMLInputElement | HTMLSelectElement>(id).value.trim();
    if (v) q.set(name, v);
  }
  const r = await getJson<{ orders: Order[]; total: number }>(`/api/v1/repair-orders?${q}`, auth());
  orders = r.orders;
  total = r.total;
  el('list-view').hidden = false;
  renderList();
}

/** Filters from the address (`orders.html?serial=…`, the device page's link), then the form's. */
function wireFilters(): void {
  const form = el<HTMLFormElement>('filters');
  for (const [id, name] of [
    ['f-status', 'status'],
    ['f-outlet', 'outlet'],
    ['f-serial', 'serial'],
  ] as const) {
    const v = params.get(name);
    if (v) el<HTMLInputElement | HTMLSelectElement>(id).value = v;
  }
  const reload = () => {
    if (!started) return;
    loadList().then(() => showError(undefined), showError);
  };
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    reload();
  });
  form.addEventListener('change', reload);
}

// ---- One order ----

function factsOf(o: Order): HTMLElement {
  const row = (k: OKey, v: Node | string) => [h('dt', {}, to(k)), h('dd', {}, v)];
  const device = o.deviceId
    ? h('a', { href: `engineer.html?device=${enc(o.deviceId)}` }, o.deviceId)
    : to('none');
  const alerts = h(
    'span',
    {},
    ...o.alertIds.flatMap((a, i) => [
      i ? ', ' : '',
      o.deviceId
        ? h('a', { href: `engineer.html?device=${enc(o.deviceId)}&alert=${enc(a)}` }, a)
        : a,
    ]),
  );
  const verification =
    o.verification === 'verifying'
      ? to('verification_verifying', { until: o.verifyUntil ? formatWhen(o.verifyUntil) : '?' })
      : to(`verification_${o.verification}` as OKey);
  return h(
    'dl',
    { class: 'facts', id: 'order-facts' },
    ...row('colStatus', statusBadge(o)),
    ...row('unit', o.serial),
    ...row('device', device),
    ...row('outlet', h('span', { id: 'order-outlet' }, o.outletId)),
    ...row('technician', o.technicianCertificate ?? to('none')),
    ...row('suspectedComponent', o.suspectedComponent ?? to('none')),
    ...row('partsCalledFor', o.partsCalledFor.length ? o.partsCalledFor.join(', ') : to('none')),
    ...row('alertsOfOrder', alerts),
    ...row('droppedOff', formatWhen(o.droppedOffAt)),
    ...row('openedBy', when(o.openedAt, o.openedBy)),
    ...(o.status === 'closed'
      ? [
          ...row('handedBack', o.handedBackAt ? formatWhen(o.handedBackAt) : to('none')),
          ...row('closedBy', h('span', { id: 'order-closed-by' }, when(o.closedAt, o.closedBy))),
          ...row(
            'record',
            o.recordSeq === null ? to('none') : to('recordSeq', { seq: o.recordSeq }),
          ),
          ...row('verification', verification),
        ]
      : o.status === 'cancelled'
        ? row('cancelledBy', h('span', { id: 'order-closed-by' }, when(o.closedAt, o.closedBy)))
        : []),
    ...(o.note ? row('note', h('span', { class: 'pre' }, o.note)) : []),
  );
}

/** The checks of the record this page just closed the order into (zh/en from the API). */
function checksOf(c: Closed): HTMLElement {
  return h(
    'section',
    { class: 'card', id: 'checks', 'aria-labelledby': 'checks-h' },
    h('h2', { id: 'checks-h' }, to('checks')),
    c.checks.length === 0
      ? h('p', {}, to('noFindings'))
      : h(
          'ul',
          { class: 'items' },
          ...c.checks.map((f) =>
            h(
              'li',
              { 'data-check': f.check },
              h(
                'p',
                { class: 'item-head' },
                h(
                  'span',
                  {
                    class: `badge ${f.severity === 'violation' ? 'bad' : f.severity === 'warning' ? 'warn' : 'muted'}`,
                  },
                  to(`finding_${f.severity}`),
                ),
                pick(f.message),
              ),
              h('span', { class: 'clause' }, `${t('clause')}: ${f.rule}`),
            ),
          ),
        ),
  );
}

function cancelForm(o: Order): HTMLElement {
  const reason = h('textarea', { id: 'x-reason', required: true, maxlength: '500', rows: '2' });
  const error = h('p', { class: 'error', role: 'alert', hidden: true });
  const submit = h(
    'button',
    { type: 'submit', class: 'secondary', id: 'x-submit' },
    to('cancelOrder'),
  );
  const form = h(
    'form',
    { class: 'form', id: 'cancel-form' },
    h('div', { class: 'field' }, h('label', { for: 'x-reason' }, to('cancelReason')), reason),
    error,
    h('div', { class: 'buttons' }, submit),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (!form.reportValidity()) return;
    submit.disabled = true;
    error.hidden = true;
    postJson<Order>(
      `/api/v1/repair-orders/${enc(o.id)}/cancel`,
      { reason: reason.value.trim() },
      auth(),
    )
      .then((r) => {
        current = r;
        renderOrder();
        notice(to('cancelledDone', { id: r.id }));
      })
      .catch((err: unknown) => {
        error.hidden = false;
        error.textContent = why(err);
        reason.focus();
      })
      .finally(() => (submit.disabled = false));
  });
  return h(
    'section',
    { class: 'card', id: 'cancel', 'aria-labelledby': 'cancel-h' },
    h('h2', { id: 'cancel-h' }, to('cancelTitle')),
    form,
  );
}

let closeSection: HTMLElement | undefined;

function renderOrder(): void {
  const o = current;
  if (!o) return;
  el('page-h').textContent = to('orderHeading', { id: o.id });
  document.title = `${to('orderHeading', { id: o.id })} · ${t('appName')}`;
  // An engineer confined to some outlets acts only there (the API refuses the rest anyway).
  const served = myOutlets().length === 0 || myOutlets().includes(o.outletId);
  const acting = canAct() && o.status === 'open' && served;
  // The close form keeps what was typed across re-renders (a language change relabels it).
  if (!acting) closeSection = undefined;
  else
    closeSection ??= closeForm(
      o,
      (r) => {
        closed = r;
        current = r.order;
        renderOrder();
        notice(to('closedDone', { id: r.order.id, seq: r.record.seq, total: formatCNY(r.total) }));
      },
      why,
    );
  el('order-view').replaceChildren(
    h('p', {}, h('a', { href: 'orders.html' }, `← ${to('backToList')}`)),
    h(
      'section',
      { class: 'card', id: 'order', 'aria-labelledby': 'order-h', 'data-status': o.status },
      h('h2', { id: 'order-h' }, to('orderHeading', { id: o.id })),
      factsOf(o),
      canAct() ? null : h('p', { class: 'muted', id: 'read-only' }, to('readOnly')),
      canAct() && o.status === 'open' && !served
        ? h(
            'p',
            { class: 'muted', id: 'not-served' },
            to('notYourOutlet', { list: myOutlets().join(', '), outlet: o.outletId }),
          )
        : null,
    ),
    closed && closed.order.id === o.id ? checksOf(closed) : '',
    acting ? closeSection! : '',
    acting ? cancelForm(o) : '',
    h(
      'section',
      { class: 'card' },
      historyPanel(`repairOrder:${o.id}`, `${o.status}|${o.closedAt ?? ''}`, 'h2'),
    ),
  );
  if (closeSection) (closeSection as HTMLElement & { relabel?: () => void }).relabel?.();
}

async function loadOrder(id: string): Promise<void> {
  current = await getJson<Order>(`/api/v1/repair-orders/${enc(id)}`, auth());
  el('order-view').hidden = false;
  renderOrder();
}

// ---- The page ----

async function startPage(): Promise<void> {
  me = await getJson<Me>('/api/v1/session', auth());
  if (orderId) await loadOrder(orderId);
  else await loadList();
}

function start(): void {
  initPage();
  wireOrdersTexts();
  wireFilters();
  onLangChange(() => {
    if (!orderId) document.title = `${to('ordersTitle')} · ${t('appName')}`;
    if (!started) return;
    if (orderId) renderOrder();
    else renderList();
  });
  wireTokenForm(() => {
    showError(undefined);
    el('list-view').hidden = true;
    el('order-view').hidden = true;
    closeSection = undefined;
    started = hasToken();
    if (!started) return;
    startPage().catch((err: unknown) => {
      started = false;
      showError(err);
    });
  });
}

start();
