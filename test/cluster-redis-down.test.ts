import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, connect, connectDevice, nextMessage, provision, waitFor } from './helpers/clients.ts';
import { createTestDatabase, type TestDatabase } from './helpers/postgres.ts';
import { startService, type RunningService } from './helpers/service.ts';

/** A port nobody listens on now. */
async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

/** Debian's redis-server of this machine (CI installs it), on its own port, keeping nothing. */
async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  await waitFor(
    () =>
      new Promise<boolean>((resolve) => {
        const s = net.connect(port, '127.0.0.1');
        s.once('connect', () => (s.destroy(), resolve(true)));
        s.once('error', () => resolve(false));
      }),
    10_000,
    `redis-server on ${port}`,
  );
  return child;
}

type Health = { status: string; database: string; telemetryStore: string; redis?: string };

/**
 * Issue 22's bad condition: Redis goes away under a running cluster node. The node says so in
 * /health (degraded, still answering), and when Redis is back the node reconnects by itself and
 * routes messages again. A private redis-server is killed here, not the machine's.
 */
describe('a cluster node whose Redis goes down and comes back', () => {
  let port: number;
  let redis: ChildProcess | undefined;
  let db: TestDatabase;
  let node: RunningService;
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    port = await freePort();
    redis = await startRedis(port);
    db = await createTestDatabase();
    node = await startService({ DATABASE_URL: db.url, REDIS_URL: `redis://127.0.0.1:${port}/0` });
  }, 60_000);
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync({ force: true } as never).catch(() => {})));
    await node?.stop();
    await db?.drop();
    redis?.kill('SIGKILL');
  });

  const health = async () =>
    (await api<Health>(node.httpUrl, 'GET', '/health', undefined)).body as Health;

  it('says redis up, then down while Redis is gone, then up again, and routes again', async () => {
    expect(await health()).toMatchObject({ status: 'ok', database: 'up', redis: 'up' });

    redis!.kill('SIGKILL');
    await new Promise((r) => redis!.once('exit', r));
    await waitFor(async () => (await health()).redis === 'down', 15_000, 'redis: down');
    // Degraded, not down: the node still answers and its database is up.
    expect(await health()).toMatchObject({ status: 'ok', database: 'up', redis: 'down' });

    redis = await startRedis(port);
    await waitFor(async () => (await health()).redis === 'up', 20_000, 'redis: up again');

    // Routing through Redis works again: a service client hears a device on the same node.
    const dev = await provision(node.httpUrl, node.adminToken, 'refrigerator', 'BCD-470');
    const sub = await connect(node.mqttUrl, { username: 'token', password: node.adminToken });
    clients.push(sub);
    await sub.subscribeAsync(`devices/${dev.id}/telemetry`, { qos: 1 });
    const d = await connectDevice(node.mqttUrl, dev);
    clients.push(d);
    const heard = nextMessage(sub, `devices/${dev.id}/telemetry`, 10_000);
    const ts = Date.now();
    await d.publishAsync(
      `devices/${dev.id}/telemetry`,
      JSON.stringify({ ts, metrics: { fridge_temp_c: 4 } }),
      { qos: 1 },
    );
    expect(JSON.parse((await heard).payload.toString())).toMatchObject({ ts });
  }, 90_000);
});
