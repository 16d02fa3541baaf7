import { partiesOf } from '../findings.ts';
import { t } from '../text.ts';
import type { CaseRule } from './rule.ts';

/**
 * A refusal that gives no reasons: an answer that refuses a claim or a complaint, or a claim
 * closed with nothing granted, with the reasons left empty. CAR21 Art. 28 ¶1 requires the
 * seller's answer to state its reasons; refusing without a good reason is what
 * 侵害消费者权益行为处罚办法 Art. 8 calls unreasonable refusal. One finding per case.
 */
export const refusalWithoutReasons: CaseRule = {
  id: 'refusal_without_reasons',
  detect({ case: c, step, now }) {
    const answered =
      step === 'answer' && c.answer?.decision === 'refuse' && !c.answer.reasons?.trim();
    const closed =
      step === 'close' &&
      c.kind === 'claim' &&
      c.resolution?.remedyGranted === 'none' &&
      !c.resolution.reasons?.trim();
    if (c.kind === 'consultation' || !(answered || closed)) return [];
    const clause =
      c.category === 'household_car' ? 'CAR21 Art. 28 ¶1' : '侵害消费者权益行为处罚办法 Art. 8';
    return [
      {
        dedupeKey: `case:${c.id}:refusal_without_reasons`,
        source: 'case',
        rule: 'refusal_without_reasons',
        severity: 'violation',
        clause,
        message: t(
          `案件${c.id}被拒绝但未说明理由（${clause}）`,
          `case ${c.id} was refused without reasons (${clause})`,
        ),
        evidence: {
          step,
          by: (answered ? c.answer?.by : c.resolution?.by) ?? null,
          text: (answered ? c.answer?.text : c.resolution?.text) ?? '',
        },
        caseId: c.id,
        serial: c.serial,
        category: c.category,
        ...partiesOf(c),
        detectedAt: now,
      },
    ];
  },
};
