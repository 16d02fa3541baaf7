import { ApiError, getJson, initPage, onLangChange } from './common.ts';
import { $, fillCategories, showError, state } from './maker-common.ts';
import { tm, wireMakerTexts } from './maker-i18n.ts';
import { loadPolicies, renderPolicies, wirePolicies } from './maker-policies.ts';
import { loadRegistry, renderRegistry, wireRegistry } from './maker-registry.ts';
import { auth, hasToken, wireTokenForm } from './session.ts';

/**
 * The maker's page (issue 25): what a manufacturer's service manager kept up with curl until
 * now — technicians and their certificates, product models and main parts, genuine parts, and
 * the maker's own 三包 policies — for a signed-in manufacturer account or a manufacturer token.
 * The maker is the one the service names for the account or token (`GET /api/v1/session`),
 * never typed: the service also stamps and checks it on every write (core/tenant.ts). Outlets
 * stay on the fleet page, beside their compliance scorecards; this page links there.
 */
type Who = { role: string | null; subject: string | null };

async function whoAmI(): Promise<Who> {
  if (!hasToken()) return { role: null, subject: null };
  return getJson<Who>('/api/v1/session', auth()).catch((err: unknown) => {
    if (err instanceof ApiError && err.status === 401) return { role: null, subject: null };
    throw err;
  });
}

let who: Who = { role: null, subject: null };

function renderWho(): void {
  const box = $('maker-who');
  box.textContent =
    state.maker !== null
      ? tm('makerIs', { maker: state.maker })
      : who.role === 'manufacturer'
        ? tm('makerNotConfined')
        : tm('makerNeedsMaker');
  $('maker-view').hidden = state.maker === null;
}

async function load(): Promise<void> {
  showError('maker-error', undefined);
  who = await whoAmI();
  state.maker = who.role === 'manufacturer' && who.subject ? who.subject : null;
  renderWho();
  await Promise.all([loadRegistry(), loadPolicies()]);
}

const reload = () => load().catch((err: unknown) => showError('maker-error', err));

function start(): void {
  initPage();
  wireMakerTexts();
  onLangChange(() => {
    fillCategories();
    renderWho();
    renderRegistry();
    renderPolicies();
  });
  wireRegistry(reload);
  wirePolicies(reload);
  wireTokenForm(() => void reload());
}

start();
