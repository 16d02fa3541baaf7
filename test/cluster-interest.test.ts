import { Redis } from 'ioredis';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connect,
  connectDevice,
  nextMessage,
  provision,
  waitFor,
  type Provisioned,
} from './helpers/clients.ts';
import { createTestDatabase, type TestDatabase } from './helpers/postgres.ts';
import { startPrivateRedis } from './helpers/redis.ts';
import { startService, type RunningService } from './helpers/service.ts';

/**
 * Publishing only where some node listens (broker/cluster-interest.ts): a message nobody in the
 * cluster subscribes to costs no Redis command, nor one that only its own node's subscribers
 * hear; one with subscribers costs one PUBLISH per
 * channel that has them; a subscriber hears what is published right after its SUBACK, on any
 * node, including one that joined later. Counted with INFO commandstats on a private Redis.
 */
describe('cluster interest: publish only where someone listens', () => {
  let redis: { url: string; stop(): Promise<void> };
  let inspect: Redis;
  let db: TestDatabase;
  let a: RunningService;
  let b: RunningService;
  const clients: MqttClient[] = [];
  let device: Provisioned;
  /** The device, connected to node A. */
  let onA: MqttClient;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    inspect = new Redis(redis.url);
    db = await createTestDatabase();
    a = await startService({ DATABASE_URL: db.url, REDIS_URL: redis.url });
    b = await startService({ DATABASE_URL: db.url, REDIS_URL: redis.url });
    device = await provision(a.httpUrl, a.adminToken, 'refrigerator', 'BCD-470');
    onA = await connectDevice(a.mqttUrl, device);
    clients.push(onA);
    await onA.subscribeAsync(`devices/${device.id}/commands/#`, { qos: 1 });
  }, 60_000);
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
    await a?.stop();
    await b?.stop();
    inspect?.disconnect();
    await redis?.stop();
    await db?.drop();
  });

  const admin = async (svc: RunningService) => {
    const c = await connect(svc.mqttUrl, { username: 'token', password: svc.adminToken });
    clients.push(c);
    return c;
  };
  let seq = 0;
  const telemetry = (c: MqttClient = onA, d: Provisioned = device) =>
    c.publishAsync(
      `devices/${d.id}/telemetry`,
      JSON.stringify({ ts: Date.now(), seq: seq++, metrics: { fridge_temp_c: 4 } }),
      { qos: 1 },
    );
  const publishes = async () => {
    const stats = await inspect.info('commandstats');
    return Number(/cmdstat_publish:calls=(\d+)/.exec(stats)?.[1] ?? 0);
  };
  /** Redis PUBLISH commands while the device sends `n` telemetry messages. */
  const publishesFor = async (n: number, send = () => telemetry()) => {
    const before = await publishes();
    for (let i = 0; i < n; i++) await send();
    // Routing runs after the PUBACK (ingest acknowledges first): let the last batch go out.
    await new Promise((r) => setTimeout(r, 200));
    return (await publishes()) - before;
  };

  it('a message nobody in the cluster subscribes to costs no Redis command', async () => {
    const stats = async () =>
      Number(/total_commands_processed:(\d+)/.exec(await inspect.info('stats'))?.[1]);
    // Settled first: its connection's own messages (its retained `online` status, which every
    // node's diagnostics hears) may still be on their way.
    await publishesFor(3);
    const before = await stats();
    expect(await publishesFor(30)).toBe(0);
    // Nothing else per message either: the INFO calls themselves, and a heartbeat at most.
    expect((await stats()) - before).toBeLessThan(15);
  });

  it('a wildcard subscriber on node B hears a device on node A right after its SUBACK, each time; one PUBLISH per message; none once it is gone', async () => {
    for (let round = 0; round < 5; round++) {
      const watcher = await admin(b);
      const topic = `devices/${device.id}/telemetry`;
      const heard = nextMessage(watcher, topic, 3000);
      await watcher.subscribeAsync('devices/+/telemetry', { qos: 1 });
      await telemetry(); // the very next message after the SUBACK
      await heard;
      expect(await publishesFor(20)).toBe(20); // its topic channel only, not its bucket's too
      if (round % 2 === 0) await watcher.unsubscribeAsync('devices/+/telemetry');
      else await watcher.endAsync();
      await waitFor(async () => (await publishesFor(5)) === 0, 5000, 'no PUBLISH once it left');
    }
  });

  it('a subscriber to one device (a bucket) on node B hears it right after its SUBACK; none once it is gone', async () => {
    const other = await provision(a.httpUrl, a.adminToken, 'refrigerator', 'BCD-470');
    const otherOnA = await connectDevice(a.mqttUrl, other);
    clients.push(otherOnA);
    const watcher = await admin(b);
    const topic = `devices/${device.id}/telemetry`;
    const heard = nextMessage(watcher, topic, 3000);
    await watcher.subscribeAsync(topic, { qos: 1 });
    await telemetry();
    await heard;
    expect(await publishesFor(10)).toBe(10); // its bucket's channel only
    // Another device's bucket: nobody listens, nothing published.
    expect(await publishesFor(10, () => telemetry(otherOnA, other))).toBe(0);
    await watcher.endAsync();
    await waitFor(async () => (await publishesFor(5)) === 0, 5000, 'no PUBLISH once it left');
  });

  it("a subscriber on the device's own node hears it without Redis: no PUBLISH, every message once, in order; with one on node B too, one PUBLISH each", async () => {
    const topic = `devices/${device.id}/telemetry`;
    const heardBy = (c: MqttClient) => {
      const seqs: number[] = [];
      c.on('message', (t, payload) => {
        if (t === topic) seqs.push((JSON.parse(payload.toString()) as { seq: number }).seq);
      });
      return seqs;
    };
    const onNodeA = await admin(a);
    await onNodeA.subscribeAsync('devices/+/telemetry', { qos: 1 });
    const seqsA = heardBy(onNodeA);
    const first = seq;
    expect(await publishesFor(20)).toBe(0);
    const onNodeB = await admin(b);
    await onNodeB.subscribeAsync('devices/+/telemetry', { qos: 1 });
    const seqsB = heardBy(onNodeB);
    const second = seq;
    expect(await publishesFor(20)).toBe(20);
    const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);
    await waitFor(() => seqsA.length >= 40 && seqsB.length >= 20, 3000, 'every message heard');
    expect(seqsA).toEqual(range(first, 40));
    expect(seqsB).toEqual(range(second, 20));
    await onNodeA.endAsync();
    await onNodeB.endAsync();
  });

  it('a node that starts later knows the interest there was: its devices reach a wildcard subscriber on node A', async () => {
    const watcher = await admin(a);
    await watcher.subscribeAsync('devices/+/status', { qos: 1 });
    const c = await startService({ DATABASE_URL: db.url, REDIS_URL: redis.url });
    try {
      const late = await provision(c.httpUrl, c.adminToken, 'refrigerator', 'BCD-470');
      const dev = await connectDevice(c.mqttUrl, late);
      clients.push(dev);
      const topic = `devices/${late.id}/status`;
      const heard = nextMessage(watcher, topic, 3000);
      await dev.publishAsync(topic, 'online', { qos: 1 });
      expect((await heard).payload.toString()).toBe('online');
      // And a subscriber on the new node hears node A's device right after its SUBACK.
      const there = await admin(c);
      const fromA = nextMessage(there, `devices/${device.id}/telemetry`, 3000);
      await there.subscribeAsync(`devices/${device.id}/#`, { qos: 1 });
      await telemetry();
      await fromA;
      await there.endAsync();
    } finally {
      await c.stop();
    }
    await watcher.endAsync();
  });

  it("a node that dies without a word stops costing PUBLISH commands once its entry's deadline passes", async () => {
    // A node's announcement as it would leave it behind: interest in everything, a deadline
    // a moment away, then silence.
    const ghost = JSON.stringify({ n: 'ghost', s: 1, u: Date.now() + 1000, e: ['t#'] });
    await inspect.hset('sanbao/0/interest', 'ghost', ghost);
    await inspect.publish('sanbao/0/c', ghost);
    await waitFor(async () => (await publishesFor(5)) === 5, 3000, 'published for the ghost');
    await new Promise((r) => setTimeout(r, 1000));
    // The nodes read the hash again every 10 s, and when their connection to Redis comes
    // back: this drops their subscription connections, not to wait the 10 s.
    await inspect.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
    await waitFor(async () => (await publishesFor(5)) === 0, 8000, 'no PUBLISH for the ghost');
  });
});
