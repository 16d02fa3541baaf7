/**
 * Public interface of the warranty module: 三包 policies as data, the pure eligibility engine,
 * its request/response schemas, the HTTP plugin and the CLI.
 */
export { evaluateCase, evaluateEligibility, mostExtensive, resolvePolicy } from './eligibility.ts';
export { EvaluationSchema, type Evaluation, type RemedyOption } from './evaluation-schema.ts';
export {
  DateOrDateTimeSchema,
  EvaluateRequestSchema,
  type EvaluateRequest,
  type CaseFacts,
} from './schemas.ts';
export {
  BASELINES,
  MAKER_ONLY_CATEGORIES,
  UNIT_CATEGORIES,
  WARRANTY_CATEGORIES,
  baselineFor,
  isMakerOnlyCategory,
  policyById,
} from './policies/index.ts';
export { CauseSchema, PolicySchema, type Policy, uncertainFacts } from './policy-schema.ts';
export {
  applyPolicyOverride,
  checkPolicyNotWeaker,
  findPolicyWeaknesses,
  PolicyOverrideSchema,
} from './policy-check.ts';
export { WarrantyErrors } from './errors.ts';
export {
  buildMakerPolicy,
  checkMakerPolicy,
  MakerPolicySchema,
  type MakerPolicy,
  type StoredMakerPolicy,
} from './maker-policy.ts';
export {
  saveMakerPolicyVersion,
  unitTerms,
  unitTermsResolver,
  versionInForce,
} from './maker-policy-versions.ts';
export { warrantyRoutes } from './routes.ts';
export { warrantyCli } from './cli.ts';
export { HolidayCalendars, calendarWith } from './holiday-calendars.ts';
export {
  MemoryHolidayCalendarStore,
  SqlHolidayCalendarStore,
  type HolidayCalendarStore,
} from './holiday-store.ts';
export { parseCalendarFile, type CalendarFormat } from './holiday-import.ts';
export type { HolidayCalendar, YearCalendar } from './holidays.ts';
export type { WarrantyStore } from './warranty-store.ts';
export { SqlWarrantyStore } from './stores/sql.ts';
export { MemoryWarrantyStore } from './stores/memory.ts';
export { verifyChain, recordHash } from './hash-chain.ts';
export {
  PartUsedSchema,
  RepairRecordBodySchema,
  StoredRecordSchema,
  UnitInputSchema,
} from './repair-record-schema.ts';
export { OutletSchema, TechnicianSchema } from './registry-schema.ts';
export { checkRepairOrder, ORDER_CHECKS, type Finding } from './order-checks.ts';
export { importUnitsCsv } from './csv-import.ts';
export { detectRollbacks, readOdometer, type OdometerSource } from './odometer.ts';
// For the cases module (issue 23): day counting, the decision for a registered unit, the order
// review it keeps findings of, and the owner access check it reuses.
export {
  addDays,
  addWorkingDays,
  daysBetween,
  parseInstant,
  periodEnd,
  restDay,
} from './calendar.ts';
export { decideUnit, type UnitDecision } from './unit-decision.ts';
export { FindingSchema, registriesFor, reviewOrder } from './order-review.ts';
export {
  codeLimiters,
  ownerAccessWith,
  ownerOrStaff,
  type CodeLimiters,
  type OwnerAccess,
  type OwnerCheck,
} from './owner-access.ts';
export { createOwnerCodes, loadOwnerCodeKey, type OwnerCodes } from './owner-codes.ts';
export type { RepairRecordBody, StoredRepairRecord, Unit } from './repair-record-schema.ts';
// For the quality module (issue 21): the records in force and a unit's case as the engine takes
// it, days out of service measured from telemetry.
export { caseForUnit, effectiveRecords, recordInForce, type UnitTerms } from './repair-facts.ts';
export {
  DOWNTIME_FLAGS,
  DowntimeOptionsSchema,
  measureUnitDowntime,
  type DowntimeSource,
} from './downtime.ts';
// The store contract suite (vitest) is imported from './warranty-store.contract.ts' by tests only.
