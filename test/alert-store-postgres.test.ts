import { describeAlertStoreContract } from '../diagnostics/alert-store.contract.ts';
import { createSqlAlertStore } from '../diagnostics/stores/sql-alerts.ts';
import { createTestDatabase, describeIfPostgres } from './helpers/postgres.ts';

await describeIfPostgres('alerts on PostgreSQL', () => {
  describeAlertStoreContract('SQL on PostgreSQL', async () => {
    const db = await createTestDatabase();
    return {
      store: createSqlAlertStore(db.sql),
      cleanup: () => db.drop(),
      linkDevice: async (deviceId: string, manufacturer: string) => {
        // A unit naming both links the device to the manufacturer (core/tenant.ts).
        await db.sql.query(
          `INSERT INTO warranty_units (serial, category, model, manufacturer, device_id, invoice_date)
           VALUES ($1, 'air_conditioner', 'KFR-35GW', $2, $3, '2026-01-01')`,
          [`U-${deviceId}`, manufacturer, deviceId],
        );
      },
    };
  });
});
