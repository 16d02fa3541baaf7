/**
 * The learner's run-time interface as the service uses it (diagnostics/learn/): what an
 * artefact saved by `sanbao diagnose replay --save` is, and the streaming predictor the engine
 * runs per device. Kept as one seam so the engine and the catalogue import the learner in one
 * place.
 */
export {
  createRulStream,
  parseRulModel,
  RulModelError,
  type RulModelArtefact,
  type RulStream,
} from '../learn/index.ts';
