import { migrate, openPglite } from '../../core/db.ts';
import { describeCatalogStoreContract } from '../catalog/store.contract.ts';
import { createSqlCatalogStore } from './sql-catalog.ts';

describeCatalogStoreContract('SQL on PGlite', async () => {
  const sql = await openPglite();
  await migrate(sql);
  return { store: createSqlCatalogStore(sql), cleanup: () => sql.close() };
});
