import { describeHolidayStoreContract } from '../warranty/holiday-store.contract.ts';
import { SqlHolidayCalendarStore } from '../warranty/holiday-store.ts';
import { createTestDatabase, describeIfPostgres } from './helpers/postgres.ts';

await describeIfPostgres('holiday calendars on PostgreSQL', () => {
  describeHolidayStoreContract('SQL on PostgreSQL', async () => {
    const db = await createTestDatabase();
    return { store: new SqlHolidayCalendarStore(db.sql), cleanup: () => db.drop() };
  });
});
