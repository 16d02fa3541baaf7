import { parseInstant } from './calendar.ts';
import { buildContext } from './case-context.ts';
import { WarrantyErrors } from './errors.ts';
import type { Evaluation, RemedyOption } from './evaluation-schema.ts';
import { buildMakerPolicy, checkMakerPolicy } from './maker-policy.ts';
import { baselineFor, isMakerOnlyCategory, policyById } from './policies/index.ts';
import { applyPolicyOverride, checkPolicyNotWeaker } from './policy-check.ts';
import { uncertainFacts, type Policy } from './policy-schema.ts';
import { evaluateCar } from './rules-car.ts';
import { evaluateGoods } from './rules-goods.ts';
import { EvaluateRequestSchema, type CaseFacts, type EvaluateRequest } from './schemas.ts';

/**
 * The eligibility engine (DESIGN.md "Eligibility is a pure function"): policy + facts (unit,
 * repair history, current fault, evaluation date, odometer) → every remedy available now, the
 * most extensive one, what the owner pays, deadlines, counters and exclusions. No I/O, no clock.
 */
const RANK: Record<RemedyOption['kind'], number> = {
  return: 3,
  exchange: 2,
  assembly_swap: 1,
  free_repair: 1,
  paid_repair: 1,
};
const TOP: Record<number, Evaluation['remedy']> = {
  3: 'return',
  2: 'exchange',
  1: 'repair',
  0: 'none',
};

/** Picks the most extensive remedy; among equals, the one that costs the owner least. */
export function mostExtensive(remedies: readonly RemedyOption[]): RemedyOption | undefined {
  const cost = (r: RemedyOption) => (r.free ? 0 : (r.amountOwedCNY ?? Number.POSITIVE_INFINITY));
  // Whole-unit remedies outrank the same kind on an accessory.
  const scope = (r: RemedyOption) => (r.scope === 'unit' ? 0 : 1);
  return [...remedies].sort(
    (a, b) => RANK[b.kind] - RANK[a.kind] || scope(a) - scope(b) || cost(a) - cost(b),
  )[0];
}

/** Evaluates validated facts under a resolved policy. Pure. */
export function evaluateEligibility(policy: Policy, facts: CaseFacts): Evaluation {
  const ctx = buildContext(policy, facts);
  const out = policy.regime === 'CAR21' ? evaluateCar(ctx) : evaluateGoods(ctx);
  const best = mostExtensive(out.remedies);
  const uncertain = uncertainFacts(policy);
  const usedUncertain = out.remedies.filter((r) => r.uncertain).map((r) => r.clause);
  if (usedUncertain.length)
    ctx.warnings.push(
      `remedies resting on uncertain facts: ${[...new Set(usedUncertain)].join('; ')}`,
    );
  return {
    category: policy.category,
    policy: {
      id: policy.id,
      version: policy.version,
      title: policy.title,
      issuer: policy.issuer,
      ...(policy.manufacturer ? { manufacturer: policy.manufacturer } : {}),
      ...(policy.model ? { model: policy.model } : {}),
      effectiveFrom: policy.effectiveFrom,
      ...(policy.basedOn ? { basedOn: policy.basedOn } : {}),
      uncertainFacts: uncertain,
    },
    evaluationDate: ctx.evalDate,
    periodStart: ctx.start,
    periodStartBasis: ctx.startBasis,
    remedy: best ? (TOP[RANK[best.kind]] ?? 'none') : 'none',
    free: best ? best.free : true,
    amountOwedCNY: best ? best.amountOwedCNY : 0,
    remedies: out.remedies,
    deadlines: out.deadlines,
    counters: out.counters,
    exclusions: out.exclusions,
    notes: out.notes,
    warnings: [...new Set(ctx.warnings)],
  };
}

/** Start day used to pick the policy version (the unit's purchase or delivery). */
function purchaseDate(facts: CaseFacts): string {
  return parseInstant(facts.deliveryDate ?? facts.invoiceDate).date;
}

/**
 * The policy a request is judged under: the baseline in force at purchase, or a named baseline,
 * or a manufacturer override or maker's own policy checked against its baseline (refused if
 * weaker); for a category without national rules, the maker's policy alone.
 */
export function resolvePolicy(req: EvaluateRequest): Policy {
  const date = purchaseDate(req.facts);
  if (req.makerPolicy) {
    if (isMakerOnlyCategory(req.category)) return buildMakerPolicy(req.makerPolicy, undefined);
    const baseline = baselineFor(req.category, date);
    if (!baseline) throw new WarrantyErrors.NoPolicyInForce(req.category, date);
    checkMakerPolicy(req.makerPolicy, 'makerPolicy.');
    return buildMakerPolicy(req.makerPolicy, baseline);
  }
  const ref = typeof req.policy === 'string' ? req.policy : req.policy?.id;
  const base = ref ? policyById(ref) : baselineFor(req.category, date);
  if (!base) {
    if (ref) throw new WarrantyErrors.NoPolicyInForce(ref, date);
    throw new WarrantyErrors.NoPolicyInForce(req.category, date);
  }
  if (base.category !== req.category)
    throw new WarrantyErrors.PolicyCategoryMismatch(base.id, base.category, req.category);
  if (typeof req.policy !== 'object') return base;
  const merged = applyPolicyOverride(base, req.policy);
  checkPolicyNotWeaker(merged, base);
  return merged;
}

/**
 * Evaluates an untrusted case `{ category, policy?, facts }`. Throws a ZodError (issue paths
 * name the field) for bad input, or a coded WARRANTY_ERR_* error for a refused policy.
 */
export function evaluateCase(input: unknown): Evaluation {
  const req = EvaluateRequestSchema.parse(input);
  return evaluateEligibility(resolvePolicy(req), req.facts);
}
