import { ta, wireAdminTexts } from './admin-i18n.ts';
import { ApiError, formatCNY, getJson, h, onLangChange, postJson } from './common.ts';
import { wireMakerTexts } from './maker-i18n.ts';
import { auth, errorText, hasToken, onAuthChange } from './session.ts';

/**
 * The fleet page's outlets (issue 25): a maker's manager lists the maker's authorized 三包
 * outlets (`GET /api/v1/warranty/outlets`, every period, expired too) and adds or updates one
 * with its authorisation period, official service phone and published price list (明码标价:
 * labour rate, towing, service items; `POST /api/v1/warranty/outlets`; the service stamps the
 * maker from the account or token). Shown only to manufacturer staff.
 */
interface PriceList {
  labourRateCNY?: number;
  towingCNY?: number;
  workItems?: string[];
}
interface Outlet {
  id: string;
  name: string;
  address?: string;
  servicePhone?: string;
  authorizedFrom: string;
  authorizedTo?: string;
  authorizedNow: boolean;
  priceList?: PriceList;
}

/** The price list as one cell: labour rate, towing, then the items. */
function priceCell(p: PriceList | undefined): Node | string {
  if (!p || (p.labourRateCNY ?? p.towingCNY ?? p.workItems?.length) === undefined) return '—';
  return h(
    'span',
    { class: 'price-list' },
    p.labourRateCNY === undefined ? null : ta('labourRateIs', { v: formatCNY(p.labourRateCNY) }),
    p.labourRateCNY !== undefined && p.towingCNY !== undefined ? ' · ' : null,
    p.towingCNY === undefined ? null : ta('towingIs', { v: formatCNY(p.towingCNY) }),
    p.workItems?.length ? h('br') : null,
    p.workItems?.length ? p.workItems.join('、') : null,
  );
}

/** The form's price list; undefined when nothing is filled in. */
function priceListOf(val: (id: string) => string): PriceList | undefined {
  const p: PriceList = {};
  if (val('o-labour') !== '') p.labourRateCNY = Number(val('o-labour'));
  if (val('o-towing') !== '') p.towingCNY = Number(val('o-towing'));
  const items = val('o-items')
    .split('\n')
    .map((x) => x.trim())
    .filter(Boolean);
  if (items.length) p.workItems = items;
  return Object.keys(p).length ? p : undefined;
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
let maker: string | null = null;
let outlets: Outlet[] = [];

function render(): void {
  $('outlets').hidden = maker === null;
  $('outlet-list').replaceChildren(
    outlets.length === 0
      ? h('p', { class: 'muted' }, ta('noOutlets'))
      : h(
          'table',
          { id: 'outlets-table' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ...(
                [
                  'outletId',
                  'outletName',
                  'servicePhone',
                  'authorizedFrom',
                  'authorizedUntil',
                  'authorizedNow',
                  'priceList',
                ] as const
              ).map((k) => h('th', { scope: 'col' }, ta(k))),
            ),
          ),
          h(
            'tbody',
            {},
            ...outlets.map((o) =>
              h(
                'tr',
                { 'data-outlet': o.id },
                h('th', { scope: 'row' }, o.id),
                h('td', {}, o.name, o.address ? h('br') : null, o.address ?? null),
                h('td', {}, o.servicePhone ?? '—'),
                h('td', {}, o.authorizedFrom.slice(0, 10)),
                h('td', {}, o.authorizedTo?.slice(0, 10) ?? '—'),
                h('td', { class: 'authorized-now' }, ta(o.authorizedNow ? 'yes' : 'no')),
                h('td', { class: 'price' }, priceCell(o.priceList)),
              ),
            ),
          ),
        ),
  );
}

function showError(err: unknown): void {
  const box = $('outlet-error');
  box.hidden = err === undefined;
  box.textContent = err === undefined ? '' : errorText(err);
}

async function load(): Promise<void> {
  showError(undefined);
  maker = null;
  if (hasToken()) {
    const me = await getJson<{ role: string | null; subject: string | null }>(
      '/api/v1/session',
      auth(),
    ).catch((err: unknown) => {
      if (err instanceof ApiError && err.status === 401) return { role: null, subject: null };
      throw err;
    });
    if (me.role === 'manufacturer' && me.subject) maker = me.subject;
  }
  if (maker !== null) {
    const r = await getJson<{ outlets: Outlet[] }>(
      `/api/v1/warranty/outlets?manufacturer=${encodeURIComponent(maker)}&includeExpired=true`,
    );
    outlets = r.outlets;
  } else outlets = [];
  render();
}

function wireForm(): void {
  const form = $<HTMLFormElement>('outlet-form');
  const submit = $<HTMLButtonElement>('outlet-submit');
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const val = (id: string) => $<HTMLInputElement | HTMLTextAreaElement>(id).value.trim();
    const priceList = priceListOf(val);
    showError(undefined);
    $('outlet-status').textContent = '';
    submit.disabled = true;
    const id = val('o-id');
    postJson(
      '/api/v1/warranty/outlets',
      {
        id,
        name: val('o-name'),
        servicePhone: val('o-phone'),
        authorizedFrom: val('o-from'),
        ...(val('o-address') ? { address: val('o-address') } : {}),
        ...(val('o-to') ? { authorizedTo: val('o-to') } : {}),
        ...(priceList ? { priceList } : {}),
      },
      auth(),
    )
      .then(async () => {
        form.reset();
        await load();
        $('outlet-status').textContent = ta('outletSaved', { id });
        $('o-id').focus();
      })
      .catch(showError)
      .finally(() => (submit.disabled = false));
  });
}

function start(): void {
  wireAdminTexts();
  wireMakerTexts(); // the header's link to the maker's page
  onLangChange(() => {
    if (maker !== null) render();
  });
  wireForm();
  onAuthChange(() => void load().catch(showError));
}

start();
