import type { MakerPolicy } from './maker-policy.ts';
import { resolveName } from './part-resolution.ts';
import type { ProductModel } from './registry-schema.ts';
import type { RepairRecordBody, StoredRepairRecord, Unit } from './repair-record-schema.ts';
import type { RepairFactSchema } from './schemas.ts';
import type { z } from 'zod';

/**
 * Turns stored repair records into the eligibility engine's facts. A correction replaces the
 * record it corrects (the original stays in the chain for the audit trail, DESIGN.md "Storage");
 * a correction of a correction replaces that one in turn.
 */
type RepairFactInput = z.input<typeof RepairFactSchema>;

/** The records in force: each original, or its latest correction, in original order. */
export function effectiveRecords(records: readonly StoredRepairRecord[]): StoredRepairRecord[] {
  const bySeq = new Map(records.map((r) => [r.seq, r]));
  const rootOf = (r: StoredRepairRecord): number => {
    let cur = r;
    for (let i = 0; i < records.length && cur.body.corrects !== undefined; i++) {
      const next = bySeq.get(cur.body.corrects);
      if (!next) break;
      cur = next;
    }
    return cur.seq;
  };
  const latest = new Map<number, StoredRepairRecord>();
  for (const r of records) latest.set(rootOf(r), r); // records come oldest first: the last wins
  return [...latest.entries()].sort((a, b) => a[0] - b[0]).map(([, r]) => r);
}

/** One record as an engine repair fact (CAR21 Art. 17 fields → Art. 24/40 inputs). */
export function toRepairFact(b: RepairRecordBody): RepairFactInput {
  const fact: RepairFactInput = {
    date: b.droppedOffAt,
    faultCode: b.diagnosis.faultCode,
    description: b.reportedFault,
    component: b.diagnosis.component,
    partsReplaced: b.parts.map((p) => p.name),
    cause: b.diagnosis.cause,
  };
  const mainPart = b.diagnosis.isMainPart ?? (b.parts.some((p) => p.isMainPart) || undefined);
  if (b.handedBackAt !== undefined) fact.returnedDate = b.handedBackAt;
  if (mainPart !== undefined) fact.isMainPart = mainPart;
  if (b.diagnosis.isSeriousSafetyFault !== undefined)
    fact.isSeriousSafetyFault = b.diagnosis.isSeriousSafetyFault;
  if (b.odometerKm !== undefined) fact.mileageKm = b.odometerKm;
  if (b.excludedHours !== undefined) fact.excludedHours = b.excludedHours;
  if (b.waitingForPartsFromProducer !== undefined)
    fact.waitingForPartsFromProducer = b.waitingForPartsFromProducer;
  if (b.delayCause !== undefined) fact.delayCause = b.delayCause;
  return fact;
}

/**
 * What a registered unit is evaluated under besides the law: its product model's main parts and
 * named policy (registry), and its maker's policy version in force (maker-policy-versions.ts).
 */
export type UnitTerms = Partial<Pick<ProductModel, 'mainParts' | 'policyId'>> & {
  makerPolicy?: MakerPolicy;
};

/**
 * An evaluate request for a registered unit, its stored records, a date and an odometer. With
 * the unit's terms, the maker's policy applies (else the model's named policy), and the parts
 * the model lists as main parts are main parts in records that do not say.
 */
export function caseForUnit(
  unit: Unit,
  records: readonly StoredRepairRecord[],
  evaluationDate: string,
  mileageKm?: number,
  model?: UnitTerms,
): {
  category: string;
  policy?: string;
  makerPolicy?: MakerPolicy;
  facts: Record<string, unknown>;
} {
  // The model's main parts (its 三包凭证's list, CAR21 Art. 9(6)), compared through the vocabulary
  // so that 压缩机 in the list matches compressor in a record and the reverse.
  const main = new Set((model?.mainParts ?? []).map((n) => resolveName(unit.category, n)));
  const listed = (name: string) => main.has(resolveName(unit.category, name));
  const facts: Record<string, unknown> = {
    invoiceDate: unit.invoiceDate,
    evaluationDate,
    hasInvoice: true,
    repairs: effectiveRecords(records).map((r) => {
      const f = toRepairFact(r.body);
      if (
        f.isMainPart === undefined &&
        (listed(r.body.diagnosis.component) || r.body.parts.some((p) => listed(p.name)))
      )
        f.isMainPart = true;
      return f;
    }),
  };
  for (const k of [
    'deliveryDate',
    'installationCompletedDate',
    'exchangeDate',
    'priceCNY',
  ] as const)
    if (unit[k] !== undefined) facts[k] = unit[k];
  if (mileageKm !== undefined) facts.mileageKm = mileageKm;
  return {
    category: unit.category,
    ...(model?.makerPolicy
      ? { makerPolicy: model.makerPolicy }
      : model?.policyId
        ? { policy: model.policyId }
        : {}),
    facts,
  };
}
