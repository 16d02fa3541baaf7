/**
 * Remaining-life learning from run-to-failure histories: fit (CLI `sanbao diagnose replay`),
 * the model artefact, and its row-by-row evaluation for the streaming engine.
 */
export { parseRulModel, RulModelError, RulModelSchema, type RulModelArtefact } from './artefact.ts';
export { fitRulModel, type FitOptions, type FitResult, type CandidateResult } from './fit.ts';
export { createRulStream, type RulEstimate, type RulStream } from './stream.ts';
export { score, type Protocol, type Scores } from './validation.ts';
