/**
 * Public interface of the cases module (issue 23): after-sales cases (consultations, 三包 claims,
 * complaints) with the law's deadlines, 推诿扯皮 detection, owners told by mail and webhook,
 * satisfaction surveys, and the compliance memory (findings, rectifications, the campaign's
 * 问题清单 and 整治提升情况清单, scorecards, public violations). Other modules import from here only.
 */
export { startCases, type Cases, type CasesDeps } from './service.ts';
export { CasesErrors } from './errors.ts';
export { planDeadlines, LAW, PLATFORM, clockOf } from './deadlines.ts';
export { CASE_RULES } from './rules/index.ts';
export { CommitmentSchema, type Commitment } from './commitment.ts';
export { SqlCaseStore } from './stores/sql-cases.ts';
export { SqlComplianceStore } from './stores/sql-compliance.ts';
export { createSmtpMailer, type Mailer } from './notify/mailer.ts';
export { rememberOrderChecks } from './order-memory.ts';
export { alertMail, type AlertLike } from './alert-notices.ts';
export type { RepairOutcomes, Scorecard } from './reports.ts';
export type { Case, CaseEvent, Deadline } from './model.ts';
export type { Finding } from './findings.ts';
export type { CaseStore, ComplianceStore } from './store.ts';
// The store contract suite (vitest) is imported from './case-store.contract.ts' by tests only.
export type { CaseView } from './views.ts';
