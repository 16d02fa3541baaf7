import { defineError } from '../core/index.ts';

export const BrokerErrors = {
  PortInUse: defineError('BROKER_ERR_PORT_IN_USE', '%s', 500),
};
