/**
 * Guards of the pure functions against programmer errors (outside input is parsed with the
 * zod schemas first): a RangeError that names the argument.
 */
export function checkConfidence(confidence: number): number {
  if (!(confidence > 0 && confidence < 1)) {
    throw new RangeError(`confidence must be between 0 and 1 (e.g. 0.95), got ${confidence}`);
  }
  return confidence;
}
