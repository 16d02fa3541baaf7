import { createServer, connect as tcpConnect } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertNotification } from '../diagnostics/index.ts';
import { api, connectDevice, provision, waitFor, type Provisioned } from './helpers/clients.ts';
import { createTestDatabase, type TestDatabase } from './helpers/postgres.ts';
import { claimRedisDb, type TestRedis } from './helpers/redis.ts';
import { openAlertStream, type StreamEvent } from './helpers/sse.ts';
import { startService, type RunningService } from './helpers/service.ts';

/** A port nothing listens on (bound, then let go). */
const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });

/** Whether a TCP connection to the port is accepted (a listener) or refused (none). */
const tcpOpen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const c = tcpConnect(port, '127.0.0.1');
    c.once('connect', () => (c.destroy(), resolve(true)));
    c.once('error', () => resolve(false));
  });

/** Alert escalation after this long unacknowledged (ALERT_ESCALATE_MINUTES otherwise). */
const ESCALATE_MS = 1500;

/**
 * SANBAO_ROLES: a cluster (one Redis database index, one PostgreSQL database) of three nodes,
 * each running one role — a broker node, an API node, a diagnostics node — driven as their
 * users drive them: a device over MQTT TCP to the broker node, people through the API node.
 * Redis and PostgreSQL are required: unreachable, this fails rather than skips.
 */
describe('a cluster of a broker node, an API node and a diagnostics node', () => {
  let redis: TestRedis;
  let db: TestDatabase;
  let broker: RunningService;
  let http: RunningService;
  let diag: RunningService;
  /** The MQTT port the API node was configured with (and must not open). */
  let httpNodeMqttPort: number;
  let engineer: string;
  const clients: MqttClient[] = [];
  /** Every alert notification each node itself sent (not those relayed from other nodes). */
  const sent: Record<'broker' | 'http' | 'diag', AlertNotification[]> = {
    broker: [],
    http: [],
    diag: [],
  };

  beforeAll(async () => {
    redis = await claimRedisDb();
    db = await createTestDatabase();
    const node = (roles: string, extra: Record<string, string> = {}) =>
      startService(
        { DATABASE_URL: db.url, REDIS_URL: redis.url, SANBAO_ROLES: roles, ...extra },
        // Every node is given the same short timers: only the diagnostics node may act on them.
        // Detector states saved every 200 ms (5 min otherwise): the API node reads them.
        { diagnostics: { tickMs: 200, escalateAfterMs: ESCALATE_MS, stateSaveMs: 200 } },
      );
    httpNodeMqttPort = await freePort();
    broker = await node('broker');
    http = await node('http', { MQTT_PORT: String(httpNodeMqttPort) });
    diag = await node('diagnostics');
    for (const [name, n] of [
      ['broker', broker],
      ['http', http],
      ['diag', diag],
    ] as const)
      n.service.diagnostics.alerts.subscribe((x) => sent[name].push(x));
    const r = await api<{ token: string }>(
      http.httpUrl,
      'POST',
      '/api/v1/tokens',
      http.adminToken,
      { role: 'engineer', subject: 'eng-roles' },
    );
    expect(r.status).toBe(201);
    engineer = r.body.token;
  }, 30_000);
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync()));
    await broker?.stop();
    await http?.stop();
    await diag?.stop();
    await db?.drop();
    await redis?.release();
  });

  const device = async (d: Provisioned) => {
    const c = await connectDevice(broker.mqttUrl, d);
    clients.push(c);
    return c;
  };

  it('each node says its roles on /health and /metrics; only the broker node listens for MQTT', async () => {
    for (const [n, roles] of [
      [broker, ['broker']],
      [http, ['http']],
      [diag, ['diagnostics']],
    ] as const) {
      const h = await api(n.httpUrl, 'GET', '/health');
      expect(h).toMatchObject({ status: 200, body: { status: 'ok', redis: 'up', roles } });
      const metrics = await (await fetch(`${n.httpUrl}/metrics`)).text();
      for (const r of ['broker', 'diagnostics', 'http'])
        expect(metrics).toContain(
          `sanbao_node_roles{role="${r}"} ${(roles as readonly string[]).includes(r) ? 1 : 0}`,
        );
    }
    expect(broker.service.ports.tcp).toBeGreaterThan(0);
    expect(await tcpOpen(broker.service.ports.tcp!)).toBe(true);
    expect(http.service.ports.tcp).toBeUndefined();
    expect(diag.service.ports.tcp).toBeUndefined();
    expect(await tcpOpen(httpNodeMqttPort)).toBe(false);
  });

  it('a node without the http role answers /health and /metrics only', async () => {
    for (const n of [broker, diag]) {
      const r = await api<{ error: string }>(n.httpUrl, 'GET', '/api/v1/devices', n.adminToken);
      expect(r.status).toBe(404);
      expect(r.body.error).toBe('APP_ERR_NOT_FOUND');
      expect((await fetch(`${n.httpUrl}/`)).status).toBe(404);
      expect((await fetch(`${n.httpUrl}/docs`)).status).toBe(404);
    }
    expect((await api(http.httpUrl, 'GET', '/api/v1/devices', http.adminToken)).status).toBe(200);
  });

  it('telemetry a device publishes to the broker node, and its health, are read through the API node', async () => {
    const dev = await provision(http.httpUrl, http.adminToken, 'refrigerator', 'BCD-470');
    const d = await device(dev);
    const ts = Date.now();
    await d.publishAsync(
      `devices/${dev.id}/telemetry`,
      JSON.stringify({ ts, metrics: { fridge_temp_c: 3.5 } }),
      { qos: 1 },
    );
    // Acknowledged = in the broker node's spool; stored by the broker node's ingest.
    await broker.service.ingest.flushed();
    const points = await api<{ points: Array<{ value: number }> }>(
      http.httpUrl,
      'GET',
      `/api/v1/devices/${dev.id}/telemetry?metric=fridge_temp_c&from=${ts - 1000}&to=${ts + 1000}`,
      engineer,
    );
    expect(points.status).toBe(200);
    expect(points.body.points.map((p) => p.value)).toEqual([3.5]);

    // Judged on the broker node, which holds its detector state; the API node has no engine
    // of its own for it and reads the state the broker node saved.
    expect(broker.service.diagnostics.engine.health(dev.id)).toBeDefined();
    expect(http.service.diagnostics.engine.health(dev.id)).toBeUndefined();
    await waitFor(
      async () =>
        (await api(http.httpUrl, 'GET', `/api/v1/devices/${dev.id}/health`, engineer)).status ===
        200,
      10_000,
      "the device's health through the API node",
    );
  });

  it('an API command on the API node reaches the device on the broker node, and its reply comes back', async () => {
    const dev = await provision(http.httpUrl, http.adminToken);
    const d = await device(dev);
    await d.subscribeAsync(`devices/${dev.id}/commands/#`, { qos: 1 });
    d.on('message', (topic, payload) => {
      if (topic.endsWith('/reply')) return;
      const { requestId } = JSON.parse(payload.toString()) as { requestId: string };
      void d.publishAsync(
        `${topic}/reply`,
        JSON.stringify({ requestId, ok: true, result: { via: 'broker node' } }),
        { qos: 1 },
      );
    });
    const r = await api(http.httpUrl, 'POST', `/api/v1/devices/${dev.id}/commands`, engineer, {
      name: 'self_test',
      timeoutMs: 5000,
    });
    expect(r).toMatchObject({
      status: 200,
      body: { status: 'ok', result: { via: 'broker node' } },
    });
  });

  it("an alert the broker node opens shows on the API node's stream; only the diagnostics node escalates it", async () => {
    const stop = new AbortController();
    const seen: StreamEvent[] = [];
    await openAlertStream(http.httpUrl, engineer, seen, stop.signal);
    await waitFor(() => http.service.diagnostics.sse.size === 1);
    try {
      const dev = await provision(http.httpUrl, http.adminToken);
      const d = await device(dev);
      await d.publishAsync(
        `devices/${dev.id}/events`,
        JSON.stringify({
          ts: Date.now(),
          code: 'F0',
          severity: 'error',
          detail: 'low refrigerant',
        }),
        { qos: 1 },
      );
      const of = (type: string, events: Array<{ type: string; alert: { deviceId: string } }>) =>
        events.filter((e) => e.type === type && e.alert.deviceId === dev.id);
      // Opened where the device's detector state is: the broker node, by its connection.
      await waitFor(
        () => seen.some((e) => e.event === 'alert.opened' && e.data.alert.deviceId === dev.id),
        15_000,
        "the alert on the API node's stream",
      );
      expect(of('alert.opened', sent.broker)).toHaveLength(1);
      expect(of('alert.opened', [...sent.http, ...sent.diag])).toEqual([]);

      // Unacknowledged past ESCALATE_MS: escalated by the node that runs the fleet-wide timers.
      await waitFor(
        () => of('alert.escalated', sent.diag).length > 0,
        15_000,
        'the escalation by the diagnostics node',
      );
      // The other two tick as often, with the same escalation period: they never escalate.
      await new Promise((r) => setTimeout(r, ESCALATE_MS));
      expect(of('alert.escalated', [...sent.broker, ...sent.http])).toEqual([]);
      // Seen everywhere all the same: through the API node's stream (relayed) and its API.
      await waitFor(
        () => seen.some((e) => e.event === 'alert.escalated' && e.data.alert.deviceId === dev.id),
        5000,
        "the escalation on the API node's stream",
      );
      const listed = await api<{ alerts: Array<{ escalations: number }> }>(
        http.httpUrl,
        'GET',
        `/api/v1/alerts?device=${dev.id}`,
        engineer,
      );
      expect(listed.body.alerts[0]?.escalations).toBeGreaterThan(0);
    } finally {
      stop.abort();
    }
  });
});
