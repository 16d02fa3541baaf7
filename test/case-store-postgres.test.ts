import { SqlCaseStore, SqlComplianceStore } from '../cases/index.ts';
import { describeCaseStoreContract } from '../cases/case-store.contract.ts';
import { createTestDatabase, describeIfPostgres } from './helpers/postgres.ts';

/**
 * The cases store contract on a real PostgreSQL server: concurrent transitions and survey
 * answers run on separate pooled connections here (PGlite has one).
 */
await describeIfPostgres('case store on PostgreSQL', () => {
  describeCaseStoreContract('SQL on PostgreSQL', async () => {
    const db = await createTestDatabase();
    return {
      sql: db.sql,
      cases: new SqlCaseStore(db.sql),
      compliance: new SqlComplianceStore(db.sql),
      cleanup: () => db.drop(),
    };
  });
});
