import type { FastifyBaseLogger } from 'fastify';
import {
  registriesFor,
  reviewOrder,
  unitTerms,
  type RepairRecordBody,
  type StoredRepairRecord,
  type WarrantyStore,
} from '../warranty/index.ts';
import type { NewFinding } from './findings.ts';
import type { ComplianceStore } from './store.ts';

/**
 * Compliance memory of repair orders (issue 23): the checks on each repair order (unauthorised
 * outlet, uncertified technician, charges inside the free period, non-genuine parts, parts
 * beyond the diagnosis, fees off the price list) were computed for the answer and then thrown
 * away. This wraps the warranty store so that every record appended — through the warranty
 * routes, a repair order closed in quality/, the demo desk — is reviewed the same way
 * (warranty's `reviewOrder`, as at drop-off) and its violations and warnings are kept as
 * findings against the outlet, the seller and the maker. `unchecked` results (a registry with no
 * entry) are not findings. Recording is idempotent (`record:{serial}:{seq}:{check}`); a failure
 * to record is logged and never undoes the repair record.
 */
export function rememberOrderChecks(
  store: WarrantyStore,
  compliance: ComplianceStore,
  log: FastifyBaseLogger,
): WarrantyStore {
  const append = async (
    serial: string,
    body: RepairRecordBody,
    recordedAt: string,
  ): Promise<StoredRepairRecord> => {
    const unit = await store.getUnit(serial);
    const review = unit
      ? reviewOrder(
          unit,
          await store.listRepairs(serial),
          body,
          await registriesFor(store, unit, body),
          await unitTerms(store, unit),
        )
      : [];
    const rec = await store.appendRepair(serial, body, recordedAt);
    const findings: NewFinding[] = review
      .filter((f) => f.severity !== 'unchecked')
      .map((f) => ({
        dedupeKey: `record:${serial}:${rec.seq}:${f.check}`,
        source: 'repair_order',
        rule: f.check,
        severity: f.severity === 'violation' ? 'violation' : 'warning',
        clause: f.rule,
        message: f.message,
        evidence: {
          record: { seq: rec.seq, hash: rec.hash, recordedAt: rec.recordedAt },
          outletId: body.outletId,
          technicianCertificate: body.technicianCertificate ?? null,
          droppedOffAt: body.droppedOffAt,
          diagnosis: body.diagnosis,
          parts: body.parts,
          charges: body.charges,
        },
        serial,
        recordSeq: rec.seq,
        category: unit?.category,
        outletId: body.outletId,
        seller: unit?.seller ?? null,
        manufacturer: unit?.manufacturer ?? null,
        detectedAt: recordedAt,
      }));
    if (findings.length)
      await compliance
        .record(findings)
        .catch((err: unknown) =>
          log.error({ err, serial, seq: rec.seq }, 'repair-order findings not recorded'),
        );
    return rec;
  };
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'appendRepair') return append;
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}
