import { defineError } from '../core/index.ts';

/**
 * Error catalogue of the warranty module (docs/style.md §10). Input that fails its schema is a
 * ZodError, rendered by core/errors.ts as APP_ERR_VALIDATION; these codes are for requests that
 * are well-formed but that the 三包 rules refuse.
 */
export const WarrantyErrors = {
  /** A manufacturer policy promises less than the national baseline (CAR21 Art. 4 ¶2; P95 Art. 4). */
  PolicyWeaker: defineError(
    'WARRANTY_ERR_POLICY_WEAKER',
    'policy is weaker than the national baseline: %s',
    422,
  ),
  /** No baseline version was in force when the unit's 三包 period started. */
  NoPolicyInForce: defineError(
    'WARRANTY_ERR_NO_POLICY_IN_FORCE',
    'no 三包 policy for %s in force on %s',
    422,
  ),
  /** A policy given by id belongs to another category. */
  PolicyCategoryMismatch: defineError(
    'WARRANTY_ERR_POLICY_CATEGORY',
    'policy %s is for %s, not %s',
    400,
  ),
  /**
   * A maker's policy version cannot be added: the version or its effective date is taken, it is
   * not later than the latest version, or another version was saved meanwhile.
   */
  PolicyVersionConflict: defineError(
    'WARRANTY_ERR_POLICY_VERSION_CONFLICT',
    'policy %s version %s: %s',
    409,
  ),
  /** No version of a maker's policy is saved for this manufacturer, category and model. */
  UnknownMakerPolicy: defineError('WARRANTY_ERR_UNKNOWN_MAKER_POLICY', 'no saved policy %s', 404),
  /** A back-dated maker policy version would take from units already sold what they were promised. */
  PolicyRetroactive: defineError(
    'WARRANTY_ERR_POLICY_RETROACTIVE',
    'a version effective before today may not give units already sold less than version %s: %s',
    422,
  ),
  /** A product model names a policy id that no policy has. */
  UnknownPolicy: defineError('WARRANTY_ERR_UNKNOWN_POLICY', 'no policy %s', 400),
  /** No product model with this category and name is registered. */
  UnknownModel: defineError('WARRANTY_ERR_UNKNOWN_MODEL', 'no product model %s/%s', 404),
  /** No genuine part with this number is registered. */
  UnknownPart: defineError('WARRANTY_ERR_UNKNOWN_PART', 'no genuine part %s', 404),
  /** No outlet with this id is registered. */
  UnknownOutlet: defineError('WARRANTY_ERR_UNKNOWN_OUTLET', 'no outlet %s', 404),
  /** No technician with this certificate is registered. */
  UnknownTechnician: defineError('WARRANTY_ERR_UNKNOWN_TECHNICIAN', 'no technician %s', 404),
  /** A device belongs to the units of one manufacturer. */
  DeviceLinked: defineError(
    'WARRANTY_ERR_DEVICE_LINKED',
    'device %s is already linked to a unit of manufacturer %s',
    409,
  ),
  /** No unit with this serial is registered. */
  UnknownUnit: defineError('WARRANTY_ERR_UNKNOWN_UNIT', 'no unit with serial %s', 404),
  /** A unit with this serial is already registered. */
  UnitExists: defineError('WARRANTY_ERR_UNIT_EXISTS', 'unit %s is already registered', 409),
  /** A CSV import had invalid lines; details list each `{ line, field, message }`. Nothing was imported. */
  CsvInvalid: defineError(
    'WARRANTY_ERR_CSV_INVALID',
    'CSV import refused, nothing imported: %s',
    400,
  ),
  /** A holiday-calendar file failed validation; details list each `{ line, field, message }`. Nothing was stored. */
  CalendarInvalid: defineError(
    'WARRANTY_ERR_CALENDAR_INVALID',
    'holiday calendar refused, nothing stored: %s',
    400,
  ),
  /** A correction must point at an earlier record of the same unit. */
  BadCorrection: defineError(
    'WARRANTY_ERR_BAD_CORRECTION',
    'record %s of unit %s cannot be corrected: %s',
    422,
  ),
};
