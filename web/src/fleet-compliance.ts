import { getJson, h, lang, onLangChange } from './common.ts';
import { wireCaseTexts } from './cases-i18n.ts';
import { categoryName } from './i18n.ts';
import { auth, errorText, hasToken } from './session.ts';
import './cases.css';

/**
 * The fleet page's compliance part (issue 23): each outlet's scorecard this quarter — cases and
 * deadlines met, violations open and rectified, how many were 推诿扯皮, the satisfaction index,
 * the first-time-fix rate from telemetry — the satisfaction index by category, and the
 * campaign's two lists as XLSX downloads. Uses the token fleet.ts keeps (session.ts).
 */
interface Card {
  party: string | null;
  cases: number;
  onTimeRate: number | null;
  findings: { open: number; rectified: number };
  byRule: Record<string, number>;
  satisfaction: { index: number | null };
  repairs: { firstTimeFixRate: number | null } | null;
}
interface IndexRow {
  key: string | null;
  quarter: string;
  answers: number;
  index: number | null;
}

const TUIWEI = ['deadline_missed', 'remedy_below_owed', 'refusal_without_reasons', 'repeat_fault'];
const pct = (x: number | null) => (x === null ? '—' : `${Math.round(x * 100)}%`);
const num = (x: number | null) => (x === null ? '—' : String(x));
const $ = <T extends HTMLElement>(sel: string) => document.querySelector<T>(sel)!;

let cards: Card[] = [];
let index: IndexRow[] = [];

function render(): void {
  $('#compliance').hidden = !hasToken();
  $<HTMLTableSectionElement>('#scorecards tbody').replaceChildren(
    ...cards.map((c) =>
      h(
        'tr',
        { 'data-party': c.party ?? '' },
        h('th', { scope: 'row' }, c.party ?? '—'),
        h('td', { class: 'num' }, String(c.cases)),
        h('td', { class: 'num' }, pct(c.onTimeRate)),
        h('td', { class: 'num', 'data-col': 'open' }, String(c.findings.open)),
        h('td', { class: 'num', 'data-col': 'rectified' }, String(c.findings.rectified)),
        h(
          'td',
          { class: 'num', 'data-col': 'tuiwei' },
          String(TUIWEI.reduce((n, r) => n + (c.byRule[r] ?? 0), 0)),
        ),
        h('td', { class: 'num', 'data-col': 'satisfaction' }, num(c.satisfaction.index)),
        h('td', { class: 'num' }, pct(c.repairs?.firstTimeFixRate ?? null)),
      ),
    ),
  );
  $('#scorecards-empty').hidden = cards.length > 0;
  $<HTMLTableSectionElement>('#satisfaction tbody').replaceChildren(
    ...index.map((r) =>
      h(
        'tr',
        {},
        h('th', { scope: 'row' }, r.key ? categoryName(lang(), r.key) : '—'),
        h('td', {}, r.quarter),
        h('td', { class: 'num' }, String(r.answers)),
        h('td', { class: 'num' }, num(r.index)),
      ),
    ),
  );
}

function showError(err: unknown): void {
  const box = $('#compliance-error');
  box.hidden = err === undefined;
  box.textContent = err === undefined ? '' : errorText(err);
}

async function load(): Promise<void> {
  showError(undefined);
  if (!hasToken()) return render();
  const [s, i] = await Promise.all([
    getJson<{ scorecards: Card[] }>('/api/v1/compliance/scorecards?by=outlet', auth()),
    getJson<{ rows: IndexRow[] }>('/api/v1/compliance/satisfaction?by=category', auth()),
  ]);
  cards = s.scorecards;
  index = i.rows;
  render();
}

/** A list as an XLSX file: fetched with the token, saved through a temporary link. */
async function download(path: string, name: string): Promise<void> {
  const res = await fetch(`/api/v1/reports/${path}?format=xlsx&lang=${lang()}`, {
    headers: auth(),
  });
  if (!res.ok) throw new Error(`${res.status}`);
  const url = URL.createObjectURL(await res.blob());
  const a = h('a', { href: url, download: `${name}.xlsx` });
  document.body.append(a);
  a.click();
  a.remove();
  URL.revokeObjectURL(url);
}

function start(): void {
  wireCaseTexts();
  onLangChange(render);
  // fleet.ts owns the token form; this part reloads after it (its listener runs first).
  document
    .getElementById('token-form')
    ?.addEventListener('submit', () => void load().catch(showError));
  document.getElementById('forget')?.addEventListener('click', () => void load().catch(showError));
  $('#dl-violations').addEventListener(
    'click',
    () => void download('violations', '问题清单').catch(showError),
  );
  $('#dl-rectifications').addEventListener(
    'click',
    () => void download('violation-rectifications', '整治提升情况清单').catch(showError),
  );
  void load().catch(showError);
}

start();
