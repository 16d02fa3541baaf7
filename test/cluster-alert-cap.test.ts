import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, connect, connectDevice, provision, waitFor } from './helpers/clients.ts';
import { createTestDatabase, type TestDatabase } from './helpers/postgres.ts';
import { claimRedisDb, type TestRedis } from './helpers/redis.ts';
import { startService, type RunningService } from './helpers/service.ts';

/**
 * Cluster mode, the per-device notification cap (issue 22): counted in Redis, so a device whose
 * alerts open through two nodes gets `ALERT_NOTIFY_MAX_PER_HOUR` notifications between them, not
 * that many per node. Two nodes on real Redis and PostgreSQL, MQTT over TCP.
 */
describe('notification cap across two nodes', () => {
  let redis: TestRedis;
  let db: TestDatabase;
  let a: RunningService;
  let b: RunningService;
  let engineer: string;
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    redis = await claimRedisDb();
    db = await createTestDatabase();
    const env = {
      DATABASE_URL: db.url,
      REDIS_URL: redis.url,
      ALERT_NOTIFY_MAX_PER_HOUR: '2',
    };
    const opts = { diagnostics: { tickMs: 100, stateSaveMs: 0 } };
    a = await startService(env, opts);
    b = await startService(env, opts);
    const r = await api<{ token: string }>(a.httpUrl, 'POST', '/api/v1/tokens', a.adminToken, {
      role: 'engineer',
      subject: 'eng-cluster-cap',
    });
    engineer = r.body.token;
  }, 30_000);
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync().catch(() => undefined)));
    await a?.stop();
    await b?.stop();
    await db?.drop();
    await redis?.release();
  });

  const alertsOf = async (id: string) =>
    (
      await api<{ alerts: Array<{ modeId: string }> }>(
        b.httpUrl,
        'GET',
        `/api/v1/alerts?deviceId=${id}`,
        engineer,
      )
    ).body.alerts;

  it('three alerts opened through two nodes: two notifications, the third held back', async () => {
    const dev = await provision(a.httpUrl, a.adminToken, 'air_conditioner', 'KFR-35GW');
    const sub = await connect(b.mqttUrl, { username: 'token', password: engineer });
    clients.push(sub);
    const heard: Array<{ type: string; suppressed: number }> = [];
    sub.on('message', (_t, p) => heard.push(JSON.parse(p.toString()) as (typeof heard)[number]));
    await sub.subscribeAsync(`alerts/+/${dev.id}`, { qos: 1 });

    // Each code opens an alert of its own mode (refrigerant leak, compressor wear, fan seizure),
    // through A, then B, then A again.
    const through = [
      [a, 'E4'],
      [b, 'H3'],
      [a, 'H6'],
    ] as const;
    for (const [k, [node, code]] of through.entries()) {
      const d = await connectDevice(node.mqttUrl, dev);
      await d.publishAsync(
        `devices/${dev.id}/events`,
        JSON.stringify({ ts: Date.now(), code, severity: 'error' }),
        { qos: 1 },
      );
      await waitFor(async () => (await alertsOf(dev.id)).length === k + 1, 10_000, `alert ${code}`);
      await node.service.diagnostics.alerts.idle();
      await d.endAsync();
    }

    // A had told one of this device's alerts: counted per node, it would have told the third.
    expect(a.service.diagnostics.alerts.stats()).toMatchObject({ notified: 1, suppressed: 1 });
    expect(b.service.diagnostics.alerts.stats()).toMatchObject({ notified: 1, suppressed: 0 });
    await waitFor(
      () => heard.filter((n) => n.type === 'alert.opened').length >= 2,
      5_000,
      'two notifications',
    );
    expect(heard.filter((n) => n.type === 'alert.opened')).toHaveLength(2);
  }, 60_000);
});
