import { SqlWarrantyStore } from '../warranty/stores/sql.ts';
import { describeWarrantyStoreContract } from '../warranty/warranty-store.contract.ts';
import { createTestDatabase, describeIfPostgres } from './helpers/postgres.ts';

/**
 * The WarrantyStore contract on a real PostgreSQL server: concurrent repair appends and
 * concurrent maker-policy saves run on separate pooled connections here (PGlite has one).
 */
await describeIfPostgres('warranty store on PostgreSQL', () => {
  describeWarrantyStoreContract('SQL on PostgreSQL', async () => {
    const db = await createTestDatabase();
    return { store: new SqlWarrantyStore(db.sql), cleanup: () => db.drop() };
  });
});
