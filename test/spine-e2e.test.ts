import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, connectDevice, provision } from './helpers/clients.ts';
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
});
