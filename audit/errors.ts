import { defineError } from '../core/index.ts';

/** The audit module's error catalogue (docs/errors.md). */
export const AuditErrors = {
  BadResource: defineError(
    'AUDIT_ERR_BAD_RESOURCE',
    'resource %s: expected kind:key, e.g. alert:a1b2',
    400,
  ),
};
