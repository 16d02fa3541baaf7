import { migrate, openPglite } from '../../core/db.ts';
import { describeDetectorStateStoreContract } from '../state-store.contract.ts';
import { createSqlAlertStore } from './sql-alerts.ts';
import { createSqlDetectorStateStore } from './sql-detector-state.ts';

describeDetectorStateStoreContract('SQL on PGlite', async () => {
  const sql = await openPglite();
  await migrate(sql);
  return {
    store: createSqlDetectorStateStore(sql),
    alerts: createSqlAlertStore(sql),
    cleanup: () => sql.close(),
  };
});
