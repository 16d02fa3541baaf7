import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, connectDevice, provision, waitFor, type Provisioned } from './helpers/clients.ts';
import { serverStats, startBalancer, type Balancer } from './helpers/haproxy.ts';
import { createTestDatabase, type TestDatabase } from './helpers/postgres.ts';
import { freePort } from './helpers/process.ts';
import { claimRedisDb, type TestRedis } from './helpers/redis.ts';
import { startService, type RunningService } from './helpers/service.ts';
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy.ts';

type Health = { status: string; redis?: string };

/**
 * Issue 22, one node cut off from Redis (a network fault between it and Redis only) behind
 * HAProxy started from deploy/haproxy.cfg: that node refuses new MQTT connections (CONNACK 3,
 * broker/cluster-admission.ts) but its /health stays 200, so the health check alone kept sending
 * it new devices. Its agent (MQTT_AGENT_PORT) answers the cfg's `agent-check` with weight `0%`:
 * new devices go to the other node, the cut-off node's own devices keep their connections, and
 * once Redis is back it answers `100%` and gets new devices again. Node b reaches Redis through
 * a TCP proxy the test cuts; node a reaches it directly.
 */
describe('HAProxy and a node cut off from Redis (agent-check)', () => {
  let db: TestDatabase;
  let redis: TestRedis;
  let proxy: TcpProxy;
  let a: RunningService;
  let b: RunningService;
  let balancer: Balancer | undefined;
  const ports = { mqtt: 0, http: 0, stats: 0 };
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    [db, redis] = await Promise.all([createTestDatabase(), claimRedisDb()]);
    const direct = new URL(redis.url);
    proxy = await startTcpProxy(direct.hostname, Number(direct.port || 6379));
    const viaProxy = new URL(redis.url);
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    const env = { DATABASE_URL: db.url, MQTT_AGENT_PORT: '0' };
    a = await startService({ ...env, REDIS_URL: redis.url });
    b = await startService({ ...env, REDIS_URL: viaProxy.toString() });
    [ports.mqtt, ports.http, ports.stats] = [await freePort(), await freePort(), await freePort()];
    const balanced = (n: RunningService) => ({
      http: n.service.ports.http,
      mqtt: n.service.ports.tcp!,
      agent: n.service.ports.agent!,
    });
    balancer = await startBalancer([balanced(a), balanced(b)], ports);
    await waitFor(
      async () => {
        if (balancer!.process.exitCode !== null)
          throw new Error(`haproxy exited:\n${balancer!.output()}`);
        const s = await serverStats(ports.stats).catch(() => ({}));
        const all = Object.values(s);
        return all.length === 4 && all.every((v) => v.status === 'UP' && v.weight > 0);
      },
      20_000,
      'HAProxy to see both nodes up',
    );
  }, 120_000);

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
    await balancer?.stop();
    await a?.stop();
    await b?.stop();
    await proxy?.close();
    await db?.drop();
    await redis?.release();
  });

  const lbMqtt = () => `mqtt://127.0.0.1:${ports.mqtt}`;
  const health = async (n: RunningService) => (await api<Health>(n.httpUrl, 'GET', '/health')).body;
  const mqttServer = async (name: 'node-a' | 'node-b') =>
    (await serverStats(ports.stats))[`sanbao_mqtt/${name}`]!;
  /** Connects through the balancer; rejects if the node it lands on refuses (CONNACK 3). */
  const connectThrough = async (d: Provisioned) => {
    const c = await connectDevice(lbMqtt(), d);
    clients.push(c);
    return c;
  };
  const newDevice = () => provision(a.httpUrl, a.adminToken, 'refrigerator', 'BCD-470');
  /** The fridge_temp_c timestamps stored for a device (node a's API; one PostgreSQL). */
  const stored = async (id: string, from: number) =>
    (
      await api<{ points: Array<{ ts: string }> }>(
        a.httpUrl,
        'GET',
        `/api/v1/devices/${id}/telemetry?metric=fridge_temp_c&from=${from}&to=${from + 3_600_000}&limit=10000`,
        a.adminToken,
      )
    ).body.points.map((p) => Date.parse(p.ts));

  it('sends new devices to the other node while one has lost Redis, keeps that node’s devices, and uses it again once Redis is back', async () => {
    // Two devices through the balancer: by count (leastconn), one on each node.
    const first = await newDevice();
    const second = await newDevice();
    const firstClient = await connectThrough(first);
    await waitFor(
      async () => (await mqttServer('node-a')).scur + (await mqttServer('node-b')).scur === 1,
      5000,
      'the first session in the stats',
    );
    const firstOnB = (await mqttServer('node-b')).scur === 1;
    const secondClient = await connectThrough(second);
    await waitFor(
      async () =>
        (await mqttServer('node-a')).scur === 1 && (await mqttServer('node-b')).scur === 1,
      5000,
      'one session on each node',
    );
    const [onB, onBClient] = firstOnB ? [first, firstClient] : [second, secondClient];
    let onBClosed = false;
    onBClient.on('close', () => (onBClosed = true));

    // Node b loses Redis: /health says so and stays 200, its agent answers 0 %.
    await proxy.cut();
    await waitFor(async () => (await health(b)).redis === 'down', 15_000, 'b: redis down');
    const res = await fetch(`${b.httpUrl}/health`);
    expect(res.status).toBe(200);
    await waitFor(async () => (await mqttServer('node-b')).weight === 0, 10_000, 'b: weight 0');
    // Out of the balancing (weight 0), not marked down: its sessions are not cut.
    expect(await mqttServer('node-b')).toMatchObject({ status: 'UP', scur: 1 });
    expect(await mqttServer('node-a')).toMatchObject({ status: 'UP', weight: 1 });

    // Every new device through the balancer is accepted (b would refuse it: CONNACK 3), on a.
    const fresh = await Promise.all(Array.from({ length: 8 }, newDevice));
    for (const d of fresh) await connectThrough(d);
    expect(await mqttServer('node-a')).toMatchObject({ scur: 9 });
    expect(await mqttServer('node-b')).toMatchObject({ scur: 1 });

    // b's own device keeps publishing: each QoS 1 reading acknowledged and stored.
    const t0 = Date.now() - 600_000;
    const topic = `devices/${onB.id}/telemetry`;
    for (let i = 0; i < 5; i++)
      await onBClient.publishAsync(
        topic,
        JSON.stringify({ ts: t0 + i * 1000, metrics: { fridge_temp_c: 4 + i } }),
        { qos: 1 },
      );
    await waitFor(async () => (await stored(onB.id, t0)).length === 5, 15_000, 'stored readings');
    expect(onBClosed).toBe(false);

    // Redis reachable again: b answers 100 % and takes new devices (it has the fewest).
    await proxy.restore();
    await waitFor(async () => (await health(b)).redis === 'up', 20_000, 'b: redis up');
    await waitFor(async () => (await mqttServer('node-b')).weight === 1, 10_000, 'b: weight 1');
    expect(await mqttServer('node-b')).toMatchObject({ status: 'UP' });
    await connectThrough(await newDevice());
    await waitFor(async () => (await mqttServer('node-b')).scur === 2, 5000, 'a new session on b');
    expect(await mqttServer('node-a')).toMatchObject({ scur: 9 });
    expect(onBClosed).toBe(false);
  }, 120_000);
});
