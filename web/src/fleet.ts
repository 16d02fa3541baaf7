import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { ApiError, formatWhen, getJson, h, initPage, lang, onLangChange, t } from './common.ts';
import { categoryName } from './i18n.ts';

/**
 * Manufacturer overview (first slice): devices online and offline (`GET /api/v1/devices`), and one
 * device's telemetry as a uPlot chart, aggregated by the server (`every` + `agg=mean`) so a long
 * window stays a few hundred points. The token stays in sessionStorage: gone with the tab.
 */
interface Device {
  id: string;
  category: string;
  model: string;
  serial: string;
  disabled: boolean;
  online: boolean;
  lastSeenAt: string | null;
}
interface DeviceList {
  devices: Device[];
  total: number;
}

const TOKEN_KEY = 'sanbao.token';
const WINDOWS: Record<string, { ms: number; every: string }> = {
  '1h': { ms: 3_600_000, every: '1m' },
  '24h': { ms: 86_400_000, every: '10m' },
  '7d': { ms: 7 * 86_400_000, every: '1h' },
};

const el = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
let token = sessionStorage.getItem(TOKEN_KEY) ?? '';
let fleet: { online: number; offline: number; list: DeviceList } | undefined;
let selected: Device | undefined;
let chart: uPlot | undefined;

const auth = () => ({ authorization: `Bearer ${token}` });

function showError(err: unknown): void {
  const box = el<HTMLParagraphElement>('fleet-error');
  box.hidden = err === undefined;
  if (err === undefined) return;
  box.textContent =
    err instanceof ApiError && (err.status === 401 || err.status === 403)
      ? t('badToken')
      : err instanceof ApiError
        ? `${t('requestFailed')} (${err.status}): ${err.message}`
        : t('networkError');
}

async function loadFleet(): Promise<void> {
  if (!token) {
    fleet = undefined;
    render();
    return;
  }
  try {
    const count = (online: boolean) =>
      getJson<DeviceList>(`/api/v1/devices?online=${online}&limit=1`, auth()).then((r) => r.total);
    const [online, offline, list] = await Promise.all([
      count(true),
      count(false),
      getJson<DeviceList>('/api/v1/devices?limit=100', auth()),
    ]);
    fleet = { online, offline, list };
    showError(undefined);
  } catch (err) {
    fleet = undefined;
    showError(err);
  }
  render();
}

function render(): void {
  const root = el<HTMLDivElement>('fleet');
  if (!fleet) {
    root.replaceChildren(token ? '' : h('p', { class: 'card' }, t('needToken')));
    return;
  }
  const stat = (key: 'online' | 'offline' | 'total', n: number, cls?: string) =>
    h('div', {}, h('dt', {}, t(key)), h('dd', { id: `count-${key}`, class: cls }, n));
  const rows = fleet.list.devices.map((d) => {
    const show = h('button', { type: 'button', class: 'secondary' }, t('show'));
    show.addEventListener('click', () => void select(d).catch(showError));
    return h(
      'tr',
      { 'data-device': d.id },
      h('td', { 'data-label': t('device') }, d.serial),
      h('td', { 'data-label': t('category') }, categoryName(lang(), d.category)),
      h('td', { 'data-label': t('model') }, d.model),
      h(
        'td',
        { 'data-label': t('status') },
        h(
          'span',
          { class: `badge ${d.online ? 'ok' : 'muted'}` },
          d.online ? t('online') : t('offline'),
        ),
      ),
      h(
        'td',
        { 'data-label': t('lastSeen') },
        d.lastSeenAt ? formatWhen(d.lastSeenAt) : t('never'),
      ),
      h('td', {}, show),
    );
  });
  root.replaceChildren(
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'devices-h' },
      h('h2', { id: 'devices-h' }, t('devices')),
      h(
        'dl',
        { class: 'stats' },
        stat('online', fleet.online, 'on'),
        stat('offline', fleet.offline),
        stat('total', fleet.list.total),
      ),
    ),
    h(
      'section',
      { class: 'card table-wrap' },
      h(
        'table',
        { class: 'stack', id: 'devices-table' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ...(['device', 'category', 'model', 'status', 'lastSeen'] as const).map((k) =>
              h('th', { scope: 'col' }, t(k)),
            ),
            h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, t('show'))),
          ),
        ),
        h('tbody', {}, ...rows),
      ),
    ),
  );
}

async function select(d: Device): Promise<void> {
  selected = d;
  const latest = await getJson<{ metrics: Record<string, unknown> }>(
    `/api/v1/devices/${encodeURIComponent(d.id)}/latest`,
    auth(),
  );
  const metric = el<HTMLSelectElement>('metric');
  metric.replaceChildren(
    ...Object.keys(latest.metrics)
      .sort()
      .map((m) => h('option', { value: m }, m)),
  );
  el('chart-card').hidden = false;
  el('chart-h').textContent = `${t('telemetry')} · ${d.serial}`;
  await drawChart();
  el('chart-card').scrollIntoView({ behavior: 'smooth', block: 'start' });
}

async function drawChart(): Promise<void> {
  const metric = el<HTMLSelectElement>('metric').value;
  const win = WINDOWS[el<HTMLSelectElement>('window').value] ?? WINDOWS['24h']!;
  const box = el<HTMLDivElement>('chart');
  chart?.destroy();
  chart = undefined;
  if (!selected || !metric) return;
  const to = Date.now();
  const q = new URLSearchParams({
    metric,
    from: String(to - win.ms),
    to: String(to),
    every: win.every,
    agg: 'mean',
  });
  const r = await getJson<{ points: Array<{ ts: string; value: number }> }>(
    `/api/v1/devices/${encodeURIComponent(selected.id)}/telemetry?${q}`,
    auth(),
  );
  el('chart-empty').hidden = r.points.length > 0;
  if (r.points.length === 0) return;
  const data: uPlot.AlignedData = [
    r.points.map((p) => Date.parse(p.ts) / 1000),
    r.points.map((p) => p.value),
  ];
  chart = new uPlot(
    {
      width: box.clientWidth,
      height: 280,
      series: [{}, { label: metric, stroke: '#0b57d0', width: 2 }],
      axes: [{}, { size: 60 }],
    },
    data,
    box,
  );
}

function start(): void {
  initPage();
  const input = el<HTMLInputElement>('token');
  input.value = token;
  el<HTMLFormElement>('token-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    token = input.value.trim();
    sessionStorage.setItem(TOKEN_KEY, token);
    void loadFleet();
  });
  el('forget').addEventListener('click', () => {
    token = '';
    input.value = '';
    sessionStorage.removeItem(TOKEN_KEY);
    el('chart-card').hidden = true;
    void loadFleet();
  });
  for (const id of ['metric', 'window'])
    el(id).addEventListener('change', () => void drawChart().catch(showError));
  window.addEventListener('resize', () =>
    chart?.setSize({ width: el('chart').clientWidth, height: 280 }),
  );
  onLangChange(() => render());
  void loadFleet();
}

start();
