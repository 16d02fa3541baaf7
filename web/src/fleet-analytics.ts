import { analyticsDictionaries, tn, wireAnalyticsTexts, type NKey } from './analytics-i18n.ts';
import { ApiError, getJson, h, lang, onLangChange } from './common.ts';
import { downloadFile } from './download.ts';
import { categoryIds, categoryName } from './i18n.ts';
import { auth, errorText, hasToken, onAuthChange } from './session.ts';

/**
 * The fleet page's analytics and reports for manufacturer staff (issue 25): one component's
 * reliability per batch, supplier or model (`GET /api/v1/fleet/reliability`: rate, MTBF,
 * Weibull fit, recall candidates), its warranty exposure (`GET /api/v1/fleet/exposure`), and the
 * regulators' ledgers and quarterly report as CSV or XLSX (`GET /api/v1/reports/{kind}`),
 * downloaded with the page's credentials. Shown only to manufacturer staff.
 */
type Fit =
  | { ok: true; shape: number; scale: number; b10Days?: number | null }
  | { ok: false; reason: string; message: string };
interface Rate {
  repairs: number;
  ratePerUnitYear: number | null;
  mtbfDays: number | null;
}
interface Group extends Rate {
  id: string;
  units: number;
  failedUnits: number;
  weibull: Fit;
  outlier: { flagged: boolean };
}
interface Reliability {
  overall: Rate & { units: number; failedUnits: number; weibull: Fit };
  groups: Group[];
  recallCandidates: Array<{
    id: string;
    failedUnits: number;
    expected: number;
    rateRatio: number | null;
    adjustedP: number;
  }>;
  method: { alpha: number };
}
interface Exposure {
  weibull: Fit;
  evaluated: number;
  unitsAtRisk: number;
  horizons: Array<{ days: number; expected: number; interval: { lower: number; upper: number } }>;
  units: Array<{
    serial: string;
    remedy: string;
    windowEnds: string;
    ageDays: number;
    probability: number;
  }>;
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const val = (id: string) => $<HTMLInputElement | HTMLSelectElement>(id).value.trim();
let isMaker = false;
let rel: Reliability | null = null;
let exp: Exposure | null = null;

const num = (x: number | null | undefined, digits: number) =>
  x === null || x === undefined ? '—' : x.toFixed(digits);
/** A text of the dictionary when it has `key`, else `fallback` (a code the page does not know). */
const known = (key: string, fallback: string) =>
  key in analyticsDictionaries.en ? tn(key as NKey) : fallback;
const fitText = (f: { reason: string; message: string }) => known(`fit_${f.reason}`, f.message);
const pct = (p: number) => `${(p * 100).toFixed(1)} %`;

function table(cols: NKey[], rows: HTMLElement[], id: string): HTMLElement {
  return h(
    'table',
    { id },
    h('thead', {}, h('tr', {}, ...cols.map((k) => h('th', { scope: 'col' }, tn(k))))),
    h('tbody', {}, ...rows),
  );
}

function renderReliability(): void {
  const out = $('rel-result');
  if (!rel) return out.replaceChildren();
  const r = rel;
  const o = r.overall;
  const fitCells = (f: Fit) =>
    f.ok
      ? [
          h('td', { class: 'num', 'data-col': 'shape' }, num(f.shape, 2)),
          h('td', { class: 'num', 'data-col': 'scale' }, num(f.scale, 0)),
          h('td', { class: 'num', 'data-col': 'b10' }, num(f.b10Days, 0)),
        ]
      : [h('td', { colspan: '3', class: 'muted', 'data-col': 'fit' }, fitText(f))];
  out.replaceChildren(
    h(
      'p',
      { id: 'rel-overall' },
      tn('overall', { units: o.units, failed: o.failedUnits, repairs: o.repairs }),
    ),
    r.groups.length === 0
      ? h('p', { class: 'muted' }, tn('noGroups'))
      : table(
          [
            'colGroup',
            'colUnits',
            'colFailed',
            'colRate',
            'colMtbf',
            'colShape',
            'colScale',
            'colB10',
            'colFlag',
          ],
          r.groups.map((g) =>
            h(
              'tr',
              { 'data-group': g.id, class: g.outlier.flagged ? 'flagged' : '' },
              h('th', { scope: 'row' }, g.id),
              h('td', { class: 'num', 'data-col': 'units' }, String(g.units)),
              h('td', { class: 'num', 'data-col': 'failed' }, String(g.failedUnits)),
              h('td', { class: 'num', 'data-col': 'rate' }, num(g.ratePerUnitYear, 3)),
              h('td', { class: 'num', 'data-col': 'mtbf' }, num(g.mtbfDays, 0)),
              ...fitCells(g.weibull),
              h(
                'td',
                { 'data-col': 'flag' },
                g.outlier.flagged ? h('span', { class: 'badge bad' }, tn('colFlag')) : '',
              ),
            ),
          ),
          'rel-table',
        ),
    h('h3', {}, tn('recallTitle')),
    r.recallCandidates.length === 0
      ? h('p', { id: 'recall', class: 'muted' }, tn('noRecall', { alpha: r.method.alpha }))
      : h(
          'ul',
          { id: 'recall' },
          ...r.recallCandidates.map((c) =>
            h(
              'li',
              { 'data-group': c.id },
              tn('recallWhy', {
                id: c.id,
                failed: c.failedUnits,
                expected: c.expected.toFixed(1),
                ratio: c.rateRatio === null ? '∞' : c.rateRatio.toFixed(2),
                p: c.adjustedP.toExponential(2),
              }),
            ),
          ),
        ),
  );
}

function renderExposure(): void {
  const out = $('exp-result');
  if (!exp) return out.replaceChildren();
  const e = exp;
  out.replaceChildren(
    h(
      'p',
      { id: 'exp-lead' },
      tn('exposureLead', { atRisk: e.unitsAtRisk, evaluated: e.evaluated }),
    ),
    e.weibull.ok
      ? table(
          ['colHorizon', 'colExpected', 'colInterval'],
          e.horizons.map((x) =>
            h(
              'tr',
              { 'data-days': String(x.days) },
              h('th', { scope: 'row' }, tn('days', { n: x.days })),
              h('td', { class: 'num' }, x.expected.toFixed(2)),
              h(
                'td',
                { class: 'num' },
                `${x.interval.lower.toFixed(2)}–${x.interval.upper.toFixed(2)}`,
              ),
            ),
          ),
          'exp-horizons',
        )
      : h('p', { class: 'muted' }, tn('exposureNoFit', { why: fitText(e.weibull) })),
    e.units.length === 0
      ? ''
      : table(
          ['colSerial', 'colRemedy', 'colWindowEnds', 'colAge', 'colProbability'],
          e.units.map((u) =>
            h(
              'tr',
              { 'data-serial': u.serial },
              h('th', { scope: 'row' }, u.serial),
              h('td', {}, known(`remedy_${u.remedy}`, u.remedy)),
              h('td', {}, u.windowEnds),
              h('td', { class: 'num' }, String(u.ageDays)),
              h('td', { class: 'num' }, pct(u.probability)),
            ),
          ),
          'exp-units',
        ),
  );
}

function showError(box: string, err: unknown): void {
  const el = $(box);
  el.hidden = err === undefined;
  el.textContent = err === undefined ? '' : errorText(err);
}

function fillCategories(): void {
  const sel = $<HTMLSelectElement>('r-category');
  const keep = sel.value || 'air_conditioner';
  sel.replaceChildren(
    ...categoryIds().map((c) => h('option', { value: c }, categoryName(lang(), c))),
  );
  sel.value = keep;
}

/** This quarter in China time, e.g. 2026Q4. */
function thisQuarter(): string {
  const d = new Date(Date.now() + 8 * 3_600_000);
  return `${d.getUTCFullYear()}Q${Math.floor(d.getUTCMonth() / 3) + 1}`;
}

function wireReliability(): void {
  const form = $<HTMLFormElement>('rel-form');
  const submit = $<HTMLButtonElement>('r-submit');
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    showError('rel-error', undefined);
    const q = new URLSearchParams({ category: val('r-category'), component: val('r-component') });
    if (val('r-model')) q.set('model', val('r-model'));
    const byQ = new URLSearchParams(q);
    byQ.set('by', val('r-by'));
    submit.disabled = true;
    submit.textContent = tn('analysing');
    Promise.all([
      getJson<Reliability>(`/api/v1/fleet/reliability?${byQ}`, auth()),
      getJson<Exposure>(`/api/v1/fleet/exposure?${q}`, auth()),
    ])
      .then(([r, e]) => {
        rel = r;
        exp = e;
        renderReliability();
        renderExposure();
      })
      .catch((err: unknown) => showError('rel-error', err))
      .finally(() => {
        submit.disabled = false;
        submit.textContent = tn('analyse');
      });
  });
}

function wireReports(): void {
  const form = $<HTMLFormElement>('report-form');
  const kind = $<HTMLSelectElement>('rep-kind');
  const format = $<HTMLSelectElement>('rep-format');
  const submit = $<HTMLButtonElement>('rep-submit');
  $<HTMLInputElement>('rep-quarter').value = thisQuarter();
  // The three ledgers together are one workbook: no CSV holds three tables.
  kind.addEventListener('change', () => {
    const csv = format.querySelector<HTMLOptionElement>('option[value="csv"]')!;
    csv.disabled = kind.value === 'ledgers';
    if (csv.disabled) format.value = 'xlsx';
  });
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    showError('report-error', undefined);
    const status = $('report-status');
    status.textContent = tn('preparing');
    submit.disabled = true;
    const q = new URLSearchParams({
      quarter: val('rep-quarter'),
      format: format.value,
      lang: lang(),
    });
    downloadFile(
      `/api/v1/reports/${kind.value}?${q}`,
      auth(),
      `sanbao-${kind.value}.${format.value}`,
    )
      .then((file) => (status.textContent = tn('downloadedFile', { file })))
      .catch((err: unknown) => {
        status.textContent = '';
        showError('report-error', err);
      })
      .finally(() => (submit.disabled = false));
  });
}

async function load(): Promise<void> {
  isMaker = false;
  if (hasToken()) {
    const me = await getJson<{ role: string | null; subject: string | null }>(
      '/api/v1/session',
      auth(),
    ).catch((err: unknown) => {
      if (err instanceof ApiError && err.status === 401) return { role: null, subject: null };
      throw err;
    });
    isMaker = me.role === 'manufacturer';
  }
  $('analytics').hidden = !isMaker;
  if (!isMaker) {
    rel = null;
    exp = null;
  }
  renderReliability();
  renderExposure();
}

function start(): void {
  wireAnalyticsTexts();
  onLangChange(() => {
    fillCategories();
    renderReliability();
    renderExposure();
  });
  wireReliability();
  wireReports();
  onAuthChange(() => void load().catch((err: unknown) => showError('rel-error', err)));
}

start();
