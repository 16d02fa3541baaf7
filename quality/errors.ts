import { defineError } from '../core/index.ts';

/**
 * Error catalogue of the quality module (docs/style.md §10): repair orders opened from alerts and
 * the fleet analytics. Malformed input is APP_ERR_VALIDATION; these are well-formed requests
 * the data refuses.
 */
export const QualityErrors = {
  /** No repair order with this id. */
  UnknownOrder: defineError('QUALITY_ERR_UNKNOWN_ORDER', 'no repair order %s', 404),
  /** An alert named in the order does not exist. */
  UnknownAlert: defineError('QUALITY_ERR_UNKNOWN_ALERT', 'no alert %s', 404),
  /** An order answers alerts of one device only (one unit, one hand-over). */
  MixedDevices: defineError(
    'QUALITY_ERR_MIXED_DEVICES',
    'the alerts belong to different devices (%s): open one order per device',
    400,
  ),
  /** The alert was already dismissed or resolved. */
  AlertClosed: defineError(
    'QUALITY_ERR_ALERT_CLOSED',
    'alert %s is %s: it needs no repair order',
    409,
  ),
  /** The alert is already answered by another open order. */
  AlertTaken: defineError(
    'QUALITY_ERR_ALERT_TAKEN',
    'alert %s is already answered by open repair order %s',
    409,
  ),
  /** Repairs are recorded against a warranty unit: the device must be linked to one. */
  NoUnit: defineError(
    'QUALITY_ERR_NO_UNIT',
    'device %s is linked to no warranty unit: register the unit with "deviceId": "%s" first',
    409,
  ),
  /** The outlet is not in the registry. */
  UnknownOutlet: defineError('QUALITY_ERR_UNKNOWN_OUTLET', 'no outlet %s in the registry', 404),
  /** CSV holds one table; the three ledgers together come as XLSX. */
  OneTablePerCsv: defineError(
    'QUALITY_ERR_ONE_TABLE_PER_CSV',
    'a CSV file holds one table: ask for outlets, problems or rectifications, or format=xlsx for all three',
    400,
  ),
  /** Recalibration names a category and a failure mode the profiles have. */
  UnknownMode: defineError(
    'QUALITY_ERR_UNKNOWN_MODE',
    'no failure mode %s/%s in the profiles',
    404,
  ),
  /**
   * An engineer user with outlets listed (accounts/, migration 011) acts on repair orders only
   * at those outlets.
   */
  OutletNotServed: defineError(
    'QUALITY_ERR_OUTLET_NOT_SERVED',
    'engineer %s serves outlets %s only: %s is at outlet %s',
    403,
  ),
  /** Only an open order can be closed or cancelled. */
  NotOpen: defineError('QUALITY_ERR_ORDER_NOT_OPEN', 'repair order %s is %s', 409),
};
