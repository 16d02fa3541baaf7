import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, connectDevice, provision, waitFor, type Provisioned } from './helpers/clients.ts';
import { startInfluxd, type InfluxdHandle } from './helpers/influxd.ts';
import { createTestDatabase, type TestDatabase } from './helpers/postgres.ts';
import {
  loopbackPorts,
  spawnService,
  stopIfRunning,
  type ServiceProcess,
} from './helpers/process.ts';
import { claimRedisDb, type TestRedis } from './helpers/redis.ts';
import { TEST_ADMIN_TOKEN } from './helpers/service.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const DEVICES = 3;
const INFLUX_DB = 'spool_restart';

/**
 * Issue 22's "a node restarted with a full spool": a cluster node (REDIS_URL, PostgreSQL,
 * InfluxDB) whose telemetry store is down acknowledges QoS 1 readings into its spool until the
 * spool is full (SPOOL_MAX_BYTES), then refuses them (no PUBACK, connection closed); it is
 * killed with SIGKILL with its spool full, started again on the same DATA_DIR with InfluxDB
 * back, and its devices reconnect and send again what it did not acknowledge. Every reading it
 * acknowledged is stored exactly once (by device and timestamp), nothing that was not sent.
 */
describe('a cluster node killed with a full spool and restarted on its data folder', () => {
  let redis: TestRedis;
  let db: TestDatabase;
  let influxd: InfluxdHandle;
  let dataDir: string;
  let node: ServiceProcess | undefined;
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    [redis, db, influxd] = await Promise.all([
      claimRedisDb(),
      createTestDatabase(),
      startInfluxd(),
    ]);
    dataDir = await mkdtemp(path.join(tmpdir(), 'sanbao-spool-restart-'));
  }, 90_000);
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true).catch(() => {})));
    await stopIfRunning(node);
    await rm(dataDir, { recursive: true, force: true });
    await influxd?.stop();
    await db?.drop();
    await redis?.release();
  });

  it('stores every acknowledged reading once after the restart; the refused ones come again from their devices', async () => {
    const { http, mqtt: mqttPort, env: ports } = await loopbackPorts();
    const env = {
      DATA_DIR: dataDir,
      ...ports,
      ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      DATABASE_URL: db.url,
      REDIS_URL: redis.url,
      INFLUX_URL: influxd.url,
      INFLUX_DATABASE: INFLUX_DB,
      // Some hundreds of readings: full in seconds.
      SPOOL_MAX_BYTES: '60000',
      MQTT_RATE_PER_DEVICE: '100000',
      MQTT_RATE_BURST: '100000',
    };
    const httpUrl = `http://127.0.0.1:${http}`;
    const mqttUrl = `mqtt://127.0.0.1:${mqttPort}`;
    const metric = async (name: string) => {
      const text = await fetch(`${httpUrl}/metrics`).then((r) => r.text());
      const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
      return m ? Number(m[1]) : undefined;
    };
    node = await spawnService(env);
    const devices: Provisioned[] = [];
    for (let i = 0; i < DEVICES; i++)
      devices.push(await provision(httpUrl, TEST_ADMIN_TOKEN, 'tv', 'E55'));

    const t0 = Date.now() - 3_600_000;
    const topic = (d: Provisioned) => `devices/${d.id}/telemetry`;
    const payload = (n: number) => JSON.stringify({ ts: t0 + n, metrics: { power_w: n % 1000 } });
    const sent = devices.map(() => new Set<number>());
    const acked = devices.map(() => new Set<number>());
    const next = devices.map(() => 0);

    // A few readings stored while InfluxDB is up, then InfluxDB goes.
    const first = await Promise.all(
      devices.map(async (d, k) => {
        const c = await connectDevice(mqttUrl, d, { clean: false });
        c.on('error', () => undefined);
        clients.push(c);
        for (let i = 0; i < 10; i++) {
          const n = next[k]!++;
          sent[k]!.add(n);
          await c.publishAsync(topic(d), payload(n), { qos: 1 });
          acked[k]!.add(n);
        }
        return c;
      }),
    );
    await influxd.kill();

    // Each device publishes, many in flight, until the node refuses one (spool full: no PUBACK,
    // the connection closed).
    await Promise.all(
      first.map(async (c, k) => {
        const d = devices[k]!;
        let closed = false;
        c.on('close', () => (closed = true));
        let settled = 0;
        let issued = 0;
        while (!closed) {
          const n = next[k]!++;
          try {
            c.publish(topic(d), payload(n), { qos: 1 }, (err) => {
              settled++;
              if (!err) acked[k]!.add(n);
            });
            sent[k]!.add(n);
            issued++;
          } catch {
            break;
          }
          while (issued - settled >= 20 && !closed) await sleep(2);
        }
      }),
    );
    const ackedBeforeKill = acked.reduce((s, x) => s + x.size, 0);
    const sentBeforeKill = sent.reduce((s, x) => s + x.size, 0);
    // The spool was full, and said so.
    expect(await metric('sanbao_ingest_spool_full_total')).toBeGreaterThan(0);
    expect(await metric('sanbao_mqtt_rejected_total\\{reason="spool_full"\\}')).toBeGreaterThan(0);
    // Hundreds acknowledged into the spool with the store down, not yet stored.
    expect(ackedBeforeKill - DEVICES * 10).toBeGreaterThan(200);
    expect(await metric('sanbao_ingest_spool_depth_bytes')).toBeGreaterThan(0);
    expect(ackedBeforeKill).toBeLessThan(sentBeforeKill);

    node.child.kill('SIGKILL');
    await node.exited;
    await influxd.restart();
    node = await spawnService(env);

    // The devices reconnect (their sessions are in Redis) and send again what was not
    // acknowledged, then a few new readings.
    let resent = 0;
    await Promise.all(
      devices.map(async (d, k) => {
        let c: MqttClient | undefined;
        await waitFor(
          async () => {
            c = await connectDevice(mqttUrl, d, { clean: false }).catch(() => undefined);
            return c !== undefined;
          },
          30_000,
          `${d.id} reconnected`,
        );
        clients.push(c!);
        const again = [...sent[k]!].filter((n) => !acked[k]!.has(n));
        resent += again.length;
        const fresh = Array.from({ length: 10 }, () => next[k]!++);
        for (const n of [...again, ...fresh]) {
          sent[k]!.add(n);
          await c!.publishAsync(topic(d), payload(n), { qos: 1 });
          acked[k]!.add(n);
        }
      }),
    );

    /** Per device, the stored timestamps as reading numbers (InfluxDB keeps one point per key). */
    const stored = async () => {
      const q = `SELECT "power_w" FROM "telemetry" WHERE time >= ${t0}ms GROUP BY "device"`;
      const r = (await fetch(
        `${influxd.url}/query?db=${INFLUX_DB}&epoch=ms&q=${encodeURIComponent(q)}`,
      ).then((res) => res.json())) as {
        results: Array<{ series?: Array<{ tags: { device: string }; values: number[][] }> }>;
      };
      const out = new Map<string, number[]>();
      for (const s of r.results[0]?.series ?? [])
        out.set(
          s.tags.device,
          s.values.map(([ts]) => ts! - t0),
        );
      return out;
    };
    const missing = (have: Map<string, number[]>) =>
      devices.flatMap((d, k) => {
        const got = new Set(have.get(d.id) ?? []);
        return [...acked[k]!].filter((n) => !got.has(n)).map((n) => `${d.id}#${n}`);
      });
    let have = await stored();
    await waitFor(
      async () => missing((have = await stored())).length === 0,
      60_000,
      'every acknowledged reading in InfluxDB',
    ).catch(() => undefined);
    expect(
      missing(have).slice(0, 10),
      `${missing(have).length} acknowledged readings not stored`,
    ).toEqual([]);
    for (const [k, d] of devices.entries()) {
      const got = have.get(d.id)!;
      expect(new Set(got).size, `${d.id} stored twice`).toBe(got.length);
      expect(
        got.filter((n) => !sent[k]!.has(n)),
        'stored but never sent',
      ).toEqual([]);
    }
    // The replayed spool is drained: nothing left behind for a later start.
    await waitFor(
      async () => (await metric('sanbao_ingest_spool_depth_records')) === 0,
      30_000,
      'the spool drained',
    );
    const health = await api<{ telemetryStore: string }>(httpUrl, 'GET', '/health');
    expect(health.body.telemetryStore).toBe('up');
    console.info(
      `acknowledged with InfluxDB down, spool full: ${ackedBeforeKill} of ${sentBeforeKill} sent; refused and sent again after the restart: ${resent}`,
    );
  }, 240_000);
});
