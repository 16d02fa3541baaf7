import { migrate, openPglite } from '../core/db.ts';
import { describeTelemetryStoreContract } from '../ingest/telemetry-store.contract.ts';
import { createSqlTelemetryStore } from '../ingest/stores/sql.ts';
import { createTestDatabase, describeIfPostgres } from './helpers/postgres.ts';

describeTelemetryStoreContract('SQL on PGlite', async () => {
  const sql = await openPglite();
  await migrate(sql);
  const store = createSqlTelemetryStore(sql);
  await store.init();
  return { store, cleanup: () => sql.close() };
});

await describeIfPostgres('SQL telemetry on PostgreSQL', () => {
  describeTelemetryStoreContract('SQL on PostgreSQL', async () => {
    const db = await createTestDatabase();
    const store = createSqlTelemetryStore(db.sql);
    await store.init();
    return { store, cleanup: () => db.drop() };
  });
});
