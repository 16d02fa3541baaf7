import { afterAll, beforeAll, it } from 'vitest';
import { startInfluxd, type InfluxdHandle, requireInfluxd } from './helpers/influxd.ts';
import { createTestDatabase, probePostgres, type TestDatabase } from './helpers/postgres.ts';
import { describeWithService } from './helpers/require-service.ts';
import { publishThousandAndReadBack } from './helpers/scenarios.ts';
import { startService, type RunningService } from './helpers/service.ts';

const pgProblem = await probePostgres();
const haveInflux = requireInfluxd('spine on PostgreSQL + InfluxDB');

describeWithService(
  'PostgreSQL and influxd',
  pgProblem === undefined && haveInflux,
  pgProblem ?? 'influxd missing',
  'spine end to end on PostgreSQL + InfluxDB 1.x',
  () => {
    let db: TestDatabase;
    let influxd: InfluxdHandle;
    let svc: RunningService;
    beforeAll(async () => {
      [db, influxd] = await Promise.all([createTestDatabase(), startInfluxd()]);
      svc = await startService({
        DATABASE_URL: db.url,
        INFLUX_URL: influxd.url,
        INFLUX_DATABASE: 'sanbao_e2e',
      });
    });
    afterAll(async () => {
      await svc?.stop();
      await Promise.all([db?.drop(), influxd?.stop()]);
    });

    it('stores exactly the 1,000 QoS 1 messages an MQTT.js client published, readable over HTTP', async () => {
      await publishThousandAndReadBack(svc);
    });
  },
);
