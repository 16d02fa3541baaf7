import type { CaseView } from '../../cases/index.ts';
import { formatWhen, h, pick } from './common.ts';
import { tc, type CKey } from './cases-i18n.ts';
import './cases.css';

/**
 * How a case reads on the owner's and the desk's pages: its state, the remedy owed with its
 * clause, each deadline with its clause and clock, the answer, the outcome, the flags. Every
 * text from the API goes in as a text node (common.ts `h`): an owner's `<script>` is shown,
 * never run.
 */
export type { CaseView };
export type Deadline = CaseView['deadlines'][number];

export const kindText = (k: CaseView['kind']) => tc(`kindShort_${k}` as CKey);
export const remedyText = (r: string) => tc(`remedy_${r}` as CKey);

export function statusBadge(c: CaseView): HTMLElement {
  const tone = c.status === 'closed' ? 'muted' : c.status === 'answered' ? 'ok' : 'warn';
  return h(
    'span',
    { class: `badge ${tone}`, 'data-status': c.status },
    tc(`status_${c.status}` as CKey),
  );
}

/** The clock of a pending deadline: working days left, or overdue. */
export function clockText(d: Deadline): string {
  if (d.status !== 'pending' || !d.clock) return tc(`dls_${d.status}` as CKey);
  return d.clock.overdue ? tc('overdue') : tc('left', { n: d.clock.workingDaysLeft });
}

export function deadlineList(c: CaseView): HTMLElement {
  return h(
    'ul',
    { class: 'deadlines' },
    ...c.deadlines.map((d) => {
      const tone =
        d.status === 'missed' || d.clock?.overdue
          ? 'bad'
          : d.status === 'met'
            ? 'ok'
            : d.status === 'moot'
              ? 'muted'
              : 'warn';
      return h(
        'li',
        { 'data-deadline': d.key, 'data-state': d.status },
        h('strong', {}, tc(`dl_${d.key}` as CKey)),
        ' ',
        tc('due', { date: d.due }),
        ' ',
        h('span', { class: `badge ${tone}`, 'data-clock': '' }, clockText(d)),
        h(
          'span',
          { class: 'clause' },
          `${d.clause}${d.uncertain ? ` · ${tc('uncertainDeadline')}` : ''}`,
        ),
        h('span', { class: 'muted small' }, pick(d.explanation)),
      );
    }),
  );
}

/** The body of a case card (everything but its heading and actions). */
export function caseBody(c: CaseView): DocumentFragment {
  const f = document.createDocumentFragment();
  const facts = h(
    'p',
    { class: 'case-facts' },
    statusBadge(c),
    ' ',
    h('span', {}, `${tc('opened')}: ${formatWhen(c.openedAt)}`),
    c.escalation !== 'none'
      ? h(
          'span',
          { class: 'badge bad', 'data-escalation': c.escalation },
          tc(`escalated_${c.escalation}` as CKey),
        )
      : null,
  );
  f.append(
    facts,
    h('p', { class: 'case-text', 'data-field': 'description' }, c.request.description),
  );
  if (c.decision)
    f.append(
      h(
        'p',
        { 'data-field': 'owed' },
        h('strong', {}, `${tc('owed')}: `),
        remedyText(c.decision.owed.remedy),
        h('span', { class: 'clause' }, c.decision.owed.clause),
      ),
    );
  if (c.deadlines.length) f.append(h('h4', {}, tc('deadlinesTitle')), deadlineList(c));
  if (c.answer)
    f.append(
      h(
        'div',
        { 'data-field': 'answer' },
        h('h4', {}, `${tc('answer')} · ${tc(`decision_${c.answer.decision}` as CKey)}`),
        h('p', { class: 'case-text' }, c.answer.text),
        c.answer.reasons
          ? h('p', { class: 'case-text' }, `${tc('reasons')}: ${c.answer.reasons}`)
          : null,
      ),
    );
  if (c.resolution)
    f.append(
      h(
        'div',
        { 'data-field': 'resolution' },
        h('h4', {}, `${tc('outcome')} · ${remedyText(c.resolution.remedyGranted)}`),
        h('p', { class: 'case-text' }, c.resolution.text),
        c.resolution.reasons
          ? h('p', { class: 'case-text' }, `${tc('reasons')}: ${c.resolution.reasons}`)
          : null,
      ),
    );
  if (c.flags.length)
    f.append(
      h('h4', {}, tc('flags')),
      h(
        'ul',
        { class: 'flags' },
        ...c.flags.map((x) =>
          h(
            'li',
            { 'data-rule': x.rule },
            pick(x.message),
            h('span', { class: 'clause' }, x.clause),
          ),
        ),
      ),
    );
  return f;
}
