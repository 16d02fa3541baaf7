import { deadlineMissed } from './deadline-missed.ts';
import { refusalWithoutReasons } from './refusal-without-reasons.ts';
import { remedyBelowOwed } from './remedy-below-owed.ts';
import { repeatFault } from './repeat-fault.ts';
import type { CaseRule, RuleContext } from './rule.ts';
import type { NewFinding } from '../findings.ts';

/**
 * The 推诿扯皮 rules, a named array (docs/style.md §5): each runs after every step of a case and
 * says what that step revealed. Counted against the outlet, seller and maker on the finding.
 */
export const CASE_RULES: readonly CaseRule[] = [
  deadlineMissed,
  remedyBelowOwed,
  refusalWithoutReasons,
  repeatFault,
];

export function detect(ctx: RuleContext): NewFinding[] {
  return CASE_RULES.flatMap((r) => r.detect(ctx));
}

export { repeatedCase, REPEAT_WINDOW_DAYS } from './repeat-fault.ts';
export { REMEDY_ZH } from './remedy-below-owed.ts';
export type { CaseRule, RuleContext } from './rule.ts';
