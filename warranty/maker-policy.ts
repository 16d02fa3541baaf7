import { z } from 'zod';
import { withDetails } from '../core/index.ts';
import { WarrantyErrors } from './errors.ts';
import {
  baselineFor,
  baselineVersions,
  isMakerOnlyCategory,
  MAKER_ONLY_CATEGORIES,
  UnitCategorySchema,
} from './policies/index.ts';
import { applyPolicyOverride, findPolicyWeaknesses, type PolicyViolation } from './policy-check.ts';
import {
  CauseSchema,
  PolicySchema,
  TERM_KEYS,
  type Policy,
  type PolicyInput,
  type Term,
  type TermKey,
} from './policy-schema.ts';

/**
 * A manufacturer's own 三包 policy for one product model, as the maker writes it (issue 20):
 * longer periods, more main parts, lower repair-count limits than the national baseline, each
 * number optionally tied to the clause of the maker's published terms. For a category with
 * national rules the policy is built on the baseline in force and may only be more generous
 * (CAR21 Art. 4 ¶2; P95 Art. 4: the rules are minimums); for a category without national rules
 * (construction machinery) it is the whole policy, cited to the maker's terms alone.
 */
const Clause = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .describe('a clause of the maker’s own terms, e.g. 第三条');

const MakerTermSchema = z.union(
  [
    z.number().nonnegative().finite(),
    z.object({ value: z.number().nonnegative().finite(), clause: Clause.optional() }),
  ],
  { error: 'a number, or { value, clause }' },
);
type MakerTerm = z.infer<typeof MakerTermSchema>;

const TermKeySchema = z.enum(TERM_KEYS as [TermKey, ...TermKey[]]);
const ExclusionCauseSchema = CauseSchema.exclude(['quality']);
const START_KINDS = [
  'invoice_or_delivery',
  'installation_or_invoice',
  'invoice',
  'delivery',
] as const;
const name = z.string().trim().min(1).max(128);

/** Fields only a policy for a category without national rules may set. */
const MAKER_ONLY_FIELDS = ['startRule', 'freeRepairClause', 'exclusions'] as const;

const MakerPolicyFields = z.object({
  manufacturer: name,
  category: UnitCategorySchema,
  model: name,
  version: z
    .string()
    .trim()
    .min(1)
    .max(64)
    .regex(/^[^@\s]+$/, 'no spaces and no @')
    .describe('the maker’s version label, e.g. 2026.1'),
  effectiveFrom: z.iso
    .date()
    .describe('units whose 三包 period starts on or after this date follow this version'),
  title: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .describe('the maker’s published terms; cited with every clause of this policy'),
  terms: z
    .partialRecord(TermKeySchema, MakerTermSchema)
    .default({})
    .describe('term → months / days / km / count, as in WarrantyPolicy.terms'),
  mainParts: z.array(name).max(100).optional().describe('main parts (主要部件) per the 三包凭证'),
  mainPartsClause: Clause.optional(),
  accessories: z
    .record(name, z.number().nonnegative().finite())
    .optional()
    .describe('accessory periods in months'),
  extendsByRepairDays: z.boolean().optional(),
  restartAfterExchange: z.boolean().optional(),
  repairCountBasis: z.enum(['any_quality_repair', 'same_fault']).optional(),
  startRule: z
    .object({ kind: z.enum(START_KINDS), clause: Clause.optional() })
    .optional()
    .describe('categories without national rules only; default: from delivery'),
  freeRepairClause: Clause.optional().describe(
    'categories without national rules only; default: the whole-unit period’s clause',
  ),
  exclusions: z
    .partialRecord(ExclusionCauseSchema, Clause)
    .optional()
    .describe('categories without national rules only: the clause excluding each cause'),
});

export const MakerPolicySchema = MakerPolicyFields.superRefine((p, ctx) => {
  if (isMakerOnlyCategory(p.category)) {
    if (p.terms.wholeUnitMonths === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['terms', 'wholeUnitMonths'],
        message: `required: ${p.category} has no national 三包 rules, so the maker’s whole-unit period is the period`,
      });
    return;
  }
  for (const f of MAKER_ONLY_FIELDS)
    if (p[f] !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: [f],
        message: `only for a category without national 三包 rules (${MAKER_ONLY_CATEGORIES.join(', ')}); for ${p.category} the national rules decide it`,
      });
  const known = new Set(
    baselineVersions(p.category).flatMap((b) => b.accessories.map((a) => a.name)),
  );
  for (const a of Object.keys(p.accessories ?? {}))
    if (!known.has(a))
      ctx.addIssue({
        code: 'custom',
        path: ['accessories', a],
        message: known.size
          ? `no accessory ${a} in the national rules for ${p.category}; expected one of ${[...known].join(', ')}`
          : `the national rules for ${p.category} have no accessory periods`,
      });
}).meta({ id: 'WarrantyMakerPolicy' });
export type MakerPolicy = z.infer<typeof MakerPolicySchema>;
export type MakerPolicyInput = z.input<typeof MakerPolicySchema>;

/** A saved version: the maker's document, when and by which token it was saved. */
export const StoredMakerPolicySchema = MakerPolicyFields.extend({
  savedAt: z.string().describe('ISO 8601 instant'),
  savedBy: z.string().optional().describe('id of the token that saved it'),
}).meta({ id: 'WarrantyStoredMakerPolicy' });
export type StoredMakerPolicy = z.infer<typeof StoredMakerPolicySchema>;

/** Which saved versions to list; every field narrows. */
export interface MakerPolicyFilter {
  manufacturer?: string;
  category?: string;
  model?: string;
}

const valueOf = (t: MakerTerm): number => (typeof t === 'number' ? t : t.value);
const clauseOf = (t: MakerTerm): string | undefined =>
  typeof t === 'number' ? undefined : t.clause;

function unitOf(k: TermKey): Term['unit'] {
  if (k.endsWith('Km')) return 'km';
  if (k.endsWith('Months')) return 'months';
  if (k.endsWith('WorkingDays')) return 'working_days';
  if (k.endsWith('Days')) return 'days';
  if (k === 'depreciationPerDay') return 'rate_per_day';
  if (k === 'usageCoefficientMax') return 'rate';
  return 'count';
}

/** The citation of a clause of the maker's terms: the document's title, then the clause. */
export const citeMaker = (p: Pick<MakerPolicy, 'title'>, clause?: string): string =>
  clause ? `${p.title} ${clause}` : p.title;

/** Stable id of a maker's policy for one model (its versions share it). */
export const makerPolicyId = (p: { manufacturer: string; category: string; model: string }) =>
  `maker:${p.manufacturer}/${p.category}/${p.model}`;

/**
 * The engine's Policy for a maker's document: on `baseline` (the national version in force on
 * the unit's start date) for a category with national rules, or alone for a maker-only category.
 * Does not check generosity: see `makerPolicyWeaknesses`.
 */
export function buildMakerPolicy(doc: MakerPolicy, baseline: Policy | undefined): Policy {
  const own = {
    id: makerPolicyId(doc),
    version: doc.version,
    title: doc.title,
    issuer: 'manufacturer' as const,
    manufacturer: doc.manufacturer,
    model: doc.model,
    effectiveFrom: doc.effectiveFrom,
  };
  const makerFact = (clause: string | undefined, note?: string) => ({
    clause: citeMaker(doc, clause),
    source: 'manufacturer' as const,
    uncertain: false,
    ...(note ? { note } : {}),
  });
  if (baseline) {
    const values = Object.fromEntries(
      Object.entries(doc.terms).map(([k, t]) => [k, valueOf(t as MakerTerm)]),
    );
    const merged = applyPolicyOverride(baseline, {
      manufacturer: doc.manufacturer,
      terms: values,
      ...(doc.mainParts ? { mainParts: doc.mainParts } : {}),
      ...(doc.accessories ? { accessories: doc.accessories } : {}),
      ...(doc.extendsByRepairDays !== undefined
        ? { extendsByRepairDays: doc.extendsByRepairDays }
        : {}),
      ...(doc.restartAfterExchange !== undefined
        ? { restartAfterExchange: doc.restartAfterExchange }
        : {}),
    });
    const terms: Policy['terms'] = { ...merged.terms };
    for (const [k, t] of Object.entries(doc.terms) as Array<[TermKey, MakerTerm]>) {
      const b = baseline.terms[k];
      terms[k] = {
        value: valueOf(t),
        unit: b?.unit ?? unitOf(k),
        ...makerFact(
          clauseOf(t),
          b ? `national: ${b.value} ${b.unit} (${b.clause})` : 'not in the national rules',
        ),
      };
    }
    const { effectiveTo: _to, ...rest } = merged;
    return PolicySchema.parse({
      ...rest,
      ...own,
      terms,
      ...(doc.mainParts
        ? { mainParts: { names: doc.mainParts, ...makerFact(doc.mainPartsClause) } }
        : {}),
      ...(doc.repairCountBasis ? { repairCountBasis: doc.repairCountBasis } : {}),
    } satisfies PolicyInput);
  }
  // No national rules: every fact is the maker's; what its terms do not say is flagged uncertain.
  const silent = (note: string) => ({
    clause: doc.title,
    source: 'manufacturer' as const,
    uncertain: true,
    note: `the maker’s terms do not say: ${note}`,
  });
  const terms: Policy['terms'] = {};
  for (const [k, t] of Object.entries(doc.terms) as Array<[TermKey, MakerTerm]>)
    terms[k] = { value: valueOf(t), unit: unitOf(k), ...makerFact(clauseOf(t)) };
  const flag = (value: boolean | undefined, dflt: boolean, what: string) =>
    value === undefined
      ? { value: dflt, ...silent(`${what} (assumed ${dflt ? 'yes' : 'no'})`) }
      : { value, ...makerFact(undefined) };
  const whole = doc.terms.wholeUnitMonths;
  return PolicySchema.parse({
    ...own,
    regime: 'MAKER',
    category: doc.category,
    startRule: doc.startRule
      ? { kind: doc.startRule.kind, ...makerFact(doc.startRule.clause) }
      : { kind: 'delivery', ...silent('when the period starts (counted from delivery)') },
    terms,
    mainParts: doc.mainParts
      ? { names: doc.mainParts, ...makerFact(doc.mainPartsClause) }
      : { names: [], ...silent('which parts are main parts') },
    accessories: Object.entries(doc.accessories ?? {}).map(([a, months]) => ({
      name: a,
      months: { value: months, unit: 'months', ...makerFact(undefined) },
    })),
    extendsByRepairDays: flag(doc.extendsByRepairDays, false, 'extension by repair days'),
    restartAfterExchange: flag(doc.restartAfterExchange, false, 'restart after exchange'),
    repairCountBasis: doc.repairCountBasis ?? 'any_quality_repair',
    missingDocuments: { effect: 'none', ...silent('effect of missing documents') },
    returnInsteadOfExchange: { effect: 'no', ...silent('return instead of exchange') },
    exclusions: Object.fromEntries(
      Object.entries(doc.exclusions ?? {}).map(([cause, clause]) => [cause, makerFact(clause)]),
    ),
    freeRepair: makerFact(
      doc.freeRepairClause ?? (whole === undefined ? undefined : clauseOf(whole)),
    ),
  } satisfies PolicyInput);
}

/** Every national baseline version a version effective from `date` must respect. */
function baselinesFrom(category: string, date: string): Policy[] {
  return baselineVersions(category).filter(
    (b) => b.effectiveTo === undefined || b.effectiveTo >= date,
  );
}

/** A violation with the baseline it breaches. */
export interface MakerPolicyViolation extends PolicyViolation {
  against: string;
}

/**
 * Every way `doc` gives owners less than a national baseline in force on or after its effective
 * date (paths name the document's fields: `terms.wholeUnitMonths`, `mainParts`…). Empty for a
 * maker-only category. WARRANTY_ERR_NO_POLICY_IN_FORCE when no baseline was in force on its
 * effective date: a maker's policy builds on the national rules.
 */
export function makerPolicyWeaknesses(doc: MakerPolicy): MakerPolicyViolation[] {
  if (isMakerOnlyCategory(doc.category)) return [];
  if (!baselineFor(doc.category, doc.effectiveFrom))
    throw new WarrantyErrors.NoPolicyInForce(doc.category, doc.effectiveFrom);
  const seen = new Set<string>();
  const out: MakerPolicyViolation[] = [];
  for (const b of baselinesFrom(doc.category, doc.effectiveFrom))
    for (const w of findPolicyWeaknesses(buildMakerPolicy(doc, b), b)) {
      if (seen.has(w.path)) continue;
      seen.add(w.path);
      out.push({ ...w, against: `${b.id}@${b.version}` });
    }
  return out;
}

/** Throws WARRANTY_ERR_POLICY_WEAKER naming each weaker term (details paths start with `prefix`). */
export function checkMakerPolicy(doc: MakerPolicy, prefix = ''): void {
  const weak = makerPolicyWeaknesses(doc);
  if (weak.length === 0) return;
  throw withDetails(
    new WarrantyErrors.PolicyWeaker(weak.map((w) => `${w.path}: ${w.message}`).join('; ')),
    weak.map((w) => ({
      path: `${prefix}${w.path}`,
      message: w.message,
      clause: w.clause,
      baseline: w.baseline,
      policy: w.policy,
      against: w.against,
    })),
  );
}

/**
 * Ways `next` takes from owners what `displaced` (the version in force before it) gave: a
 * version back-dated before today may not do that to units already sold under `displaced`.
 */
export function retroactiveWeaknesses(
  next: MakerPolicy,
  displaced: MakerPolicy,
): PolicyViolation[] {
  const base = isMakerOnlyCategory(next.category)
    ? undefined
    : baselineFor(next.category, next.effectiveFrom);
  return findPolicyWeaknesses(buildMakerPolicy(next, base), buildMakerPolicy(displaced, base));
}

/**
 * Why `policy` cannot be appended after `existing` (the same model's versions, oldest first),
 * or undefined when it can: the rule every store applies inside its atomic append.
 */
export function appendConflict(
  existing: readonly Pick<MakerPolicy, 'version' | 'effectiveFrom'>[],
  policy: Pick<MakerPolicy, 'version' | 'effectiveFrom'>,
  expectedLatest: string | null,
): string | undefined {
  const latest = existing.at(-1);
  if (existing.some((v) => v.version === policy.version))
    return 'this version is already saved; a version is never changed: save a new one';
  if ((latest?.version ?? null) !== expectedLatest)
    return `another version (${latest?.version ?? 'none'}) was saved meanwhile; try again`;
  if (latest && policy.effectiveFrom <= latest.effectiveFrom)
    return `effectiveFrom ${policy.effectiveFrom} must be after ${latest.effectiveFrom}, the effective date of the latest version ${latest.version}`;
  return undefined;
}

/** Orders saved versions by manufacturer, category, model (code points), then effective date. */
export function compareMakerPolicies(a: MakerPolicy, b: MakerPolicy): number {
  const key = (p: MakerPolicy) => [p.manufacturer, p.category, p.model, p.effectiveFrom];
  const [ka, kb] = [key(a), key(b)];
  for (let i = 0; i < ka.length; i++) {
    const x = ka[i] as string;
    const y = kb[i] as string;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}
