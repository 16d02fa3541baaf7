import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDevice, provision, waitFor, type Provisioned } from './helpers/clients.ts';
import { createTestDatabase, type TestDatabase } from './helpers/postgres.ts';
import {
  loopbackPorts,
  spawnService,
  stopIfRunning,
  type ServiceProcess,
} from './helpers/process.ts';
import { claimRedisDb, type TestRedis } from './helpers/redis.ts';
import { startService, TEST_ADMIN_TOKEN, type RunningService } from './helpers/service.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const DEVICES = 3;

/**
 * A cluster node killed with SIGKILL mid-stream (issue 22): node A runs as a child process, node
 * B in this one, on one Redis database index and one PostgreSQL database. Devices on A publish
 * QoS 1 readings numbered by their timestamp until A dies; each sends what A did not
 * acknowledge again through B, as a device does; A starts again on the same DATA_DIR and
 * replays its spool. Every reading either node acknowledged is stored exactly once.
 */
describe('a cluster node killed mid-stream and restarted on its data folder', () => {
  let redis: TestRedis;
  let db: TestDatabase;
  let dataDir: string;
  let b: RunningService;
  let a: ServiceProcess | undefined;
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    redis = await claimRedisDb();
    db = await createTestDatabase();
    dataDir = await mkdtemp(path.join(tmpdir(), 'sanbao-cluster-kill-'));
    b = await startService({ DATABASE_URL: db.url, REDIS_URL: redis.url });
  }, 60_000);
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true).catch(() => {})));
    await stopIfRunning(a);
    await b?.stop();
    await rm(dataDir, { recursive: true, force: true });
    await db?.drop();
    await redis?.release();
  });

  it('stores every acknowledged reading exactly once, the spooled ones after the restart and the resent ones through the other node', async () => {
    const { mqtt: mqttPort, env: ports } = await loopbackPorts();
    const env = {
      DATA_DIR: dataDir,
      ...ports,
      ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      DATABASE_URL: db.url,
      REDIS_URL: redis.url,
      // Durability, not limits: a device over its rate is disconnected before the kill.
      MQTT_RATE_PER_DEVICE: '100000',
      MQTT_RATE_BURST: '100000',
    };
    a = await spawnService(env);
    const aUrl = `mqtt://127.0.0.1:${mqttPort}`;
    const devices: Provisioned[] = [];
    for (let i = 0; i < DEVICES; i++)
      devices.push(await provision(b.httpUrl, b.adminToken, 'refrigerator', 'BCD-470'));

    const t0 = Date.now() - 3_600_000;
    const topic = (d: Provisioned) => `devices/${d.id}/telemetry`;
    const payload = (n: number) =>
      JSON.stringify({ ts: t0 + n, metrics: { fridge_temp_c: 2 + (n % 5) } });
    /** Per device: readings sent to A, and those A acknowledged. */
    const sent = devices.map(() => new Set<number>());
    const acked = devices.map(() => new Set<number>());
    let killed = false;
    const pumps = await Promise.all(
      devices.map(async (d, k) => {
        const c = await connectDevice(aUrl, d, { clean: false });
        clients.push(c);
        c.on('error', () => undefined);
        let closed = false;
        c.on('close', () => (closed = true));
        let settled = 0;
        let n = 0;
        // Many in flight, as a busy device has, fewer than the broker's in-flight limit.
        const pump = (async () => {
          while (!killed && !closed) {
            const seq = n++;
            try {
              c.publish(topic(d), payload(seq), { qos: 1 }, (err) => {
                settled++;
                if (!err) acked[k]!.add(seq);
              });
              sent[k]!.add(seq);
            } catch {
              break;
            }
            while (n - settled >= 100 && !killed && !closed) await sleep(1);
            if (seq % 20 === 0) await sleep(1);
          }
        })();
        return { c, pump, next: () => n, closed: () => closed };
      }),
    );
    const total = () => acked.reduce((s, x) => s + x.size, 0);
    await waitFor(() => total() > 600 || pumps.some((p) => p.closed()), 60_000, 'acks from A');
    expect(pumps.some((p) => p.closed())).toBe(false);
    a.child.kill('SIGKILL');
    killed = true;
    await a.exited;
    await Promise.all(pumps.map((p) => p.pump));
    for (const p of pumps) p.c.end(true);
    const ackedByA = acked.map((s) => [...s]);

    // Each device comes back on B with its session and sends again what A did not acknowledge,
    // then a few new readings.
    const ackedByB = devices.map(() => new Set<number>());
    let resent = 0;
    await Promise.all(
      devices.map(async (d, k) => {
        const c = await connectDevice(b.mqttUrl, d, { clean: false });
        clients.push(c);
        const again = [...sent[k]!].filter((n) => !acked[k]!.has(n));
        resent += again.length;
        const next = pumps[k]!.next();
        const fresh = Array.from({ length: 20 }, (_, i) => next + i);
        for (const n of [...again, ...fresh]) {
          await c.publishAsync(topic(d), payload(n), { qos: 1 });
          ackedByB[k]!.add(n);
        }
      }),
    );

    async function stored(d: Provisioned) {
      const r = await db.sql.query<{ ts: Date; n: number }>(
        `SELECT ts, count(*)::int AS n FROM telemetry
          WHERE device_id = $1 AND metric = 'fridge_temp_c' GROUP BY ts`,
        [d.id],
      );
      return r.rows.map((row) => ({ seq: new Date(row.ts).getTime() - t0, n: row.n }));
    }
    /** Readings either node acknowledged that are not stored (yet). */
    async function missing() {
      let out: Array<{ device: string; seq: number }> = [];
      for (const [k, d] of devices.entries()) {
        const have = new Set((await stored(d)).map((r) => r.seq));
        const want = [...ackedByA[k]!, ...ackedByB[k]!];
        out = out.concat(want.filter((s) => !have.has(s)).map((seq) => ({ device: d.id, seq })));
      }
      return out;
    }

    // A starts again on its data folder: what it acknowledged and had not stored is in its spool.
    await b.service.ingest.flushed();
    const beforeRestart = (await missing()).length;
    a = await spawnService(env);
    let left = await missing();
    for (const until = Date.now() + 60_000; left.length > 0 && Date.now() < until;) {
      await sleep(250);
      left = await missing();
    }
    expect(left.slice(0, 10), `${left.length} acknowledged readings not stored`).toEqual([]);
    for (const [k, d] of devices.entries()) {
      const rows = await stored(d);
      // Once each, and nothing that was not sent.
      expect(rows.filter((r) => r.n !== 1)).toEqual([]);
      const sentOrFresh = new Set([...sent[k]!, ...ackedByB[k]!]);
      expect(rows.filter((r) => !sentOrFresh.has(r.seq))).toEqual([]);
    }
    expect(ackedByA.reduce((s, x) => s + x.length, 0)).toBeGreaterThan(600);
    console.info(
      `acknowledged by A before the kill: ${ackedByA.map((x) => x.length).join(', ')}; sent again through B: ${resent}; acknowledged but not stored until A's restart: ${beforeRestart}`,
    );
  }, 180_000);
});
