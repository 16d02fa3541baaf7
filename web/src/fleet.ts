import type uPlot from 'uplot';
import type { DeviceList, FleetOverview } from './api-types.ts';
import { barChart } from './charts.ts';
import {
  ApiError,
  formatCNY,
  formatWhen,
  getJson,
  h,
  initPage,
  lang,
  onLangChange,
  setLang,
  t,
} from './common.ts';
import { categoryIds, categoryName, type Key } from './i18n.ts';
import { componentLabel, loadNames, modeLabel } from './names.ts';
import { auth, errorText, hasToken, wireTokenForm } from './session.ts';
import { wireOrdersTexts } from './orders-i18n.ts';

/**
 * Manufacturer overview (`GET /api/v1/fleet/overview`): devices online, offline and disabled,
 * the health-score distribution (uPlot bars, with the same numbers as a table), open alerts by
 * mode and severity, failure rates by model and component, warranty remedies granted; and the
 * devices (`GET /api/v1/devices`), each a link to the engineer's device page.
 */
const el = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const SEVERITIES = ['critical', 'major', 'minor', 'info'] as const;
/** Columns of numbers: right-aligned, headers too. */
const NUMERIC = new Set<Key>([
  'devices',
  'units',
  'failedUnits',
  'repairs',
  'unitYears',
  'ratePerUnitYear',
  'mtbfDays',
  'granted',
  'costCNY',
  ...SEVERITIES.map((s) => `severity_${s}` as const),
]);

let overview: FleetOverview | undefined;
let overviewError: unknown;
let devices: DeviceList | undefined;
let healthChart: uPlot | undefined;

/** Numbers as the page shows them: grouped, at most `digits` decimals. */
export const num = (n: number, digits = 2): string =>
  n.toLocaleString(lang() === 'zh' ? 'zh-CN' : 'en', { maximumFractionDigits: digits });

function showError(err: unknown): void {
  const box = el<HTMLParagraphElement>('fleet-error');
  box.hidden = err === undefined;
  box.textContent = err === undefined ? '' : errorText(err);
}

const category = () => el<HTMLSelectElement>('f-category').value;

async function load(): Promise<void> {
  overview = undefined;
  devices = undefined;
  overviewError = undefined;
  if (!hasToken()) {
    render();
    return;
  }
  const q = category() ? `category=${encodeURIComponent(category())}` : '';
  const [o, d] = await Promise.allSettled([
    getJson<FleetOverview>(`/api/v1/fleet/overview${q ? `?${q}` : ''}`, auth()),
    getJson<DeviceList>(`/api/v1/devices?limit=100${q ? `&${q}` : ''}`, auth()),
  ]);
  if (o.status === 'fulfilled') overview = o.value;
  else overviewError = o.reason;
  if (d.status === 'fulfilled') devices = d.value;
  // A token without the right role fails both: say so once, at the top.
  const denied = [o, d].find(
    (r) =>
      r.status === 'rejected' &&
      r.reason instanceof ApiError &&
      [401, 403].includes(r.reason.status),
  );
  showError(
    denied?.status === 'rejected' ? denied.reason : d.status === 'rejected' ? d.reason : undefined,
  );
  render();
  el('fleet-status').textContent = overview ? t('overviewUpdated') : '';
}

function section(id: string, title: Key, ...body: Array<Node | null>): HTMLElement {
  return h(
    'section',
    { class: 'card', id, 'aria-labelledby': `${id}-h` },
    h('h2', { id: `${id}-h` }, t(title)),
    ...body,
  );
}

function table(
  id: string,
  cols: Key[],
  rows: HTMLTableRowElement[],
  caption?: string,
): HTMLElement {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { id, class: 'stack' },
      caption ? h('caption', { class: 'visually-hidden' }, caption) : null,
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ...cols.map((k) =>
            h('th', { scope: 'col', class: NUMERIC.has(k) ? 'num' : undefined }, t(k)),
          ),
        ),
      ),
      h('tbody', {}, ...rows),
    ),
  );
}

const td = (k: Key, v: Node | string, attrs: Record<string, string> = {}) =>
  h('td', { 'data-label': t(k), ...attrs }, v);
const numTd = (k: Key, v: number | null, digits = 2) =>
  td(k, v === null ? '—' : num(v, digits), { class: 'num', 'data-field': k });

function devicesSection(o: FleetOverview): HTMLElement {
  const stat = (key: 'total' | 'online' | 'offline' | 'disabled', cls?: string) =>
    h(
      'div',
      {},
      h('dt', {}, t(key)),
      h('dd', { id: `count-${key}`, class: cls }, num(o.devices[key], 0)),
    );
  return section(
    'devices',
    'devices',
    h(
      'dl',
      { class: 'stats four' },
      stat('total'),
      stat('online', 'on'),
      stat('offline'),
      stat('disabled'),
    ),
  );
}

function healthSection(o: FleetOverview): HTMLElement {
  const labels = o.health.buckets.map((b) => `${b.from}–${b.to}`);
  const rows = o.health.buckets.map((b, i) =>
    h(
      'tr',
      { 'data-from': String(b.from) },
      td('scoreBand', labels[i]!),
      numTd('devices', b.count, 0),
    ),
  );
  return section(
    'health',
    'healthDistribution',
    h('p', {}, t('scoredDevices', { n: num(o.health.scored, 0) })),
    // Cluster mode: scores of devices another node holds come from their saved states.
    ...(o.health.fromSavedState > 0 && o.health.oldestSavedAt
      ? [
          h(
            'p',
            { class: 'saved-health' },
            t('scoredFromSavedState', {
              n: num(o.health.fromSavedState, 0),
              at: formatWhen(o.health.oldestSavedAt),
            }),
          ),
        ]
      : []),
    h(
      'figure',
      { class: 'chart-figure' },
      h('div', { id: 'health-chart', class: 'chart', 'aria-hidden': 'true' }),
    ),
    h(
      'details',
      {},
      h('summary', {}, t('asTable')),
      table('health-table', ['scoreBand', 'devices'], rows),
    ),
  );
}

function alertsSection(o: FleetOverview): HTMLElement {
  const groups = new Map<
    string,
    { category: string; mode: string; counts: Record<string, number> }
  >();
  for (const r of o.alerts.byModeSeverity) {
    const key = `${r.category}/${r.mode}`;
    const g = groups.get(key) ?? { category: r.category, mode: r.mode, counts: {} };
    g.counts[r.severity] = (g.counts[r.severity] ?? 0) + r.count;
    groups.set(key, g);
  }
  const rows = [...groups.values()]
    .sort((a, b) => a.category.localeCompare(b.category) || a.mode.localeCompare(b.mode))
    .map((g) => {
      const link = `engineer.html?category=${encodeURIComponent(g.category)}&mode=${encodeURIComponent(g.mode)}&status=open`;
      return h(
        'tr',
        { 'data-category': g.category, 'data-mode': g.mode },
        td('category', categoryName(lang(), g.category)),
        td('mode', h('a', { href: link }, modeLabel(g.category, g.mode))),
        ...SEVERITIES.map((sv) =>
          td(`severity_${sv}`, num(g.counts[sv] ?? 0, 0), { class: 'num', 'data-severity': sv }),
        ),
      );
    });
  return section(
    'open-alerts',
    'openAlerts',
    h(
      'p',
      { class: 'big-score' },
      h('span', { id: 'alerts-open', class: 'score' }, num(o.alerts.open, 0)),
      ` ${t('openAlertsTotal')}`,
    ),
    rows.length === 0
      ? h('p', {}, t('noAlerts'))
      : table(
          'alerts-table',
          [
            'category',
            'mode',
            'severity_critical',
            'severity_major',
            'severity_minor',
            'severity_info',
          ],
          rows,
        ),
  );
}

function failuresSection(o: FleetOverview): HTMLElement {
  const models = o.failures.byModel.map((m) =>
    h(
      'tr',
      { 'data-category': m.category, 'data-model': m.model },
      td('category', categoryName(lang(), m.category)),
      td('model', m.model),
      numTd('units', m.units, 0),
      numTd('failedUnits', m.failedUnits, 0),
      numTd('repairs', m.repairs, 0),
      numTd('unitYears', m.unitYears),
      numTd('ratePerUnitYear', m.ratePerUnitYear),
      numTd('mtbfDays', m.mtbfDays, 0),
    ),
  );
  const components = o.failures.byComponent.map((c) =>
    h(
      'tr',
      { 'data-category': c.category, 'data-component': c.component },
      td('category', categoryName(lang(), c.category)),
      td('component', componentLabel(c.component)),
      numTd('failedUnits', c.failedUnits, 0),
      numTd('repairs', c.repairs, 0),
      numTd('ratePerUnitYear', c.ratePerUnitYear),
    ),
  );
  return section(
    'failures',
    'failureRates',
    h('h3', {}, t('byModel')),
    models.length === 0
      ? h('p', {}, t('noFailures'))
      : table(
          'models-table',
          [
            'category',
            'model',
            'units',
            'failedUnits',
            'repairs',
            'unitYears',
            'ratePerUnitYear',
            'mtbfDays',
          ],
          models,
        ),
    h('h3', {}, t('byComponent')),
    components.length === 0
      ? h('p', {}, t('noFailures'))
      : table(
          'components-table',
          ['category', 'component', 'failedUnits', 'repairs', 'ratePerUnitYear'],
          components,
        ),
  );
}

function remediesSection(o: FleetOverview): HTMLElement {
  const rows = o.remedies.map((r) =>
    h(
      'tr',
      { 'data-remedy': r.remedy },
      td('remedy', t(`remedy_${r.remedy}`)),
      numTd('granted', r.count, 0),
      td('costCNY', formatCNY(r.costCNY), {
        class: 'num',
        'data-field': 'costCNY',
        'data-value': String(r.costCNY),
      }),
    ),
  );
  return section(
    'remedies',
    'remediesGranted',
    table('remedies-table', ['remedy', 'granted', 'costCNY'], rows),
  );
}

function deviceListSection(d: DeviceList): HTMLElement {
  const rows = d.devices.map((x) =>
    h(
      'tr',
      { 'data-device': x.id },
      td('device', h('a', { href: `engineer.html?device=${encodeURIComponent(x.id)}` }, x.serial)),
      td('category', categoryName(lang(), x.category)),
      td('model', x.model),
      td(
        'status',
        h(
          'span',
          { class: `badge ${x.online ? 'ok' : 'muted'}` },
          x.online ? t('online') : t('offline'),
        ),
      ),
      td('lastSeen', x.lastSeenAt ? formatWhen(x.lastSeenAt) : t('never')),
    ),
  );
  return section(
    'device-list',
    'deviceList',
    h('p', { class: 'muted' }, t('deviceListHint', { shown: d.devices.length, total: d.total })),
    table('devices-table', ['device', 'category', 'model', 'status', 'lastSeen'], rows),
  );
}

function render(): void {
  healthChart?.destroy();
  healthChart = undefined;
  el('scope').hidden = !hasToken();
  const root = el<HTMLDivElement>('fleet');
  if (!hasToken()) {
    root.replaceChildren(h('p', { class: 'card' }, t('needToken')));
    return;
  }
  el('generated').textContent = overview
    ? `${t('generatedAt')} ${formatWhen(overview.generatedAt)}`
    : '';
  const unavailable =
    overviewError === undefined
      ? null
      : h(
          'p',
          { class: 'card error', id: 'overview-error' },
          overviewError instanceof ApiError && overviewError.code === 'APP_ERR_NOT_FOUND'
            ? t('overviewUnavailable')
            : errorText(overviewError),
        );
  root.replaceChildren(
    ...(overview
      ? [
          devicesSection(overview),
          healthSection(overview),
          alertsSection(overview),
          failuresSection(overview),
          remediesSection(overview),
        ]
      : [unavailable ?? '']),
    devices ? deviceListSection(devices) : '',
  );
  if (overview) {
    const o = overview;
    healthChart = barChart(el('health-chart'), {
      label: t('devices'),
      labels: o.health.buckets.map((b) => `${b.from}–${b.to}`),
      values: o.health.buckets.map((b) => b.count),
    });
  }
}

function start(): void {
  initPage();
  wireOrdersTexts();
  const sel = el<HTMLSelectElement>('f-category');
  const fromUrl = new URLSearchParams(location.search).get('category') ?? '';
  sel.append(h('option', { value: '' }, t('allCategories')));
  for (const c of categoryIds()) sel.append(h('option', { value: c, selected: c === fromUrl }, c));
  sel.addEventListener('change', () => void load());
  onLangChange(() => {
    sel.options[0]!.textContent = t('allCategories');
    for (const o of sel.options) if (o.value) o.textContent = categoryName(lang(), o.value);
    render();
  });
  wireTokenForm(() => void load());
  void loadNames().then(() => setLang(lang()));
}

start();
