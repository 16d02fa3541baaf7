import { parseInstant } from './calendar.ts';
import { measureUnitDowntime, repairDatesFromTelemetry } from './downtime.ts';
import { evaluateCase } from './eligibility.ts';
import { WarrantyErrors } from './errors.ts';
import { GENESIS_HASH } from './hash-chain.ts';
import type { HolidayCalendars } from './holiday-calendars.ts';
import { requireMakerPolicy, unitTerms } from './maker-policy-versions.ts';
import { mileageFromTelemetry, type OdometerSource } from './odometer.ts';
import { authorizedOn } from './outlet-routes.ts';
import { isMakerOnlyCategory } from './policies/index.ts';
import { caseForUnit, effectiveRecords } from './repair-facts.ts';
import type { StoredRepairRecord, Unit } from './repair-record-schema.ts';
import type { WarrantyStore } from './warranty-store.ts';

/**
 * The 三包 status of a registered unit (issue 5, `GET /units/:serial/warranty`): the decision on
 * its stored repair records, with its repair history, the maker's outlets authorized today and
 * the seal of its records for the owner's receipt. The route checks who asks; this reads.
 */
export interface WarrantyStatusDeps {
  store: WarrantyStore;
  calendars: HolidayCalendars;
  /** Clock for the default evaluation date, today's outlets and the telemetry horizon. */
  now: () => Date;
  /** Telemetry: car mileage from the odometer, and repair days measured from silence. */
  telemetry?: OdometerSource | undefined;
}

/** Where repair days come from: the records (drop-off → hand-back) or telemetry. */
export type RepairDaysSource = 'records' | 'telemetry';

export interface WarrantyStatusQuery {
  /** Default: now. */
  evaluationDate?: string | undefined;
  /** Default: the odometer in telemetry (cars), else the records. */
  mileageKm?: number | undefined;
  repairDays: RepairDaysSource;
}

/**
 * The status of unit `serial` for whoever `access` admits. `access` is the owner access check
 * (owner-access.ts `admit`): it throws when the caller may not read the unit, else it returns the
 * unit it read, or undefined when there is none (→ 404).
 */
export async function warrantyStatus(
  deps: WarrantyStatusDeps,
  serial: string,
  access: () => Promise<Unit | undefined>,
  query: WarrantyStatusQuery,
) {
  const { store, telemetry, calendars, now } = deps;
  const unit = await access();
  if (!unit) throw new WarrantyErrors.UnknownUnit(serial);
  const records = await store.listRepairs(unit.serial);
  const date = query.evaluationDate ?? now().toISOString();
  const odometer =
    query.mileageKm === undefined && telemetry && unit.deviceId && unit.category === 'household_car'
      ? await mileageFromTelemetry(telemetry, unit.deviceId, unit.invoiceDate, date)
      : undefined;
  const days =
    query.repairDays === 'telemetry'
      ? await telemetryRepairDays(deps, unit, records, date)
      : undefined;
  const terms = await unitTerms(store, unit);
  requireMakerPolicy(unit, terms, isMakerOnlyCategory(unit.category));
  const evaluation = evaluateCase(
    caseForUnit(unit, days?.records ?? records, date, query.mileageKm ?? odometer?.km, terms),
    { calendar: await calendars.fresh() },
  );
  evaluation.warnings.push(...(odometer?.warnings ?? []));
  const history = effectiveRecords(records).map((r) => ({
    seq: r.seq,
    droppedOffAt: r.body.droppedOffAt,
    ...(r.body.handedBackAt ? { handedBackAt: r.body.handedBackAt } : {}),
    faultCode: r.body.diagnosis.faultCode,
    component: r.body.diagnosis.component,
    reportedFault: r.body.reportedFault,
    parts: r.body.parts.map((p) => p.name),
    corrected: r.body.kind === 'correction',
    daysSource: days?.sources.get(r.seq)?.source ?? ('records' as const),
    ...(days?.sources.has(r.seq) ? { daysSourceNote: days.sources.get(r.seq)?.note } : {}),
  }));
  return {
    ...evaluation,
    unit: { serial: unit.serial, category: unit.category, model: unit.model },
    repairDaysSource: query.repairDays,
    history,
    outlets: await outletsAuthorizedToday(deps, unit),
    records: (await store.chainAnchor(unit.serial)) ?? { count: 0, head: GENESIS_HASH },
  };
}

/** Repair days measured from telemetry where it can, else from the records (warranty/downtime.ts). */
async function telemetryRepairDays(
  { telemetry, now }: WarrantyStatusDeps,
  unit: Unit,
  records: StoredRepairRecord[],
  date: string,
) {
  const measured =
    telemetry && unit.deviceId
      ? await measureUnitDowntime(telemetry, unit, records, evaluationEnd(date, now()))
      : undefined;
  return repairDatesFromTelemetry(
    unit,
    records,
    measured,
    telemetry ? `unit ${unit.serial} is linked to no device` : 'no telemetry store',
  );
}

/** The maker's outlets authorized today, with their official phone numbers. */
async function outletsAuthorizedToday({ store, now }: WarrantyStatusDeps, unit: Unit) {
  if (!unit.manufacturer) return [];
  const today = parseInstant(now().toISOString()).date;
  return (await store.listOutlets(unit.manufacturer))
    .filter((o) => authorizedOn(o, today))
    .map((o) => ({
      id: o.id,
      name: o.name,
      ...(o.address ? { address: o.address } : {}),
      ...(o.servicePhone ? { servicePhone: o.servicePhone } : {}),
    }));
}

/** The instant an evaluation on `date` looks at: the end of a date-only day, never the future. */
function evaluationEnd(date: string, clock: Date): number {
  const e = parseInstant(date);
  return Math.min(clock.getTime(), e.precision === 'date' ? e.ms + 86_400_000 : e.ms);
}
