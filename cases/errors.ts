import { defineError } from '../core/index.ts';

/**
 * Error catalogue of the cases module (docs/style.md §10). Malformed input is APP_ERR_VALIDATION
 * (the field and why); these codes are for well-formed requests a case's lifecycle refuses.
 */
export const CasesErrors = {
  /** No case with this id (or one the caller may not see: a confined maker, another unit's owner). */
  UnknownCase: defineError('CASES_ERR_UNKNOWN_CASE', 'no case %s', 404),
  /** open → answered → closed; a closed case takes nothing more but its survey. */
  IllegalTransition: defineError(
    'CASES_ERR_ILLEGAL_TRANSITION',
    'case %s is %s: it cannot be %s',
    409,
  ),
  /**
   * A 三包 claim needs a policy the unit is under (national rules, or its maker's own for a
   * category without them); the details carry the engine's reason.
   */
  NoPolicy: defineError(
    'CASES_ERR_NO_POLICY',
    'unit %s is outside any 三包 policy (%s): a claim needs one; a consultation or a complaint can still be opened',
    422,
  ),
  /** A case's survey is answered once. */
  SurveyAnswered: defineError(
    'CASES_ERR_SURVEY_ANSWERED',
    'the survey of case %s was answered on %s',
    409,
  ),
  /** The survey opens when the case closes. */
  NoSurvey: defineError('CASES_ERR_NO_SURVEY', 'case %s has no survey yet: it is %s', 409),
  /** No compliance finding with this id. */
  UnknownFinding: defineError('CASES_ERR_UNKNOWN_FINDING', 'no finding %s', 404),
  /** open → rectified | dismissed, once. */
  FindingClosed: defineError('CASES_ERR_FINDING_CLOSED', 'finding %s is already %s', 409),
  /** A service-commitment version label or effective date is taken, or not after the latest. */
  CommitmentConflict: defineError(
    'CASES_ERR_COMMITMENT_CONFLICT',
    'service commitment of %s version %s: %s',
    409,
  ),
  /** A case webhook's address is not public (the alert webhooks' rule, issue 24 finding 11). */
  WebhookAddress: defineError(
    'CASES_ERR_WEBHOOK_ADDRESS',
    'case webhooks deliver to public addresses only: %s (WEBHOOK_ALLOW_PRIVATE=true for development)',
    400,
  ),
  /** No webhook with this id. */
  UnknownWebhook: defineError('CASES_ERR_UNKNOWN_WEBHOOK', 'no case webhook %s', 404),
};
