import { openAlertStream } from './alert-stream.ts';
import type { Alert, AlertList, CommandRecord, Device, Health } from './api-types.ts';
import { ApiError, formatWhen, getJson, h, lang, pick, postJson, t } from './common.ts';
import { TelemetryCharts, WINDOWS, windowRange, type WindowId } from './device-telemetry.ts';
import { actionButtons, severityBadge } from './engineer-queue.ts';
import { categoryName, type Key } from './i18n.ts';
import type { UnitStatus } from './owner.ts';
import { auth, errorText } from './session.ts';

/**
 * The engineer's device page (`engineer.html?device=…[&alert=…]`): the device, its health
 * score with each sensor's contribution, its alerts with the evidence and the predicted
 * failure, live telemetry charts with the evidence shaded, the warranty status and repair
 * history of the unit with the device's serial, and remote diagnosis commands with the reply.
 */
const el = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const enc = encodeURIComponent;
const REFRESH_MS = 15_000;

interface State {
  device: Device;
  alerts: Alert[];
  selected: Alert | undefined;
  health: Health | undefined;
  metrics: string[];
  chosen: Set<string>;
  window: WindowId;
  warranty: UnitStatus | null | undefined;
  commands: CommandRecord[];
  commandsOpen: boolean;
  reply: CommandRecord | undefined;
}

let s: State | undefined;
let charts: TelemetryCharts | undefined;
let timer: ReturnType<typeof setInterval> | undefined;
let stopStream: (() => void) | undefined;

function section(id: string, title: string, ...body: Array<Node | null>): HTMLElement {
  return h(
    'section',
    { class: 'card', id, 'aria-labelledby': `${id}-h` },
    h('h2', { id: `${id}-h` }, title),
    ...body,
  );
}

const fmt = (x: number | null, digits = 1) =>
  x === null
    ? '—'
    : x.toLocaleString(lang() === 'zh' ? 'zh-CN' : 'en', { maximumFractionDigits: digits });

function duration(ms: number | null): string {
  if (ms === null) return t('unbounded');
  const d = ms / 86_400_000;
  return d >= 1 ? t('days', { n: fmt(d) }) : t('hours', { n: fmt(ms / 3_600_000) });
}

function factsSection(d: Device): HTMLElement {
  return section(
    'device',
    `${t('device')} ${d.serial}`,
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, t('deviceId')),
      h('dd', { id: 'device-id' }, h('code', {}, d.id)),
      h('dt', {}, t('category')),
      h('dd', {}, `${categoryName(lang(), d.category)} · ${d.model}`),
      h('dt', {}, t('status')),
      h(
        'dd',
        {},
        h(
          'span',
          { class: `badge ${d.online ? 'ok' : 'muted'}` },
          d.online ? t('online') : t('offline'),
        ),
        d.disabled ? h('span', { class: 'badge warn' }, ` ${t('disabled')}`) : null,
      ),
      h('dt', {}, t('lastSeen')),
      h('dd', {}, d.lastSeenAt ? formatWhen(d.lastSeenAt) : t('never')),
    ),
  );
}

function healthSection(hl: Health | undefined): HTMLElement {
  if (!hl) return section('health', t('health'), h('p', {}, t('noHealth')));
  const tone = hl.score >= 80 ? 'ok' : hl.score >= 50 ? 'warn' : 'bad';
  const rows = [...hl.modes]
    .sort((a, b) => a.score - b.score)
    .map((m) => {
      const contributions = m.contributions
        .filter((c) => (c.points ?? 0) > 0)
        .sort((a, b) => (b.points ?? 0) - (a.points ?? 0));
      return h(
        'tr',
        { 'data-mode': m.modeId },
        h('td', { 'data-label': t('mode') }, m.modeId),
        h('td', { 'data-label': t('score'), class: 'num' }, fmt(m.score, 0)),
        h(
          'td',
          { 'data-label': t('contributions') },
          contributions.length === 0
            ? '—'
            : h(
                'ul',
                { class: 'contribs' },
                ...contributions.map((c) =>
                  h(
                    'li',
                    { 'data-metric': c.metric },
                    h('span', { class: 'metric' }, c.metric),
                    h('meter', {
                      min: '0',
                      max: '100',
                      value: String(c.points ?? 0),
                      'aria-label': `${c.metric}: −${fmt(c.points)} ${t('points')}`,
                    }),
                    h('span', { class: 'num' }, `−${fmt(c.points)}`),
                    h('small', {}, ` ${fmt(c.value, 2)} (${t('baseline')} ${fmt(c.baseline, 2)})`),
                  ),
                ),
              ),
        ),
        h(
          'td',
          { 'data-label': t('rul') },
          m.rul && m.rul.rulMs !== null
            ? `${duration(m.rul.rulMs)} (${duration(m.rul.lowMs)} – ${duration(m.rul.highMs)}, ${Math.round(m.rul.confidence * 100)} %)`
            : '—',
        ),
      );
    });
  return section(
    'health',
    t('health'),
    h(
      'p',
      { class: 'big-score' },
      h(
        'span',
        { id: 'health-score', class: `score ${tone}`, 'data-score': String(hl.score) },
        fmt(hl.score, 0),
      ),
      h('span', { class: 'muted' }, ` / 100 · ${hl.ts ? formatWhen(hl.ts) : ''}`),
    ),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'stack', id: 'modes-table' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ...(['mode', 'score', 'contributions', 'rul'] as Key[]).map((k) =>
              h('th', { scope: 'col' }, t(k)),
            ),
          ),
        ),
        h('tbody', {}, ...rows),
      ),
    ),
  );
}

function prediction(a: Alert): HTMLElement | null {
  const p = a.predictedFailure;
  if (!p) return null;
  return h(
    'p',
    { id: 'predicted', class: 'prediction' },
    h('strong', {}, `${t('predictedFailure')}: ${formatWhen(p.at)}`),
    ` — ${t('between')} ${formatWhen(p.earliest)} ${t('and')} ${p.latest ? formatWhen(p.latest) : t('noUpperBound')} (${Math.round(p.confidence * 100)} %)`,
  );
}

function alertDetail(a: Alert): HTMLElement {
  return h(
    'div',
    { id: 'alert-detail', class: 'alert-detail', 'data-alert': a.id },
    h(
      'p',
      { class: 'item-head' },
      severityBadge(a),
      h('strong', { id: 'detail-title' }, a.modeName),
      ` · ${t(`status_${a.status}`)}`,
      a.assignee ? ` · ${t('assignee')}: ${a.assignee}` : null,
    ),
    h('p', {}, `${t('detected')} ${formatWhen(a.detectedAt)} · ${t('component')}: ${a.component}`),
    prediction(a),
    h('p', {}, h('strong', {}, `${t('whatToDo')}: `), pick(a.action)),
    a.parts.length ? h('p', {}, `${t('partsToBring')}: ${a.parts.join(', ')}`) : null,
    h('h3', {}, t('evidence')),
    h(
      'ul',
      { class: 'items', id: 'evidence' },
      ...a.evidence.map((e) =>
        h(
          'li',
          {},
          h('p', {}, h('code', {}, e.detector), ` ${e.message}`),
          h(
            'p',
            { class: 'muted' },
            `${formatWhen(e.windowStart)} – ${formatWhen(e.windowEnd)} · ${e.metrics.join(', ')}`,
          ),
          e.findings.length
            ? h(
                'p',
                { class: 'muted' },
                e.findings
                  .map(
                    (f) =>
                      `${f.metric}: ${fmt(f.value, 2)} (${t('expected')} ${fmt(f.expected, 2)})`,
                  )
                  .join('; '),
              )
            : null,
        ),
      ),
    ),
    h(
      'p',
      { class: 'muted legend' },
      h('span', { class: 'swatch', 'aria-hidden': 'true' }),
      t('evidenceLegend'),
    ),
    a.predictedFailure
      ? h(
          'p',
          { class: 'muted legend' },
          h('span', { class: 'swatch prediction', 'aria-hidden': 'true' }),
          t('predictionLegend'),
        )
      : null,
    actionButtons(a, 'detail-title', () => void refreshAlerts()),
  );
}

function alertsSection(st: State): HTMLElement {
  const list = h(
    'ul',
    { class: 'items', id: 'device-alerts' },
    ...st.alerts.map((a) => {
      const pickBtn = h(
        'button',
        { type: 'button', class: 'link-button', 'aria-pressed': String(a.id === st.selected?.id) },
        `${a.modeName} · ${t(`status_${a.status}`)} · ${formatWhen(a.openedAt)}`,
      );
      pickBtn.addEventListener('click', () => {
        st.selected = a;
        st.window = 'alert';
        history.replaceState(null, '', `?device=${enc(st.device.id)}&alert=${enc(a.id)}`);
        renderDevice();
        void drawCharts();
      });
      return h('li', { 'data-alert': a.id }, severityBadge(a), ' ', pickBtn);
    }),
  );
  return section(
    'alerts',
    t('deviceAlerts'),
    st.alerts.length === 0 ? h('p', {}, t('noAlerts')) : list,
    st.selected ? alertDetail(st.selected) : null,
  );
}

function telemetrySection(st: State): HTMLElement {
  const windowSel = h(
    'select',
    { id: 'window' },
    ...WINDOWS.filter((w) => w !== 'alert' || st.selected).map((w) =>
      h('option', { value: w, selected: w === st.window }, t(`window_${w}`)),
    ),
  );
  windowSel.addEventListener('change', () => {
    st.window = windowSel.value as WindowId;
    void drawCharts();
  });
  const boxes = st.metrics.map((m) => {
    const box = h('input', { type: 'checkbox', value: m, checked: st.chosen.has(m) });
    box.addEventListener('change', () => {
      if (box.checked) st.chosen.add(m);
      else st.chosen.delete(m);
      void drawCharts();
    });
    return h('label', {}, box, ` ${m}`);
  });
  return section(
    'telemetry',
    t('telemetry'),
    h(
      'div',
      { class: 'form chart-controls' },
      h('div', { class: 'field' }, h('label', { for: 'window' }, t('window')), windowSel),
      h('fieldset', { class: 'choice metrics' }, h('legend', {}, t('metrics')), ...boxes),
    ),
    h('div', { id: 'charts', class: 'charts' }),
  );
}

function warrantySection(w: UnitStatus | null | undefined): HTMLElement {
  if (w === undefined) return section('warranty', t('warranty'), h('p', {}, t('loading')));
  if (w === null) return section('warranty', t('warranty'), h('p', { id: 'no-unit' }, t('noUnit')));
  const cols: Key[] = ['droppedOff', 'handedBack', 'faultCode', 'component', 'reportedFault'];
  return section(
    'warranty',
    t('warranty'),
    h(
      'p',
      { class: 'item-head' },
      h('strong', {}, `${t('remedyToday')}: `),
      h('span', { id: 'unit-remedy', 'data-remedy': w.remedy }, t(`remedy_${w.remedy}`)),
      ` · ${t('periodStart')} ${w.periodStart}`,
    ),
    w.history.length === 0
      ? h('p', {}, t('noHistory'))
      : h(
          'table',
          { class: 'stack', id: 'repairs-table' },
          h('caption', { class: 'caption' }, t('history')),
          h('thead', {}, h('tr', {}, ...cols.map((k) => h('th', { scope: 'col' }, t(k))))),
          h(
            'tbody',
            {},
            ...w.history.map((r) =>
              h(
                'tr',
                { 'data-seq': String(r.seq) },
                h('td', { 'data-label': t('droppedOff') }, formatWhen(r.droppedOffAt)),
                h(
                  'td',
                  { 'data-label': t('handedBack') },
                  r.handedBackAt ? formatWhen(r.handedBackAt) : t('stillInRepair'),
                ),
                h('td', { 'data-label': t('faultCode') }, h('code', {}, r.faultCode)),
                h('td', { 'data-label': t('component') }, r.component),
                h('td', { 'data-label': t('reportedFault') }, r.reportedFault),
              ),
            ),
          ),
        ),
  );
}

function commandsSection(st: State): HTMLElement {
  const name = h(
    'select',
    { id: 'cmd-name' },
    h('option', { value: 'self_test' }, t('cmd_self_test')),
    h('option', { value: 'dump' }, t('cmd_dump')),
  );
  const count = h('input', {
    id: 'cmd-count',
    type: 'number',
    min: '1',
    max: '10',
    value: '3',
    inputmode: 'numeric',
  });
  const send = h('button', { type: 'submit', id: 'cmd-send' }, t('send'));
  const form = h(
    'form',
    { class: 'form inline', id: 'cmd-form' },
    h('div', { class: 'field' }, h('label', { for: 'cmd-name' }, t('command')), name),
    h('div', { class: 'field' }, h('label', { for: 'cmd-count' }, t('dumpCount')), count),
    send,
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (!form.reportValidity()) return;
    send.disabled = true;
    send.textContent = t('waitingReply');
    const args = name.value === 'dump' ? { count: Number(count.value) } : {};
    postJson<CommandRecord>(
      `/api/v1/devices/${enc(st.device.id)}/commands`,
      { name: name.value, args, timeoutMs: 10_000 },
      auth(),
    )
      .then((r) => (st.reply = r))
      .catch((err: unknown) => {
        st.reply = undefined;
        el('cmd-reply').replaceChildren(
          h(
            'p',
            { class: 'error', role: 'alert' },
            err instanceof ApiError && err.status === 504 ? t('noReply') : errorText(err),
          ),
        );
      })
      .finally(() => {
        send.disabled = false;
        send.textContent = t('send');
        if (st.reply) showReply(st.reply);
        void loadCommands().then(() => showCommandLog());
      });
  });
  return section(
    'commands',
    t('remoteDiagnosis'),
    form,
    h('div', { id: 'cmd-reply', 'aria-live': 'polite' }),
    h('div', { id: 'cmd-log' }),
  );
}

function showReply(r: CommandRecord): void {
  el('cmd-reply').replaceChildren(
    h(
      'p',
      { id: 'cmd-status', 'data-status': r.status },
      h(
        'span',
        { class: `badge ${r.status === 'ok' ? 'ok' : 'warn'}` },
        t(`cmdStatus_${r.status}`),
      ),
      ` ${r.name} · ${r.completedAt ? formatWhen(r.completedAt) : ''}`,
    ),
    r.error ? h('p', { class: 'error' }, r.error) : '',
    h(
      'pre',
      { class: 'reply', id: 'cmd-result', tabindex: '0', 'aria-label': t('reply') },
      JSON.stringify(r.result, null, 2),
    ),
  );
}

/**
 * The command audit log, fetched when opened (engineers only: a manufacturer's page never asks,
 * so it never meets a 403) and after each command sent.
 */
function showCommandLog(): void {
  if (!s) return;
  const details = h(
    'details',
    { id: 'cmd-log-details', open: s.commandsOpen },
    h('summary', {}, t('commandLog')),
    s.commands.length === 0
      ? h('p', { class: 'muted' }, s.commandsOpen ? t('noCommands') : '')
      : h(
          'ul',
          { class: 'items' },
          ...s.commands.map((c) =>
            h(
              'li',
              {},
              `${formatWhen(c.requestedAt)} · ${c.name} · ${t(`cmdStatus_${c.status}`)} · ${c.requestedBy ?? ''}`,
            ),
          ),
        ),
  );
  details.addEventListener('toggle', () => {
    if (!s || details.open === s.commandsOpen) return;
    s.commandsOpen = details.open;
    if (details.open) void loadCommands().then(showCommandLog);
  });
  el('cmd-log').replaceChildren(details);
}

async function loadCommands(): Promise<void> {
  if (!s) return;
  s.commands = await getJson<{ commands: CommandRecord[] }>(
    `/api/v1/devices/${enc(s.device.id)}/commands?limit=5`,
    auth(),
  )
    .then((r) => r.commands)
    .catch((err: unknown) => {
      el('cmd-reply').replaceChildren(h('p', { class: 'error', role: 'alert' }, errorText(err)));
      return [];
    });
}

async function refreshAlerts(): Promise<void> {
  if (!s) return;
  const r = await getJson<AlertList>(`/api/v1/alerts?device=${enc(s.device.id)}&limit=50`, auth());
  s.alerts = r.alerts;
  s.selected = s.alerts.find((a) => a.id === s!.selected?.id) ?? s.selected;
  renderDevice();
}

async function drawCharts(): Promise<void> {
  if (!s || !charts) return;
  const range = windowRange(s.window, s.selected, Date.now());
  const metrics = s.metrics.filter((m) => s!.chosen.has(m));
  try {
    await charts.draw(metrics, range, s.selected);
  } catch (err) {
    el('charts').replaceChildren(h('p', { class: 'error' }, errorText(err)));
  }
}

function renderDevice(): void {
  if (!s) return;
  el('page-h').textContent = `${t('devicePage')} · ${s.device.serial}`;
  const keepCharts = document.getElementById('charts');
  const view = el('device-view');
  view.replaceChildren(
    h('p', {}, h('a', { href: 'engineer.html' }, `← ${t('backToQueue')}`)),
    factsSection(s.device),
    healthSection(s.health),
    alertsSection(s),
    telemetrySection(s),
    warrantySection(s.warranty),
    commandsSection(s),
  );
  // Charts survive re-renders of the rest (a live alert update must not blank them).
  if (keepCharts && charts) el('charts').replaceWith(keepCharts);
  else charts = new TelemetryCharts(s.device.id, el('charts'));
  if (s.reply) showReply(s.reply);
  showCommandLog();
}

/** Opens the device page for `deviceId`, selecting `alertId` (or its newest active alert). */
export async function startDevice(deviceId: string, alertId: string | null): Promise<void> {
  el('device-view').hidden = false;
  const base = `/api/v1/devices/${enc(deviceId)}`;
  const [device, alerts, health, latest] = await Promise.all([
    getJson<Device>(base, auth()),
    getJson<AlertList>(`/api/v1/alerts?device=${enc(deviceId)}&limit=50`, auth()),
    getJson<Health>(`${base}/health`, auth()).catch((err: unknown) => {
      if (err instanceof ApiError && err.status === 404) return undefined;
      throw err;
    }),
    getJson<{ metrics: Record<string, unknown> }>(`${base}/latest`, auth()),
  ]);
  const selected =
    alerts.alerts.find((a) => a.id === alertId) ??
    alerts.alerts.find((a) => a.status === 'open' || a.status === 'acknowledged');
  const metrics = Object.keys(latest.metrics).sort();
  const fromEvidence =
    selected?.evidence.flatMap((e) => e.metrics).filter((m) => metrics.includes(m)) ?? [];
  const fromHealth = (health?.modes ?? [])
    .flatMap((m) => m.contributions)
    .filter((c) => (c.points ?? 0) > 0)
    .sort((a, b) => (b.points ?? 0) - (a.points ?? 0))
    .map((c) => c.metric);
  const chosen = new Set([...fromEvidence, ...fromHealth, ...metrics].slice(0, 3));
  s = {
    device,
    alerts: alerts.alerts,
    selected,
    health,
    metrics,
    chosen,
    window: selected ? 'alert' : '24h',
    warranty: undefined,
    commands: [],
    commandsOpen: false,
    reply: undefined,
  };
  charts = undefined;
  renderDevice();
  await drawCharts();
  void loadWarranty(device.serial);
  stopStream?.();
  stopStream = openAlertStream({
    headers: auth,
    onState: () => undefined,
    onNotification: (n) => {
      if (n.alert.deviceId === deviceId) void refreshAlerts();
    },
  });
  clearInterval(timer);
  // Live: relative windows follow the clock; health follows the engine.
  timer = setInterval(() => {
    if (!s || document.hidden) return;
    if (s.window !== 'alert') void drawCharts();
    void getJson<Health>(`${base}/health`, auth())
      .then((hl) => {
        if (!s) return;
        s.health = hl;
        const sec = document.getElementById('health');
        sec?.replaceWith(healthSection(hl));
      })
      .catch(() => undefined);
  }, REFRESH_MS);
}

async function loadWarranty(serial: string): Promise<void> {
  try {
    await getJson(`/api/v1/units/${enc(serial)}`, auth());
    const w = await getJson<UnitStatus>(`/api/v1/units/${enc(serial)}/warranty`, auth());
    if (s) s.warranty = w;
  } catch (err) {
    if (s) s.warranty = null;
    if (!(err instanceof ApiError && err.status === 404)) {
      el('page-error').hidden = false;
      el('page-error').textContent = errorText(err);
    }
  }
  el('warranty').replaceWith(warrantySection(s?.warranty));
}

/** Stops the live parts (token forgotten). */
export function stopDevice(): void {
  stopStream?.();
  clearInterval(timer);
  charts?.clear();
  s = undefined;
  el('device-view').hidden = true;
}

/** Re-renders in the new language. */
export function relabelDevice(): void {
  renderDevice();
}
