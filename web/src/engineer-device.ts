import { openAlertStream } from './alert-stream.ts';
import type { Alert, AlertList, Device, Health } from './api-types.ts';
import { ApiError, formatWhen, getJson, h, lang, pick, t } from './common.ts';
import { CommandsPanel } from './device-commands.ts';
import { factsSection, fmt, healthSection, section, warrantySection } from './device-sections.ts';
import { TelemetryCharts, WINDOWS, windowRange, type WindowId } from './device-telemetry.ts';
import { actionButtons, severityBadge } from './engineer-queue.ts';
import { historyPanel } from './history-panel.ts';
import { to } from './orders-i18n.ts';
import { alertComponent, alertMode, alertParts } from './names.ts';
import type { UnitStatus } from './owner.ts';
import { auth, errorText } from './session.ts';

/**
 * The engineer's device page (`engineer.html?device=…[&alert=…]`): the device, its health
 * score with each sensor's contribution, its alerts with the evidence and the predicted
 * failure, live telemetry charts with the evidence shaded, the warranty status and repair
 * history of the unit with the device's serial (with its repair orders and its audit history),
 * and remote diagnosis commands with the reply.
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
}

let s: State | undefined;
let charts: TelemetryCharts | undefined;
let commands: CommandsPanel | undefined;
let timer: ReturnType<typeof setInterval> | undefined;
let stopStream: (() => void) | undefined;

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
      h('strong', { id: 'detail-title' }, alertMode(a)),
      ` · ${t(`status_${a.status}`)}`,
      a.assignee ? ` · ${t('assignee')}: ${a.assignee}` : null,
    ),
    h(
      'p',
      {},
      `${t('detected')} ${formatWhen(a.detectedAt)} · ${t('component')}: ${alertComponent(a)}`,
    ),
    prediction(a),
    h('p', {}, h('strong', {}, `${t('whatToDo')}: `), pick(a.action)),
    a.parts.length
      ? h('p', {}, `${t('partsToBring')}: ${alertParts(a).join(lang() === 'zh' ? '、' : ', ')}`)
      : null,
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
    // Who acknowledged, assigned, resolved: the audit trail, loaded again when the alert changes.
    historyPanel(`alert:${a.id}`, a.updatedAt),
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
        `${alertMode(a)} · ${t(`status_${a.status}`)} · ${formatWhen(a.openedAt)}`,
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

/**
 * The unit's warranty status and repairs, with links to its repair orders and its history from
 * the audit trail (registration, orders opened, closed, cancelled, repairs recorded).
 */
function unitSection(w: UnitStatus | null | undefined): HTMLElement {
  const sec = warrantySection(w);
  if (!w) return sec;
  const serial = w.unit.serial;
  sec.append(
    h(
      'p',
      {},
      h('a', { href: `orders.html?serial=${enc(serial)}`, id: 'unit-orders' }, to('unitOrders')),
    ),
    historyPanel(`unit:${serial}`, String(w.history.length), 'h3', () => to('unitHistory')),
  );
  return sec;
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
    unitSection(s.warranty),
    commands?.el ?? '',
  );
  // Charts survive re-renders of the rest (a live alert update must not blank them).
  if (keepCharts && charts) el('charts').replaceWith(keepCharts);
  else charts = new TelemetryCharts(s.device.id, el('charts'));
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
  };
  charts = undefined;
  commands = new CommandsPanel(deviceId);
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
  el('warranty').replaceWith(unitSection(s?.warranty));
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
  commands?.render();
  renderDevice();
}
