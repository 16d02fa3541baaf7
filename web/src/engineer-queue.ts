import {
  acknowledge,
  describeAlert,
  openActionDialog,
  type DialogAction,
} from './alert-actions.ts';
import { openAlertStream, type StreamState } from './alert-stream.ts';
import type { Alert, AlertList, AlertNotification, RepairOrder } from './api-types.ts';
import { formatWhen, getJson, h, lang, t } from './common.ts';
import { categoryIds, categoryName, type Key } from './i18n.ts';
import { alertComponent, alertMode, partLabel } from './names.ts';
import { to } from './orders-i18n.ts';
import { auth, errorText } from './session.ts';

/**
 * The engineer's alert queue: filtered by status, severity, mode and category on the server
 * (`GET /api/v1/alerts`), by assignee here (the API has no such filter); kept current by the
 * live stream, so a new alert appears, and a handled one changes or leaves, without a reload.
 */
interface Filters {
  status: string;
  severity: string;
  category: string;
  mode: string;
  assignee: string;
}

const el = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const alerts = new Map<string, Alert>();
const fresh = new Set<string>();
const modes = new Map<string, string>();
let filters: Filters = { status: 'active', severity: '', category: '', mode: '', assignee: '' };
let streamState: StreamState = 'connecting';
let stopStream: (() => void) | undefined;
let loadSeq = 0;

function readFilters(): Filters {
  const v = (id: string) => el<HTMLInputElement | HTMLSelectElement>(id).value.trim();
  return {
    status: v('f-status') || 'active',
    severity: v('f-severity'),
    category: v('f-category'),
    mode: v('f-mode'),
    assignee: v('f-assignee'),
  };
}

/** Whether an alert belongs in the queue as filtered (the same test for loaded and live ones). */
function matches(a: Alert, f: Filters): boolean {
  const statusOk =
    f.status === 'active'
      ? a.status === 'open' || a.status === 'acknowledged'
      : a.status === f.status;
  const who = f.assignee.toLowerCase();
  const assigneeOk =
    who === '' || (who === '-' ? a.assignee === null : (a.assignee ?? '').toLowerCase() === who);
  return (
    statusOk &&
    assigneeOk &&
    (!f.severity || a.severity === f.severity) &&
    (!f.category || a.category === f.category) &&
    (!f.mode || a.modeId === f.mode)
  );
}

function remember(a: Alert): void {
  if (!modes.has(a.modeId)) {
    modes.set(a.modeId, alertMode(a));
    el('modes').replaceChildren(
      ...[...modes].sort().map(([id, name]) => h('option', { value: id }, name)),
    );
  }
}

async function load(): Promise<void> {
  const seq = ++loadSeq;
  const f = filters;
  const q = (status: string) => {
    const p = new URLSearchParams({ status, limit: '200' });
    if (f.severity) p.set('severity', f.severity);
    if (f.category) p.set('category', f.category);
    if (f.mode) p.set('mode', f.mode);
    return getJson<AlertList>(`/api/v1/alerts?${p}`, auth());
  };
  const statuses = f.status === 'active' ? ['open', 'acknowledged'] : [f.status];
  const lists = await Promise.all(statuses.map(q));
  if (seq !== loadSeq) return; // a newer filter change won
  alerts.clear();
  fresh.clear();
  for (const a of lists.flatMap((l) => l.alerts)) {
    remember(a);
    if (matches(a, f)) alerts.set(a.id, a);
  }
  render();
}

function onNotification(n: AlertNotification): void {
  const a = n.alert;
  remember(a);
  const had = alerts.has(a.id);
  if (matches(a, filters)) {
    alerts.set(a.id, a);
    if (!had && n.type === 'alert.opened') {
      fresh.add(a.id);
      el('announce').textContent =
        `${t('newAlert')}: ${t(`severity_${a.severity}`)} · ${describeAlert(a)}`;
    }
  } else alerts.delete(a.id);
  render();
}

function showLive(): void {
  const live = el('live');
  live.dataset.state = streamState;
  live.textContent = t(`live_${streamState}`);
}

const EVENT = {
  ack: 'alert.acknowledged',
  assign: 'alert.assigned',
  resolve: 'alert.resolved',
  dismiss: 'alert.dismissed',
} as const;

async function act(a: Alert, kind: 'ack' | DialogAction): Promise<void> {
  const box = el('page-error');
  try {
    const r: Alert | RepairOrder | undefined =
      kind === 'ack' ? await acknowledge(a) : await openActionDialog(kind, a);
    if (!r) return;
    box.hidden = true;
    // The stream brings the same change; applying the answer now keeps the page in step.
    if ('modeId' in r) {
      if (kind !== 'order')
        onNotification({ type: EVENT[kind], at: r.updatedAt, alert: r, suppressed: 0 });
    } else {
      const notice = el('notice');
      notice.hidden = false;
      notice.dataset.order = r.id;
      const line = [
        t('orderOpened', { id: r.id }),
        r.suspectedComponent ? `${t('suspectedComponent')}: ${r.suspectedComponent}` : '',
        r.partsCalledFor?.length
          ? `${t('partsCalledFor')}: ${r.partsCalledFor.map(partLabel).join(lang() === 'zh' ? '、' : ', ')}`
          : '',
      ]
        .filter(Boolean)
        .join(' · ');
      notice.replaceChildren(
        `${line} · `,
        h('a', { href: `orders.html?order=${encodeURIComponent(r.id)}` }, to('seeOrder')),
      );
    }
  } catch (err) {
    box.hidden = false;
    box.textContent = errorText(err);
  }
}

/** The alert's severity as a coloured badge. */
export const severityBadge = (a: Alert): HTMLElement =>
  h('span', { class: `badge sev-${a.severity}` }, t(`severity_${a.severity}`));

/** The buttons an engineer gets for one alert, by its status. */
export function actionButtons(a: Alert, describedBy: string, after: () => void): HTMLElement {
  const active = a.status === 'open' || a.status === 'acknowledged';
  const button = (kind: 'ack' | DialogAction, label: Key, cls?: string) => {
    const b = h(
      'button',
      { type: 'button', class: cls, 'data-action': kind, 'aria-describedby': describedBy },
      t(label),
    );
    b.addEventListener('click', () => void act(a, kind).then(after));
    return b;
  };
  return h(
    'div',
    { class: 'buttons actions' },
    a.status === 'open' ? button('ack', 'acknowledge') : null,
    active ? button('assign', 'assign', 'secondary') : null,
    active ? button('resolve', 'resolve', 'secondary') : null,
    active ? button('dismiss', 'dismiss', 'secondary') : null,
    active ? button('order', 'openOrder', 'secondary') : null,
  );
}

function render(): void {
  // Keep keyboard focus on the same button of the same alert across re-renders.
  const focused = document.activeElement as HTMLElement | null;
  const keep = focused?.closest('tr')?.dataset.alert;
  const keepAction = focused?.dataset.action;
  const list = [...alerts.values()].sort((x, y) => y.openedAt.localeCompare(x.openedAt));
  el('queue-count').textContent = `(${list.length})`;
  const cols: Key[] = ['severity', 'alert', 'device', 'category', 'status', 'assignee', 'opened'];
  const cell = (k: Key, ...c: Array<Node | string>) => h('td', { 'data-label': t(k) }, ...c);
  const rows = list.map((a) => {
    const title = `alert-${a.id}-title`;
    return h(
      'tr',
      { 'data-alert': a.id, 'data-status': a.status, class: fresh.has(a.id) ? 'fresh' : undefined },
      cell('severity', severityBadge(a)),
      cell(
        'alert',
        h(
          'span',
          { id: title },
          h('strong', {}, alertMode(a)),
          h('br', {}),
          h('small', {}, `${t('component')}: ${alertComponent(a)}`),
        ),
      ),
      cell(
        'device',
        h(
          'a',
          {
            href: `engineer.html?device=${encodeURIComponent(a.deviceId)}&alert=${encodeURIComponent(a.id)}`,
          },
          a.deviceId,
        ),
      ),
      cell('category', `${categoryName(lang(), a.category)} · ${a.model}`),
      cell('status', t(`status_${a.status}`)),
      cell('assignee', a.assignee ?? '—'),
      cell('opened', formatWhen(a.openedAt)),
      h(
        'td',
        { class: 'actions-cell' },
        actionButtons(a, title, () => undefined),
      ),
    );
  });
  el('queue').replaceChildren(
    list.length === 0
      ? h('p', { id: 'queue-empty' }, t('noAlerts'))
      : h(
          'table',
          { id: 'alerts-table', class: 'stack' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ...cols.map((k) => h('th', { scope: 'col' }, t(k))),
              h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, t('actions'))),
            ),
          ),
          h('tbody', {}, ...rows),
        ),
  );
  if (keep && keepAction)
    document
      .querySelector<HTMLElement>(
        `tr[data-alert="${CSS.escape(keep)}"] [data-action="${keepAction}"]`,
      )
      ?.focus();
}

/** Starts (or restarts, after a token change) the queue view. */
export function startQueue(): void {
  el('queue-view').hidden = false;
  const cat = el<HTMLSelectElement>('f-category');
  if (cat.options.length === 0) {
    cat.append(h('option', { value: '', 'data-i18n': 'any' }, t('any')));
    for (const c of categoryIds()) cat.append(h('option', { value: c }, categoryName(lang(), c)));
    const params = new URLSearchParams(location.search);
    for (const k of ['status', 'severity', 'category', 'mode', 'assignee'] as const) {
      const v = params.get(k);
      if (v) el<HTMLInputElement>(`f-${k}`).value = v;
    }
    el('filters').addEventListener('change', () => {
      filters = readFilters();
      void load().catch(showLoadError);
    });
    el('filters').addEventListener('submit', (ev) => ev.preventDefault());
  }
  filters = readFilters();
  stopStream?.();
  stopStream = openAlertStream({
    headers: auth,
    onNotification,
    onState: (s) => {
      const wasDown = streamState === 'down';
      streamState = s;
      showLive();
      // Whatever happened while the stream was down is fetched again.
      if (s === 'live' && wasDown) void load().catch(showLoadError);
    },
  });
  void load().catch(showLoadError);
}

/** Stops the stream and empties the queue (token forgotten). */
export function stopQueue(): void {
  stopStream?.();
  stopStream = undefined;
  alerts.clear();
  el('queue-view').hidden = true;
}

function showLoadError(err: unknown): void {
  const box = el('page-error');
  box.hidden = false;
  box.textContent = errorText(err);
}

/** Re-renders in the new language. */
export function relabelQueue(): void {
  const cat = el<HTMLSelectElement>('f-category');
  for (const o of cat.options) if (o.value) o.textContent = categoryName(lang(), o.value);
  showLive();
  render();
}
