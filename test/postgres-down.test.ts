import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, connectDevice, provision, waitFor } from './helpers/clients.ts';
import { createTestDatabase, type TestDatabase } from './helpers/postgres.ts';
import { claimRedisDb, type TestRedis } from './helpers/redis.ts';
import { startService, type RunningService } from './helpers/service.ts';
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy.ts';

type ErrorBody = { error: string; message: string; details?: Record<string, string> };

/**
 * PostgreSQL unreachable under running nodes: real PostgreSQL behind a TCP proxy the test cuts
 * (refused connections, the pool's connections dropped), real MQTT over TCP. The API says
 * 503 meanwhile, not 500; devices' QoS 1 readings are acknowledged into the spool (DATA_DIR)
 * and stored once PostgreSQL is back, each once. One node alone, then two nodes on Redis.
 */
function outage(name: string, cluster: boolean) {
  describe(name, () => {
    let db: TestDatabase;
    let proxy: TcpProxy;
    let redis: TestRedis | undefined;
    const nodes: RunningService[] = [];
    const clients: MqttClient[] = [];

    beforeAll(async () => {
      db = await createTestDatabase();
      const direct = new URL(db.url);
      proxy = await startTcpProxy(direct.hostname, Number(direct.port || 5432));
      const via = new URL(db.url);
      via.hostname = '127.0.0.1';
      via.port = String(proxy.port);
      redis = cluster ? await claimRedisDb() : undefined;
      const env = { DATABASE_URL: via.toString(), ...(redis ? { REDIS_URL: redis.url } : {}) };
      for (let i = 0; i < (cluster ? 2 : 1); i++) nodes.push(await startService(env));
    }, 60_000);
    afterAll(async () => {
      await proxy?.restore().catch(() => undefined);
      await Promise.all(clients.map((c) => c.endAsync({ force: true } as never).catch(() => {})));
      for (const n of nodes) await n.stop();
      await proxy?.close();
      await db?.drop();
      await redis?.release();
    });

    it('answers 503 while PostgreSQL is unreachable, spools the devices readings, and stores each once when it is back', async () => {
      const first = nodes[0]!;
      // The device is on the last node: in a cluster, not the one provisioned through.
      const home = nodes.at(-1)!;
      const dev = await provision(first.httpUrl, first.adminToken, 'refrigerator', 'BCD-470');
      const d = await connectDevice(home.mqttUrl, dev);
      clients.push(d);
      let closed = false;
      d.on('close', () => (closed = true));
      const t0 = Date.now() - 600_000;
      const acked: number[] = [];
      const publish = async (i: number) => {
        // Resolves on PUBACK: in the node's spool, on disk.
        await d.publishAsync(
          `devices/${dev.id}/telemetry`,
          JSON.stringify({ ts: t0 + i, metrics: { fridge_temp_c: 4 } }),
          { qos: 1 },
        );
        acked.push(t0 + i);
      };
      await publish(0);
      await home.service.ingest.flushed();

      await proxy.cut();
      for (const n of nodes) {
        const h = await api<ErrorBody>(n.httpUrl, 'GET', '/health');
        expect(h.status, `/health of ${n.httpUrl}`).toBe(503);
        expect(h.body).toMatchObject({
          error: 'APP_ERR_UNAVAILABLE',
          details: { database: 'down', ...(cluster ? { redis: 'up' } : {}) },
        });
        // A read and a write through the API: unavailable, not an internal error.
        const read = await api<ErrorBody>(
          n.httpUrl,
          'GET',
          `/api/v1/devices/${dev.id}`,
          n.adminToken,
        );
        expect(read).toMatchObject({ status: 503, body: { error: 'APP_ERR_UNAVAILABLE' } });
        const write = await api<ErrorBody>(n.httpUrl, 'POST', '/api/v1/devices', n.adminToken, {
          category: 'refrigerator',
          model: 'BCD-470',
          serial: `PG-DOWN-${Date.now()}`,
        });
        expect(write).toMatchObject({ status: 503, body: { error: 'APP_ERR_UNAVAILABLE' } });
      }

      for (let i = 1; i <= 50; i++) await publish(i);
      expect(closed, 'the device was disconnected during the outage').toBe(false);
      await waitFor(() => !home.service.ingest.healthy, 10_000, 'ingest to see the store down');
      expect(home.service.ingest.spoolStats().depthRecords).toBeGreaterThan(0);

      await proxy.restore();
      for (const n of nodes)
        await waitFor(
          async () => (await api(n.httpUrl, 'GET', '/health')).status === 200,
          20_000,
          `/health of ${n.httpUrl} to be 200 again`,
        );
      await home.service.ingest.flushed(60_000);
      const rows = await db.sql.query<{ ts: Date }>(
        `SELECT ts FROM telemetry WHERE device_id = $1 AND metric = 'fridge_temp_c' ORDER BY ts`,
        [dev.id],
      );
      expect(rows.rows.map((r) => new Date(r.ts).getTime())).toEqual(acked);
      // The API serves again, on every node.
      for (const n of nodes) {
        const r = await api(n.httpUrl, 'GET', `/api/v1/devices/${dev.id}`, n.adminToken);
        expect(r.status).toBe(200);
      }
      expect(closed).toBe(false);
    }, 120_000);
  });
}

outage('PostgreSQL down under one node', false);
outage('PostgreSQL down under a cluster of two nodes', true);
