import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, connect, connectDevice, provision, waitFor } from './helpers/clients.ts';
import { createTestDatabase, type TestDatabase } from './helpers/postgres.ts';
import {
  loopbackPorts,
  spawnService,
  stopIfRunning,
  type ServiceProcess,
} from './helpers/process.ts';
import { claimRedisDb, type TestRedis } from './helpers/redis.ts';
import { startService, TEST_ADMIN_TOKEN, type RunningService } from './helpers/service.ts';

/**
 * Issue 22: a cluster node killed outright (SIGKILL) says nothing of its devices. The other
 * nodes notice its heartbeat in Redis has stopped (broker/cluster-presence.ts) and mark its
 * devices that did not come back elsewhere offline: their retained `devices/{id}/status` and
 * their registry mark (GET /api/v1/devices/{id}), within a bounded time; a device that
 * reconnected to a live node stays online. Node A runs as a child process, node B in this one,
 * on one Redis database index and one PostgreSQL database.
 */
describe('the devices of a cluster node that was killed', () => {
  let redis: TestRedis;
  let db: TestDatabase;
  let dataDir: string;
  let b: RunningService;
  let a: ServiceProcess | undefined;
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    redis = await claimRedisDb();
    db = await createTestDatabase();
    dataDir = await mkdtemp(path.join(tmpdir(), 'sanbao-cluster-dead-'));
    b = await startService({ DATABASE_URL: db.url, REDIS_URL: redis.url });
  }, 60_000);
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true).catch(() => {})));
    await stopIfRunning(a, 'SIGKILL');
    await b?.stop();
    await rm(dataDir, { recursive: true, force: true });
    await db?.drop();
    await redis?.release();
  });

  it('marks a dead node’s devices offline on the surviving node within 60 s; one that reconnected elsewhere stays online', async () => {
    const { mqtt: mqttPort, env: ports } = await loopbackPorts();
    a = await spawnService({
      DATA_DIR: dataDir,
      ...ports,
      ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      DATABASE_URL: db.url,
      REDIS_URL: redis.url,
    });
    const aUrl = `mqtt://127.0.0.1:${mqttPort}`;
    const gone = await provision(b.httpUrl, b.adminToken, 'refrigerator', 'BCD-470');
    const moved = await provision(b.httpUrl, b.adminToken, 'refrigerator', 'BCD-470');

    // A service subscriber on the surviving node: the last status it heard per device.
    const sub = await connect(b.mqttUrl, { username: 'token', password: b.adminToken });
    clients.push(sub);
    const status = new Map<string, string>();
    sub.on('message', (topic, payload) => status.set(topic.split('/')[1]!, payload.toString()));
    await sub.subscribeAsync('devices/+/status', { qos: 1 });
    const online = async (id: string) =>
      (await api<{ online: boolean }>(b.httpUrl, 'GET', `/api/v1/devices/${id}`, b.adminToken)).body
        .online;

    const onA = await Promise.all(
      [gone, moved].map(async (d) => {
        const c = await connectDevice(aUrl, d);
        c.on('error', () => undefined);
        clients.push(c);
        return c;
      }),
    );
    await waitFor(
      async () =>
        status.get(gone.id) === 'online' &&
        status.get(moved.id) === 'online' &&
        (await online(gone.id)) &&
        (await online(moved.id)),
      20_000,
      'both devices online, as B sees them',
    );

    a.child.kill('SIGKILL');
    const killedAt = Date.now();
    await a.exited;
    // One device finds its connection gone and comes back through B; the other never does.
    await waitFor(() => onA[1]!.disconnected || !onA[1]!.connected, 20_000, 'A’s sockets closed');
    const back = await connectDevice(b.mqttUrl, moved);
    clients.push(back);

    await waitFor(
      async () => status.get(gone.id) === 'offline' && !(await online(gone.id)),
      60_000,
      'the dead node’s device offline, as B sees it',
    );
    const took = Date.now() - killedAt;
    console.info(`the dead node's device was marked offline ${took} ms after the kill`);
    expect(status.get(moved.id)).toBe('online');
    expect(await online(moved.id)).toBe(true);

    // A subscriber that comes now is given the same, retained.
    const late = await connect(b.mqttUrl, { username: 'token', password: b.adminToken });
    clients.push(late);
    const retained = new Map<string, string>();
    late.on('message', (topic, payload) => retained.set(topic.split('/')[1]!, payload.toString()));
    await late.subscribeAsync([`devices/${gone.id}/status`, `devices/${moved.id}/status`], {
      qos: 1,
    });
    await waitFor(() => retained.size === 2, 10_000, 'retained statuses');
    expect(Object.fromEntries(retained)).toEqual({ [gone.id]: 'offline', [moved.id]: 'online' });
  }, 150_000);
});
