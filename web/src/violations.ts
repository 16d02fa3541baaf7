import { formatWhen, getJson, h, initPage, onLangChange, pick, t } from './common.ts';
import { tc, wireCaseTexts, type CKey } from './cases-i18n.ts';
import './cases.css';

/**
 * The public page of violations a regulator confirmed and published (信息公开, issue 23):
 * `GET /api/v1/public/violations`, no token. Each party with what it did (rule, clause, when),
 * whether it was rectified, and the blacklist flag with its reason.
 */
interface Disclosure {
  id: string;
  party: { kind: 'outlet' | 'seller' | 'maker'; id: string; name: string };
  summary: string;
  blacklisted: boolean;
  blacklistReason: string | null;
  publishedAt: string;
  violations: Array<{
    rule: string;
    clause: string;
    message: { zh: string; en: string };
    detectedAt: string;
    status: string;
    rectifiedAt: string | null;
  }>;
}

let list: Disclosure[] | undefined;

function render(): void {
  const box = document.getElementById('disclosures')!;
  if (!list) return;
  if (!list.length) return box.replaceChildren(h('p', { class: 'muted' }, tc('noViolations')));
  box.replaceChildren(
    ...list.map((d) =>
      h(
        'article',
        {
          class: 'card case-card',
          'data-disclosure': d.id,
          'data-blacklisted': String(d.blacklisted),
        },
        h('h2', {}, `${tc(`party_${d.party.kind}` as CKey)}: ${d.party.name} (${d.party.id})`),
        d.blacklisted
          ? h(
              'p',
              { 'data-field': 'blacklist' },
              h('span', { class: 'badge bad' }, tc('blacklisted')),
              ` ${tc('blacklistReason')}: `,
              d.blacklistReason ?? '',
            )
          : null,
        h('p', { class: 'case-text' }, d.summary),
        h(
          'ul',
          { class: 'flags' },
          ...d.violations.map((v) =>
            h(
              'li',
              { 'data-rule': v.rule },
              `${formatWhen(v.detectedAt)} · ${pick(v.message)} · `,
              v.rectifiedAt
                ? tc('rectifiedOn', { date: formatWhen(v.rectifiedAt) })
                : tc('notRectified'),
              h('span', { class: 'clause' }, v.clause),
            ),
          ),
        ),
        h('p', { class: 'muted small' }, `${tc('published')}: ${formatWhen(d.publishedAt)}`),
      ),
    ),
  );
}

initPage();
wireCaseTexts();
onLangChange(() => {
  document.title = `${tc('violationsTitle')} · ${t('appName')}`;
  render();
});
getJson<{ disclosures: Disclosure[] }>('/api/v1/public/violations').then(
  (r) => {
    list = r.disclosures;
    render();
  },
  (err: unknown) => {
    const box = document.getElementById('violations-error')!;
    box.hidden = false;
    box.textContent = `${t('requestFailed')}: ${String(err)}`;
  },
);
