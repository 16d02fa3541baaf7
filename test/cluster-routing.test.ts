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
 * Cluster routing by topic bucket (broker/cluster-routing.ts) and the retained index
 * (broker/cluster-retained.ts), on a private redis-server whose pub/sub state the test reads:
 * Redis's work per message must not grow with the number of connected devices.
 */
describe('cluster routing by bucket', () => {
  let redis: { url: string; stop(): Promise<void> };
  let inspect: Redis;
  let db: TestDatabase;
  let a: RunningService;
  let b: RunningService;
  const clients: MqttClient[] = [];
  const devices: Provisioned[] = [];
  /** Each device's own connection, by device index. */
  const deviceClients: MqttClient[] = [];
  const N = 30;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    inspect = new Redis(redis.url);
    db = await createTestDatabase();
    a = await startService({ DATABASE_URL: db.url, REDIS_URL: redis.url });
    b = await startService({ DATABASE_URL: db.url, REDIS_URL: redis.url });
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

  it('holds no Redis pattern per device: devices on both nodes add exact bucket channels only', async () => {
    const patternsBefore = Number(await inspect.call('PUBSUB', 'NUMPAT'));
    for (let i = 0; i < N; i++) {
      const d = await provision(a.httpUrl, a.adminToken, 'refrigerator', 'BCD-470');
      devices.push(d);
      const c = await connectDevice((i % 2 === 0 ? a : b).mqttUrl, d);
      await c.subscribeAsync(`devices/${d.id}/commands/#`, { qos: 1 });
      clients.push(c);
      deviceClients.push(c);
    }
    expect(Number(await inspect.call('PUBSUB', 'NUMPAT'))).toBe(patternsBefore);
    const channels = (await inspect.call(
      'PUBSUB',
      'CHANNELS',
      'sanbao/0/b/devices/*/commands',
    )) as string[];
    expect(new Set(channels)).toEqual(
      new Set(devices.map((d) => `sanbao/0/b/devices/${d.id}/commands`)),
    );
  });

  it('a command from node A reaches each device on node B once, and no one else', async () => {
    const sender = await admin(a);
    const onB = devices.filter((_, i) => i % 2 === 1).slice(0, 5);
    const heard = new Map<string, number>();
    for (const c of deviceClients)
      c.on('message', (topic) => {
        if (topic.includes('/commands/')) heard.set(topic, (heard.get(topic) ?? 0) + 1);
      });
    for (const d of onB)
      await sender.publishAsync(`devices/${d.id}/commands/self_test`, '{"id":"c1"}', { qos: 1 });
    await waitFor(async () => heard.size >= onB.length, 5000, 'commands delivered');
    await new Promise((r) => setTimeout(r, 300)); // a duplicate would arrive by now
    expect([...heard.entries()].sort()).toEqual(
      onB.map((d) => [`devices/${d.id}/commands/self_test`, 1] as [string, number]).sort(),
    );
  });

  it('overlapping wildcard subscribers on one node each get every message once, in order', async () => {
    const d = devices[1]!; // on node B
    const wide = await admin(a);
    const narrow = await admin(a);
    await wide.subscribeAsync('devices/#', { qos: 1 });
    await narrow.subscribeAsync('devices/+/telemetry', { qos: 1 });
    const got = { wide: [] as number[], narrow: [] as number[] };
    const topic = `devices/${d.id}/telemetry`;
    wide.on('message', (t, p) => t === topic && got.wide.push(JSON.parse(p.toString()).seq));
    narrow.on('message', (t, p) => t === topic && got.narrow.push(JSON.parse(p.toString()).seq));
    const dev = deviceClients[1]!;
    for (let seq = 0; seq < 50; seq++)
      await dev.publishAsync(
        topic,
        JSON.stringify({ ts: Date.now(), seq, metrics: { fridge_temp_c: 4 } }),
        { qos: 1 },
      );
    await waitFor(async () => got.wide.length >= 50 && got.narrow.length >= 50, 5000, 'all heard');
    await new Promise((r) => setTimeout(r, 300));
    const seqs = Array.from({ length: 50 }, (_, i) => i);
    expect(got.wide).toEqual(seqs);
    expect(got.narrow).toEqual(seqs);
  });

  it('retained messages: found through the bucket index and through the scan; a cleared one is gone', async () => {
    const d = devices[3]!;
    // Devices may retain only their status (broker/publish-checks.ts); an admin may retain any.
    const dev = await admin(b);
    const topic = `devices/${d.id}/config`;
    await dev.publishAsync(topic, 'v1', { qos: 1, retain: true });

    const byBucket = await admin(a);
    const first = nextMessage(byBucket, topic);
    await byBucket.subscribeAsync(`devices/${d.id}/#`, { qos: 1 });
    expect((await first).payload.toString()).toBe('v1');

    const byScan = await admin(a);
    const second = nextMessage(byScan, topic);
    await byScan.subscribeAsync('devices/+/config', { qos: 1 });
    expect((await second).payload.toString()).toBe('v1');

    await dev.publishAsync(topic, '', { qos: 1, retain: true });
    const late = await admin(b);
    const seen: string[] = [];
    late.on('message', (t) => seen.push(t));
    await late.subscribeAsync(`devices/${d.id}/#`, { qos: 1 });
    await late.subscribeAsync('devices/+/config', { qos: 1 });
    await new Promise((r) => setTimeout(r, 500));
    expect(seen.filter((t) => t === topic)).toEqual([]);
  });

  it("devices' status topics stay out of the index and are read by name; an older index loses them at start", async () => {
    const d = devices[7]!;
    const status = `devices/${d.id}/status`;
    // Connected in the first test: its status is retained, and not indexed.
    await waitFor(async () => (await inspect.hexists('retained', status)) === 1, 5000, 'status');
    expect(await inspect.zscore('retained-index:topics', status)).toBeNull();
    // Stored as what aedes reads of it: not the broker's id, counter and message id.
    const stored = (await inspect.hgetBuffer('retained', status))!;
    expect(stored.includes('brokerId')).toBe(false);
    expect(stored.includes('online')).toBe(true);
    for (const filter of [`devices/${d.id}/#`, `devices/${d.id}/+`, status]) {
      const sub = await admin(a);
      const heard = nextMessage(sub, status);
      await sub.subscribeAsync(filter, { qos: 1 });
      expect((await heard).payload.toString()).toBe('online');
    }
    // A filter of the bucket that does not match it does not get it.
    const narrow = await admin(b);
    const seen: string[] = [];
    narrow.on('message', (t) => seen.push(t));
    await narrow.subscribeAsync(`devices/${d.id}/commands/#`, { qos: 1 });
    await new Promise((r) => setTimeout(r, 300));
    expect(seen).toEqual([]);
    // As an index built by the earlier version: its status members go at the next start.
    await inspect.zadd('retained-index:topics', 0, status);
    await inspect.del('retained-index:no-status');
    const c = await startService({ DATABASE_URL: db.url, REDIS_URL: redis.url });
    try {
      expect(await inspect.zscore('retained-index:topics', status)).toBeNull();
      expect(await inspect.exists('retained-index:no-status')).toBe(1);
    } finally {
      await c.stop();
    }
  });

  it('indexes retained messages stored before the index existed, at the next start', async () => {
    const d = devices[5]!;
    const dev = await admin(b);
    const topic = `devices/${d.id}/firmware`;
    await dev.publishAsync(topic, 'fw-2', { qos: 1, retain: true });
    // As a cluster upgraded from a version without the index finds its Redis.
    for (const key of await inspect.keys('retained-index:*')) await inspect.del(key);
    // And as one upgraded from the first index, a set per bucket and its own marker.
    const oldSet = `retained-index:devices/${d.id}`;
    await inspect.sadd(oldSet, topic);
    await inspect.set('retained-index:built', '1');
    const c = await startService({ DATABASE_URL: db.url, REDIS_URL: redis.url });
    try {
      expect(await inspect.exists(oldSet)).toBe(0);
      expect(await inspect.zscore('retained-index:topics', topic)).toBe('0');
      const sub = await connect(c.mqttUrl, { username: 'token', password: c.adminToken });
      clients.push(sub);
      const heard = nextMessage(sub, topic);
      await sub.subscribeAsync(`devices/${d.id}/#`, { qos: 1 });
      expect((await heard).payload.toString()).toBe('fw-2');
    } finally {
      await c.stop();
    }
  });
});
