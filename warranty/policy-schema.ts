import { z } from 'zod';

/**
 * A 三包 policy as data (docs/design.md "Policies are data"). Every number is a `Term` that carries
 * the clause granting it and a source tag from docs/sanbao-rules.md ([P] primary, [R] reproduced,
 * [S] secondary, NOT_FOUND). Facts the reference marks secondary or missing are `uncertain: true`
 * with a note, and stay configurable through manufacturer policies.
 */
export const SourceTagSchema = z.enum(['P', 'R', 'S', 'NOT_FOUND', 'derived', 'manufacturer']);
export type SourceTag = z.infer<typeof SourceTagSchema>;

const provenance = {
  clause: z.string().min(1),
  source: SourceTagSchema,
  uncertain: z.boolean(),
  note: z.string().optional(),
};

export const TermSchema = z.object({
  value: z.number().nonnegative(),
  unit: z.enum(['days', 'months', 'km', 'count', 'rate', 'rate_per_day', 'working_days']),
  ...provenance,
});
export type Term = z.infer<typeof TermSchema>;

/**
 * Which way each term favours the owner. `higher`: a longer period or window is more generous;
 * `lower`: a lower limit (fewer repairs before exchange, a lower depreciation rate) is more
 * generous. Kept in code, not data, so a policy cannot flip it.
 */
export const TERM_DIRECTION = {
  wholeUnitMonths: 'higher', // 三包有效期 / 整机三包有效期
  wholeUnitKm: 'higher',
  repairMonths: 'higher', // CAR21 包修期
  repairKm: 'higher',
  mainPartMonths: 'higher', // P95/PC 主要部件三包有效期
  returnWindowDays: 'higher',
  exchangeWindowDays: 'higher',
  assemblySwapDays: 'higher', // CAR21 Art. 20
  assemblySwapKm: 'higher',
  safetyWindowDays: 'higher', // CAR21 Art. 23
  safetyWindowKm: 'higher',
  seriousSafetyRepairLimit: 'lower', // CAR21 Art. 24(1)
  assemblyReplacementLimit: 'lower', // CAR21 Art. 24(2)
  mainPartReplacementLimit: 'lower', // CAR21 Art. 24(3)
  sameProblemRepairLimit: 'lower', // CAR21 Art. 24(4)
  cumulativeRepairDaysLimit: 'lower', // CAR21 Art. 24(4)
  courtesyCarAfterDays: 'lower', // CAR21 Art. 21
  usageCoefficientMax: 'lower', // CAR21 Art. 27
  sellerAnswerWorkingDays: 'lower', // CAR21 Art. 28
  exchangeCompletionWorkingDays: 'lower',
  repairCountLimit: 'lower', // P95 Art. 11, PHONE Art. 13
  partsWaitingLimitDays: 'lower', // P95 Art. 12, PHONE Art. 16
  repairerDelayLimitDays: 'lower', // P95 Art. 12
  loanerAfterDays: 'lower', // PHONE Art. 15
  accessoryExchangeLimit: 'lower', // PHONE Art. 14
  depreciationPerDay: 'lower', // P95 Art. 13 catalogue rate
} as const;
export type TermKey = keyof typeof TERM_DIRECTION;
export const TERM_KEYS = Object.keys(TERM_DIRECTION) as TermKey[];
const TermKeySchema = z.enum(TERM_KEYS as [TermKey, ...TermKey[]]);

/** A yes/no rule with its provenance (e.g. P95 Art. 8 extension by repair days). */
export const FlagSchema = z.object({ value: z.boolean(), ...provenance });
export type Flag = z.infer<typeof FlagSchema>;

/** A named list of components or parts with its provenance. */
export const PartListSchema = z.object({ names: z.array(z.string()), ...provenance });
export type PartList = z.infer<typeof PartListSchema>;

export const CauseSchema = z.enum([
  'quality',
  'consumer_misuse',
  'consumer_no_maintenance',
  'consumer_modification',
  'unauthorized_disassembly',
  'force_majeure',
  /** CAR21 Art. 32(1): a defect the buyer was told of in writing at purchase. */
  'disclosed_defect',
  /** CAR21 Art. 32(4): damage from the owner's own improper handling after the problem appeared. */
  'improper_handling',
  /** P95 exclusions (4): the 三包凭证's model does not match the product, or it was altered. */
  'certificate_mismatch',
]);
export type Cause = z.infer<typeof CauseSchema>;

/** `MAKER`: no national rules; the maker's own terms, evaluated as goods (maker-policy.ts). */
export const RegimeSchema = z.enum(['CAR21', 'P95', 'PHONE', 'PC', 'CPL', 'MAKER']);
export type Regime = z.infer<typeof RegimeSchema>;

/** What is lost when the owner has neither invoice nor 三包凭证, from best to worst for the owner. */
export const MISSING_DOCUMENT_EFFECTS = ['none', 'no_return', 'repair_only', 'no_sanbao'] as const;

/** P95 Art. 13 style returns when exchange is due, from best to worst for the owner. */
export const RETURN_INSTEAD_EFFECTS = ['with_depreciation', 'only_if_no_same_model', 'no'] as const;

export const PolicySchema = z
  .object({
    id: z.string().min(1),
    version: z.string().min(1),
    regime: RegimeSchema,
    category: z.string().min(1),
    title: z.string(),
    issuer: z.enum(['national', 'manufacturer']),
    manufacturer: z.string().optional(),
    /** The product model a saved maker policy is for. */
    model: z.string().optional(),
    /** Id@version of the national baseline a manufacturer policy builds on. */
    basedOn: z.string().optional(),
    effectiveFrom: z.iso.date(),
    effectiveTo: z.iso.date().optional(),
    startRule: z.object({
      kind: z.enum(['invoice_or_delivery', 'installation_or_invoice', 'invoice', 'delivery']),
      ...provenance,
    }),
    terms: z.partialRecord(TermKeySchema, TermSchema),
    /** Component or part names that are main parts (P95 catalogue row; CAR21 三包凭证 Art. 9(6)). */
    mainParts: PartListSchema,
    /** CAR21: engine, transmission, power battery, drive motor (Art. 20, 22, 24(2)). */
    assemblies: PartListSchema.optional(),
    /** CAR21 Art. 24(3): the systems whose main parts count for "same main part replaced twice". */
    mainPartSystems: PartListSchema.optional(),
    /** PHONE 附录1: accessories with their own periods (months). */
    accessories: z.array(z.object({ name: z.string(), months: TermSchema })).default([]),
    extendsByRepairDays: FlagSchema,
    restartAfterExchange: FlagSchema,
    /** PHONE/P95 "repaired twice": count every quality repair, or only the same fault. */
    repairCountBasis: z.enum(['any_quality_repair', 'same_fault']),
    missingDocuments: z.object({ effect: z.enum(MISSING_DOCUMENT_EFFECTS), ...provenance }),
    /** Once exchange conditions are met later on: may the owner take a return instead? */
    returnInsteadOfExchange: z.object({ effect: z.enum(RETURN_INSTEAD_EFFECTS), ...provenance }),
    /** The clause that waives 三包 for each non-quality cause. */
    exclusions: z.partialRecord(CauseSchema, z.object(provenance)),
    /**
     * The clause granting free repair within the period, where the policy itself says (a maker's
     * own terms); national regimes take theirs from goods-terms.ts `FREE_REPAIR`.
     */
    freeRepair: z.object(provenance).optional(),
  })
  .meta({ id: 'WarrantyPolicy' });
export type Policy = z.infer<typeof PolicySchema>;
export type PolicyInput = z.input<typeof PolicySchema>;

/** Builds a Term (helper for policy data files). */
export function term(
  value: number,
  unit: Term['unit'],
  clause: string,
  source: SourceTag,
  note?: string,
  uncertain?: boolean,
): Term {
  const u = uncertain ?? (source === 'S' || source === 'NOT_FOUND');
  return note === undefined
    ? { value, unit, clause, source, uncertain: u }
    : { value, unit, clause, source, uncertain: u, note };
}

/** Every uncertain fact of a policy, as `{ key, clause, note }`, for reports and the API. */
export function uncertainFacts(p: Policy): Array<{ key: string; clause: string; note: string }> {
  const out: Array<{ key: string; clause: string; note: string }> = [];
  const add = (
    key: string,
    x: { clause: string; uncertain: boolean; note?: string | undefined },
  ) => {
    if (x.uncertain) out.push({ key, clause: x.clause, note: x.note ?? 'uncertain' });
  };
  for (const k of TERM_KEYS) {
    const t = p.terms[k];
    if (t) add(`terms.${k}`, t);
  }
  add('startRule', p.startRule);
  add('mainParts', p.mainParts);
  if (p.assemblies) add('assemblies', p.assemblies);
  if (p.mainPartSystems) add('mainPartSystems', p.mainPartSystems);
  for (const a of p.accessories) add(`accessories.${a.name}`, a.months);
  add('extendsByRepairDays', p.extendsByRepairDays);
  add('restartAfterExchange', p.restartAfterExchange);
  add('missingDocuments', p.missingDocuments);
  add('returnInsteadOfExchange', p.returnInsteadOfExchange);
  for (const [cause, x] of Object.entries(p.exclusions)) if (x) add(`exclusions.${cause}`, x);
  return out;
}
