import { migrate, openPglite, type Sql } from '../../core/db.ts';
import { describeAlertStoreContract } from '../alert-store.contract.ts';
import { createSqlAlertStore } from './sql-alerts.ts';

/** Links a device to a manufacturer the way the warranty registry does: a unit naming both. */
const linkDevice = (sql: Sql) => async (deviceId: string, manufacturer: string) => {
  await sql.query(
    `INSERT INTO warranty_units (serial, category, model, manufacturer, device_id, invoice_date)
     VALUES ($1, 'air_conditioner', 'KFR-35GW', $2, $3, '2026-01-01')`,
    [`U-${deviceId}`, manufacturer, deviceId],
  );
};

describeAlertStoreContract('SQL on PGlite', async () => {
  const sql = await openPglite();
  await migrate(sql);
  return {
    store: createSqlAlertStore(sql),
    cleanup: () => sql.close(),
    linkDevice: linkDevice(sql),
  };
});
