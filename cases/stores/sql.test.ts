import { migrate, openPglite } from '../../core/db.ts';
import { describeCaseStoreContract } from '../case-store.contract.ts';
import { SqlCaseStore } from './sql-cases.ts';
import { SqlComplianceStore } from './sql-compliance.ts';

describeCaseStoreContract('SQL on PGlite', async () => {
  const sql = await openPglite();
  await migrate(sql);
  return {
    sql,
    cases: new SqlCaseStore(sql),
    compliance: new SqlComplianceStore(sql),
    cleanup: () => sql.close(),
  };
});
