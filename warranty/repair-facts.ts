import type { MakerPolicy } from './maker-policy.ts';
import { resolveName } from './part-resolution.ts';
import type { ProductModel } from './registry-schema.ts';
import type { RepairRecordBody, StoredRepairRecord, Unit } from './repair-record-schema.ts';
import type { RepairFactSchema } from './schemas.ts';
import type { z } from 'zod';

/**
 * Turns stored repair records into the eligibility engine's facts. A correction supersedes the
 * record in force for the repair it corrects (the original stays in the chain for the audit
 * trail, docs/design.md "Storage").
 */
type RepairFactInput = z.input<typeof RepairFactSchema>;

/**
 * Records in force — one rule, here and in SQL (column `supersedes` and view
 * `warranty_records_in_force`, warranty/migrations/303-warranty-records-in-force.sql), tested on
 * both by one table of cases (warranty/records-in-force.test.ts):
 *
 * Records are taken in seq order. A correction that names an earlier record supersedes the
 * record then in force for that repair: the record it names, or, when a later record has already
 * superseded that one, the last record of that line. A record is in force while no record
 * supersedes it. So every repair has exactly one record in force, its latest word: two
 * corrections of the same record leave the later one in force and the earlier superseded (a
 * repair counted once, as complete and honest repair records state it, CAR21 Art. 17).
 *
 * Returns, for each superseded seq, the seq of the record that superseded it.
 */
export function supersessions(records: readonly StoredRepairRecord[]): Map<number, number> {
  const supersededBy = new Map<number, number>();
  for (const r of [...records].sort((a, b) => a.seq - b.seq)) {
    const named = r.body.corrects;
    if (named === undefined || named >= r.seq) continue;
    let cur = named;
    for (let next = supersededBy.get(cur); next !== undefined; next = supersededBy.get(cur))
      cur = next;
    supersededBy.set(cur, r.seq);
  }
  return supersededBy;
}

/**
 * The records in force (the rule above), each at the place of the repair it states: in the
 * order of the repairs' first records.
 */
export function effectiveRecords(records: readonly StoredRepairRecord[]): StoredRepairRecord[] {
  const supersededBy = supersessions(records);
  const repairOf = new Map<number, number>(); // seq → seq of the repair's first record
  for (const r of [...records].sort((a, b) => a.seq - b.seq)) {
    const named = r.body.corrects;
    const first = named !== undefined && named < r.seq ? repairOf.get(named) : undefined;
    repairOf.set(r.seq, first ?? r.seq);
  }
  return records
    .filter((r) => !supersededBy.has(r.seq))
    .sort((a, b) => repairOf.get(a.seq)! - repairOf.get(b.seq)! || a.seq - b.seq);
}

/**
 * The record in force for the repair that record `seq` states: itself, or the record that
 * superseded it, followed to the end (a repair order's record after corrections).
 */
export function recordInForce(
  records: readonly StoredRepairRecord[],
  seq: number,
): StoredRepairRecord | undefined {
  const supersededBy = supersessions(records);
  let cur = seq;
  for (let next = supersededBy.get(cur); next !== undefined; next = supersededBy.get(cur))
    cur = next;
  return records.find((r) => r.seq === cur);
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
