import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Sample } from '../core/sample.ts';
import { createInflux2Store } from '../ingest/stores/influx2.ts';
import type { TelemetryStore } from '../ingest/telemetry-store.ts';
import { startInflux2Mock, type Influx2Mock } from './helpers/influx2-mock.ts';
import { influxdAvailable, influxdBin, startInfluxd } from './helpers/influxd.ts';
import { describeWithService } from './helpers/require-service.ts';

/**
 * The InfluxDB 2.x backend's write path against a MOCK InfluxDB 2.x HTTP endpoint
 * (test/helpers/influx2-mock.ts: checks token, org, bucket, precision; parses the line protocol),
 * and against Debian's real influxd, whose 1.6.7 has no 2.x API. docs/influxdb.md, "How the 2.x
 * backend was verified", says what this proves and what it does not.
 */
const T0 = Date.UTC(2026, 0, 1);
const sample = (deviceId: string, ts: number, metrics: Record<string, number>): Sample => ({
  deviceId,
  category: 'excavator',
  model: 'SY215C',
  ts,
  metrics,
});
let mock: Influx2Mock;
let store: TelemetryStore;
const expired: number[] = [];

beforeAll(async () => {
  mock = await startInflux2Mock();
  const { url, token, org, bucket } = mock;
  store = createInflux2Store({ url, token, org, bucket, onExpired: (n) => expired.push(n) });
  await store.init();
});
afterAll(async () => {
  await store.close();
  await mock.close();
});
beforeEach(() => {
  mock.writes.length = 0;
  mock.queries.length = 0;
});

describe('InfluxDB 2.x store against a mock InfluxDB 2.x HTTP endpoint', () => {
  it('writes line protocol with the token, org, bucket and ms precision, tags escaped, every metric a float', async () => {
    await store.write([
      sample('exc 7,site=3', T0 + 1, { 'hydraulic pressure': 350, 'a,b=c': -0.5, time: 1 }),
    ]);
    expect(mock.writes).toHaveLength(1);
    const [r] = mock.writes;
    expect(r!.auth).toBe(`Token ${mock.token}`);
    expect(r!.params).toMatchObject({
      org: 'acme',
      bucket: 'telemetry',
      precision: 'ms',
    });
    expect(r!.lines).toEqual([
      {
        measurement: 'telemetry',
        tags: { category: 'excavator', device: 'exc 7,site=3', model: 'SY215C' },
        fields: { 'a,b=c': '-0.5', 'hydraulic pressure': '350', '~time': '1' }, // no `i`: floats
        ts: String(T0 + 1),
      },
    ]);
  });

  it('writes events with code as a tag and quoted string fields', async () => {
    await store.writeEvents([
      {
        deviceId: 'd',
        category: 'tv',
        model: '',
        ts: T0,
        code: 'E 5',
        severity: 'critical',
        detail: 'say "hi" \\ ok',
      },
    ]);
    expect(mock.writes[0]!.lines).toEqual([
      {
        measurement: 'device_events',
        tags: { category: 'tv', code: 'E 5', device: 'd' },
        fields: { detail: '"say "hi" \\ ok"', severity: '"critical"' },
        ts: String(T0),
      },
    ]);
  });

  it('resolves write() only once the server has answered', async () => {
    let release!: () => void;
    mock.nextWrite = { status: 204, hold: new Promise<void>((r) => (release = r)) };
    let done = false;
    const p = store.write([sample('d', T0, { v: 1 })]).then(() => (done = true));
    await new Promise((r) => setTimeout(r, 200));
    expect(mock.writes).toHaveLength(1);
    expect(done).toBe(false);
    release();
    await p;
    expect(done).toBe(true);
  });

  it('splits a large batch into 5 000-line requests and sends every point once', async () => {
    await store.write(Array.from({ length: 12_000 }, (_, i) => sample('d', T0 + i, { v: i })));
    expect(mock.writes.map((r) => r.lines.length)).toEqual([5000, 5000, 2000]);
    expect(mock.writes.flatMap((r) => r.lines.map((l) => Number(l.ts)))).toEqual(
      Array.from({ length: 12_000 }, (_, i) => T0 + i),
    );
  });

  it('rejects at once, without retrying, when the server fails or refuses', async () => {
    mock.nextWrite = { status: 503, body: '{"code":"unavailable","message":"too busy"}' };
    await expect(store.write([sample('d', T0, { v: 1 })])).rejects.toMatchObject({
      code: 'INGEST_ERR_INFLUX_UNAVAILABLE',
    });
    mock.nextWrite = { status: 400, body: '{"code":"invalid","message":"field type conflict"}' };
    await expect(store.write([sample('d', T0, { v: 1 })])).rejects.toMatchObject({
      code: 'INGEST_ERR_INFLUX_REJECTED',
    });
    const wrongToken = createInflux2Store({
      url: mock.url,
      token: 'nope',
      org: 'acme',
      bucket: 'telemetry',
    });
    await expect(wrongToken.write([sample('d', T0, { v: 1 })])).rejects.toMatchObject({
      code: 'INGEST_ERR_INFLUX_REJECTED',
    });
    expect(mock.writes).toEqual([]);
  });

  it('treats points beyond the bucket retention as expired, not as a failure to replay forever', async () => {
    mock.nextWrite = {
      status: 422,
      body: '{"code":"unprocessable entity","message":"failure writing points to database: partial write: points beyond retention policy dropped=2"}',
    };
    await store.write([sample('d', 0, { v: 1 }), sample('d', 1, { v: 1 })]);
    expect(expired).toEqual([2]);
  });

  it('refuses names that line protocol cannot carry', async () => {
    await expect(store.write([sample('a\\', T0, { v: 1 })])).rejects.toMatchObject({
      code: 'INGEST_ERR_INFLUX_BAD_NAME',
    });
    await expect(store.write([sample('a', T0, { 'x\ny': 1 })])).rejects.toMatchObject({
      code: 'INGEST_ERR_INFLUX_BAD_NAME',
    });
    expect(mock.writes).toEqual([]);
  });

  it('pings, and fails ping and writes when nothing listens', async () => {
    await expect(store.ping()).resolves.toBeUndefined();
    const gone = createInflux2Store({
      url: 'http://127.0.0.1:1',
      token: mock.token,
      org: 'acme',
      bucket: 'telemetry',
    });
    await expect(gone.ping()).rejects.toMatchObject({ code: 'INGEST_ERR_INFLUX_UNAVAILABLE' });
    await expect(gone.latest('d')).rejects.toMatchObject({ code: 'INGEST_ERR_INFLUX_UNAVAILABLE' });
    await expect(gone.write([sample('d', T0, { v: 1 })])).rejects.toMatchObject({
      code: 'INGEST_ERR_INFLUX_UNAVAILABLE',
    });
  });
});

// Debian's influxd, to record what its HTTP API does with the 2.x write path (docs/style.md §13).
describeWithService(
  'influxd',
  influxdAvailable(),
  `no influxd at ${influxdBin()}`,
  'InfluxDB 2.x store on Debian influxd',
  () => {
    it('writes via /api/v2/write where influxd has it (1.8+), and is refused loudly on 1.6/1.7', async () => {
      const influxd = await startInfluxd();
      try {
        const db = 'compat';
        const q = (stmt: string) =>
          fetch(`${influxd.url}/query?db=${db}&epoch=ms&q=${encodeURIComponent(stmt)}`, {
            method: 'POST',
          }).then(
            (r) =>
              r.json() as Promise<{ results: Array<{ series?: Array<{ values: unknown[][] }> }> }>,
          );
        await q(`CREATE DATABASE ${db}`);
        const version =
          (await fetch(`${influxd.url}/ping`)).headers.get('x-influxdb-version') ?? '';
        const [major = 0, minor = 0] = version.split('.').map((n) => parseInt(n, 10));
        // The 1.8 compatibility API takes `db` or `db/rp` as bucket and ignores org; no auth here.
        const v2 = createInflux2Store({
          url: influxd.url,
          token: 'unused',
          org: 'unused',
          bucket: db,
        });
        await expect(v2.ping()).resolves.toBeUndefined();
        const write = v2.write([sample('d', T0, { v: 1.25 })]);
        if (major === 1 && minor < 8) {
          // 1.6.7 has no 2.x API: /api/v2/write is a 404, which must not look like success.
          await expect(write).rejects.toMatchObject({
            code: 'INGEST_ERR_INFLUX_REJECTED',
            message: expect.stringContaining('404'),
          });
          expect((await q('SELECT * FROM "telemetry"')).results[0]?.series).toBeUndefined();
        } else {
          await write;
          const res = await q('SELECT "v" FROM "telemetry"');
          expect(res.results[0]?.series?.[0]?.values).toEqual([[T0, 1.25]]);
        }
      } finally {
        await influxd.stop();
      }
    });
  },
);
