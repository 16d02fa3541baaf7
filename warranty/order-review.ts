import { z } from 'zod';
import { parseInstant } from './calendar.ts';
import { evaluateCase } from './eligibility.ts';
import type { Evaluation } from './evaluation-schema.ts';
import { checkRepairOrder, type CheckContext, type Finding } from './order-checks.ts';
import { caseForUnit, type UnitTerms } from './repair-facts.ts';
import type { RepairRecordBody, StoredRepairRecord, Unit } from './repair-record-schema.ts';
import type { WarrantyStore } from './warranty-store.ts';

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

/**
 * The decision at drop-off for this order under the unit's terms (its maker's policy, model),
 * or undefined when the history cannot be evaluated.
 */
export function evaluationAtDropOff(
  unit: Unit,
  prior: readonly StoredRepairRecord[],
  order: RepairRecordBody,
  terms?: UnitTerms,
): Evaluation | undefined {
  const drop = parseInstant(order.droppedOffAt).ms;
  const before = prior.filter((r) => parseInstant(r.body.droppedOffAt).ms < drop);
  const input = caseForUnit(unit, before, order.droppedOffAt, order.odometerKm, terms);
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
  terms?: UnitTerms,
): Finding[] {
  const evaluation = evaluationAtDropOff(unit, prior, order, terms);
  return checkRepairOrder({ order, ...registries, ...(evaluation ? { evaluation } : {}) });
}

/**
 * Looks up what the checks need in the store: the outlet (and its price list), the technician,
 * and what the genuine-part registry says about the parts marked genuine (when the unit's
 * manufacturer keeps one).
 */
export async function registriesFor(
  store: WarrantyStore,
  unit: Unit,
  order: RepairRecordBody,
): Promise<Omit<CheckContext, 'order' | 'evaluation'>> {
  const outlet = await store.getOutlet(order.outletId);
  const cert = order.technicianCertificate;
  const technician = cert ? await store.getTechnician(cert) : undefined;
  const out: Omit<CheckContext, 'order' | 'evaluation'> = {
    ...(outlet ? { outlet } : {}),
    ...(outlet?.priceList ? { priceList: outlet.priceList } : {}),
    ...(technician ? { technician } : {}),
  };
  const genuine = order.parts.filter((p) => p.genuine);
  if (unit.manufacturer && genuine.length && (await store.hasParts(unit.manufacturer))) {
    const parts = new Map<string, { registered: boolean; serialCount: number }>();
    const serials = new Map<string, boolean>();
    for (const p of genuine) {
      const info = await store.getPart(p.number);
      parts.set(p.number, { registered: info !== undefined, serialCount: info?.serialCount ?? 0 });
      if (p.serial && info)
        serials.set(
          `${p.number}\u0000${p.serial}`,
          await store.partSerialKnown(p.number, p.serial),
        );
    }
    out.partRegistry = { parts, serials };
  }
  return out;
}
