import { z } from 'zod';
import { withDetails } from '../core/index.ts';
import { WarrantyErrors } from './errors.ts';
import {
  MISSING_DOCUMENT_EFFECTS,
  RETURN_INSTEAD_EFFECTS,
  TERM_DIRECTION,
  TERM_KEYS,
  type Policy,
  type TermKey,
} from './policy-schema.ts';

/**
 * Manufacturer policies may only be more generous than the national baseline: the baselines are
 * minimums (CAR21 Art. 4 ¶2; P95 Art. 4; PC Art. 4). This file compares a policy with its
 * baseline and names the clause each weaker term would breach.
 */
export interface PolicyViolation {
  path: string;
  clause: string;
  baseline: unknown;
  policy: unknown;
  message: string;
}

/** Every way `policy` gives the owner less than `baseline`; empty when it is at least as generous. */
export function findPolicyWeaknesses(policy: Policy, baseline: Policy): PolicyViolation[] {
  const out: PolicyViolation[] = [];
  const v = (path: string, clause: string, b: unknown, p: unknown, message: string) =>
    out.push({ path, clause, baseline: b, policy: p, message: `${message} (${clause})` });
  if (policy.category !== baseline.category)
    v(
      'category',
      baseline.startRule.clause,
      baseline.category,
      policy.category,
      'policy is for another category',
    );
  if (policy.startRule.kind !== baseline.startRule.kind)
    v(
      'startRule',
      baseline.startRule.clause,
      baseline.startRule.kind,
      policy.startRule.kind,
      'periods must start as the baseline says',
    );
  for (const k of TERM_KEYS) {
    const b = baseline.terms[k];
    if (!b) continue;
    const p = policy.terms[k];
    if (!p) {
      v(`terms.${k}`, b.clause, b.value, undefined, `${k} missing`);
      continue;
    }
    const weaker = TERM_DIRECTION[k] === 'higher' ? p.value < b.value : p.value > b.value;
    if (weaker)
      v(
        `terms.${k}`,
        b.clause,
        b.value,
        p.value,
        `${k} ${p.value} is ${TERM_DIRECTION[k] === 'higher' ? 'below' : 'above'} the minimum ${b.value}`,
      );
  }
  // An uncertain default list (CAR21: the 三包凭证 decides, Art. 9(6)) is not a minimum to enforce.
  const missingParts = baseline.mainParts.uncertain
    ? []
    : baseline.mainParts.names.filter((n) => !policy.mainParts.names.includes(n));
  if (missingParts.length)
    v(
      'mainParts',
      baseline.mainParts.clause,
      baseline.mainParts.names,
      policy.mainParts.names,
      `main parts dropped: ${missingParts.join(', ')}`,
    );
  for (const a of baseline.accessories) {
    const p = policy.accessories.find((x) => x.name === a.name);
    if (!p || p.months.value < a.months.value)
      v(
        `accessories.${a.name}`,
        a.months.clause,
        a.months.value,
        p?.months.value,
        `${a.name} period below ${a.months.value} months`,
      );
  }
  for (const f of ['extendsByRepairDays', 'restartAfterExchange'] as const) {
    if (baseline[f].value && !policy[f].value)
      v(f, baseline[f].clause, true, false, `${f} may not be switched off`);
  }
  if (
    baseline.repairCountBasis === 'any_quality_repair' &&
    policy.repairCountBasis === 'same_fault'
  )
    v(
      'repairCountBasis',
      baseline.terms.repairCountLimit?.clause ?? baseline.startRule.clause,
      baseline.repairCountBasis,
      policy.repairCountBasis,
      'repairs may not be counted more narrowly',
    );
  if (
    MISSING_DOCUMENT_EFFECTS.indexOf(policy.missingDocuments.effect) >
    MISSING_DOCUMENT_EFFECTS.indexOf(baseline.missingDocuments.effect)
  )
    v(
      'missingDocuments',
      baseline.missingDocuments.clause,
      baseline.missingDocuments.effect,
      policy.missingDocuments.effect,
      'harsher effect of missing documents',
    );
  if (
    RETURN_INSTEAD_EFFECTS.indexOf(policy.returnInsteadOfExchange.effect) >
    RETURN_INSTEAD_EFFECTS.indexOf(baseline.returnInsteadOfExchange.effect)
  )
    v(
      'returnInsteadOfExchange',
      baseline.returnInsteadOfExchange.clause,
      baseline.returnInsteadOfExchange.effect,
      policy.returnInsteadOfExchange.effect,
      'return right narrowed',
    );
  for (const cause of Object.keys(policy.exclusions) as Array<keyof Policy['exclusions']>) {
    if (!baseline.exclusions[cause])
      v(
        `exclusions.${cause}`,
        policy.exclusions[cause]?.clause ?? '',
        undefined,
        cause,
        `exclusion ${cause} is not in the baseline`,
      );
  }
  return out;
}

/** Throws WARRANTY_ERR_POLICY_WEAKER, naming the clause(s) breached, when `policy` is weaker. */
export function checkPolicyNotWeaker(policy: Policy, baseline: Policy): void {
  const weaknesses = findPolicyWeaknesses(policy, baseline);
  if (weaknesses.length === 0) return;
  const err = new WarrantyErrors.PolicyWeaker(
    weaknesses.map((w) => `${w.path}: ${w.message}`).join('; '),
  );
  throw withDetails(
    err,
    weaknesses.map((w) => ({ path: `policy.${w.path}`, message: w.message, clause: w.clause })),
  );
}

const termShape = Object.fromEntries(
  TERM_KEYS.map((k) => [k, z.number().nonnegative().optional()]),
) as Record<TermKey, z.ZodOptional<z.ZodNumber>>;

/** A manufacturer's promise on top of a baseline, as plain values (the clauses stay the baseline's). */
export const PolicyOverrideSchema = z
  .object({
    id: z.string().min(1).optional().describe('baseline id or id@version to start from'),
    manufacturer: z.string().optional(),
    name: z.string().optional(),
    terms: z.object(termShape).optional(),
    mainParts: z
      .array(z.string())
      .optional()
      .describe('main parts per the 三包凭证 (CAR21 Art. 9(6))'),
    accessories: z
      .record(z.string(), z.number().nonnegative())
      .optional()
      .describe('accessory periods in months'),
    extendsByRepairDays: z.boolean().optional(),
    restartAfterExchange: z.boolean().optional(),
  })
  .meta({ id: 'WarrantyPolicyOverride' });
export type PolicyOverride = z.infer<typeof PolicyOverrideSchema>;

/** The baseline with a manufacturer's values applied; sources of changed facts become `manufacturer`. */
export function applyPolicyOverride(baseline: Policy, o: PolicyOverride): Policy {
  const terms: Policy['terms'] = { ...baseline.terms };
  for (const k of TERM_KEYS) {
    const value = o.terms?.[k];
    if (value === undefined) continue;
    const b = baseline.terms[k];
    terms[k] = {
      value,
      unit:
        b?.unit ??
        (k.endsWith('Km')
          ? 'km'
          : k.endsWith('Months')
            ? 'months'
            : k.endsWith('Days')
              ? 'days'
              : 'count'),
      clause: `${b?.clause ?? baseline.title} (manufacturer promise)`,
      source: 'manufacturer',
      uncertain: false,
    };
  }
  const flag = (f: Policy['extendsByRepairDays'], value: boolean | undefined) =>
    value === undefined ? f : { ...f, value, source: 'manufacturer' as const, uncertain: false };
  return {
    ...baseline,
    id: `${baseline.id}+${o.manufacturer ?? o.name ?? 'manufacturer'}`,
    issuer: 'manufacturer',
    ...(o.manufacturer ? { manufacturer: o.manufacturer } : {}),
    basedOn: `${baseline.id}@${baseline.version}`,
    terms,
    mainParts: o.mainParts
      ? {
          ...baseline.mainParts,
          names: o.mainParts,
          source: 'manufacturer',
          uncertain: false,
          note: 'from the manufacturer’s 三包凭证',
        }
      : baseline.mainParts,
    accessories: baseline.accessories.map((a) => {
      const months = o.accessories?.[a.name];
      return months === undefined
        ? a
        : {
            name: a.name,
            months: { ...a.months, value: months, source: 'manufacturer', uncertain: false },
          };
    }),
    extendsByRepairDays: flag(baseline.extendsByRepairDays, o.extendsByRepairDays),
    restartAfterExchange: flag(baseline.restartAfterExchange, o.restartAfterExchange),
  };
}
