import { evaluateCase } from './eligibility.ts';
import type { Evaluation } from './evaluation-schema.ts';
import type { HolidayCalendar } from './holidays.ts';
import { requireMakerPolicy, unitTerms } from './maker-policy-versions.ts';
import { mileageFromTelemetry, type OdometerSource } from './odometer.ts';
import { isMakerOnlyCategory } from './policies/index.ts';
import { caseForUnit } from './repair-facts.ts';
import type { Unit } from './repair-record-schema.ts';
import type { WarrantyStore } from './warranty-store.ts';

/** The decision for a registered unit, and where its mileage came from. */
export interface UnitDecision {
  evaluation: Evaluation;
  /** The odometer reading used: given, or read from the car's telemetry; absent when unknown. */
  mileageKm?: number;
  mileageSource: 'given' | 'telemetry' | 'unknown';
}

/**
 * What the 三包 rules give a registered unit on `evaluationDate`, from its stored repair records,
 * under the terms it was sold with (its maker's policy version, its model's main parts) — the
 * decision the owner status shows, for callers outside this module (a claim carries it as
 * evidence, cases/). A car linked to a device reads its mileage from `odometer_km` telemetry
 * when none is given. Days are counted on `calendar`, the holiday calendar in force (as every
 * evaluation does). Throws WARRANTY_ERR_NO_POLICY_IN_FORCE when no policy covers the unit.
 */
export async function decideUnit(
  store: WarrantyStore,
  unit: Unit,
  opts: {
    evaluationDate: string;
    mileageKm?: number;
    telemetry?: OdometerSource;
    /** The holiday calendar in force (HolidayCalendars); default the built-in years. */
    calendar?: HolidayCalendar;
  },
): Promise<UnitDecision> {
  const records = await store.listRepairs(unit.serial);
  const tele =
    opts.mileageKm === undefined &&
    opts.telemetry &&
    unit.deviceId &&
    unit.category === 'household_car'
      ? await mileageFromTelemetry(
          opts.telemetry,
          unit.deviceId,
          unit.invoiceDate,
          opts.evaluationDate,
        )
      : undefined;
  const mileageKm = opts.mileageKm ?? tele?.km;
  const terms = await unitTerms(store, unit);
  requireMakerPolicy(unit, terms, isMakerOnlyCategory(unit.category));
  const evaluation = evaluateCase(
    caseForUnit(unit, records, opts.evaluationDate, mileageKm, terms),
    opts.calendar ? { calendar: opts.calendar } : {},
  );
  evaluation.warnings.push(...(tele?.warnings ?? []));
  return {
    evaluation,
    ...(mileageKm === undefined ? {} : { mileageKm }),
    mileageSource:
      opts.mileageKm !== undefined ? 'given' : tele?.km !== undefined ? 'telemetry' : 'unknown',
  };
}
