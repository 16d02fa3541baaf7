import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  connect,
  connectDevice,
  nextMessage,
  provision,
  type Provisioned,
} from './helpers/clients.ts';
import { startService, type RunningService } from './helpers/service.ts';

/**
 * Bad input and abuse, each with its documented outcome (README "MQTT: refusals"), while a
 * well-behaved bystander device keeps publishing and every one of its messages is stored.
 */
describe('broker: bad input and abuse', () => {
  let svc: RunningService;
  let bystander: MqttClient;
  let bystanderDev: Provisioned;
  let bystanderSent = 0;
  let timer: NodeJS.Timeout;

  beforeAll(async () => {
    svc = await startService({
      MQTT_MAX_PAYLOAD_BYTES: '4096',
      MQTT_RATE_PER_DEVICE: '20',
      MQTT_RATE_BURST: '50',
      MQTT_MAX_TOPIC_LENGTH: '128',
    });
    bystanderDev = await provision(svc.httpUrl, svc.adminToken, 'tv', 'E55');
    bystander = await connectDevice(svc.mqttUrl, bystanderDev);
    const t0 = Date.now() - 3_600_000;
    timer = setInterval(() => {
      const i = bystanderSent++;
      void bystander.publishAsync(
        `devices/${bystanderDev.id}/telemetry`,
        JSON.stringify({ ts: t0 + i, metrics: { power_w: 100 } }),
        { qos: 1 },
      );
    }, 100); // 10 messages/s: well within the 20/s limit
  });

  afterAll(async () => {
    clearInterval(timer);
    await bystander?.endAsync();
    await svc?.stop();
  });

  /** Connects a fresh device that also listens on its errors topic. */
  async function deviceWithErrors(): Promise<{ dev: Provisioned; c: MqttClient }> {
    const dev = await provision(svc.httpUrl, svc.adminToken, 'air_conditioner');
    const c = await connectDevice(svc.mqttUrl, dev);
    await c.subscribeAsync(`devices/${dev.id}/errors`, { qos: 0 });
    return { dev, c };
  }

  async function storedCount(id: string, metric: string): Promise<number> {
    await svc.service.ingest.flushed();
    const r = await api<{ points: unknown[] }>(
      svc.httpUrl,
      'GET',
      `/api/v1/devices/${id}/telemetry?metric=${metric}&from=0&to=${Date.now() + 1e9}&limit=100000`,
      svc.adminToken,
    );
    return r.body.points.length;
  }

  const rejected = async (reason: string) => {
    const m = await svc.service.metrics.rejected.get();
    return m.values.find((v) => v.labels.reason === reason)?.value ?? 0;
  };

  it('refuses a wrong secret with CONNACK 4 (bad username or password)', async () => {
    const dev = await provision(svc.httpUrl, svc.adminToken);
    await expect(
      connect(svc.mqttUrl, { clientId: dev.id, username: dev.id, password: 'wrong' }),
    ).rejects.toMatchObject({ code: 4 });
    await expect(
      connect(svc.mqttUrl, { clientId: 'nobody', username: 'nobody', password: 'x' }),
    ).rejects.toMatchObject({ code: 4 });
  });

  it('refuses a disabled device with CONNACK 5 (not authorized), and accepts it again when enabled', async () => {
    const dev = await provision(svc.httpUrl, svc.adminToken);
    expect(
      (await api(svc.httpUrl, 'POST', `/api/v1/devices/${dev.id}/disable`, svc.adminToken)).status,
    ).toBe(200);
    await expect(connectDevice(svc.mqttUrl, dev)).rejects.toMatchObject({ code: 5 });
    await api(svc.httpUrl, 'POST', `/api/v1/devices/${dev.id}/enable`, svc.adminToken);
    await (await connectDevice(svc.mqttUrl, dev)).endAsync();
  });

  it('makes a rotated secret the only one that works', async () => {
    const dev = await provision(svc.httpUrl, svc.adminToken);
    await (await connectDevice(svc.mqttUrl, dev)).endAsync(); // old secret now cached as verified
    const r = await api<{ secret: string }>(
      svc.httpUrl,
      'POST',
      `/api/v1/devices/${dev.id}/secret`,
      svc.adminToken,
    );
    await expect(connectDevice(svc.mqttUrl, dev)).rejects.toMatchObject({ code: 4 });
    await (await connectDevice(svc.mqttUrl, { ...dev, secret: r.body.secret })).endAsync();
  });

  it("disconnects a device publishing to another device's topic, storing nothing there", async () => {
    const { c } = await deviceWithErrors();
    const closed = new Promise<void>((r) => c.once('close', () => r()));
    c.publish(
      `devices/${bystanderDev.id}/telemetry`,
      JSON.stringify({ ts: Date.now(), metrics: { power_w: 999_999 } }),
      { qos: 1 },
    );
    await closed;
    expect(await rejected('acl_publish')).toBeGreaterThanOrEqual(1);
    c.end(true);
  });

  it('refuses a subscription to # with SUBACK 0x80 and keeps the connection', async () => {
    const { dev, c } = await deviceWithErrors();
    // MQTT.js turns a 0x80 return code into an error carrying the SUBACK packet.
    await expect(c.subscribeAsync('#', { qos: 1 })).rejects.toMatchObject({
      packet: { cmd: 'suback', granted: [128] },
    });
    await expect(c.subscribeAsync(`devices/${bystanderDev.id}/commands/#`)).rejects.toMatchObject({
      packet: { granted: [128] },
    });
    expect(await c.subscribeAsync(`devices/${dev.id}/commands/#`)).toMatchObject([{ qos: 0 }]);
    expect(c.connected).toBe(true);
    await c.endAsync();
  });

  it.each([
    ['malformed JSON', () => '{"ts": 1, "metrics": {', 'malformed_json'],
    [
      'a string metric',
      () => JSON.stringify({ ts: Date.now(), metrics: { power_w: '800' } }),
      'schema',
    ],
    [
      'a huge number (Infinity)',
      () => `{"ts": ${Date.now()}, "metrics": {"power_w": 1e999}}`,
      'schema',
    ],
    [
      'an implausible value',
      () => JSON.stringify({ ts: Date.now(), metrics: { indoor_temp_c: 1e12 } }),
      'out_of_range',
    ],
    [
      'a timestamp a year ahead',
      () => JSON.stringify({ ts: Date.now() + 366 * 86_400_000, metrics: { power_w: 1 } }),
      'timestamp',
    ],
    [
      'a timestamp from 1990',
      () => JSON.stringify({ ts: '1990-01-01T00:00:00Z', metrics: { power_w: 1 } }),
      'timestamp',
    ],
    [
      'an oversized payload',
      () => JSON.stringify({ ts: Date.now(), metrics: { power_w: 1 }, pad: 'x'.repeat(5000) }),
      'payload_too_large',
    ],
  ])(
    'refuses %s: reason on devices/{id}/errors, nothing stored, connection kept',
    async (_n, payload, reason) => {
      const { dev, c } = await deviceWithErrors();
      const err = nextMessage(c, `devices/${dev.id}/errors`);
      await c.publishAsync(`devices/${dev.id}/telemetry`, payload(), { qos: 1 });
      const report = JSON.parse((await err).payload.toString()) as {
        reason: string;
        message: string;
        topic: string;
      };
      expect(report.reason).toBe(reason);
      expect(report.topic).toBe(`devices/${dev.id}/telemetry`);
      expect(report.message.length).toBeGreaterThan(10);
      expect(c.connected).toBe(true);
      expect(await storedCount(dev.id, 'power_w')).toBe(0);
      expect(await storedCount(dev.id, 'indoor_temp_c')).toBe(0);
      await c.endAsync();
    },
  );

  it('keeps no retained message a device sets (its status is retained by the broker)', async () => {
    const { dev, c } = await deviceWithErrors();
    await c.publishAsync(`devices/${dev.id}/x/y`, 'sticky', { qos: 1, retain: true });
    const eng = await api<{ token: string }>(
      svc.httpUrl,
      'POST',
      '/api/v1/tokens',
      svc.adminToken,
      { role: 'admin' },
    );
    const watcher = await connect(svc.mqttUrl, {
      clientId: `w${Date.now()}`,
      username: 'token',
      password: eng.body.token,
    });
    const seen: string[] = [];
    watcher.on('message', (t) => seen.push(t));
    await watcher.subscribeAsync(`devices/${dev.id}/#`, { qos: 1 });
    // Retained messages are sent together right after the SUBACK: once the broker's status is
    // here, x/y would be.
    await expect.poll(() => seen).toContain(`devices/${dev.id}/status`);
    expect(seen).not.toContain(`devices/${dev.id}/x/y`);
    await Promise.all([watcher.endAsync(), c.endAsync()]);
  });

  it('disconnects a client whose topic exceeds the length limit', async () => {
    const { dev, c } = await deviceWithErrors();
    const closed = new Promise<void>((r) => c.once('close', () => r()));
    c.publish(`devices/${dev.id}/${'x'.repeat(200)}`, 'hi', { qos: 0 });
    await closed;
    expect(await rejected('topic_too_long')).toBeGreaterThanOrEqual(1);
    c.end(true);
  });

  it('refuses a QoS 0 flood above the rate, counting it, while others are served', async () => {
    const { dev, c } = await deviceWithErrors();
    const err = nextMessage(c, `devices/${dev.id}/errors`);
    const before = await rejected('rate');
    const t0 = Date.now() - 60_000;
    for (let i = 0; i < 2000; i++)
      c.publish(
        `devices/${dev.id}/telemetry`,
        JSON.stringify({ ts: t0 + i, metrics: { power_w: i } }),
        { qos: 0 },
      );
    expect(JSON.parse((await err).payload.toString())).toMatchObject({ reason: 'rate' });
    await c.endAsync();
    // Every message is either stored or counted as refused (the last ones may still be in ingest).
    await expect
      .poll(async () => (await rejected('rate')) - before + (await storedCount(dev.id, 'power_w')))
      .toBe(2000);
    expect((await rejected('rate')) - before).toBeGreaterThan(1000);
  });

  it('kept serving the bystander: all of its messages were stored', async () => {
    await expect.poll(() => bystanderSent, { timeout: 10_000 }).toBeGreaterThan(20); // ran alongside the abuse
    clearInterval(timer);
    const sent = bystanderSent;
    await new Promise((r) => setTimeout(r, 200)); // let the last PUBACKs arrive
    await expect
      .poll(() => storedCount(bystanderDev.id, 'power_w'), { timeout: 10_000 })
      .toBe(sent);
  });
});
