import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, connect, connectDevice, nextMessage, provision, waitFor } from './helpers/clients.ts';
import { createTestDatabase, type TestDatabase } from './helpers/postgres.ts';
import { claimRedisDb, type TestRedis } from './helpers/redis.ts';
import { startService, type RunningService } from './helpers/service.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A device's MQTT session across the nodes of a cluster (issue 22): two nodes on one Redis
 * database index and one PostgreSQL database, real MQTT over TCP. Sessions, subscriptions and
 * QoS 1 queues live in Redis (aedes-persistence-redis), so a device may come back on any node.
 */
describe('a device session moving between two nodes', () => {
  let redis: TestRedis;
  let db: TestDatabase;
  let a: RunningService;
  let b: RunningService;
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    redis = await claimRedisDb();
    db = await createTestDatabase();
    const env = { DATABASE_URL: db.url, REDIS_URL: redis.url };
    a = await startService(env);
    b = await startService(env);
  }, 30_000);
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync({ force: true } as never).catch(() => {})));
    await a?.stop();
    await b?.stop();
    await db?.drop();
    await redis?.release();
  });

  const keep = <T extends MqttClient>(c: T) => (clients.push(c), c);
  const admin = async (svc: RunningService) =>
    keep(await connect(svc.mqttUrl, { username: 'token', password: svc.adminToken }));

  it('delivers a QoS 1 command queued on node A for an offline device when it comes back on node B', async () => {
    const dev = await provision(a.httpUrl, a.adminToken);
    const commands = `devices/${dev.id}/commands/#`;
    // A persistent session on node A, subscribed at QoS 1, then offline.
    const first = await connectDevice(a.mqttUrl, dev, { clean: false });
    await first.subscribeAsync(commands, { qos: 1 });
    await first.endAsync();

    // Queued through node A while the device is away (a service's QoS 1 publish).
    const svc = await admin(a);
    const sent = [1, 2, 3].map((n) => ({ requestId: `r${n}`, name: 'self_test' }));
    for (const m of sent)
      await svc.publishAsync(`devices/${dev.id}/commands/self_test`, JSON.stringify(m), {
        qos: 1,
      });

    // Back on node B with the same session: told so, and handed the queue in order, without
    // subscribing again.
    const got: Array<{ requestId: string }> = [];
    const back = keep(
      mqtt.connect(b.mqttUrl, {
        clientId: dev.id,
        username: dev.id,
        password: dev.secret,
        clean: false,
        reconnectPeriod: 0,
        protocolVersion: 4,
      }),
    );
    // Listening before the CONNACK: the queue follows it at once.
    back.on('message', (_t, payload) => got.push(JSON.parse(payload.toString())));
    const connack = await new Promise<{ sessionPresent: boolean }>((resolve, reject) => {
      back.once('connect', resolve);
      back.once('error', reject);
    });
    expect(connack.sessionPresent).toBe(true);
    await waitFor(() => got.length >= sent.length, 10_000, 'the queued commands on node B');
    expect(got.map((m) => m.requestId)).toEqual(['r1', 'r2', 'r3']);
    // Delivered once: acknowledged on B, the queue is empty (a later reconnect gets nothing).
    await back.endAsync();
    const again = keep(await connectDevice(a.mqttUrl, dev, { clean: false }));
    const more: string[] = [];
    again.on('message', (t) => more.push(t));
    await sleep(1000);
    expect(more).toEqual([]);
  });

  it('a second connection of a device on the other node takes its session over, and its retained status ends online', async () => {
    const dev = await provision(a.httpUrl, a.adminToken);
    const status = `devices/${dev.id}/status`;
    const heard: string[] = [];
    const watcher = await admin(b);
    watcher.on('message', (t, p) => t === status && heard.push(p.toString()));
    await watcher.subscribeAsync(status, { qos: 1 });

    // Back and forth: each connection on the other node closes the one before it.
    let current = keep(await connectDevice(a.mqttUrl, dev));
    for (const svc of [b, a, b, a, b]) {
      let closed = false;
      current.on('close', () => (closed = true));
      current.on('error', () => undefined);
      const next = keep(await connectDevice(svc.mqttUrl, dev));
      // As devices do: their commands (the old connection's unsubscribe goes through Redis).
      await next.subscribeAsync(`devices/${dev.id}/commands/#`, { qos: 1 }).catch(() => undefined);
      await waitFor(() => closed, 5000, 'the older connection to be closed');
      current = next;
    }
    // The device was never offline: no node says so (the old node's `offline` could land after
    // the new node's `online`), and the last word is online.
    await sleep(1500);
    expect(current.connected).toBe(true);
    expect(heard.length).toBeGreaterThan(0);
    expect(heard.filter((s) => s !== 'online')).toEqual([]);
    for (const svc of [a, b]) {
      const late = await admin(svc);
      const got = nextMessage(late, status);
      await late.subscribeAsync(status, { qos: 1 });
      expect((await got).payload.toString(), `retained status on ${svc.mqttUrl}`).toBe('online');
    }
    // The registry agrees (markOnline is written by the node that has the device).
    await waitFor(
      async () =>
        (
          await api<{ online: boolean }>(
            a.httpUrl,
            'GET',
            `/api/v1/devices/${dev.id}`,
            a.adminToken,
          )
        ).body.online === true,
      3000,
      'the registry to say online',
    );
    await sleep(500);
    const r = await api<{ online: boolean }>(
      b.httpUrl,
      'GET',
      `/api/v1/devices/${dev.id}`,
      b.adminToken,
    );
    expect(r.body.online).toBe(true);

    // A real disconnect still says offline, on every node.
    await current.endAsync();
    await waitFor(() => heard.at(-1) === 'offline', 5000, 'offline after the last disconnect');
  });
});
