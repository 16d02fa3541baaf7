import { describeDetectorStateStoreContract } from '../diagnostics/state-store.contract.ts';
import { createSqlAlertStore } from '../diagnostics/stores/sql-alerts.ts';
import { createSqlDetectorStateStore } from '../diagnostics/stores/sql-detector-state.ts';
import { createTestDatabase, describeIfPostgres } from './helpers/postgres.ts';

await describeIfPostgres('detector state on PostgreSQL', () => {
  describeDetectorStateStoreContract('SQL on PostgreSQL', async () => {
    const db = await createTestDatabase();
    return {
      store: createSqlDetectorStateStore(db.sql),
      alerts: createSqlAlertStore(db.sql),
      cleanup: () => db.drop(),
    };
  });
});
