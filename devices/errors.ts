import { DeviceErrors, defineError } from '../core/index.ts';

/**
 * The device registry's errors. Their codes keep the `BROKER_ERR_` prefix they were published
 * with (docs/errors.md): clients match on them. "No such device" is declared in core
 * (core/errors.ts), where tenancy needs it too; it is listed here, not declared again.
 */
export const RegistryErrors = {
  UnknownDevice: DeviceErrors.UnknownDevice,
  DeviceExists: defineError(
    'BROKER_ERR_DEVICE_EXISTS',
    'a device with serial %s of model %s already exists',
    409,
  ),
};
