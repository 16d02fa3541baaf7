import { z } from 'zod';
import { parseInstant } from './calendar.ts';
import { evaluateCase } from './eligibility.ts';
import type { Evaluation } from './evaluation-schema.ts';
import { checkRepairOrder, type CheckContext, type Finding } from './order-checks.ts';
import { caseForUnit } from './repair-facts.ts';
import type { RepairRecordBody, StoredRepairRecord, Unit } from './repair-record-schema.ts';

/**
 * Reviews a repair order before it is appended: the unit's 三包 decision at drop-off (earlier
 * records as history, this order's diagnosis as the current fault) feeds the checks in
 * order-checks.ts. Pure.
 */
export const FindingSchema = z
  .object({
    check: z.string(),
    severity: z.enum(['violation', 'warning', 'unchecked']),
    rule: z.string(),
    message: z.object({ zh: z.string(), en: z.string() }),
  })
  .meta({ id: 'WarrantyOrderFinding' });

/** The decision at drop-off for this order, or undefined when the history cannot be evaluated. */
export function evaluationAtDropOff(
  unit: Unit,
  prior: readonly StoredRepairRecord[],
  order: RepairRecordBody,
): Evaluation | undefined {
  const drop = parseInstant(order.droppedOffAt).ms;
  const before = prior.filter((r) => parseInstant(r.body.droppedOffAt).ms < drop);
  const input = caseForUnit(unit, before, order.droppedOffAt, order.odometerKm);
  input.facts.currentFault = {
    date: order.droppedOffAt,
    faultCode: order.diagnosis.faultCode,
    description: order.reportedFault,
    component: order.diagnosis.component,
    cause: order.diagnosis.cause,
    ...(order.diagnosis.isMainPart !== undefined ? { isMainPart: order.diagnosis.isMainPart } : {}),
    ...(order.diagnosis.isSeriousSafetyFault !== undefined
      ? { isSeriousSafetyFault: order.diagnosis.isSeriousSafetyFault }
      : {}),
  };
  try {
    return evaluateCase(input);
  } catch {
    return undefined; // e.g. no policy in force: the charges check then has nothing to go on
  }
}

/** Every finding for `order`; outlet, technician and price list come from registries when known. */
export function reviewOrder(
  unit: Unit,
  prior: readonly StoredRepairRecord[],
  order: RepairRecordBody,
  registries: Omit<CheckContext, 'order' | 'evaluation'> = {},
): Finding[] {
  const evaluation = evaluationAtDropOff(unit, prior, order);
  return checkRepairOrder({ order, ...registries, ...(evaluation ? { evaluation } : {}) });
}
