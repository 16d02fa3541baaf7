/**
 * Ingest: devices' telemetry and events checked at the boundary (validate.ts), spooled before
 * they are acknowledged (spool.ts), drained into the telemetry store (SQL, InfluxDB 1.x / 2.x),
 * handed to listeners such as diagnostics, and read back by its HTTP routes. `Ingest` is what
 * app/service.ts plugs into the broker's `IngestPort`.
 */
export {
  Ingest,
  type AcceptResult,
  type Admitted,
  type DurableListener,
  type IngestOptions,
  type StoreRefusal,
} from './ingest.ts';
export { Spool, SpoolFullError, type SpoolOptions, type SpoolStats } from './spool.ts';
export type { DeviceContext, Limits, Rejection } from './validate.ts';
export {
  AGGREGATES,
  type Aggregate,
  type EventQuery,
  type LatestValues,
  type Point,
  type TelemetryQuery,
  type TelemetryStore,
} from './telemetry-store.ts';
export { createSqlTelemetryStore } from './stores/sql.ts';
export { openTelemetryStore } from './stores/open.ts';
export { telemetryRoutes } from './routes.ts';
