import { DeviceErrors, defineError } from '../core/index.ts';

export const BrokerErrors = {
  UnknownDevice: DeviceErrors.UnknownDevice,
  DeviceExists: defineError(
    'BROKER_ERR_DEVICE_EXISTS',
    'a device with serial %s of model %s already exists',
    409,
  ),
  PortInUse: defineError('BROKER_ERR_PORT_IN_USE', '%s', 500),
};
