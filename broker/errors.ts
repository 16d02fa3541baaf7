import { defineError } from '../app/errors.ts';

export const BrokerErrors = {
  UnknownDevice: defineError('BROKER_ERR_UNKNOWN_DEVICE', 'no device %s', 404),
  DeviceExists: defineError(
    'BROKER_ERR_DEVICE_EXISTS',
    'a device with serial %s of model %s already exists',
    409,
  ),
  PortInUse: defineError('BROKER_ERR_PORT_IN_USE', '%s', 500),
};
