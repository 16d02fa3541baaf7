import { Writable } from 'node:stream';
import type { FastifyBaseLogger } from 'fastify';
import type { MqttClient } from 'mqtt';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  connect,
  connectDevice,
  nextMessage,
  provision,
  waitFor,
  type Provisioned,
} from './helpers/clients.ts';
import { createTestDatabase, type TestDatabase } from './helpers/postgres.ts';
import { startPrivateRedis, type PrivateRedis } from './helpers/redis.ts';
import { startService, type RunningService } from './helpers/service.ts';

/** A logger at `warn` whose lines the test reads. */
function capturedLog(): { log: FastifyBaseLogger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l));
      cb();
    },
  });
  return { log: pino({ level: 'warn' }, sink) as unknown as FastifyBaseLogger, lines };
}

/** The CONNACK refusal's return code (MQTT.js puts it on the error), or 'connected'. */
async function connectOutcome(url: string, d: Provisioned): Promise<number | 'connected'> {
  try {
    const c = await connectDevice(url, d, { connectTimeout: 20_000 });
    await c.endAsync();
    return 'connected';
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'number') return code;
    throw err;
  }
}

/**
 * Issue 22, Redis down and back under a cluster of two nodes (a private redis-server killed
 * under them, real PostgreSQL, MQTT over TCP, HTTP): what a new connection meets meanwhile, how
 * it joins the cluster afterwards, and that a credentials change whose announcement the outage
 * swallowed still takes effect (a node drops its verified secrets when its Redis subscription
 * reconnects).
 */
describe('new connections and credential changes across a Redis outage', () => {
  let redis: PrivateRedis;
  let db: TestDatabase;
  let a: RunningService;
  let b: RunningService;
  const logB = capturedLog();
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    redis = await startPrivateRedis();
    db = await createTestDatabase();
    const env = { DATABASE_URL: db.url, REDIS_URL: redis.url };
    a = await startService(env);
    b = await startService(env, { log: logB.log });
  }, 60_000);
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true).catch(() => {})));
    await a?.stop();
    await b?.stop();
    await db?.drop();
    await redis?.stop();
  });

  const redisOf = async (node: RunningService) =>
    (await api<{ redis?: string }>(node.httpUrl, 'GET', '/health')).body.redis;
  const redisDown = async () => {
    await redis.kill();
    await waitFor(
      async () => (await redisOf(a)) === 'down' && (await redisOf(b)) === 'down',
      20_000,
      'redis: down on both nodes',
    );
  };
  const redisBack = async () => {
    await redis.start();
    await waitFor(
      async () => (await redisOf(a)) === 'up' && (await redisOf(b)) === 'up',
      30_000,
      'redis: up again on both nodes',
    );
  };

  it('refuses a new connection at once with CONNACK 3 while Redis is down, and after it is back the device connects and its subscription works across nodes', async () => {
    const dev = await provision(b.httpUrl, b.adminToken, 'refrigerator', 'BCD-470');
    await redisDown();

    const started = Date.now();
    expect(await connectOutcome(a.mqttUrl, dev)).toBe(3);
    const took = Date.now() - started;
    // At once: not after ioredis's retries (about 10 s) with no CONNACK at all.
    expect(took, `the refusal took ${took} ms`).toBeLessThan(5_000);
    expect(await fetch(`${a.httpUrl}/metrics`).then((r) => r.text())).toMatch(
      /^sanbao_mqtt_connects_total\{result="unavailable"\} [1-9]/m,
    );

    await redisBack();
    // The device tries again, as devices do, until it is in.
    let c: MqttClient | undefined;
    await waitFor(
      async () => {
        c = await connectDevice(a.mqttUrl, dev).catch(() => undefined);
        return c !== undefined;
      },
      20_000,
      'the device connected after Redis came back',
    );
    clients.push(c!);
    await c!.subscribeAsync(`devices/${dev.id}/commands/#`, { qos: 1 });
    // A command published through the other node reaches it (routing through Redis) …
    const svc = await connect(b.mqttUrl, { username: 'token', password: b.adminToken });
    clients.push(svc);
    const command = nextMessage(c!, `devices/${dev.id}/commands/ping`, 10_000);
    await svc.publishAsync(`devices/${dev.id}/commands/ping`, '{"n":1}', { qos: 1 });
    expect((await command).payload.toString()).toBe('{"n":1}');
    // … and its telemetry reaches a subscriber on the other node.
    await svc.subscribeAsync(`devices/${dev.id}/telemetry`, { qos: 1 });
    const heard = nextMessage(svc, `devices/${dev.id}/telemetry`, 10_000);
    const ts = Date.now();
    await c!.publishAsync(
      `devices/${dev.id}/telemetry`,
      JSON.stringify({ ts, metrics: { fridge_temp_c: 4 } }),
      { qos: 1 },
    );
    expect(JSON.parse((await heard).payload.toString())).toMatchObject({ ts });
  }, 120_000);

  it('a node whose Redis subscription reconnected forgets its verified secrets: a secret rotated during the outage no longer opens it', async () => {
    const dev = await provision(b.httpUrl, b.adminToken, 'refrigerator', 'BCD-470');
    // A verifies the secret and keeps it.
    expect(await connectOutcome(a.mqttUrl, dev)).toBe('connected');

    await redisDown();
    const outage = Date.now();
    const rotated = await api<{ secret: string }>(
      b.httpUrl,
      'POST',
      `/api/v1/devices/${dev.id}/secret`,
      b.adminToken,
    );
    expect(rotated.status).toBe(200);
    // B's announcement waits for Redis and is dropped after ioredis's retries (about 10.5 s
    // from the outage's start): pub/sub is at most once. Past that, and until B says so.
    const notRouted = () =>
      logB.lines.some(
        (l) =>
          Number(l.time) >= outage &&
          String(l.msg).startsWith('Redis unreachable: messages not routed'),
      );
    await waitFor(
      () => notRouted() && Date.now() - outage > 13_000,
      40_000,
      'B: messages not routed',
    );
    await redisBack();

    // A never heard of the change; having reconnected, it checks the secret again.
    await waitFor(
      async () => (await connectOutcome(a.mqttUrl, dev)) !== 3,
      20_000,
      'A takes connections again',
    );
    expect(await connectOutcome(a.mqttUrl, dev)).toBe(4);
    expect(await connectOutcome(a.mqttUrl, { ...dev, secret: rotated.body.secret })).toBe(
      'connected',
    );
  }, 120_000);
});
