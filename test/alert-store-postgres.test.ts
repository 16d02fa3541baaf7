import { describeAlertStoreContract } from '../diagnostics/alert-store.contract.ts';
import { createSqlAlertStore } from '../diagnostics/stores/sql-alerts.ts';
import { createTestDatabase, probePostgres } from './helpers/postgres.ts';
import { describeWithService } from './helpers/require-service.ts';

const pgProblem = await probePostgres();
describeWithService(
  'PostgreSQL',
  pgProblem === undefined,
  pgProblem ?? '',
  'alerts on PostgreSQL',
  () => {
    describeAlertStoreContract('SQL on PostgreSQL', async () => {
      const db = await createTestDatabase();
      return { store: createSqlAlertStore(db.sql), cleanup: () => db.drop() };
    });
  },
);
