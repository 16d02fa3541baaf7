import { parseInstant } from './calendar.ts';
import { buildContext, t, warn, type CaseContext } from './case-context.ts';
import type { HolidayCalendar } from './holidays.ts';
import { emptyOutcome, exclusionFor, paidRepair, type Outcome } from './outcome.ts';
import { WarrantyErrors } from './errors.ts';
import type { Evaluation, RemedyOption } from './evaluation-schema.ts';
import { buildMakerPolicy, checkMakerPolicy } from './maker-policy.ts';
import { baselineFor, isMakerOnlyCategory, policyById } from './policies/index.ts';
import { applyPolicyOverride, checkPolicyNotWeaker } from './policy-check.ts';
import { uncertainFacts, type Policy } from './policy-schema.ts';
import { evaluateCar } from './rules-car.ts';
import { partName } from './vocabulary.ts';
import { evaluateGoods } from './rules-goods.ts';
import { EvaluateRequestSchema, type CaseFacts, type EvaluateRequest } from './schemas.ts';

/**
 * The eligibility engine (docs/design.md "Eligibility is a pure function"): policy + facts (unit,
 * repair history, current fault, evaluation date, odometer) → every remedy available now, the
 * most extensive one, what the owner pays, deadlines, counters and exclusions. No I/O, no clock.
 */
const RANK: Record<RemedyOption['kind'], number> = {
  return: 3,
  exchange: 2,
  assembly_swap: 1,
  free_repair: 1,
  // A paid repair is something the owner may buy, not a 三包 remedy (issue 20, class 1).
  paid_repair: 0,
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

/** Options of an evaluation: the holiday calendar in force (default: the built-in one). */
export interface EvaluateOptions {
  calendar?: HolidayCalendar;
}

/** Evaluates validated facts under a resolved policy. Pure. */
export function evaluateEligibility(
  policy: Policy,
  facts: CaseFacts,
  opts: EvaluateOptions = {},
): Evaluation {
  const ctx = buildContext(policy, facts, opts.calendar);
  const out = !ctx.hasStart
    ? undatedOutcome(ctx)
    : policy.regime === 'CAR21'
      ? evaluateCar(ctx)
      : evaluateGoods(ctx);
  const named = (r: RemedyOption): RemedyOption =>
    r.target ? { ...r, targetName: partName(policy.category, r.target) } : r;
  const remedies = out.remedies.filter((r) => r.kind !== 'paid_repair').map(named);
  const offers = [...out.offers, ...out.remedies.filter((r) => r.kind === 'paid_repair')];
  const best = mostExtensive(remedies);
  const uncertain = uncertainFacts(policy);
  const usedUncertain = [...new Set(remedies.filter((r) => r.uncertain).map((r) => r.clause))];
  if (usedUncertain.length)
    warn(
      ctx,
      'uncertain_facts_used',
      `所给救济依据了不确定的事实：${usedUncertain.join('；')}`,
      `remedies resting on uncertain facts: ${usedUncertain.join('; ')}`,
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
    periodStart: ctx.hasStart ? ctx.start : null,
    periodStartBasis: ctx.startBasis,
    remedy: best ? (TOP[RANK[best.kind]] ?? 'none') : 'none',
    // With no 三包 remedy nothing is free: the owner pays for whatever is done (an offer).
    free: best ? best.free : false,
    amountOwedCNY: best ? best.amountOwedCNY : null,
    remedies,
    offers,
    deadlines: out.deadlines,
    counters: out.counters,
    exclusions: out.exclusions,
    notes: out.notes,
    warnings: ctx.warnings,
  };
}

/** No purchase date: no period can be computed, so 三包 grants nothing the engine can vouch for. */
function undatedOutcome(ctx: CaseContext): Outcome {
  const out = emptyOutcome();
  const f = ctx.fault;
  if (ctx.facts.hasInvoice === false && ctx.facts.hasWarrantyCertificate === false)
    out.exclusions.push({
      reason: 'no_invoice_no_certificate',
      clause: ctx.policy.missingDocuments.clause,
      explanation: t('无有效发票且无三包凭证', 'neither a valid invoice nor a 三包凭证'),
    });
  if (f && !f.quality) {
    const x = exclusionFor(ctx, f.cause);
    if (x) out.exclusions.push(x);
  }
  if (f)
    out.offers.push(
      paidRepair(
        out.exclusions[0]?.clause ?? ctx.policy.startRule.clause,
        t(
          '无法确认购买日期，不能确定三包责任；可收费修理',
          'no purchase date: no 三包 liability can be established; paid repair may be offered',
        ),
      ),
    );
  return out;
}

/** Start day used to pick the policy version (the unit's purchase or delivery). */
function purchaseDate(facts: CaseFacts): string {
  const d = facts.deliveryDate ?? facts.invoiceDate ?? facts.purchaseDate ?? facts.evaluationDate;
  return parseInstant(d).date;
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
export function evaluateCase(input: unknown, opts: EvaluateOptions = {}): Evaluation {
  const req = EvaluateRequestSchema.parse(input);
  return evaluateEligibility(resolvePolicy(req), req.facts, opts);
}
