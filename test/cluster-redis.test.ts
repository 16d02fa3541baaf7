import type { MqttClient } from 'mqtt';
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
import { claimRedisDb, type TestRedis } from './helpers/redis.ts';
import { openAlertStream, type StreamEvent } from './helpers/sse.ts';
import { startService, type RunningService } from './helpers/service.ts';

/**
 * Cluster mode (REDIS_URL): two nodes on one Redis database index and one PostgreSQL database,
 * each with its own data folder and ports, real MQTT over TCP. Redis is required: unreachable,
 * this fails rather than skips.
 */
describe('two nodes on one Redis form one cluster', () => {
  let redis: TestRedis;
  let db: TestDatabase;
  let a: RunningService;
  let b: RunningService;
  let engineer: string;
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    redis = await claimRedisDb();
    db = await createTestDatabase();
    const env = { DATABASE_URL: db.url, REDIS_URL: redis.url };
    a = await startService(env);
    b = await startService(env);
    const r = await api<{ token: string }>(a.httpUrl, 'POST', '/api/v1/tokens', a.adminToken, {
      role: 'engineer',
      subject: 'eng-cluster',
    });
    engineer = r.body.token;
  }, 30_000);
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync()));
    await a?.stop();
    await b?.stop();
    await db?.drop();
    await redis?.release();
  });

  const device = async (svc: RunningService, d: Provisioned) => {
    const c = await connectDevice(svc.mqttUrl, d);
    clients.push(c);
    return c;
  };
  const service = async (svc: RunningService, token: string) => {
    const c = await connect(svc.mqttUrl, { username: 'token', password: token });
    clients.push(c);
    return c;
  };

  it('a service on node A hears telemetry and the retained status of a device on node B', async () => {
    const dev = await provision(a.httpUrl, a.adminToken, 'refrigerator', 'BCD-470');
    const sub = await service(a, engineer);
    await sub.subscribeAsync([`devices/${dev.id}/status`, `devices/${dev.id}/telemetry`], {
      qos: 1,
    });
    const online = nextMessage(sub, `devices/${dev.id}/status`);
    const d = await device(b, dev);
    expect((await online).payload.toString()).toBe('online');

    const heard = nextMessage(sub, `devices/${dev.id}/telemetry`);
    const ts = Date.now();
    await d.publishAsync(
      `devices/${dev.id}/telemetry`,
      JSON.stringify({ ts, metrics: { fridge_temp_c: 4.5 } }),
      { qos: 1 },
    );
    expect(JSON.parse((await heard).payload.toString())).toMatchObject({ ts });

    // Stored once, whichever node's API reads it: one database behind both.
    await b.service.ingest.flushed();
    const points = await api<{ points: Array<{ value: number }> }>(
      a.httpUrl,
      'GET',
      `/api/v1/devices/${dev.id}/telemetry?metric=fridge_temp_c&from=${ts - 1000}&to=${ts + 1000}`,
      a.adminToken,
    );
    expect(points.body.points.map((p) => p.value)).toEqual([4.5]);

    // The retained status is the cluster's: a new subscriber on either node is given it.
    for (const svc of [a, b]) {
      const late = await service(svc, engineer);
      const got = nextMessage(late, `devices/${dev.id}/status`);
      await late.subscribeAsync(`devices/${dev.id}/status`, { qos: 1 });
      expect((await got).payload.toString()).toBe('online');
    }
  });

  it('a QoS 1 burst from a device on node B reaches a subscriber on node A whole and in order', async () => {
    const dev = await provision(a.httpUrl, a.adminToken, 'refrigerator', 'BCD-470');
    const sub = await service(a, engineer);
    const topic = `devices/${dev.id}/telemetry`;
    const got: number[] = [];
    sub.on('message', (t, payload) => {
      if (t === topic) got.push((JSON.parse(payload.toString()) as { ts: number }).ts);
    });
    await sub.subscribeAsync(topic, { qos: 1 });
    const d = await device(b, dev);
    const t0 = Date.now() - 60_000;
    const sent = Array.from({ length: 300 }, (_, i) => t0 + i);
    await Promise.all(
      sent.map((ts) =>
        d.publishAsync(topic, JSON.stringify({ ts, metrics: { fridge_temp_c: 4 } }), { qos: 1 }),
      ),
    );
    await waitFor(() => got.length >= sent.length, 10_000, 'the burst on node A');
    expect(got).toEqual(sent);
  });

  it('an API command on node A reaches the device on node B, and its reply comes back', async () => {
    const dev = await provision(b.httpUrl, b.adminToken);
    const d = await device(b, dev);
    await d.subscribeAsync(`devices/${dev.id}/commands/#`, { qos: 1 });
    d.on('message', (topic, payload) => {
      if (topic.endsWith('/reply')) return;
      const { requestId } = JSON.parse(payload.toString()) as { requestId: string };
      void d.publishAsync(
        `${topic}/reply`,
        JSON.stringify({ requestId, ok: true, result: { node: 'b' } }),
        { qos: 1 },
      );
    });
    const r = await api<{ status: string; result: unknown }>(
      a.httpUrl,
      'POST',
      `/api/v1/devices/${dev.id}/commands`,
      engineer,
      { name: 'self_test', timeoutMs: 5000 },
    );
    expect(r).toMatchObject({ status: 200, body: { status: 'ok', result: { node: 'b' } } });
  });

  /**
   * A node refuses these credentials with this CONNACK code. The change travels to the other
   * node through Redis pub/sub, a moment after the API answered: given up to 2 s.
   */
  const refused = (svc: RunningService, creds: Provisioned, code: number) =>
    waitFor(
      () =>
        connectDevice(svc.mqttUrl, creds).then(
          (c) => (void c.end(true), false),
          (err: { code?: number }) => err.code === code,
        ),
      2000,
      `${svc.mqttUrl} to refuse with CONNACK ${code}`,
    );
  const accepted = async (svc: RunningService, creds: Provisioned) =>
    (await connectDevice(svc.mqttUrl, creds)).endAsync();

  it('disabling a device or rotating its secret on one node holds on both', async () => {
    const dev = await provision(a.httpUrl, a.adminToken);
    // Both nodes verify the secret once and remember it (devices/registry.ts's cache).
    for (const svc of [a, b]) await accepted(svc, dev);

    const post = (svc: RunningService, what: string) =>
      api<{ secret: string }>(
        svc.httpUrl,
        'POST',
        `/api/v1/devices/${dev.id}/${what}`,
        svc.adminToken,
      );
    expect((await post(a, 'disable')).status).toBe(200);
    for (const svc of [a, b]) await refused(svc, dev, 5);

    expect((await post(b, 'enable')).status).toBe(200);
    for (const svc of [a, b]) await accepted(svc, dev);

    const rotated = await post(b, 'secret');
    expect(rotated.status).toBe(200);
    for (const svc of [a, b]) await refused(svc, dev, 4);
    for (const svc of [a, b]) await accepted(svc, { ...dev, secret: rotated.body.secret });
  });

  it('the alert stream on every node shows the alerts any node opens, once, scoped as before', async () => {
    const issue = async (role: string, subject: string) => {
      const r = await api<{ token: string }>(a.httpUrl, 'POST', '/api/v1/tokens', a.adminToken, {
        role,
        subject,
      });
      expect(r.status).toBe(201);
      return r.body.token;
    };
    const gree = await issue('manufacturer', 'Gree');
    const ofGree = await provision(a.httpUrl, a.adminToken);
    const nobodys = await provision(a.httpUrl, a.adminToken);
    const unit = await api(a.httpUrl, 'POST', '/api/v1/warranty/units', engineer, {
      serial: `CL-${ofGree.id}`,
      category: 'air_conditioner',
      model: 'KFR-35GW',
      manufacturer: 'Gree',
      deviceId: ofGree.id,
      invoiceDate: new Date().toISOString().slice(0, 10),
    });
    expect(unit.status, JSON.stringify(unit.body)).toBe(201);

    const stop = new AbortController();
    const seen = {
      engA: [] as StreamEvent[],
      engB: [] as StreamEvent[],
      greeA: [] as StreamEvent[],
    };
    const streams = await Promise.all([
      openAlertStream(a.httpUrl, engineer, seen.engA, stop.signal),
      openAlertStream(b.httpUrl, engineer, seen.engB, stop.signal),
      openAlertStream(a.httpUrl, gree, seen.greeA, stop.signal),
    ]);
    await waitFor(
      () => a.service.diagnostics.sse.size === 2 && b.service.diagnostics.sse.size === 1,
    );
    try {
      // Both devices are on node B: B opens their alerts; A hears of them through Redis.
      const fault = async (dev: Provisioned) => {
        const c = await device(b, dev);
        await c.publishAsync(
          `devices/${dev.id}/events`,
          JSON.stringify({
            ts: Date.now(),
            code: 'F0',
            severity: 'error',
            detail: 'low refrigerant',
          }),
          { qos: 1 },
        );
      };
      // The unscoped device first: streams are in order, so had it leaked to Gree's stream it
      // would be there before Gree's own.
      await fault(nobodys);
      await fault(ofGree);
      const opened = (events: StreamEvent[]) =>
        events.filter((e) => e.event === 'alert.opened').map((e) => e.data.alert.deviceId);
      await waitFor(() => opened(seen.engA).length >= 2, 15_000, 'both alerts on node A');
      await waitFor(() => opened(seen.engB).length >= 2, 15_000, 'both alerts on node B');
      await waitFor(() => opened(seen.greeA).length >= 1, 15_000, "Gree's alert on node A");
      // Time for a duplicate (B's own notification echoed back through Redis) to show.
      await new Promise((r) => setTimeout(r, 500));
      expect(opened(seen.engA)).toEqual([nobodys.id, ofGree.id]);
      expect(opened(seen.engB)).toEqual([nobodys.id, ofGree.id]);
      expect(opened(seen.greeA)).toEqual([ofGree.id]);

      // A person's action on node A reaches node B's stream the same way.
      const alertId = seen.engB.find((e) => e.data.alert.deviceId === ofGree.id)!.data.alert.id;
      const ack = await api(a.httpUrl, 'POST', `/api/v1/alerts/${alertId}/ack`, engineer);
      expect(ack.status).toBe(200);
      const acked = (events: StreamEvent[]) =>
        events.filter((e) => e.event === 'alert.acknowledged').map((e) => e.data.alert.id);
      await waitFor(() => acked(seen.engB).length >= 1, 5000, 'the acknowledgement on node B');
      await new Promise((r) => setTimeout(r, 300));
      expect(acked(seen.engB)).toEqual([alertId]);
      expect(acked(seen.engA)).toEqual([alertId]);
    } finally {
      stop.abort();
      await Promise.all(streams.map((s) => s.done));
    }
  });
});
