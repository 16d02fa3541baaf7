import { type CaseContext, t } from './case-context.ts';
import type {
  Amount,
  Counter,
  Deadline,
  Note,
  RemedyKind,
  RemedyOption,
  Text,
} from './evaluation-schema.ts';
import type { Cause, SourceTag, Term } from './policy-schema.ts';

/**
 * What a rule set (car or goods) contributes to a decision, and small builders for its rows.
 */
export interface Exclusion {
  reason: string;
  clause: string;
  explanation: Text;
}

export interface Outcome {
  remedies: RemedyOption[];
  /** Paid repair the owner may buy: listed, never a 三包 remedy (issue 20, class 1). */
  offers: RemedyOption[];
  deadlines: Deadline[];
  counters: Counter[];
  exclusions: Exclusion[];
  notes: Note[];
}

export const emptyOutcome = (): Outcome => ({
  remedies: [],
  offers: [],
  deadlines: [],
  counters: [],
  exclusions: [],
  notes: [],
});

/** A remedy row granted by `grant` (a Term, Flag or clause string with its source). */
export function remedy(
  kind: RemedyKind,
  grant: { clause: string; source: SourceTag; uncertain: boolean },
  explanation: Text,
  opts: {
    scope?: RemedyOption['scope'];
    target?: string;
    amount?: { owed: number | null; basis?: Amount };
  } = {},
): RemedyOption {
  const free = kind !== 'paid_repair' && (opts.amount === undefined || opts.amount.owed === 0);
  return {
    kind,
    scope: opts.scope ?? 'unit',
    ...(opts.target ? { target: opts.target } : {}),
    free,
    amountOwedCNY: free ? 0 : (opts.amount?.owed ?? null),
    ...(opts.amount?.basis ? { amountBasis: opts.amount.basis } : {}),
    clause: grant.clause,
    source: grant.source,
    uncertain: grant.uncertain || (opts.amount?.basis?.uncertain ?? false),
    explanation,
  };
}

/** A counter toward the next remedy: `more_than` for "超过 N" (Art. 1259), `at_least` for "N 次后". */
export function counter(
  key: string,
  term: Term,
  count: number,
  rule: Counter['rule'],
  explanation: Text,
): Counter {
  return {
    key,
    clause: term.clause,
    count,
    limit: term.value,
    rule,
    reached: rule === 'more_than' ? count > term.value : count >= term.value,
    explanation,
  };
}

/** The exclusion row for a non-quality cause, with the policy's clause. */
export function exclusionFor(ctx: CaseContext, cause: Cause): Exclusion | undefined {
  if (cause === 'quality') return undefined;
  const x = ctx.policy.exclusions[cause];
  const label: Record<Exclude<Cause, 'quality'>, Text> = {
    consumer_misuse: t('消费者未按说明书使用导致损坏', 'damage from use contrary to the manual'),
    consumer_no_maintenance: t('消费者未按要求维护保养导致损坏', 'damage from missing maintenance'),
    consumer_modification: t(
      '消费者自行改装、调整导致损坏',
      'damage from the owner’s modification or adjustment',
    ),
    unauthorized_disassembly: t(
      '非三包修理者拆动导致损坏',
      'damage after disassembly by someone other than the 三包 repairer',
    ),
    force_majeure: t('不可抗力造成损坏', 'damage from force majeure'),
    disclosed_defect: t(
      '购买时已书面告知的瑕疵',
      'a defect the buyer was told of in writing at purchase',
    ),
    improper_handling: t(
      '出现质量问题后消费者自行处置不当造成损坏',
      'damage from the owner’s own improper handling after the problem appeared',
    ),
    certificate_mismatch: t(
      '三包凭证型号与产品不符或被涂改',
      'the 三包凭证 does not match the product or was altered',
    ),
  };
  return {
    reason: cause,
    clause: x?.clause ?? 'no exclusion clause in this policy',
    explanation: t(
      `${label[cause].zh}，该问题不适用三包（可另行收费修理）`,
      `${label[cause].en}: no 三包 for this problem (a paid repair may be offered)`,
    ),
  };
}

/** The paid-repair fallback for a current fault nothing else covers. */
export function paidRepair(clause: string, why: Text): RemedyOption {
  return remedy('paid_repair', { clause, source: 'derived', uncertain: false }, why);
}

/** Formats CNY to cents. */
export const cny = (x: number): number => Math.round(x * 100) / 100;
