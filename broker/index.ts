/**
 * The MQTT broker: aedes with device authentication, topic ACLs and limits, handing devices'
 * telemetry and events to ingest through `IngestPort` (plugged in by app/service.ts), and its
 * listeners (TCP, TLS, WebSocket).
 */
export { createBroker, type BrokerDeps } from './broker.ts';
export { bindBroker, listen, type BrokerListeners } from './listeners.ts';
export { SERVICE_USERNAME } from './authenticate.ts';
export { BrokerErrors } from './errors.ts';
export { startAdmissionAgent, type AdmissionAgent } from './cluster-admission.ts';
export type {
  DeviceDirectory,
  IngestPort,
  IngestVerdict,
  PublishingDevice,
  RefusedMessage,
} from './ports.ts';
