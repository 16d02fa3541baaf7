import { partiesOf } from '../findings.ts';
import type { Case } from '../model.ts';
import { t } from '../text.ts';
import { TUIWEI, type CaseRule } from './rule.ts';

/**
 * The same owner back about the same fault: a claim or complaint opened for a unit whose earlier
 * claim or complaint about the same fault (same fault code; the same component when neither has
 * a code) was closed within REPEAT_WINDOW_DAYS. The earlier handling did not settle it, so the
 * finding counts against the outlet, seller and maker of the earlier case. The window is the
 * platform's choice, not a legal one (the campaign names 推诿扯皮, without a period).
 */
export const REPEAT_WINDOW_DAYS = 90;

export function sameFault(a: Case, b: Case): boolean {
  const fa = a.request.fault;
  const fb = b.request.fault;
  if (fa.code || fb.code) return fa.code !== undefined && fa.code === fb.code;
  return fa.component !== undefined && fa.component === fb.component;
}

/** The earlier closed case this one repeats, if any (newest first in `earlier`). */
export function repeatedCase(c: Case, earlier: readonly Case[], now: string): Case | undefined {
  if (c.kind === 'consultation') return undefined;
  const since = Date.parse(now) - REPEAT_WINDOW_DAYS * 86_400_000;
  return earlier.find(
    (e) =>
      e.id !== c.id &&
      e.kind !== 'consultation' &&
      e.status === 'closed' &&
      e.closedAt !== null &&
      Date.parse(e.closedAt) >= since &&
      sameFault(c, e),
  );
}

export const repeatFault: CaseRule = {
  id: 'repeat_fault',
  detect({ case: c, step, now, earlier }) {
    if (step !== 'open') return [];
    const e = repeatedCase(c, earlier, now);
    if (!e) return [];
    const outletId = e.resolution?.outletId ?? e.outletId;
    return [
      {
        dedupeKey: `case:${c.id}:repeat_fault`,
        source: 'case',
        rule: 'repeat_fault',
        severity: 'violation',
        clause: `${TUIWEI} (2024 campaign, item 1 [S]); CPL Art. 56 ¶1(8)`,
        message: t(
          `同一车主就同一故障再次投诉/索赔（案件${c.id}，前案${e.id}已于${e.closedAt?.slice(0, 10)}结案）`,
          `the same owner is back about the same fault (case ${c.id}; case ${e.id} closed on ${e.closedAt?.slice(0, 10)})`,
        ),
        evidence: {
          earlierCase: e.id,
          earlierClosedAt: e.closedAt,
          earlierRemedy: e.resolution?.remedyGranted ?? null,
          fault: c.request.fault,
        },
        caseId: c.id,
        serial: c.serial,
        category: c.category,
        ...partiesOf({ ...e, outletId: outletId ?? null }),
        detectedAt: now,
      },
    ];
  },
};
