import type { NewFinding } from '../findings.ts';
import type { Case, Deadline } from '../model.ts';

/**
 * A 推诿扯皮 detection rule (docs/style.md §6): a small pure function with a fixed contract, one per
 * file, each citing its clause. It looks at a case right after a step of its lifecycle and
 * returns the findings that step produced; time comes from the context, never from a clock.
 */
export interface RuleContext {
  /** The case after the step. */
  case: Case;
  /** The step that ran. */
  step: 'open' | 'answer' | 'close' | 'sweep';
  /** When the step happened (the case clock). */
  now: string;
  /** Deadlines the step found missed. */
  missed: readonly Deadline[];
  /** The unit's earlier cases (for repeats), newest first. */
  earlier: readonly Case[];
}

export interface CaseRule {
  id: string;
  detect(ctx: RuleContext): NewFinding[];
}

/** The campaign's name for the violation these rules find (2024 provincial campaign, item 1). */
export const TUIWEI = '推诿扯皮';
