import { afterAll, describe, expect, it } from 'vitest';
import type { Sample } from '../core/sample.ts';
import { createInflux1Store, type Influx1StoreOptions } from '../ingest/stores/influx1.ts';
import { describeTelemetryStoreContract } from '../ingest/telemetry-store.contract.ts';
import type { TelemetryStore } from '../ingest/telemetry-store.ts';
import {
  influxdAvailable,
  influxdBin,
  startInfluxd,
  type InfluxdHandle,
} from './helpers/influxd.ts';
import { describeWithService } from './helpers/require-service.ts';

// Real influxd from Debian's package (1.6.7), one per test file (docs/style.md §13, §14).
let influxd: Promise<InfluxdHandle> | undefined;
const server = () => (influxd ??= startInfluxd());
afterAll(async () => {
  await (await influxd)?.stop();
});

let dbs = 0;
/** A store on a database of its own, so tests never see each other's data. */
async function makeStore(
  extra: Partial<Influx1StoreOptions> = {},
): Promise<{ store: TelemetryStore; db: string }> {
  const db = `sanbao_test_${++dbs}`;
  const store = createInflux1Store({ url: (await server()).url, database: db, ...extra });
  await store.init();
  return { store, db };
}

type Series = { name?: string; columns: string[]; values?: unknown[][] };

/** Raw InfluxQL against the test server, for checks the TelemetryStore interface cannot make. */
async function influxql(db: string, q: string): Promise<Series[]> {
  const { url } = await server();
  const query = `db=${encodeURIComponent(db)}&epoch=ms&q=${encodeURIComponent(q)}`;
  const res = await fetch(`${url}/query?${query}`, { method: 'POST' });
  const body = (await res.json()) as { results: Array<{ error?: string; series?: Series[] }> };
  if (body.results[0]?.error) throw new Error(body.results[0].error);
  return body.results[0]?.series ?? [];
}

const T0 = Date.UTC(2026, 0, 1);
const sample = (deviceId: string, ts: number, metrics: Record<string, number>): Sample => ({
  deviceId,
  category: 'washing_machine',
  model: 'XQG100',
  ts,
  metrics,
});

describeWithService(
  'influxd',
  influxdAvailable(),
  `no influxd at ${influxdBin()}`,
  'InfluxDB 1.x (real influxd)',
  () => {
    describeTelemetryStoreContract('InfluxDB 1.x', async () => {
      const { store, db } = await makeStore();
      return { store, cleanup: () => influxql(db, `DROP DATABASE "${db}"`).then(() => undefined) };
    });

    describe('InfluxDB 1.x backend specifics', () => {
      it('round-trips device ids and metric names that need line-protocol and InfluxQL escaping', async () => {
        const { store } = await makeStore();
        const devices = [
          'a b',
          'a,b',
          'a=b',
          `it's "quoted"`,
          '设备 #1, room=2',
          ' lead and trail ',
        ];
        const metrics = {
          'spin speed': 1,
          'a,b=c': 2,
          "o'clock": 3,
          'say "hi"': 4,
          温度: 5.5,
          time: 6,
          device: 7,
          model: 8,
          '~x': 9,
          $series: 10,
        };
        for (const d of devices) await store.write([sample(d, T0, metrics)]);
        for (const d of devices) {
          for (const [m, v] of Object.entries(metrics)) {
            expect(
              await store.query({ deviceId: d, metric: m, from: T0, to: T0 + 1, limit: 10 }),
              `${d}/${m}`,
            ).toEqual([{ ts: T0, value: v }]);
          }
          const latest = await store.latest(d);
          expect(Object.fromEntries(Object.entries(latest).map(([m, p]) => [m, p.value]))).toEqual(
            metrics,
          );
        }
      });

      it('stores an event detail with quotes, backslashes and newlines unchanged', async () => {
        const { store } = await makeStore();
        const ev = {
          deviceId: 'd 1',
          category: 'tv' as const,
          model: '',
          ts: T0,
          code: 'E,1 =x',
          severity: 'warning' as const,
          detail: 'say "hi"\\n\nnext line, ok=1',
        };
        await store.writeEvents([ev]);
        expect(await store.events({ deviceId: 'd 1', from: T0, to: T0 + 1, limit: 5 })).toEqual([
          ev,
        ]);
      });

      it('keeps two events with the same device and time but different codes', async () => {
        const { store } = await makeStore();
        const ev = (code: string) => ({
          deviceId: 'd',
          category: 'tv' as const,
          model: 'm',
          ts: T0,
          code,
          severity: 'error' as const,
        });
        await store.writeEvents([ev('E2'), ev('E1'), ev('E2')]);
        expect(await store.events({ deviceId: 'd', from: T0, to: T0 + 1, limit: 5 })).toEqual([
          ev('E1'),
          ev('E2'),
        ]);
      });

      it('refuses names it cannot store faithfully, and writes nothing of that batch', async () => {
        const { store } = await makeStore();
        for (const [d, m] of [
          ['back\\slash', 'v'],
          ['d', 'v\\'],
          ['new\nline', 'v'],
          ['', 'v'],
          ['d', 'tab\tbed'],
        ]) {
          await expect(
            store.write([sample('ok', T0, { v: 1 }), sample(d!, T0, { [m!]: 1 })]),
          ).rejects.toMatchObject({ code: 'INGEST_ERR_INFLUX_BAD_NAME' });
        }
        await expect(store.write([sample('ok', T0, { v: Number.NaN })])).rejects.toMatchObject({
          code: 'INGEST_ERR_INFLUX_BAD_VALUE',
        });
        expect(await store.latest('ok')).toEqual({});
      });

      it('is not fooled by InfluxQL injection in a device id or metric', async () => {
        const { store } = await makeStore();
        await store.write([sample('victim', T0, { v: 1 })]);
        for (const evil of [
          `x' OR "device" =~ /.*/ OR 'a'='a`,
          `x\\' OR 1=1`,
          'v" FROM telemetry; DROP DATABASE x; --',
        ]) {
          expect(
            await store.query({ deviceId: evil, metric: 'v', from: T0, to: T0 + 1, limit: 10 }),
          ).toEqual([]);
          expect(
            await store.query({
              deviceId: 'victim',
              metric: evil,
              from: T0,
              to: T0 + 1,
              limit: 10,
            }),
          ).toEqual([]);
          expect(await store.latest(evil)).toEqual({});
        }
      });

      it('writes every metric as a float field, so an integer first value does not lock the type', async () => {
        const { store, db } = await makeStore();
        await store.write([
          sample('d', T0, { rpm: 900 }),
          sample('d', T0 + 1, { rpm: 900.5 }),
          sample('d', T0 + 2, { rpm: 2 ** 53 + 2 }),
        ]);
        expect(
          (
            await store.query({ deviceId: 'd', metric: 'rpm', from: T0, to: T0 + 3, limit: 10 })
          ).map((p) => p.value),
        ).toEqual([900, 900.5, 2 ** 53 + 2]);
        const [keys] = await influxql(db, 'SHOW FIELD KEYS FROM "telemetry"');
        expect(keys?.values).toEqual([['rpm', 'float']]);
      });

      it('reports windows at their epoch-aligned start even when `from` falls inside one', async () => {
        const { store } = await makeStore();
        await store.write([
          sample('d', T0 + 4000, { v: 1 }),
          sample('d', T0 + 6000, { v: 3 }),
          sample('d', T0 + 12_000, { v: 5 }),
        ]);
        const pts = await store.query({
          deviceId: 'd',
          metric: 'v',
          from: T0 + 5000,
          to: T0 + 20_000,
          every: 10_000,
          agg: 'mean',
          limit: 10,
        });
        expect(pts).toEqual([
          { ts: T0, value: 3 }, // only the point at +6000 is inside [from, to)
          { ts: T0 + 10_000, value: 5 },
        ]);
      });

      it('fails loudly (not silently) when another writer made a field an integer', async () => {
        const { store, db } = await makeStore();
        const { url } = await server();
        await fetch(`${url}/write?db=${db}&precision=ms`, {
          method: 'POST',
          body: `telemetry,device=x,category=tv n=5i ${T0}`,
        });
        await expect(store.write([sample('d', T0, { n: 1 })])).rejects.toMatchObject({
          code: 'INGEST_ERR_INFLUX_REJECTED',
        });
      });

      it('creates retention policies and the rollup continuous query, idempotently, and the CQ fills the rollup', async () => {
        const expired: number[] = [];
        const retention = { raw: '90d', rollup: '260w', every: '1s', resampleFor: '10s' };
        const { store, db } = await makeStore({ retention, onExpired: (n) => expired.push(n) });
        await store.init(); // a second init changes nothing and does not fail
        const [rps] = await influxql(db, `SHOW RETENTION POLICIES ON "${db}"`);
        const byName = Object.fromEntries((rps?.values ?? []).map((r) => [r[0], r]));
        expect(byName.raw?.[1]).toBe('2160h0m0s');
        expect(byName.raw?.[4]).toBe(true); // the default policy
        expect(byName.rollup_1s?.[1]).toBe('43680h0m0s');
        expect(byName.events?.[1]).toBe('43680h0m0s');
        const cqs = await influxql(db, 'SHOW CONTINUOUS QUERIES');
        const ours = cqs.find((s) => s.name === db)?.values ?? [];
        expect(ours.map((r) => r[0])).toEqual(['telemetry_rollup_1s']);
        expect(String(ours[0]?.[1])).toMatch(/RESAMPLE EVERY 1s FOR 10s/);

        const now = Math.floor(Date.now() / 1000) * 1000;
        await store.write([
          sample('d', now - 3000, { v: 1 }),
          sample('d', now - 2500, { v: 3 }),
          sample('d', now - 2000, { v: 10 }),
        ]);
        const deadline = Date.now() + 20_000;
        let rows: unknown[][] = [];
        while (Date.now() < deadline) {
          const [s] = await influxql(
            db,
            `SELECT "mean_v", "min_v", "max_v", "count_v" FROM "${db}"."rollup_1s"."telemetry" WHERE "device" = 'd'`,
          );
          rows = s?.values ?? [];
          if (rows.length >= 2) break;
          await new Promise((r) => setTimeout(r, 500));
        }
        expect(rows).toEqual([
          [now - 3000, 2, 1, 3, 2],
          [now - 2000, 10, 10, 10, 1],
        ]);

        // Older than the raw retention: deleted by policy, reported, and not an error that would
        // make the spool replay the batch forever.
        await store.write([sample('d', T0 - 365 * 86_400_000, { v: 1 })]);
        expect(expired).toEqual([1]);
      });

      it('fails ping and writes while influxd is down, and works again right after restart', async () => {
        const { store } = await makeStore();
        await store.write([sample('d', T0, { v: 1 })]);
        const handle = await server();
        await handle.kill();
        await expect(store.ping()).rejects.toMatchObject({ code: 'INGEST_ERR_INFLUX_UNAVAILABLE' });
        await expect(store.write([sample('d', T0 + 1, { v: 2 })])).rejects.toMatchObject({
          code: 'INGEST_ERR_INFLUX_UNAVAILABLE',
        });
        await expect(store.latest('d')).rejects.toMatchObject({
          code: 'INGEST_ERR_INFLUX_UNAVAILABLE',
        });
        await handle.restart();
        await expect(store.ping()).resolves.toBeUndefined();
        await store.write([sample('d', T0 + 1, { v: 2 })]);
        // The point acknowledged before SIGKILL survived it (influxd fsyncs its WAL before answering).
        expect(
          await store.query({ deviceId: 'd', metric: 'v', from: T0, to: T0 + 10, limit: 10 }),
        ).toEqual([
          { ts: T0, value: 1 },
          { ts: T0 + 1, value: 2 },
        ]);
      });
    });
  },
);
