import { migrate, openPglite } from '../core/db.ts';
import { describeHolidayStoreContract } from './holiday-store.contract.ts';
import { MemoryHolidayCalendarStore, SqlHolidayCalendarStore } from './holiday-store.ts';

describeHolidayStoreContract('memory', async () => ({ store: new MemoryHolidayCalendarStore() }));
describeHolidayStoreContract('sql on PGlite', async () => {
  const sql = await openPglite();
  await migrate(sql);
  return { store: new SqlHolidayCalendarStore(sql), cleanup: () => sql.close() };
});
