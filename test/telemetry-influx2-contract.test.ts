import { afterAll, expect, it } from 'vitest';
import { createInflux2Store } from '../ingest/stores/influx2.ts';
import { describeTelemetryStoreContract } from '../ingest/telemetry-store.contract.ts';
import { startInflux2Shim, type Influx2Shim } from './helpers/influx2-shim.ts';
import {
  influxdAvailable,
  influxdBin,
  startInfluxd,
  type InfluxdHandle,
} from './helpers/influxd.ts';
import { describeWithService } from './helpers/require-service.ts';

/**
 * The telemetry contract suite on the InfluxDB 2.x store (ingest/stores/influx2.ts, its
 * `@influxdata/influxdb-client` writes and Flux reads), through a MOCK of the 2.x HTTP API
 * (test/helpers/influx2-shim.ts) in front of Debian's REAL influxd 1.6.7: writes are stored by
 * influxd as sent; Flux is answered by the shim's translation to InfluxQL on the same data.
 * No binary installable here serves the 2.x API itself (docs/influxdb.md says what this proves).
 */
let influxd: Promise<InfluxdHandle> | undefined;
let shim: Promise<Influx2Shim> | undefined;
const server = () => (influxd ??= startInfluxd());
const api = () => (shim ??= server().then((s) => startInflux2Shim(s.url)));
afterAll(async () => {
  await (await shim)?.close();
  await (await influxd)?.stop();
});

let buckets = 0;
/** A bucket (an influxd database, as InfluxDB 1.8's compatibility API maps them) of its own. */
async function makeStore() {
  const bucket = `sanbao2_test_${++buckets}`;
  const { url } = await server();
  const created = await fetch(`${url}/query?q=${encodeURIComponent(`CREATE DATABASE ${bucket}`)}`, {
    method: 'POST',
  });
  if (!created.ok) throw new Error(`CREATE DATABASE answered ${created.status}`);
  const s = await api();
  const store = createInflux2Store({ url: s.url, token: s.token, org: s.org, bucket });
  await store.init();
  return { store, shim: s };
}

describeWithService(
  'influxd',
  influxdAvailable(),
  `no influxd at ${influxdBin()}`,
  'InfluxDB 2.x store (2.x API shim, a MOCK boundary, over real influxd 1.6 storage)',
  () => {
    describeTelemetryStoreContract('InfluxDB 2.x through a 2.x API shim', makeStore);

    it('reads only through Flux the shim knows: a changed query fails loudly instead of being answered', async () => {
      const { store, shim: s } = await makeStore();
      const before = s.queries.length;
      await store.query({ deviceId: 'd', metric: 'v', from: 0, to: 1, limit: 1 });
      await store.latest('d');
      await store.events({ deviceId: 'd', from: 0, to: 1, limit: 1 });
      expect(s.queries.length - before).toBe(3);
      const res = await fetch(`${s.url}/api/v2/query?org=${s.org}`, {
        method: 'POST',
        headers: { authorization: `Token ${s.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ query: 'from(bucket: "b") |> range(start: -1h) |> count()' }),
      });
      expect(res.status).toBe(400);
      const wrongToken = createInflux2Store({
        url: s.url,
        token: 'nope',
        org: s.org,
        bucket: 'sanbao2_test_1',
      });
      await expect(
        wrongToken.write([{ deviceId: 'd', category: 'tv', model: 'm', ts: 1, metrics: { v: 1 } }]),
      ).rejects.toMatchObject({ code: 'INGEST_ERR_INFLUX_REJECTED' });
    });
  },
);
