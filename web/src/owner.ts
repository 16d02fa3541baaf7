import type { Evaluation } from '../../warranty/index.ts';
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
  pick,
  t,
} from './common.ts';
import { categoryName, type Key } from './i18n.ts';
import { componentLabel, loadNames } from './names.ts';

/**
 * Owner page: 三包 status of a unit from its serial and the verification code on the warranty
 * card (`GET /api/v1/units/{serial}/warranty` with `x-verification-code`), and the public check of
 * an outlet or a service phone number (`GET /api/v1/warranty/outlets/verify`).
 */

/** `WarrantyUnitStatus` in /docs: the engine's decision plus the unit and its repair history. */
export type UnitStatus = Evaluation & {
  unit: { serial: string; category: string; model: string };
  history: Array<{
    seq: number;
    droppedOffAt: string;
    handedBackAt?: string;
    faultCode: string;
    component: string;
    reportedFault: string;
    parts: string[];
    corrected: boolean;
  }>;
  /** The maker's outlets authorized today, with their official phone numbers. */
  outlets?: Array<{ id: string; name: string; address?: string; servicePhone?: string }>;
  /** The seal of the repair records (count and head of the hash chain), to print on a receipt. */
  records?: { count: number; head: string };
};

/** `WarrantyOutletVerification` in /docs. */
interface OutletVerification {
  authorized: boolean;
  asOf: string;
  outlets: Array<{
    id: string;
    name: string;
    manufacturer?: string;
    address?: string;
    servicePhone?: string;
    authorizedFrom: string;
    authorizedTo?: string;
    authorizedNow: boolean;
  }>;
}

const $ = <T extends HTMLElement>(sel: string): T => {
  const el = document.querySelector<T>(sel);
  if (!el) throw new Error(`missing ${sel}`);
  return el;
};

function section(titleKey: Key, id: string, ...body: Array<Node | null>): HTMLElement {
  return h(
    'section',
    { class: 'card', 'aria-labelledby': `${id}-h` },
    h('h2', { id: `${id}-h` }, t(titleKey)),
    ...body,
  );
}

function badge(text: string, tone: 'ok' | 'warn' | 'muted'): HTMLElement {
  return h('span', { class: `badge ${tone}` }, text);
}

const clause = (c: string) => h('span', { class: 'clause' }, `${t('clause')}: ${c}`);

/** With nothing to claim, what matters next: the earliest deadline still open. */
function nextDeadline(s: UnitStatus): HTMLElement | null {
  const open = s.deadlines.filter((d) => !d.passed).sort((a, b) => a.end.localeCompare(b.end))[0];
  if (!open) return null;
  return h(
    'p',
    { class: 'cost' },
    `${t('nextDeadline')}: ${pick(open.explanation)} — ${t('ends')} ${open.end}`,
  );
}

function summary(s: UnitStatus): HTMLElement {
  const owed =
    s.free || s.remedy === 'none'
      ? null
      : s.amountOwedCNY === null
        ? t('owedUnknown')
        : `${t('owed')} ${formatCNY(s.amountOwedCNY)}`;
  return h(
    'section',
    { class: `card status remedy-${s.remedy}`, 'aria-labelledby': 'status-h' },
    h('h2', { id: 'status-h', class: 'status-label', tabindex: '-1' }, t('remedyToday')),
    h('p', { id: 'remedy', class: 'remedy', 'data-remedy': s.remedy }, t(`remedy_${s.remedy}`)),
    s.remedy === 'none'
      ? nextDeadline(s)
      : h(
          'p',
          { id: 'remedy-cost', class: 'cost' },
          // "You pay ¥9,000" says it all; "not free" only when the amount is unknown.
          s.free ? t('free') : s.amountOwedCNY === null ? `${t('notFree')} · ${owed}` : owed,
        ),
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, t('unit')),
      h('dd', { id: 'unit-serial' }, s.unit.serial),
      h('dt', {}, t('category')),
      h('dd', {}, categoryName(lang(), s.unit.category)),
      h('dt', {}, t('model')),
      h('dd', {}, s.unit.model),
      h('dt', {}, t('periodStart')),
      h('dd', {}, s.periodStart),
      h('dt', {}, t('evaluatedOn')),
      h('dd', {}, s.evaluationDate),
      h('dt', {}, t('policy')),
      h('dd', { id: 'policy' }, s.policy.title, policyLine(s.policy)),
    ),
  );
}

/** Which policy decided: the maker's own (whose, which version, from when) or the national rules. */
function policyLine(p: UnitStatus['policy']): HTMLElement {
  const line =
    p.issuer === 'manufacturer'
      ? t('policyMaker', {
          maker: p.manufacturer ?? '—',
          version: p.version,
          date: p.effectiveFrom,
        })
      : t('policyNational', { date: p.effectiveFrom });
  return h(
    'span',
    { id: 'policy-version', class: 'clause', 'data-issuer': p.issuer, 'data-version': p.version },
    line,
  );
}

function remedies(s: UnitStatus): HTMLElement | null {
  if (s.remedies.length === 0) return null;
  return section(
    'allRemedies',
    'remedies',
    h(
      'ul',
      { class: 'items' },
      ...s.remedies.map((r) =>
        h(
          'li',
          {},
          h(
            'p',
            { class: 'item-head' },
            h('strong', {}, t(`kind_${r.kind}`)),
            r.target ? ` · ${r.targetName ? pick(r.targetName) : r.target}` : null,
            ' ',
            badge(r.free ? t('free') : t('notFree'), r.free ? 'ok' : 'warn'),
            r.uncertain ? badge(t('uncertain'), 'muted') : null,
          ),
          h('p', {}, pick(r.explanation)),
          r.amountOwedCNY !== null && r.amountOwedCNY > 0
            ? h('p', {}, `${t('owed')} ${formatCNY(r.amountOwedCNY)}`)
            : null,
          clause(r.clause),
        ),
      ),
    ),
  );
}

/** A paid repair is what the owner may buy, never a 三包 remedy (issue 20, class 1). */
function offers(s: UnitStatus): HTMLElement | null {
  if (!s.offers?.length) return null;
  return section(
    'offers',
    'offers',
    h('p', { class: 'cost' }, t('offersNote')),
    h(
      'ul',
      { class: 'items', id: 'offers-list' },
      ...s.offers.map((r) =>
        h(
          'li',
          { 'data-kind': r.kind },
          h(
            'p',
            { class: 'item-head' },
            h('strong', {}, t(`kind_${r.kind}`)),
            ' ',
            badge(t('notFree'), 'warn'),
          ),
          h('p', {}, pick(r.explanation)),
          clause(r.clause),
        ),
      ),
    ),
  );
}

function deadlines(s: UnitStatus): HTMLElement | null {
  if (s.deadlines.length === 0) return null;
  return section(
    'deadlines',
    'deadlines',
    h(
      'ul',
      { class: 'items' },
      ...s.deadlines.map((d) =>
        h(
          'li',
          { class: d.passed ? 'passed' : undefined },
          h(
            'p',
            { class: 'item-head' },
            h('strong', {}, `${t('ends')} ${d.end}`),
            d.limitKm !== undefined ? ` ${t('upToKm', { km: d.limitKm.toLocaleString() })}` : null,
            ' ',
            badge(d.passed ? t('passed') : t('open'), d.passed ? 'muted' : 'ok'),
            d.extendedByDays > 0 ? badge(t('extendedBy', { n: d.extendedByDays }), 'muted') : null,
          ),
          h('p', {}, pick(d.explanation)),
          clause(d.clause),
        ),
      ),
    ),
  );
}

function counters(s: UnitStatus): HTMLElement {
  if (s.counters.length === 0) return section('counters', 'counters', h('p', {}, t('noCounters')));
  return section(
    'counters',
    'counters',
    h(
      'ul',
      { class: 'items' },
      ...s.counters.map((c, i) => {
        // `more_than` is reached one past the limit (超过, Civil Code Art. 1259).
        const max = c.rule === 'more_than' ? c.limit + 1 : c.limit;
        const label = `counter-${i}`;
        return h(
          'li',
          {},
          h('p', { id: label }, pick(c.explanation)),
          h(
            'div',
            { class: 'meter-row' },
            h('progress', {
              max: String(max),
              value: String(Math.min(c.count, max)),
              'aria-labelledby': label,
            }),
            h('span', { class: 'count' }, `${c.count} / ${c.limit}`),
            c.reached ? badge(t('reached'), 'warn') : null,
          ),
          clause(c.clause),
        );
      }),
    ),
  );
}

function textList(
  key: Key,
  id: string,
  items: Array<{ text: string; clause?: string }>,
): HTMLElement | null {
  if (items.length === 0) return null;
  return section(
    key,
    id,
    h(
      'ul',
      { class: 'items' },
      ...items.map((x) => h('li', {}, h('p', {}, x.text), x.clause ? clause(x.clause) : null)),
    ),
  );
}

/**
 * The records' seal (issue 24): what the owner keeps (prints, photographs) so that a later
 * check shows whether any record was changed or removed since.
 */
function seal(s: UnitStatus): HTMLElement | null {
  if (!s.records) return null;
  return h(
    'p',
    { id: 'records-seal', class: 'muted seal' },
    `${t('recordsSeal')}: `,
    h('code', {}, `${s.records.count}:${s.records.head}`),
  );
}

function history(s: UnitStatus): HTMLElement {
  if (s.history.length === 0)
    return section('history', 'history', h('p', {}, t('noHistory')), seal(s));
  const cols: Key[] = [
    'droppedOff',
    'handedBack',
    'faultCode',
    'component',
    'reportedFault',
    'parts',
  ];
  const cell = (k: Key, v: Node | string) => h('td', { 'data-label': t(k) }, v);
  return section(
    'history',
    'history',
    h(
      'table',
      { id: 'history-table', class: 'stack' },
      h('thead', {}, h('tr', {}, ...cols.map((k) => h('th', { scope: 'col' }, t(k))))),
      h(
        'tbody',
        {},
        ...s.history.map((r) =>
          h(
            'tr',
            { 'data-seq': String(r.seq) },
            cell('droppedOff', formatWhen(r.droppedOffAt)),
            cell('handedBack', r.handedBackAt ? formatWhen(r.handedBackAt) : t('stillInRepair')),
            cell(
              'faultCode',
              h(
                'span',
                {},
                h('code', {}, r.faultCode),
                r.corrected ? ' ' : null,
                r.corrected ? badge(t('correction'), 'muted') : null,
              ),
            ),
            cell('component', componentLabel(r.component)),
            cell('reportedFault', r.reportedFault),
            cell('parts', r.parts.join(', ') || '—'),
          ),
        ),
      ),
    ),
    seal(s),
  );
}

/** Where to take the unit: the maker's authorized outlets today, phone numbers callable. */
function authorizedOutlets(s: UnitStatus): HTMLElement | null {
  if (!s.outlets?.length) return null;
  return section(
    'authorizedOutlets',
    'authorized-outlets',
    h(
      'ul',
      { class: 'items', id: 'authorized-outlets-list' },
      ...s.outlets.map((o) =>
        h(
          'li',
          { 'data-outlet': o.id },
          h('p', {}, h('strong', {}, o.name), o.address ? ` — ${o.address}` : ''),
          o.servicePhone
            ? h(
                'p',
                {},
                h('a', { href: `tel:${o.servicePhone.replace(/[^0-9+]/g, '')}` }, o.servicePhone),
              )
            : null,
        ),
      ),
    ),
  );
}

/** The whole status view for one unit. */
export function renderStatus(s: UnitStatus): DocumentFragment {
  const f = document.createDocumentFragment();
  const parts = [
    summary(s),
    remedies(s),
    offers(s),
    counters(s),
    deadlines(s),
    history(s),
    authorizedOutlets(s),
    textList(
      'exclusions',
      'exclusions',
      s.exclusions.map((x) => ({ text: pick(x.explanation), clause: x.clause })),
    ),
    textList(
      'notes',
      'notes',
      s.notes.map((x) => ({ text: pick(x.explanation), clause: x.clause })),
    ),
    textList(
      'warnings',
      'warnings',
      s.warnings.map((w) => ({ text: pick(w) })),
    ),
  ];
  for (const p of parts) if (p) f.append(p);
  return f;
}

function renderOutlets(v: OutletVerification): DocumentFragment {
  const f = document.createDocumentFragment();
  f.append(
    h(
      'p',
      {
        id: 'outlet-verdict',
        class: `verdict ${v.authorized ? 'yes' : 'no'}`,
        'data-authorized': String(v.authorized),
      },
      h('span', { 'aria-hidden': 'true' }, v.authorized ? '✓ ' : '✗ '),
      v.authorized ? t('authorizedYes') : t('authorizedNo'),
      h('small', {}, ` (${t('asOf')} ${v.asOf})`),
    ),
  );
  if (v.outlets.length === 0) f.append(h('p', { class: 'error' }, t('noOutletFound')));
  else
    f.append(
      h(
        'ul',
        { class: 'items' },
        ...v.outlets.map((o) =>
          h(
            'li',
            { class: o.authorizedNow ? undefined : 'passed' },
            h(
              'p',
              { class: 'item-head' },
              h('strong', {}, o.name),
              ` (${o.id}) `,
              badge(
                o.authorizedNow ? t('authorizedYes') : t('authorizedNo'),
                o.authorizedNow ? 'ok' : 'warn',
              ),
            ),
            h(
              'dl',
              { class: 'facts' },
              o.servicePhone ? h('dt', {}, t('servicePhone')) : null,
              o.servicePhone
                ? h(
                    'dd',
                    {},
                    h(
                      'a',
                      { href: `tel:${o.servicePhone.replace(/[^\d+]/g, '')}` },
                      o.servicePhone,
                    ),
                  )
                : null,
              o.address ? h('dt', {}, t('address')) : null,
              o.address ? h('dd', {}, o.address) : null,
              h('dt', {}, t('authorizedPeriod')),
              h(
                'dd',
                {},
                `${formatWhen(o.authorizedFrom)} – ${o.authorizedTo ? formatWhen(o.authorizedTo) : t('authorizedUntilFurther')}`,
              ),
            ),
          ),
        ),
      ),
    );
  return f;
}

function errorText(err: unknown): string {
  if (err instanceof ApiError) {
    // Wrong code and unknown serial get the same answer from the API, on purpose.
    if (err.status === 401 || err.status === 403 || err.status === 404) return t('wrongCode');
    if (err.status === 429) return t('tooManyTries');
    return `${t('requestFailed')} (${err.status}): ${err.message}`;
  }
  return t('networkError');
}

function start(): void {
  initPage();
  void loadNames().then(() => setLang(lang()));
  const form = $<HTMLFormElement>('#lookup');
  const serial = $<HTMLInputElement>('#serial');
  const code = $<HTMLInputElement>('#code');
  const mileage = $<HTMLInputElement>('#mileage');
  const button = $<HTMLButtonElement>('#lookup-btn');
  const errorBox = $<HTMLParagraphElement>('#lookup-error');
  const result = $<HTMLDivElement>('#result');
  let status: UnitStatus | undefined;
  let lookupError: unknown;

  const prefill = new URLSearchParams(location.search).get('serial');
  if (prefill) serial.value = prefill;

  const showLookup = () => {
    errorBox.hidden = lookupError === undefined;
    errorBox.textContent = lookupError === undefined ? '' : errorText(lookupError);
    result.replaceChildren(status ? renderStatus(status) : '');
  };

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (!form.reportValidity()) return;
    button.disabled = true;
    button.textContent = t('lookingUp');
    const km = mileage.value.trim();
    const url = `/api/v1/units/${encodeURIComponent(serial.value.trim())}/warranty${km ? `?mileageKm=${encodeURIComponent(km)}` : ''}`;
    getJson<UnitStatus>(url, { 'x-verification-code': code.value.trim() })
      .then(
        (s) => {
          status = s;
          lookupError = undefined;
        },
        (err: unknown) => {
          status = undefined;
          lookupError = err;
        },
      )
      .finally(() => {
        button.disabled = false;
        button.textContent = t('lookUp');
        showLookup();
        // The unit's cases (owner-cases.ts) follow the lookup.
        const unit = status && { serial: status.unit.serial, code: code.value.trim(), status };
        document.dispatchEvent(new CustomEvent('sanbao:unit', { detail: unit ?? null }));
        // Move focus to what changed, so keyboard and screen-reader users land on the answer.
        (status ? document.querySelector<HTMLElement>('#status-h') : errorBox)?.focus();
      });
  });

  const outletForm = $<HTMLFormElement>('#outlet');
  const outletQ = $<HTMLInputElement>('#outlet-q');
  const outletBtn = $<HTMLButtonElement>('#outlet-btn');
  const outletResult = $<HTMLDivElement>('#outlet-result');
  let verification: OutletVerification | undefined;
  let outletError: unknown;
  const showOutlet = () => {
    if (verification) outletResult.replaceChildren(renderOutlets(verification));
    else if (outletError !== undefined)
      outletResult.replaceChildren(
        h('p', { class: 'error', role: 'alert' }, errorText(outletError)),
      );
    else outletResult.replaceChildren();
  };
  for (const radio of outletForm.querySelectorAll<HTMLInputElement>('input[name=by]'))
    radio.addEventListener('change', () => {
      outletQ.inputMode = radio.value === 'phone' ? 'tel' : 'text';
    });
  outletForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (!outletForm.reportValidity()) return;
    const by = new FormData(outletForm).get('by') === 'id' ? 'id' : 'phone';
    outletBtn.disabled = true;
    getJson<OutletVerification>(
      `/api/v1/warranty/outlets/verify?${by}=${encodeURIComponent(outletQ.value.trim())}`,
    )
      .then(
        (v) => {
          verification = v;
          outletError = undefined;
        },
        (err: unknown) => {
          verification = undefined;
          outletError = err;
        },
      )
      .finally(() => {
        outletBtn.disabled = false;
        showOutlet();
      });
  });

  onLangChange(() => {
    showLookup();
    showOutlet();
  });
}

start();
