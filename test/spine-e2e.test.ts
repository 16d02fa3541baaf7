import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'node:net';
import { api, connect, connectDevice, nextMessage, provision, waitFor } from './helpers/clients.ts';
import { publishThousandAndReadBack } from './helpers/scenarios.ts';
import { startService, type RunningService } from './helpers/service.ts';

describe('spine end to end on PGlite', () => {
  let svc: RunningService;
  beforeAll(async () => {
    svc = await startService();
  });
  afterAll(async () => {
    await svc?.stop();
  });

  it('stores exactly the 1,000 QoS 1 messages an MQTT.js client published, readable over HTTP', async () => {
    await publishThousandAndReadBack(svc);
  });

  it('lists the device online while connected and offline after, with last seen', async () => {
    const dev = await provision(svc.httpUrl, svc.adminToken);
    const c = await connectDevice(svc.mqttUrl, dev);
    const get = () =>
      api<{ online: boolean; lastSeenAt: string | null }>(
        svc.httpUrl,
        'GET',
        `/api/v1/devices/${dev.id}`,
        svc.adminToken,
      );
    await expect.poll(async () => (await get()).body.online).toBe(true);
    await c.endAsync();
    await expect.poll(async () => (await get()).body.online).toBe(false);
    expect((await get()).body.lastSeenAt).not.toBeNull();
  });

  it('requires a token with the right role on the API', async () => {
    expect((await api(svc.httpUrl, 'GET', '/api/v1/devices')).status).toBe(401);
    expect((await api(svc.httpUrl, 'GET', '/api/v1/devices', 'not-a-token')).status).toBe(401);
    const eng = await api<{ token: string }>(
      svc.httpUrl,
      'POST',
      '/api/v1/tokens',
      svc.adminToken,
      { role: 'engineer' },
    );
    expect(eng.status).toBe(201);
    expect((await api(svc.httpUrl, 'GET', '/api/v1/devices', eng.body.token)).status).toBe(200);
    const denied = await api<{ error: string }>(
      svc.httpUrl,
      'POST',
      '/api/v1/devices',
      eng.body.token,
      { category: 'tv', model: 'm', serial: 's' },
    );
    expect(denied).toMatchObject({ status: 403, body: { error: 'APP_ERR_FORBIDDEN' } });
  });

  it('answers bad queries with 400 naming the parameter', async () => {
    const dev = await provision(svc.httpUrl, svc.adminToken);
    const r = await api<{ error: string; details: Array<{ path: string }> }>(
      svc.httpUrl,
      'GET',
      `/api/v1/devices/${dev.id}/telemetry?metric=x&every=5 minutes`,
      svc.adminToken,
    );
    expect(r.status).toBe(400);
    expect(r.body.error).toBe('APP_ERR_VALIDATION');
    expect(r.body.details.map((d) => d.path)).toContain('querystring.every');
    const unknown = await api<{ error: string }>(
      svc.httpUrl,
      'GET',
      '/api/v1/devices/nope/telemetry?metric=x',
      svc.adminToken,
    );
    expect(unknown).toMatchObject({ status: 404, body: { error: 'BROKER_ERR_UNKNOWN_DEVICE' } });
  });

  it('serves health, Prometheus metrics and the OpenAPI document', async () => {
    expect(await api(svc.httpUrl, 'GET', '/health')).toMatchObject({
      status: 200,
      body: { status: 'ok', telemetryStore: 'up' },
    });
    const m = await fetch(`${svc.httpUrl}/metrics`).then((r) => r.text());
    expect(m).toMatch(/^sanbao_ingest_samples_stored_total \d+/m);
    expect(m).toMatch(/sanbao_store_write_seconds_bucket/);
    const doc = await api<{ paths: Record<string, unknown> }>(svc.httpUrl, 'GET', '/docs/json');
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(['/api/v1/devices', '/api/v1/devices/{id}/telemetry']),
    );
  });

  // The broker keeps a subscriber's connection corked while deliveries keep coming and flushes
  // it every timer tick (broker.ts, coalesce): nothing may be lost, reordered or left waiting.
  it.each([0, 1] as const)(
    "delivers a QoS %i burst to a subscriber that stopped reading whole and in each device's order",
    async (qos) => {
      const devs = await Promise.all([0, 1, 2].map(() => provision(svc.httpUrl, svc.adminToken)));
      const pubs = await Promise.all(devs.map((d) => connectDevice(svc.mqttUrl, d)));
      const sub = await connect(svc.mqttUrl, {
        clientId: `burst-watcher-${Date.now()}`,
        username: 'token',
        password: svc.adminToken,
      });
      await sub.subscribeAsync('devices/+/blob', { qos });
      const got = new Map<string, number[]>(devs.map((d) => [d.id, []]));
      sub.on('message', (topic, p) => got.get(topic.split('/')[1]!)?.push(p.readUInt32BE(0)));
      // 3 × 120 messages of 48 KB, about 17 MB: more than the kernel's socket buffers hold, so
      // the broker's writes back up while the subscriber does not read.
      const stream = (sub as unknown as { stream: Socket }).stream;
      stream.pause();
      const perDevice = 120;
      const body = Buffer.alloc(48 * 1024, 0x61);
      for (let i = 0; i < perDevice; i++)
        for (const [k, d] of devs.entries()) {
          const p = Buffer.from(body);
          p.writeUInt32BE(i, 0);
          pubs[k]!.publish(`devices/${d.id}/blob`, p, { qos });
        }
      await new Promise((r) => setTimeout(r, 500));
      stream.resume();
      await waitFor(
        () => [...got.values()].every((v) => v.length >= perDevice),
        20_000,
        'every message of the burst',
      );
      const inOrder = Array.from({ length: perDevice }, (_, i) => i);
      for (const d of devs) expect(got.get(d.id)).toEqual(inOrder);
      // A lone message, with no traffic behind it to push it out, arrives too.
      const lone = nextMessage(sub, `devices/${devs[0]!.id}/blob`);
      pubs[0]!.publish(`devices/${devs[0]!.id}/blob`, Buffer.from([0, 0, 1, 0]), { qos });
      expect((await lone).payload.readUInt32BE(0)).toBe(256);
      await Promise.all([...pubs, sub].map((c) => c.endAsync()));
    },
  );
});
