import type { Evaluation } from '../warranty/index.ts';
import { REMEDY_RANK, type ClaimDecision, type Remedy } from './model.ts';

/**
 * A claim's evidence: the engine's decision when the claim was opened, reduced to what the case
 * needs, with the remedy this claim is owed — the one asked for when the rules grant it, else the
 * most the rules grant below it (an owner who asks for a return when only an exchange is due is
 * owed the exchange; one who asks for a repair is owed a repair even when a return is due).
 */
const KIND_TO_REMEDY: Record<string, Remedy> = {
  return: 'return',
  exchange: 'exchange',
  assembly_swap: 'assembly_swap',
  free_repair: 'repair',
  // A paid repair is an offer the owner pays for, never a 三包 remedy owed.
};

export function claimDecision(
  e: Evaluation,
  requested: Exclude<Remedy, 'none'>,
  mileage: { km?: number | undefined; source: ClaimDecision['mileageSource'] },
): ClaimDecision {
  let owed: ClaimDecision['owed'] = { remedy: 'none', clause: e.policy.id };
  for (const r of e.remedies) {
    const remedy = KIND_TO_REMEDY[r.kind];
    if (!remedy || REMEDY_RANK[remedy] > REMEDY_RANK[requested]) continue;
    if (REMEDY_RANK[remedy] > REMEDY_RANK[owed.remedy]) owed = { remedy, clause: r.clause };
  }
  return {
    evaluationDate: e.evaluationDate,
    policy: `${e.policy.id}@${e.policy.version}`,
    remedy: e.remedy,
    owed,
    remedies: e.remedies.map((r) => ({
      kind: r.kind,
      free: r.free,
      amountOwedCNY: r.amountOwedCNY,
      clause: r.clause,
      explanation: r.explanation,
    })),
    amountOwedCNY: e.amountOwedCNY,
    ...(mileage.km === undefined ? {} : { mileageKm: mileage.km }),
    mileageSource: mileage.source,
    warnings: e.warnings,
  };
}
