import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  connect,
  connectDevice,
  provision,
  waitFor,
  type Provisioned,
} from './helpers/clients.ts';
import { startService, type RunningService } from './helpers/service.ts';

interface Notification {
  type: string;
  alert: {
    id: string;
    deviceId: string;
    modeId: string;
    severity: string;
    status: string;
    evidence: unknown[];
    parts: string[];
  };
}

/** Reads server-sent events from a fetch response into `events` until aborted. */
function readSse(
  res: Response,
  events: Array<{ event: string; data: Notification }>,
  comments: string[],
) {
  const reader = res.body!.getReader();
  let buf = '';
  return (async () => {
    for (;;) {
      const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
      if (done) return;
      buf += Buffer.from(value!).toString('utf8');
      let i: number;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const lines = block.split('\n');
        comments.push(...lines.filter((l) => l.startsWith(':')));
        const event = lines.find((l) => l.startsWith('event: '))?.slice(7);
        const data = lines.find((l) => l.startsWith('data: '))?.slice(6);
        if (event && data) events.push({ event, data: JSON.parse(data) as Notification });
      }
    }
  })();
}

/** A webhook receiver that keeps every body with whether its signature verifies. */
async function webhookReceiver(secret: string, status = 204) {
  const got: Array<{ body: Notification; valid: boolean }> = [];
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const expected = `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`;
      got.push({
        body: JSON.parse(raw) as Notification,
        valid: req.headers['x-sanbao-signature'] === expected,
      });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/sanbao`;
  return {
    url,
    got,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections(); // fetch keeps sockets alive; close would wait for them
      }),
  };
}

describe('alerts end to end: device fault → MQTT, SSE, webhook; lifecycle over the API', () => {
  let svc: RunningService;
  let eng: string;
  let maker: string;
  let dev: Provisioned;
  let device: MqttClient;
  let tool: MqttClient;
  const mqttAlerts: Array<{ topic: string; n: Notification }> = [];
  const sse: Array<{ event: string; data: Notification }> = [];
  const sseComments: string[] = [];
  const stream = new AbortController();
  let sseDone: Promise<void>;
  let hook: Awaited<ReturnType<typeof webhookReceiver>>;
  let refusing: Awaited<ReturnType<typeof webhookReceiver>>;
  const SECRET = 'webhook-secret-0123456789';

  beforeAll(async () => {
    // The webhook receivers listen on 127.0.0.1: the development setting that allows it.
    svc = await startService({ WEBHOOK_ALLOW_PRIVATE: 'true' });
    const T = svc.adminToken;
    const issue = async (role: string, subject: string) =>
      (await api<{ token: string }>(svc.httpUrl, 'POST', '/api/v1/tokens', T, { role, subject }))
        .body.token;
    eng = await issue('engineer', 'eng-zhang');
    maker = await issue('manufacturer', 'Gree');
    dev = await provision(svc.httpUrl, T, 'air_conditioner', 'KFR-35GW');
    // The device is Gree's (a Gree unit linked to it), so the Gree token reads its alerts.
    const unit = await api(svc.httpUrl, 'POST', '/api/v1/warranty/units', eng, {
      serial: 'AE-G1',
      category: 'air_conditioner',
      model: 'KFR-35GW',
      manufacturer: 'Gree',
      deviceId: dev.id,
      invoiceDate: new Date().toISOString().slice(0, 10),
    });
    expect(unit.status, JSON.stringify(unit.body)).toBe(201);
    hook = await webhookReceiver(SECRET);
    refusing = await webhookReceiver('unused-secret-0123456789', 400);
    const w = await api(svc.httpUrl, 'POST', '/api/v1/webhooks', T, {
      url: hook.url,
      secret: SECRET,
      minSeverity: 'minor',
    });
    expect(w.status).toBe(201);
    expect(
      (await api(svc.httpUrl, 'POST', '/api/v1/webhooks', T, { url: refusing.url })).status,
    ).toBe(201);
    expect(
      (await api(svc.httpUrl, 'POST', '/api/v1/webhooks', eng, { url: hook.url })).status,
    ).toBe(403);

    tool = await connect(svc.mqttUrl, { clientId: 'svc-tool', username: 'token', password: eng });
    tool.on('message', (topic, payload) =>
      mqttAlerts.push({ topic, n: JSON.parse(payload.toString()) as Notification }),
    );
    await tool.subscribeAsync('alerts/#', { qos: 1 });

    const res = await fetch(`${svc.httpUrl}/api/v1/alerts/stream`, {
      headers: { authorization: `Bearer ${eng}` },
      signal: stream.signal,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    sseDone = readSse(res, sse, sseComments);
    await waitFor(() => svc.service.diagnostics.sse.size === 1, 5000, 'SSE stream registered');

    device = await connectDevice(svc.mqttUrl, dev);
  });

  afterAll(async () => {
    stream.abort();
    await sseDone?.catch(() => undefined);
    await device?.endAsync();
    await tool?.endAsync();
    await svc?.stop();
    await hook?.close();
    await refusing?.close();
  });

  it('a reported fault code becomes one alert, delivered over MQTT, SSE and a signed webhook', async () => {
    await device.publishAsync(
      `devices/${dev.id}/events`,
      JSON.stringify({ ts: Date.now(), code: 'F0', severity: 'error', detail: 'low refrigerant' }),
      { qos: 1 },
    );
    await waitFor(
      () => mqttAlerts.length > 0 && sse.length > 0 && hook.got.length > 0,
      15_000,
      'alert on every channel',
    );
    const m = mqttAlerts[0]!;
    expect(m.topic).toBe(`alerts/air_conditioner/${dev.id}`);
    expect(m.n).toMatchObject({
      type: 'alert.opened',
      alert: { deviceId: dev.id, modeId: 'refrigerant_leak', status: 'open' },
    });
    expect(m.n.alert.evidence.length).toBeGreaterThan(0);
    expect(m.n.alert.parts.length).toBeGreaterThan(0);
    expect(sse[0]).toMatchObject({ event: 'alert.opened', data: { alert: { id: m.n.alert.id } } });
    expect(hook.got[0]).toMatchObject({
      valid: true,
      body: { type: 'alert.opened', alert: { id: m.n.alert.id } },
    });
    await waitFor(
      async () => {
        const hooks = await api<{
          webhooks: Array<{
            url: string;
            failures: number;
            lastError: string | null;
            deliveries: number;
          }>;
        }>(svc.httpUrl, 'GET', '/api/v1/webhooks', svc.adminToken);
        const bad = hooks.body.webhooks.find((h) => h.url === refusing.url);
        const good = hooks.body.webhooks.find((h) => h.url === hook.url);
        return (
          bad?.failures === 1 && /HTTP 400/.test(bad.lastError ?? '') && good?.deliveries === 1
        );
      },
      10_000,
      'webhook failures visible',
    );
    // Repeating the code does not open a second alert.
    const list = await api<{ alerts: Array<{ id: string }>; total: number }>(
      svc.httpUrl,
      'GET',
      `/api/v1/alerts?device=${dev.id}&status=open`,
      maker,
    );
    expect(list).toMatchObject({ status: 200, body: { total: 1, alerts: [{ id: m.n.alert.id }] } });
    const health = await api<{ deviceId: string; score: number }>(
      svc.httpUrl,
      'GET',
      `/api/v1/devices/${dev.id}/health`,
      eng,
    );
    expect(health).toMatchObject({ status: 200, body: { deviceId: dev.id } });
    const doc = await api<{ paths: Record<string, unknown> }>(svc.httpUrl, 'GET', '/docs/json');
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(['/api/v1/alerts', '/api/v1/alerts/stream', '/api/v1/webhooks']),
    );
  });

  it('walks ack → resolve through the API and refuses illegal transitions with 409', async () => {
    const id = mqttAlerts[0]!.n.alert.id;
    const call = (path: string, token: string, body?: unknown) =>
      api<{ error?: string; status?: string }>(
        svc.httpUrl,
        'POST',
        `/api/v1/alerts/${id}/${path}`,
        token,
        body,
      );
    expect((await call('ack', maker)).status).toBe(403);
    expect(await call('ack', eng)).toMatchObject({ status: 200, body: { status: 'acknowledged' } });
    expect(await call('ack', eng)).toMatchObject({
      status: 409,
      body: { error: 'DIAGNOSTICS_ERR_ILLEGAL_TRANSITION' },
    });
    expect((await call('dismiss', eng, {})).status).toBe(400);
    expect((await call('assign', eng, { assignee: 'eng-li' })).status).toBe(200);
    expect((await call('comments', eng, { text: '带冷媒上门' })).status).toBe(201);
    expect(await call('resolve', eng, { repairRef: 'RO-2026-001' })).toMatchObject({
      status: 200,
      body: { status: 'resolved' },
    });
    expect(await call('dismiss', eng, { reason: 'late' })).toMatchObject({
      status: 409,
      body: { error: 'DIAGNOSTICS_ERR_ILLEGAL_TRANSITION' },
    });
    const detail = await api<{
      acknowledgedBy: string;
      repairRef: string;
      assignee: string;
      history: Array<{ action: string }>;
      comments: unknown[];
    }>(svc.httpUrl, 'GET', `/api/v1/alerts/${id}`, eng);
    expect(detail.body).toMatchObject({
      acknowledgedBy: 'eng-zhang',
      repairRef: 'RO-2026-001',
      assignee: 'eng-li',
      comments: [{ text: '带冷媒上门' }],
    });
    expect(detail.body.history.map((h) => h.action)).toEqual([
      'opened',
      'acknowledged',
      'assigned',
      'resolved',
    ]);
    expect((await api(svc.httpUrl, 'GET', '/api/v1/alerts/al_missing', eng)).status).toBe(404);
    await waitFor(
      () => sse.some((e) => e.event === 'alert.resolved'),
      5000,
      'resolution on the stream',
    );
  });

  it('dismisses a second alert with a reason; the closed mode can alert again', async () => {
    await device.publishAsync(
      `devices/${dev.id}/events`,
      JSON.stringify({ ts: Date.now(), code: 'E4' }),
      { qos: 1 },
    );
    await waitFor(
      () => mqttAlerts.filter((m) => m.n.type === 'alert.opened').length === 2,
      15_000,
      'second alert',
    );
    const second = mqttAlerts.filter((m) => m.n.type === 'alert.opened')[1]!.n.alert;
    expect(second.modeId).toBe('refrigerant_leak');
    const r = await api(svc.httpUrl, 'POST', `/api/v1/alerts/${second.id}/dismiss`, eng, {
      reason: 'installer leak test',
    });
    expect(r).toMatchObject({
      status: 200,
      body: { status: 'dismissed', dismissReason: 'installer leak test' },
    });
  });
});
