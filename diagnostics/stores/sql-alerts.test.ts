import { migrate, openPglite } from '../../app/db.ts';
import { describeAlertStoreContract } from '../alert-store.contract.ts';
import { createSqlAlertStore } from './sql-alerts.ts';

describeAlertStoreContract('SQL on PGlite', async () => {
  const sql = await openPglite();
  await migrate(sql);
  return { store: createSqlAlertStore(sql), cleanup: () => sql.close() };
});
