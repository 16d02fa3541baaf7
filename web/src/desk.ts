import type { CaseView } from '../../cases/index.ts';
import { formatWhen, getJson, h, initPage, onLangChange, postJson, t } from './common.ts';
import { caseBody, clockText, kindText, statusBadge } from './case-view.ts';
import { tc, wireCaseTexts, type CKey } from './cases-i18n.ts';
import { auth, errorText, hasToken, wireTokenForm } from './session.ts';

/**
 * The service desk's page (issue 23): the case queue with clocks, most urgent first
 * (`GET /api/v1/cases`), and a case's detail with its deadlines, flags and timeline, where a
 * desk agent or an engineer answers (accept, refuse with reasons, inform) and closes it with the
 * remedy granted. Makers and regulators read.
 */
type Detail = CaseView & {
  events: Array<{
    seq: number;
    at: string;
    actor: string;
    type: string;
    data: Record<string, unknown>;
  }>;
};

const $ = <T extends HTMLElement>(sel: string): T => {
  const el = document.querySelector<T>(sel);
  if (!el) throw new Error(`missing ${sel}`);
  return el;
};

let queue: CaseView[] = [];
let selected: Detail | undefined;
let message: { text: string; ok: boolean } | undefined;

function showError(err: unknown): void {
  const box = $<HTMLParagraphElement>('#page-error');
  box.hidden = err === undefined;
  box.textContent = err === undefined ? '' : errorText(err);
}

async function loadQueue(): Promise<void> {
  const d = new FormData($<HTMLFormElement>('#queue-filters'));
  const q = new URLSearchParams({ limit: '200' });
  for (const k of ['status', 'kind']) if (d.get(k)) q.set(k, String(d.get(k)));
  if (d.get('flagged') === 'on') q.set('flagged', 'true');
  queue = (await getJson<{ cases: CaseView[] }>(`/api/v1/cases?${q}`, auth())).cases;
  renderQueue();
}

function nextClock(c: CaseView): string {
  const d =
    c.deadlines.find((x) => x.status === 'pending') ??
    c.deadlines.find((x) => x.status === 'missed');
  return d ? `${tc(`dl_${d.key}` as CKey)} ${d.due} · ${clockText(d)}` : '—';
}

function renderQueue(): void {
  const body = $<HTMLTableSectionElement>('#queue-table tbody');
  body.replaceChildren(
    ...queue.map((c) => {
      const open = h('button', { type: 'button', class: 'link-button', 'data-open': c.id }, c.id);
      open.addEventListener('click', () => void select(c.id));
      const overdue = c.deadlines.some((d) => d.status === 'missed' || d.clock?.overdue);
      return h(
        'tr',
        { 'data-case': c.id, class: selected?.id === c.id ? 'selected' : undefined },
        h('td', {}, open),
        h('td', {}, c.serial),
        h('td', {}, kindText(c.kind)),
        h('td', {}, statusBadge(c)),
        h('td', { 'data-clock': overdue ? 'overdue' : 'running' }, nextClock(c)),
        h(
          'td',
          {},
          c.flags.length ? h('span', { class: 'badge bad' }, String(c.flags.length)) : '0',
        ),
      );
    }),
  );
  $<HTMLElement>('#queue-empty').hidden = queue.length > 0;
}

function renderDetail(): void {
  const section = $<HTMLElement>('#detail');
  section.hidden = !selected;
  if (!selected) return;
  const c = selected;
  section.dataset.status = c.status;
  $<HTMLElement>('#detail-h').textContent =
    `${tc('caseDetail', { id: c.id })} · ${kindText(c.kind)} · ${c.serial}`;
  $<HTMLElement>('#detail-body').replaceChildren(caseBody(c));
  $<HTMLFormElement>('#answer-form').hidden = c.status !== 'open';
  $<HTMLFormElement>('#close-form').hidden = c.status === 'closed';
  const out = $<HTMLParagraphElement>('#action-result');
  out.hidden = !message;
  out.className = message?.ok ? 'ok-note' : 'error';
  out.textContent = message?.text ?? '';
  $<HTMLOListElement>('#timeline').replaceChildren(
    ...c.events.map((e) =>
      h(
        'li',
        { 'data-event': e.type },
        `${formatWhen(e.at)} · ${e.actor} · ${e.type}`,
        typeof e.data.text === 'string'
          ? h('span', { class: 'case-text small' }, e.data.text)
          : null,
        typeof e.data.clause === 'string' ? h('span', { class: 'clause' }, e.data.clause) : null,
      ),
    ),
  );
}

async function select(id: string): Promise<void> {
  message = undefined;
  selected = await getJson<Detail>(`/api/v1/cases/${encodeURIComponent(id)}`, auth());
  renderQueue();
  renderDetail();
  $<HTMLElement>('#detail').focus();
}

function wireAction(formSel: string, path: string, body: (d: FormData) => unknown): void {
  const form = $<HTMLFormElement>(formSel);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (!selected || !form.reportValidity()) return;
    const id = selected.id;
    const button = form.querySelector<HTMLButtonElement>('button[type=submit]')!;
    button.disabled = true;
    postJson<CaseView>(
      `/api/v1/cases/${encodeURIComponent(id)}/${path}`,
      body(new FormData(form)),
      auth(),
    )
      .then(
        async () => {
          form.reset();
          await Promise.all([loadQueue(), select(id)]);
          message = { text: tc('done'), ok: true };
        },
        (err: unknown) => {
          message = { text: errorText(err), ok: false };
        },
      )
      .finally(() => {
        button.disabled = false;
        renderDetail();
        $<HTMLElement>('#action-result').focus();
      });
  });
}

const text = (d: FormData, k: string) => String(d.get(k) ?? '').trim() || null;

function start(): void {
  initPage();
  wireCaseTexts();
  onLangChange(() => {
    document.title = `${tc('deskTitle')} · ${t('appName')}`;
    renderQueue();
    renderDetail();
  });
  wireTokenForm(() => {
    showError(undefined);
    $<HTMLElement>('#desk-view').hidden = !hasToken();
    selected = undefined;
    if (hasToken()) loadQueue().catch(showError);
  });
  $<HTMLFormElement>('#queue-filters').addEventListener('submit', (ev) => {
    ev.preventDefault();
    loadQueue().catch(showError);
  });
  wireAction('#answer-form', 'answer', (d) => ({
    decision: d.get('decision'),
    text: d.get('text'),
    reasons: text(d, 'reasons'),
  }));
  wireAction('#close-form', 'close', (d) => ({
    remedyGranted: d.get('remedyGranted'),
    text: d.get('text'),
    reasons: text(d, 'reasons'),
    outletId: text(d, 'outletId'),
  }));
}

start();
