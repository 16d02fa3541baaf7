/**
 * Devices: the registry of provisioned devices and their MQTT credentials (provisioning, secret
 * rotation, enabling and disabling, listing, the cache of verified secrets) and its HTTP routes.
 * The broker authenticates against it; ingest's routes and diagnostics ask it whether a device
 * exists. The `devices` table is created by core's migration 001-devices.sql.
 */
export {
  createDeviceRegistry,
  isDeviceIdForm,
  type AuthResult,
  type Device,
  type DeviceFilter,
  type DeviceRegistry,
  type DeviceSpec,
} from './registry.ts';
export { deviceRoutes, DeviceSchema, MAX_BULK_DEVICES } from './routes.ts';
export { RegistryErrors } from './errors.ts';
