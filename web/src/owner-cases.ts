import type { CaseView } from '../../cases/index.ts';
import { ApiError, getJson, h, onLangChange, postJson } from './common.ts';
import { caseBody, kindText } from './case-view.ts';
import { tc, wireCaseTexts } from './cases-i18n.ts';
import type { UnitStatus } from './owner.ts';

/**
 * The owner page's cases (issue 23): once the unit is found (owner.ts announces it with a
 * `sanbao:unit` event carrying the serial, the code and the status), the owner sees the unit's
 * cases with their deadlines and clocks, opens a claim, complaint or question, and answers the
 * survey of a closed case. `owner.html?serial=…&case=…` (the link in the mails) brings that case
 * into view once the unit is looked up.
 */
interface Unit {
  serial: string;
  code: string;
  status: UnitStatus;
}

const $ = <T extends HTMLElement>(sel: string): T => {
  const el = document.querySelector<T>(sel);
  if (!el) throw new Error(`missing ${sel}`);
  return el;
};

let unit: Unit | undefined;
let cases: CaseView[] = [];
let notice: { text: string; ok: boolean } | undefined;
const wanted = new URLSearchParams(location.search).get('case');

const api = (path: string) => `/api/v1/units/${encodeURIComponent(unit!.serial)}${path}`;
const headers = () => ({ 'x-verification-code': unit!.code });
const failure = (err: unknown) =>
  err instanceof ApiError ? `${tc('submitCase')}: ${err.message}` : String(err);

async function load(): Promise<void> {
  cases = (await getJson<{ cases: CaseView[] }>(api('/cases'), headers())).cases;
  render();
}

function surveyForm(c: CaseView): HTMLElement {
  const form = h('form', { class: 'form survey', 'data-survey': c.id, novalidate: true });
  const scores = h(
    'fieldset',
    { class: 'choice' },
    h('legend', {}, tc('score')),
    ...[1, 2, 3, 4, 5].map((n) =>
      h(
        'label',
        {},
        h('input', { type: 'radio', name: 'score', value: String(n), required: true }),
        h('span', {}, tc(`score_${n}` as 'score_1')),
      ),
    ),
  );
  const resolved = h('input', { type: 'checkbox', name: 'resolved', id: `resolved-${c.id}` });
  const commentId = `comment-${c.id}`;
  const comment = h('textarea', { id: commentId, name: 'comment', maxlength: '1000', rows: '2' });
  const button = h('button', { type: 'submit' }, tc('sendSurvey'));
  const error = h('p', { class: 'error', role: 'alert', hidden: true });
  form.append(
    h('h4', {}, tc('surveyTitle')),
    scores,
    h('label', { class: 'check', for: `resolved-${c.id}` }, resolved, tc('resolved')),
    h('div', { class: 'field' }, h('label', { for: commentId }, tc('comment')), comment),
    button,
    error,
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (!form.reportValidity()) return;
    const score = Number(new FormData(form).get('score'));
    button.disabled = true;
    postJson<CaseView>(
      api(`/cases/${encodeURIComponent(c.id)}/survey`),
      { score, resolved: resolved.checked, comment: comment.value.trim() || null },
      headers(),
    ).then(
      (updated) => {
        cases = cases.map((x) => (x.id === updated.id ? updated : x));
        render();
        document.querySelector<HTMLElement>(`[data-case="${c.id}"] .ok-note`)?.focus();
      },
      (err: unknown) => {
        button.disabled = false;
        error.hidden = false;
        error.textContent = failure(err);
      },
    );
  });
  return form;
}

function card(c: CaseView): HTMLElement {
  const el = h(
    'article',
    { class: 'card case-card', 'data-case': c.id, 'data-status': c.status, tabindex: '-1' },
    h('h3', {}, `${kindText(c.kind)} · ${c.id}`),
    caseBody(c),
  );
  if (c.survey.status === 'pending') el.append(surveyForm(c));
  if (c.survey.status === 'answered')
    el.append(
      h(
        'p',
        { class: 'ok-note', tabindex: '-1' },
        tc('surveyThanks', { score: c.survey.score ?? '' }),
      ),
    );
  return el;
}

function render(): void {
  const section = $<HTMLElement>('#cases');
  section.hidden = unit === undefined;
  if (!unit) return;
  const list = $<HTMLDivElement>('#case-list');
  list.replaceChildren(
    ...(cases.length ? cases.map(card) : [h('p', { class: 'muted' }, tc('noCases'))]),
  );
  const box = $<HTMLParagraphElement>('#case-notice');
  box.hidden = !notice;
  box.className = notice?.ok ? 'ok-note' : 'error';
  box.textContent = notice?.text ?? '';
  fillOptions();
}

/** The form's choices from the unit: the faults in its history, the maker's outlets. */
function fillOptions(): void {
  if (!unit) return;
  const fault = $<HTMLSelectElement>('#case-fault');
  const seen = new Map<string, string>();
  for (const r of unit.status.history)
    seen.set(
      `${r.faultCode}|${r.component}`,
      `${r.faultCode} · ${r.component} · ${r.reportedFault}`,
    );
  const keep = fault.value;
  fault.replaceChildren(
    h('option', { value: '' }, tc('faultOther')),
    ...[...seen].map(([v, text]) => h('option', { value: v }, text)),
  );
  fault.value = [...seen.keys()].includes(keep) ? keep : (seen.keys().next().value ?? '');
  const outlet = $<HTMLSelectElement>('#case-outlet');
  const keepO = outlet.value;
  outlet.replaceChildren(
    h('option', { value: '' }, tc('outletNone')),
    ...(unit.status.outlets ?? []).map((o) => h('option', { value: o.id }, `${o.name} (${o.id})`)),
  );
  outlet.value = keepO;
}

interface Subscription {
  alerts: boolean;
  email: string | null;
}

/** PUT a JSON body; throws ApiError on a non-2xx answer (the API's envelope). */
async function putJson<T>(url: string, body: unknown, extra: Record<string, string>): Promise<T> {
  const res = await fetch(url, {
    method: 'PUT',
    headers: { accept: 'application/json', 'content-type': 'application/json', ...extra },
    body: JSON.stringify(body),
  });
  const data = (await res.json().catch(() => ({}))) as { error?: string; message?: string };
  if (!res.ok)
    throw new ApiError(res.status, data.error ?? `HTTP_${res.status}`, data.message ?? '');
  return data as T;
}

async function loadSubscription(): Promise<void> {
  const s = await getJson<Subscription>(api('/subscription'), headers());
  $<HTMLInputElement>('#alert-on').checked = s.alerts;
  $<HTMLInputElement>('#alert-email').value = s.email ?? '';
}

function wireAlerts(): void {
  const form = $<HTMLFormElement>('#alert-form');
  const box = $<HTMLParagraphElement>('#alert-notice');
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (!unit || !form.reportValidity()) return;
    const email = $<HTMLInputElement>('#alert-email').value.trim();
    putJson<Subscription>(
      api('/subscription'),
      { alerts: $<HTMLInputElement>('#alert-on').checked, email: email || null },
      headers(),
    ).then(
      () => {
        box.hidden = false;
        box.className = 'ok-note';
        box.textContent = tc('alertsSaved');
      },
      (err: unknown) => {
        box.hidden = false;
        box.className = 'error';
        box.textContent = failure(err);
      },
    );
  });
}

function showKindFields(): void {
  const kind = new FormData($<HTMLFormElement>('#case-form')).get('kind');
  $<HTMLElement>('#remedy-field').hidden = kind !== 'claim';
  $<HTMLElement>('#against-field').hidden = kind !== 'complaint';
}

function start(): void {
  wireCaseTexts();
  const form = $<HTMLFormElement>('#case-form');
  const button = $<HTMLButtonElement>('#case-submit');
  for (const r of form.querySelectorAll<HTMLInputElement>('input[name=kind]'))
    r.addEventListener('change', showKindFields);
  showKindFields();

  document.addEventListener('sanbao:unit', (ev) => {
    const detail = (ev as CustomEvent<Unit | null>).detail;
    unit = detail ?? undefined;
    cases = [];
    notice = undefined;
    if (!unit) return render();
    $<HTMLParagraphElement>('#alert-notice').hidden = true;
    loadSubscription().catch(() => undefined);
    load().then(
      () => {
        if (!wanted) return;
        const el = document.querySelector<HTMLElement>(`[data-case="${CSS.escape(wanted)}"]`);
        el?.scrollIntoView();
        el?.focus();
      },
      (err: unknown) => {
        notice = { text: failure(err), ok: false };
        render();
      },
    );
  });

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (!unit || !form.reportValidity()) return;
    const d = new FormData(form);
    const kind = String(d.get('kind'));
    const [code, component] = String(d.get('fault') ?? '').split('|');
    const text = (k: string) => String(d.get(k) ?? '').trim() || null;
    const body = {
      kind,
      description: String(d.get('description') ?? ''),
      requestedRemedy: kind === 'claim' ? text('remedy') : null,
      against: kind === 'complaint' ? text('against') : null,
      fault: code ? { code, component: component || null } : null,
      outletId: text('outlet'),
      contact: { name: text('name'), phone: text('phone'), email: text('email') },
      notify: { email: d.get('notify') === 'on' },
    };
    button.disabled = true;
    button.textContent = tc('submitting');
    postJson<CaseView>(api('/cases'), body, headers())
      .then(
        async (c) => {
          notice = { text: tc('caseOpened', { id: c.id }), ok: true };
          form.reset();
          showKindFields();
          await load();
        },
        (err: unknown) => {
          notice = { text: failure(err), ok: false };
          render();
        },
      )
      .finally(() => {
        button.disabled = false;
        button.textContent = tc('submitCase');
        $<HTMLElement>('#case-notice').focus();
      });
  });
  wireAlerts();
  onLangChange(render);
}

start();
