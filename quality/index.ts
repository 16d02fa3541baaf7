/**
 * Public interface of the quality module (issue 7): repair orders opened from alerts and
 * verified by telemetry, the fleet overview, fleet reliability statistics (quality/stats/).
 */
export { startQuality } from './service.ts';
export type { Quality, QualityDeps } from './service.ts';
export { createRepairOrders, RepairOrderSchema } from './repair-orders.ts';
export type { RepairOrder, RepairOrders } from './repair-orders.ts';
export { fleetOverview, FleetOverviewSchema } from './overview.ts';
export type { FleetOverview } from './overview.ts';
export { QualityErrors } from './errors.ts';
export { reliability, ReliabilitySchema } from './reliability.ts';
export { exposureForecast, ExposureSchema } from './exposure.ts';
export { alertAccuracy, AccuracySchema } from './labels.ts';
export { recalibrateMode, RecalibrationSchema } from './recalibrate.ts';
export { buildReport, REPORT_KINDS } from './reports.ts';
export { toCsv, toXlsx, type Table } from './export.ts';
export { checkPeriod, PeriodFields, resolvePeriod, type Cell, type Column } from './reports.ts';
export { downtimeRoutes } from './downtime-routes.ts';
export { reportCli, REPORT_USAGE } from './cli.ts';
