import { ApiError, getJson, h, lang, postJson } from './common.ts';
import { categoryName } from './i18n.ts';
import { fieldName, tm, type MKey } from './maker-i18n.ts';
import { $, lines, listOrNone, state, table, val, wireForm } from './maker-common.ts';
import { knownModels } from './maker-registry.ts';
import { auth, errorText } from './session.ts';

/**
 * The maker page's policies (issue 20, shown for issue 25): each model's saved versions with
 * the one in force today (`GET /api/v1/warranty/policies`, then
 * `GET /api/v1/warranty/policies/{manufacturer}/{category}/{model}` for what is in force), and
 * a form to save a new version (`POST /api/v1/warranty/policies`). When the service refuses a
 * version weaker than the national rules (422 WARRANTY_ERR_POLICY_WEAKER), the page lists every
 * weaker field from the error's details — the maker's value, the national minimum and the
 * clause — in the page's language.
 */
interface Version {
  manufacturer: string;
  category: string;
  model: string;
  version: string;
  effectiveFrom: string;
  effectiveTo?: string;
  title: string;
}

/** The terms the form offers (the rest stay the national rules'). */
const TERMS = ['wholeUnitMonths', 'mainPartMonths', 'repairCountLimit'] as const;

let versions: Array<Version & { inForce: boolean }> = [];
/** The last refusal, shown again in the other language when the switch changes. */
let refusal: unknown;

function renderTermFields(): void {
  const box = $('y-terms');
  if (!box.querySelector('input')) {
    for (const k of TERMS)
      box.append(
        h(
          'div',
          { class: 'field' },
          h('label', { for: `y-${k}`, id: `y-${k}-label` }, ''),
          h('input', { id: `y-${k}`, type: 'number', min: '0', step: 'any', inputmode: 'decimal' }),
        ),
        h(
          'div',
          { class: 'field' },
          h('label', { for: `y-${k}-clause`, id: `y-${k}-clause-label` }, ''),
          h('input', { id: `y-${k}-clause`, maxlength: '200', autocomplete: 'off' }),
        ),
      );
  }
  for (const k of TERMS) {
    const name = tm(`term_${k}` as MKey);
    $(`y-${k}-label`).textContent = name;
    $(`y-${k}-clause-label`).textContent = tm('clauseOf', { term: name });
  }
}

export function renderPolicies(): void {
  renderTermFields();
  showRefusal(refusal, false);
  $('y-models').replaceChildren(...knownModels().map((m) => h('option', { value: m.model })));
  listOrNone('policy-list', 'noPolicies', () =>
    versions.length === 0
      ? null
      : table(
          'policies-table',
          [
            'model',
            'category',
            'version',
            'effectiveFrom',
            'effectiveTo',
            'policyTitle',
            'inForce',
          ],
          versions.map((v) => ({
            attrs: {
              'data-policy': `${v.category}/${v.model}@${v.version}`,
              ...(v.inForce ? { class: 'in-force' } : {}),
            },
            head: v.model,
            cells: [
              categoryName(lang(), v.category),
              v.version,
              v.effectiveFrom,
              v.effectiveTo ?? '—',
              v.title,
              v.inForce ? h('strong', {}, tm('inForceYes')) : '',
            ],
          })),
        ),
  );
}

/** Reads the maker's versions, then each model's version in force today. */
export async function loadPolicies(): Promise<void> {
  if (state.maker === null) return;
  const { policies } = await getJson<{ policies: Version[] }>('/api/v1/warranty/policies', auth());
  const models = [...new Set(policies.map((p) => JSON.stringify([p.category, p.model])))];
  const inForce = new Set<string>();
  for (const key of models) {
    const [category = '', model = ''] = JSON.parse(key) as string[];
    const path = [state.maker, category, model].map(encodeURIComponent).join('/');
    const r = await getJson<{ inForce: Version | null }>(
      `/api/v1/warranty/policies/${path}`,
      auth(),
    );
    if (r.inForce) inForce.add(`${key}@${r.inForce.version}`);
  }
  versions = policies.map((p) => ({
    ...p,
    inForce: inForce.has(`${JSON.stringify([p.category, p.model])}@${p.version}`),
  }));
  renderPolicies();
}

const shown = (v: unknown): string =>
  v === undefined || v === null
    ? tm('notSet')
    : Array.isArray(v)
      ? v.join('、') || tm('notSet')
      : typeof v === 'boolean'
        ? tm(v ? 'yes' : 'no')
        : String(v);

interface Detail {
  path?: string;
  message?: string;
  clause?: string;
  baseline?: unknown;
  policy?: unknown;
  against?: string;
  displaced?: string;
}

/** Why the service refused the version, field by field, in the page's language. */
function showRefusal(err: unknown, focus = true): void {
  refusal = err;
  const box = $('policy-refusal');
  box.hidden = err === undefined;
  if (err === undefined) return void box.replaceChildren();
  if (!(err instanceof ApiError)) return void box.replaceChildren(errorText(err));
  const details = (Array.isArray(err.details) ? err.details : []) as Detail[];
  const item = (d: Detail, against: MKey) =>
    h(
      'li',
      { 'data-path': d.path ?? '' },
      h('strong', {}, fieldName(d.path ?? '')),
      ': ',
      tm('weakerYours', { v: shown(d.policy) }),
      '; ',
      tm(against, { v: shown(d.baseline) }),
      d.clause ? `; ${tm('weakerClause', { c: d.clause })}` : null,
      d.against ? ` ${tm('weakerAgainst', { id: d.against })}` : null,
    );
  if (err.code === 'WARRANTY_ERR_POLICY_WEAKER')
    box.replaceChildren(
      h('p', {}, tm('policyWeaker')),
      h('ul', { class: 'refusal' }, ...details.map((d) => item(d, 'weakerMinimum'))),
    );
  else if (err.code === 'WARRANTY_ERR_POLICY_RETROACTIVE')
    box.replaceChildren(
      h('p', {}, tm('policyRetroactive', { displaced: details[0]?.displaced ?? '' })),
      h('ul', { class: 'refusal' }, ...details.map((d) => item(d, 'weakerDisplaced'))),
    );
  else if (err.code === 'WARRANTY_ERR_POLICY_VERSION_CONFLICT')
    box.replaceChildren(tm('policyConflict', { why: err.message }));
  else if (err.code === 'APP_ERR_VALIDATION' && details.length)
    box.replaceChildren(
      h('p', {}, errorText(err)),
      h(
        'ul',
        { class: 'refusal' },
        ...details.map((d) =>
          h(
            'li',
            { 'data-path': d.path ?? '' },
            h('strong', {}, fieldName((d.path ?? '').replace(/^body\./, ''))),
            `: ${d.message ?? ''}`,
          ),
        ),
      ),
    );
  else box.replaceChildren(errorText(err));
  if (focus) box.focus();
}

/** The form's terms: each value given, with its clause when one is given. */
function termsOf(): Record<string, number | { value: number; clause: string }> {
  const out: Record<string, number | { value: number; clause: string }> = {};
  for (const k of TERMS) {
    if (val(`y-${k}`) === '') continue;
    const value = Number(val(`y-${k}`));
    const clause = val(`y-${k}-clause`);
    out[k] = clause ? { value, clause } : value;
  }
  return out;
}

export function wirePolicies(reload: () => Promise<void>): void {
  $('policy-refusal').tabIndex = -1;
  wireForm(
    'policy',
    'y-version',
    () =>
      postJson(
        '/api/v1/warranty/policies',
        {
          manufacturer: state.maker,
          category: val('y-category'),
          model: val('y-model'),
          version: val('y-version'),
          effectiveFrom: val('y-from'),
          title: val('y-title'),
          terms: termsOf(),
          ...(lines('y-parts').length ? { mainParts: lines('y-parts') } : {}),
        },
        auth(),
      ),
    () => tm('policySaved', { version: val('y-version'), model: val('y-model') }),
    reload,
    showRefusal,
  );
}
