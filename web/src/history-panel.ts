import { ta, type AKey } from './admin-i18n.ts';
import { formatWhen, getJson, h, lang } from './common.ts';
import { auth, errorText } from './session.ts';

/**
 * One resource's history from the audit trail (`GET /api/v1/audit/history?resource=kind:key`):
 * who changed it, when, what they did and from where (the client address is shown only to an
 * admin; others see whether it came from a signed-in session or which API token). Used on the
 * engineer's alert detail; any page may show one for an order or a unit the same way.
 */
export interface HistoryEntry {
  seq: number;
  at: string;
  userId: string | null;
  tokenId: string | null;
  role: string | null;
  subject: string | null;
  method: string;
  route: string;
  status: number;
  address?: string | null;
}

/** What a known route did, in words; else the method and route. */
function what(e: HistoryEntry): string {
  const m = /\/(ack|assign|resolve|dismiss)$/.exec(e.route);
  if (m) return ta(`what_${m[1]}` as AKey);
  if (e.route === '/api/v1/repair-orders') return ta('what_order');
  const o = /^\/api\/v1\/repair-orders\/:id\/(close|cancel)$/.exec(e.route);
  if (o) return ta(o[1] === 'close' ? 'what_orderClose' : 'what_orderCancel');
  if (e.route === '/api/v1/warranty/units') return ta('what_unit');
  if (e.route === '/api/v1/devices') return ta('what_device');
  if (e.route === '/api/v1/units/:serial/repairs') return ta('what_repair');
  return `${e.method} ${e.route}`;
}

function where(e: HistoryEntry): string {
  // A session's requests carry `session:<id>` where a token's carry the token's id.
  const via =
    e.tokenId && !e.tokenId.startsWith('session:')
      ? ta('viaToken', { id: e.tokenId })
      : ta('viaSession');
  return e.address ? `${e.address} · ${via}` : via;
}

function table(entries: HistoryEntry[]): HTMLElement {
  return h(
    'table',
    { class: 'history-table' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ...(['historyWhen', 'historyWho', 'historyWhat', 'historyWhere'] as const).map((k) =>
          h('th', { scope: 'col' }, ta(k)),
        ),
      ),
    ),
    h(
      'tbody',
      {},
      ...entries.map((e) =>
        h(
          'tr',
          { 'data-seq': String(e.seq) },
          h('td', {}, h('time', { datetime: e.at }, formatWhen(e.at))),
          h(
            'td',
            {},
            `${e.subject ?? e.userId ?? e.tokenId ?? '—'}${e.role ? ` (${e.role})` : ''}`,
          ),
          h(
            'td',
            {},
            what(e),
            e.status >= 400 ? ` — ${ta('refused', { status: e.status })}` : null,
          ),
          h('td', {}, where(e)),
        ),
      ),
    ),
  );
}

/**
 * A history panel for `resource` (e.g. `alert:a1`): a heading at `level` and a table filled
 * once the trail answers (`title`: another heading than "History"). `version` names the resource's state: the same resource and version
 * (and language) give back the same panel (no reload on a re-render); a new one loads again.
 * One panel is kept per resource, so a page may show several (an order's and its unit's).
 */
const cache = new Map<string, { key: string; panel: HTMLElement }>();
export function historyPanel(
  resource: string,
  version: string,
  level: 'h2' | 'h3' = 'h3',
  title?: () => string,
) {
  const key = `${resource}|${version}|${lang()}`;
  const kept = cache.get(resource);
  if (kept?.key === key) return kept.panel;
  const id = `history-${resource.replace(/[^A-Za-z0-9]/g, '-')}`;
  const body = h('div', { class: 'history-body', 'aria-live': 'polite' }, ta('historyLoading'));
  const panel = h(
    'section',
    { class: 'history', id, 'aria-labelledby': `${id}-h`, 'data-resource': resource },
    h(level, { id: `${id}-h` }, title ? title() : ta('historyTitle')),
    body,
  );
  if (cache.size >= 20) cache.clear();
  cache.set(resource, { key, panel });
  getJson<{ entries: HistoryEntry[] }>(
    `/api/v1/audit/history?resource=${encodeURIComponent(resource)}&limit=50`,
    auth(),
  ).then(
    (r) =>
      body.replaceChildren(
        r.entries.length === 0 ? h('p', { class: 'muted' }, ta('historyEmpty')) : table(r.entries),
      ),
    (err: unknown) => {
      if (cache.get(resource)?.key === key) cache.delete(resource);
      body.replaceChildren(h('p', { class: 'error' }, ta('historyError', { why: errorText(err) })));
    },
  );
  return panel;
}
