import { auth } from './session.ts';
import { getJson, h, lang, postJson } from './common.ts';
import { categoryName } from './i18n.ts';
import { tm } from './maker-i18n.ts';
import { $, fillForm, lines, listOrNone, state, table, val, wireForm } from './maker-common.ts';

/**
 * The maker page's registry (issue 25): technicians with their certificates
 * (`GET|POST /api/v1/warranty/technicians`), product models with their main parts
 * (`GET|POST /api/v1/warranty/models`) and genuine parts (`GET|POST /api/v1/warranty/parts`).
 * The lists are the maker's own (the service narrows them to the account's or token's maker);
 * writes carry the maker the service named for this account, never one typed.
 */
interface Outlet {
  id: string;
  name: string;
}
interface Technician {
  certificate: string;
  name: string;
  outletId?: string;
  validFrom: string;
  validTo?: string;
  validNow: boolean;
}
interface Model {
  category: string;
  model: string;
  mainParts: string[];
}
interface Part {
  number: string;
  name: string;
  component?: string;
  serialCount: number;
}

let outlets: Outlet[] = [];
let techs: Technician[] = [];
let models: Model[] = [];
let parts: Part[] = [];

/** The maker's models, for the policy form's suggestions. */
export const knownModels = (): readonly Model[] => models;

export function renderRegistry(): void {
  const chosen = $<HTMLSelectElement>('t-outlet').value;
  $('t-outlet').replaceChildren(
    ...outlets.map((o) => h('option', { value: o.id }, `${o.id} — ${o.name}`)),
  );
  if (outlets.some((o) => o.id === chosen)) $<HTMLSelectElement>('t-outlet').value = chosen;
  $('t-outlet-hint').textContent = outlets.length ? '' : tm('noOutletsFirst');
  listOrNone('tech-list', 'noTechs', () =>
    techs.length === 0
      ? null
      : table(
          'techs-table',
          ['certificate', 'techName', 'outlet', 'validFrom', 'validUntil', 'validNow'],
          techs.map((x) => ({
            attrs: { 'data-tech': x.certificate },
            head: x.certificate,
            cells: [
              x.name,
              x.outletId ?? '—',
              x.validFrom.slice(0, 10),
              x.validTo?.slice(0, 10) ?? '—',
              tm(x.validNow ? 'yes' : 'no'),
            ],
            edit: () =>
              fillForm(
                {
                  't-cert': x.certificate,
                  't-name': x.name,
                  ...(x.outletId ? { 't-outlet': x.outletId } : {}),
                  't-from': x.validFrom.slice(0, 10),
                  't-to': x.validTo?.slice(0, 10) ?? '',
                },
                't-name',
              ),
          })),
        ),
  );
  listOrNone('model-list', 'noModels', () =>
    models.length === 0
      ? null
      : table(
          'models-table',
          ['model', 'category', 'mainParts'],
          models.map((m) => ({
            attrs: { 'data-model': `${m.category}/${m.model}` },
            head: m.model,
            cells: [categoryName(lang(), m.category), m.mainParts.join('、') || '—'],
            edit: () =>
              fillForm(
                { 'm-category': m.category, 'm-model': m.model, 'm-parts': m.mainParts.join('\n') },
                'm-parts',
              ),
          })),
        ),
  );
  listOrNone('part-list', 'noParts', () =>
    parts.length === 0
      ? null
      : table(
          'parts-table',
          ['partNumber', 'partName', 'componentShort', 'serialCount'],
          parts.map((p) => ({
            attrs: { 'data-part': p.number },
            head: p.number,
            cells: [p.name, p.component ?? '—', String(p.serialCount)],
            edit: () =>
              fillForm(
                {
                  'p-number': p.number,
                  'p-name': p.name,
                  'p-component': p.component ?? '',
                  'p-serials': '',
                },
                'p-serials',
              ),
          })),
        ),
  );
}

/** Reads the maker's outlets, technicians, models and parts. */
export async function loadRegistry(): Promise<void> {
  const maker = state.maker;
  if (maker === null) return;
  const [o, t, m, p] = await Promise.all([
    getJson<{ outlets: Outlet[] }>(
      `/api/v1/warranty/outlets?manufacturer=${encodeURIComponent(maker)}&includeExpired=true`,
    ),
    getJson<{ technicians: Technician[] }>('/api/v1/warranty/technicians', auth()),
    getJson<{ models: Model[] }>('/api/v1/warranty/models', auth()),
    getJson<{ parts: Part[] }>('/api/v1/warranty/parts', auth()),
  ]);
  outlets = o.outlets;
  techs = t.technicians;
  models = m.models;
  parts = p.parts;
  renderRegistry();
}

export function wireRegistry(reload: () => Promise<void>): void {
  wireForm(
    'tech',
    't-cert',
    () =>
      postJson(
        '/api/v1/warranty/technicians',
        {
          certificate: val('t-cert'),
          name: val('t-name'),
          outletId: val('t-outlet'),
          validFrom: val('t-from'),
          ...(val('t-to') ? { validTo: val('t-to') } : {}),
        },
        auth(),
      ),
    () => tm('techSaved', { id: val('t-cert') }),
    reload,
  );
  wireForm(
    'model',
    'm-model',
    () =>
      postJson(
        '/api/v1/warranty/models',
        {
          manufacturer: state.maker,
          category: val('m-category'),
          model: val('m-model'),
          mainParts: lines('m-parts'),
        },
        auth(),
      ),
    () => tm('modelSaved', { id: val('m-model') }),
    reload,
  );
  wireForm(
    'part',
    'p-number',
    () =>
      postJson(
        '/api/v1/warranty/parts',
        {
          manufacturer: state.maker,
          number: val('p-number'),
          name: val('p-name'),
          ...(val('p-component') ? { component: val('p-component') } : {}),
          serials: lines('p-serials'),
        },
        auth(),
      ),
    () => tm('partSaved', { id: val('p-number') }),
    reload,
  );
}
