import { defineError } from '../core/index.ts';

/**
 * Error catalogue of the diagnostics module (docs/style.md §10). Malformed input is a validation
 * error (APP_ERR_VALIDATION); these codes are for well-formed requests the alert lifecycle or
 * a device refuses.
 */
export const DiagnosticsErrors = {
  /** No alert with this id. */
  UnknownAlert: defineError('DIAGNOSTICS_ERR_UNKNOWN_ALERT', 'no alert %s', 404),
  /** The lifecycle is open → acknowledged → resolved | dismissed; nothing leaves a closed alert. */
  IllegalTransition: defineError(
    'DIAGNOSTICS_ERR_ILLEGAL_TRANSITION',
    'alert %s is %s: it cannot be %s',
    409,
  ),
  /** The engine has not seen this device yet (no sample since the service started). */
  NoHealth: defineError('DIAGNOSTICS_ERR_NO_HEALTH', 'no health report for device %s yet', 404),
  /** No device with this id is provisioned. */
  UnknownDevice: defineError('DIAGNOSTICS_ERR_UNKNOWN_DEVICE', 'no device %s', 404),
  /** The device did not answer a command in time (offline, or busy). */
  CommandTimeout: defineError(
    'DIAGNOSTICS_ERR_COMMAND_TIMEOUT',
    'device %s did not answer %s within %s ms',
    504,
  ),
  /** A webhook URL whose host is (or resolves to) a loopback, private or reserved address. */
  WebhookAddress: defineError(
    'DIAGNOSTICS_ERR_WEBHOOK_ADDRESS',
    'webhooks deliver to public addresses only: %s (WEBHOOK_ALLOW_PRIVATE=true for development)',
    400,
  ),
  /** A catalogue document (data file, model upload) is not valid: details name each field and line. */
  InvalidDocument: defineError('DIAGNOSTICS_ERR_INVALID_DOCUMENT', 'invalid document: %s', 400),
  /** A confined manufacturer token may change diagnostics of its own product models only. */
  NotYourModel: defineError(
    'DIAGNOSTICS_ERR_NOT_YOUR_MODEL',
    'manufacturer %s may change diagnostics only of its own registered product models: %s',
    403,
  ),
  /** No such catalogue key or version. */
  UnknownVersion: defineError('DIAGNOSTICS_ERR_UNKNOWN_VERSION', 'no %s', 404),
  /** A rollback would leave the catalogue inconsistent (details say which documents clash). */
  CatalogConflict: defineError('DIAGNOSTICS_ERR_CATALOG_CONFLICT', '%s', 409),
  /** No webhook with this id. */
  UnknownWebhook: defineError('DIAGNOSTICS_ERR_UNKNOWN_WEBHOOK', 'no webhook %s', 404),
};
