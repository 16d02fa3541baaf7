import { partiesOf } from '../findings.ts';
import { t } from '../text.ts';
import type { CaseRule } from './rule.ts';

/**
 * A deadline passed with the case not answered or not carried out: the clause that set it
 * (CAR21 Art. 28, 侵害消费者权益行为处罚办法 Art. 8, or the maker's own commitment). Counted
 * once per deadline of a case, whenever it is noticed (sweep or the late action itself).
 */
export const deadlineMissed: CaseRule = {
  id: 'deadline_missed',
  detect({ case: c, now, missed }) {
    return missed.map((d) => ({
      dedupeKey: `case:${c.id}:deadline:${d.key}`,
      source: 'case' as const,
      rule: 'deadline_missed',
      severity: d.basis === 'platform' ? ('warning' as const) : ('violation' as const),
      clause: d.clause,
      message: t(
        `案件${c.id}超过${KEY_ZH[d.key]}期限（${d.due}，${d.clause}）`,
        `case ${c.id} missed its ${d.key} deadline (${d.due}, ${d.clause})`,
      ),
      evidence: { deadline: d.key, due: d.due, dueAt: d.dueAt, noticedAt: now, basis: d.basis },
      caseId: c.id,
      serial: c.serial,
      category: c.category,
      ...partiesOf(c),
      detectedAt: now,
    }));
  },
};

const KEY_ZH = { answer: '答复', fulfil: '履行', delay: '拖延认定' } as const;
