import type { Device, Health } from './api-types.ts';
import { formatWhen, h, lang, t } from './common.ts';
import { categoryName, type Key } from './i18n.ts';
import { componentLabel, modeLabel } from './names.ts';
import type { UnitStatus } from './owner.ts';

/**
 * The device page's plain sections, rendered from the API's answers: the device, its health
 * (score, per mode, each sensor's points, remaining life) and the unit's 三包 status and repair
 * history.
 */

export function section(id: string, title: string, ...body: Array<Node | null>): HTMLElement {
  return h(
    'section',
    { class: 'card', id, 'aria-labelledby': `${id}-h` },
    h('h2', { id: `${id}-h` }, title),
    ...body,
  );
}

export const fmt = (x: number | null, digits = 1) =>
  x === null
    ? '—'
    : x.toLocaleString(lang() === 'zh' ? 'zh-CN' : 'en', { maximumFractionDigits: digits });

function duration(ms: number | null): string {
  if (ms === null) return t('unbounded');
  const d = ms / 86_400_000;
  return d >= 1 ? t('days', { n: fmt(d) }) : t('hours', { n: fmt(ms / 3_600_000) });
}

export function factsSection(d: Device): HTMLElement {
  return section(
    'device',
    `${t('device')} ${d.serial}`,
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, t('deviceId')),
      h('dd', { id: 'device-id' }, h('code', {}, d.id)),
      h('dt', {}, t('category')),
      h('dd', {}, `${categoryName(lang(), d.category)} · ${d.model}`),
      h('dt', {}, t('status')),
      h(
        'dd',
        {},
        h(
          'span',
          { class: `badge ${d.online ? 'ok' : 'muted'}` },
          d.online ? t('online') : t('offline'),
        ),
        d.disabled ? h('span', { class: 'badge warn' }, ` ${t('disabled')}`) : null,
      ),
      h('dt', {}, t('lastSeen')),
      h('dd', {}, d.lastSeenAt ? formatWhen(d.lastSeenAt) : t('never')),
    ),
  );
}

export function healthSection(hl: Health | undefined): HTMLElement {
  if (!hl) return section('health', t('health'), h('p', {}, t('noHealth')));
  const tone = hl.score >= 80 ? 'ok' : hl.score >= 50 ? 'warn' : 'bad';
  const rows = [...hl.modes]
    .sort((a, b) => a.score - b.score)
    .map((m) => {
      const contributions = m.contributions
        .filter((c) => (c.points ?? 0) > 0)
        .sort((a, b) => (b.points ?? 0) - (a.points ?? 0));
      return h(
        'tr',
        { 'data-mode': m.modeId },
        h('td', { 'data-label': t('mode') }, modeLabel(hl.category, m.modeId)),
        h('td', { 'data-label': t('score'), class: 'num' }, fmt(m.score, 0)),
        h(
          'td',
          { 'data-label': t('contributions') },
          contributions.length === 0
            ? '—'
            : h(
                'ul',
                { class: 'contribs' },
                ...contributions.map((c) =>
                  h(
                    'li',
                    { 'data-metric': c.metric },
                    h('span', { class: 'metric' }, c.metric),
                    h('meter', {
                      min: '0',
                      max: '100',
                      value: String(c.points ?? 0),
                      'aria-label': `${c.metric}: −${fmt(c.points)} ${t('points')}`,
                    }),
                    h('span', { class: 'num' }, `−${fmt(c.points)}`),
                    h('small', {}, ` ${fmt(c.value, 2)} (${t('baseline')} ${fmt(c.baseline, 2)})`),
                  ),
                ),
              ),
        ),
        h(
          'td',
          { 'data-label': t('rul') },
          m.rul && m.rul.rulMs !== null
            ? `${duration(m.rul.rulMs)} (${duration(m.rul.lowMs)} – ${duration(m.rul.highMs)}, ${Math.round(m.rul.confidence * 100)} %)`
            : '—',
        ),
      );
    });
  return section(
    'health',
    t('health'),
    h(
      'p',
      { class: 'big-score' },
      h(
        'span',
        { id: 'health-score', class: `score ${tone}`, 'data-score': String(hl.score) },
        fmt(hl.score, 0),
      ),
      h('span', { class: 'muted' }, ` / 100 · ${hl.ts ? formatWhen(hl.ts) : ''}`),
    ),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'stack', id: 'modes-table' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ...(['mode', 'score', 'contributions', 'rul'] as Key[]).map((k) =>
              h('th', { scope: 'col' }, t(k)),
            ),
          ),
        ),
        h('tbody', {}, ...rows),
      ),
    ),
  );
}

export function warrantySection(w: UnitStatus | null | undefined): HTMLElement {
  if (w === undefined) return section('warranty', t('warranty'), h('p', {}, t('loading')));
  if (w === null) return section('warranty', t('warranty'), h('p', { id: 'no-unit' }, t('noUnit')));
  const cols: Key[] = ['droppedOff', 'handedBack', 'faultCode', 'component', 'reportedFault'];
  return section(
    'warranty',
    t('warranty'),
    h(
      'p',
      { class: 'item-head' },
      h('strong', {}, `${t('remedyToday')}: `),
      h('span', { id: 'unit-remedy', 'data-remedy': w.remedy }, t(`remedy_${w.remedy}`)),
      ` · ${t('periodStart')} ${w.periodStart}`,
    ),
    w.history.length === 0
      ? h('p', {}, t('noHistory'))
      : h(
          'table',
          { class: 'stack', id: 'repairs-table' },
          h('caption', { class: 'caption' }, t('history')),
          h('thead', {}, h('tr', {}, ...cols.map((k) => h('th', { scope: 'col' }, t(k))))),
          h(
            'tbody',
            {},
            ...w.history.map((r) =>
              h(
                'tr',
                { 'data-seq': String(r.seq) },
                h('td', { 'data-label': t('droppedOff') }, formatWhen(r.droppedOffAt)),
                h(
                  'td',
                  { 'data-label': t('handedBack') },
                  r.handedBackAt ? formatWhen(r.handedBackAt) : t('stillInRepair'),
                ),
                h('td', { 'data-label': t('faultCode') }, h('code', {}, r.faultCode)),
                h('td', { 'data-label': t('component') }, componentLabel(r.component)),
                h('td', { 'data-label': t('reportedFault') }, r.reportedFault),
              ),
            ),
          ),
        ),
  );
}
