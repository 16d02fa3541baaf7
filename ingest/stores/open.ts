import type { Config, Sql } from '../../core/index.ts';
import type { TelemetryStore } from '../telemetry-store.ts';
import { createSqlTelemetryStore } from './sql.ts';

/** Opens the telemetry store the configuration names (InfluxDB modules load only when used). */
export async function openTelemetryStore(config: Config, sql: Sql): Promise<TelemetryStore> {
  const influx = config.influx;
  if (!influx) return createSqlTelemetryStore(sql);
  if (influx.version === 1) {
    const { createInflux1Store } = await import('./influx1.ts');
    const { retention, ...rest } = influx;
    // Retention policies and the hourly rollup only when asked for (INFLUX_RETENTION):
    // by default nothing is ever deleted.
    return createInflux1Store({ ...rest, ...(retention ? { retention: { raw: retention } } : {}) });
  }
  const { createInflux2Store } = await import('./influx2.ts');
  return createInflux2Store(influx);
}
