import { partiesOf } from '../findings.ts';
import { REMEDY_RANK } from '../model.ts';
import { t } from '../text.ts';
import type { CaseRule } from './rule.ts';

/**
 * A claim closed with less than it was owed: the engine's decision at opening gave the owner
 * the remedy asked for (or the most the law gives below it), with its clause, and the outlet
 * granted a lesser one — a repair where an exchange was owed. The owed remedy's clause is the
 * one broken; withholding it is the unreasonable refusal of 消费者权益保护法 Art. 56 ¶1(8).
 */
export const remedyBelowOwed: CaseRule = {
  id: 'remedy_below_owed',
  detect({ case: c, step, now }) {
    if (step !== 'close' || c.kind !== 'claim' || !c.decision || !c.resolution) return [];
    const owed = c.decision.owed;
    const granted = c.resolution.remedyGranted;
    if (REMEDY_RANK[granted] >= REMEDY_RANK[owed.remedy]) return [];
    return [
      {
        dedupeKey: `case:${c.id}:remedy_below_owed`,
        source: 'case',
        rule: 'remedy_below_owed',
        severity: 'violation',
        clause: `${owed.clause}; CPL Art. 56 ¶1(8)`,
        message: t(
          `案件${c.id}应予${REMEDY_ZH[owed.remedy]}（${owed.clause}），实际给予${REMEDY_ZH[granted]}：推诿扯皮`,
          `case ${c.id} was owed ${owed.remedy} (${owed.clause}) and was closed with ${granted}`,
        ),
        evidence: {
          owed: owed.remedy,
          owedClause: owed.clause,
          granted,
          decidedOn: c.decision.evaluationDate,
          policy: c.decision.policy,
          closedBy: c.resolution.by,
          ...(c.resolution.repairRef ? { repairRef: c.resolution.repairRef } : {}),
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

export const REMEDY_ZH = {
  none: '不予三包',
  repair: '修理',
  assembly_swap: '总成更换',
  exchange: '更换',
  return: '退货',
} as const;
