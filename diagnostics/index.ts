/**
 * Public interface of the diagnostics module (docs/design.md "Diagnostics"): the streaming engine,
 * its data types, the failure-mode profiles, and the replay CLI. Other modules import from
 * here only.
 */
export { createDiagnosticsEngine } from './engine.ts';
export type { DiagnosticsEngine, DiagnosticsEngineOptions } from './engine.ts';
export { PROFILES, CategoryProfileSchema, ModeProfileSchema } from './profiles/index.ts';
export type { CategoryProfile, CategoryProfileInput, ModeProfile } from './profiles/index.ts';
export { BUILTIN_MODE_IDS, BUILTIN_MODES } from './profiles/builtin.ts';
export { diagnoseCli, DIAGNOSE_USAGE } from './replay.ts';
export { diagnosticsCli, DIAGNOSTICS_USAGE } from './catalog/cli.ts';
export { calibrateMode } from './calibrate.ts';
export type { CalibrationRow } from './calibrate.ts';
export {
  createRulStream,
  fitRulModel,
  parseRulModel,
  RulModelError,
  RulModelSchema,
  type RulEstimate as ModelRulEstimate,
  type RulModelArtefact,
  type RulStream,
} from './learn/index.ts';
export { SEVERITY_RANK } from './types.ts';
export type {
  Action,
  AlertCandidate,
  Contribution,
  DetectorName,
  Evidence,
  Finding,
  HealthReport,
  ModeHealth,
  RulEstimate,
  Severity,
  Verdict,
} from './types.ts';
export { startDiagnostics } from './service.ts';
// Cluster mode: every node's alert stream shows every node's alerts.
export { relayAlertsAcrossNodes } from './delivery/cluster.ts';
export type { Diagnostics, DiagnosticsDeps, HealthScore } from './service.ts';
export { createAlertService } from './alerts.ts';
export type { AlertNotification, AlertService, AlertEventType } from './alerts.ts';
export type { AlertFilter, AlertStore } from './alert-store.ts';
export { createSqlAlertStore } from './stores/sql-alerts.ts';
export { AlertSchema } from './alert-schemas.ts';
export type {
  Alert,
  AlertComment,
  AlertHistoryEntry,
  AlertSeverity,
  AlertStatus,
} from './alert-schemas.ts';
export { DiagnosticsErrors } from './errors.ts';
export { createCatalog } from './catalog/service.ts';
// The webhook address check and delivery, shared by every webhook of the service (cases/ too).
export { webhookUrlProblem } from './delivery/address-guard.ts';
export { postWebhook } from './delivery/webhooks.ts';
export type { Catalog, CatalogPrincipal } from './catalog/service.ts';
export { composeCatalog } from './catalog/compose.ts';
export { parseCatalogText, parseCatalogDocument } from './catalog/parse.ts';
export type { EngineCatalog } from './engine/catalog.ts';
