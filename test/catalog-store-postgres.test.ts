import { describeCatalogStoreContract } from '../diagnostics/catalog/store.contract.ts';
import { createSqlCatalogStore } from '../diagnostics/stores/sql-catalog.ts';
import { createTestDatabase, describeIfPostgres } from './helpers/postgres.ts';

await describeIfPostgres('diagnostics catalogue on PostgreSQL', () => {
  describeCatalogStoreContract('SQL on PostgreSQL', async () => {
    const db = await createTestDatabase();
    return { store: createSqlCatalogStore(db.sql), cleanup: () => db.drop() };
  });
});
