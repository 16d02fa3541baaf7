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
 * The MQTT abuse suite (issue 24): foreign topics, client-id takeovers, oversize payloads,
 * bursts beyond the rate limit, malformed JSON, invalid text, topics too long or too deep, a
 * device forging its status. Each attack through real MQTT over TCP; each asserts its
 * documented outcome, that it is counted in /metrics (read over HTTP, as a monitoring system
 * does) by exactly what it did, and, at the end, that the well-behaved devices publishing all
 * along lost nothing.
 */
describe('MQTT abuse: every refusal counted, bystanders lose nothing', () => {
  let svc: RunningService;
  const bystanders: Array<{ dev: Provisioned; c: MqttClient; sent: number; closed: boolean }> = [];
  let timer: NodeJS.Timeout | undefined;
  const t0 = Date.now() - 3_600_000;

  beforeAll(async () => {
    svc = await startService({
      MQTT_MAX_PAYLOAD_BYTES: '4096',
      MQTT_RATE_PER_DEVICE: '20',
      MQTT_RATE_BURST: '40',
      MQTT_MAX_TOPIC_LENGTH: '128',
      MQTT_MAX_TOPIC_LEVELS: '6',
    });
    for (let i = 0; i < 3; i++) {
      const dev = await provision(svc.httpUrl, svc.adminToken, 'refrigerator', 'BCD-470');
      const c = await connectDevice(svc.mqttUrl, dev);
      const b = { dev, c, sent: 0, closed: false };
      c.on('close', () => (b.closed = true));
      bystanders.push(b);
    }
    // 10 telemetry and 2 event messages a second each: well within the rate.
    timer = setInterval(() => {
      for (const b of bystanders) {
        const i = b.sent++;
        void b.c.publishAsync(
          `devices/${b.dev.id}/telemetry`,
          JSON.stringify({ ts: t0 + i, metrics: { fridge_temp_c: 4 } }),
          { qos: 1 },
        );
        if (i % 5 === 0)
          void b.c.publishAsync(
            `devices/${b.dev.id}/events`,
            JSON.stringify({ ts: t0 + i, code: `E${i}`, detail: '门未关好' }),
            { qos: 1 },
          );
      }
    }, 100);
  });

  afterAll(async () => {
    clearInterval(timer);
    for (const b of bystanders) await b.c.endAsync();
    await svc?.stop();
  });

  /** A counter of /metrics (Prometheus text), by one label if given. */
  async function metric(name: string, label?: string, value?: string): Promise<number> {
    const res = await fetch(`${svc.httpUrl}/metrics`);
    const text = await res.text();
    const line = text
      .split('\n')
      .find((l) =>
        label === undefined
          ? l.startsWith(`${name} `)
          : l.startsWith(`${name}{`) && l.includes(`${label}="${value}"`),
      );
    return line ? Number(line.split(' ').pop()) : 0;
  }
  const rejected = (reason: string) => metric('sanbao_mqtt_rejected_total', 'reason', reason);
  const connects = (result: string) => metric('sanbao_mqtt_connects_total', 'result', result);

  /** Runs `attack` and returns by how much the refusal counter for `reason` grew. */
  async function counted(reason: string, attack: () => Promise<void>): Promise<number> {
    const before = await rejected(reason);
    await attack();
    return (await rejected(reason)) - before;
  }

  async function attacker() {
    const dev = await provision(svc.httpUrl, svc.adminToken, 'air_conditioner');
    const c = await connectDevice(svc.mqttUrl, dev);
    await c.subscribeAsync(`devices/${dev.id}/errors`);
    return { dev, c };
  }
  const closedOf = (c: MqttClient) => new Promise<void>((r) => c.once('close', () => r()));
  async function token(role: string, subject?: string): Promise<string> {
    const r = await api<{ token: string }>(svc.httpUrl, 'POST', '/api/v1/tokens', svc.adminToken, {
      role,
      ...(subject ? { subject } : {}),
    });
    return r.body.token;
  }

  it("publishing to another device's topic: disconnected, counted, nothing stored there", async () => {
    const { c } = await attacker();
    const victim = bystanders[0]!.dev.id;
    expect(
      await counted('acl_publish', async () => {
        const closed = closedOf(c);
        c.publish(
          `devices/${victim}/telemetry`,
          JSON.stringify({ ts: t0 - 1, metrics: { fridge_temp_c: 99 } }),
          { qos: 1 },
        );
        await closed;
      }),
    ).toBe(1);
    c.end(true);
  });

  it("subscribing to another device's commands or to #: SUBACK 0x80 each, counted", async () => {
    const { c } = await attacker();
    const victim = bystanders[0]!.dev.id;
    expect(
      await counted('acl_subscribe', async () => {
        await expect(
          c.subscribeAsync({ [`devices/${victim}/commands/#`]: { qos: 1 }, '#': { qos: 0 } }),
        ).rejects.toMatchObject({ packet: { granted: [0x80, 0x80] } });
      }),
    ).toBe(2);
    expect(c.connected).toBe(true);
    await c.endAsync();
  });

  it.each([['admin'], ['engineer'], ['owner'], ['manufacturer']])(
    "an API token (%s) with a device's id as client id: CONNACK 2, the device stays connected",
    async (role) => {
      const victim = bystanders[1]!;
      const password = await token(role);
      const before = await connects('identifier_rejected');
      await expect(
        connect(svc.mqttUrl, { clientId: victim.dev.id, username: 'token', password }),
      ).rejects.toMatchObject({ code: 2 });
      expect((await connects('identifier_rejected')) - before).toBe(1);
      await new Promise((r) => setTimeout(r, 100));
      expect(victim.closed).toBe(false);
      expect(victim.c.connected).toBe(true);
    },
  );

  it('an API token with a client id of the device-id form that no device has yet: refused too', async () => {
    const password = await token('engineer');
    await expect(
      connect(svc.mqttUrl, { clientId: 'd0123456789abcdef0123', username: 'token', password }),
    ).rejects.toMatchObject({ code: 2 });
    // Any other client id is a service client's to choose.
    const ok = await connect(svc.mqttUrl, {
      clientId: 'engineer-console-1',
      username: 'token',
      password,
    });
    await ok.endAsync();
  });

  it("a device logging in with another device's id as client id: CONNACK 2", async () => {
    const { dev, c } = await attacker();
    await c.endAsync();
    await expect(
      connect(svc.mqttUrl, {
        clientId: bystanders[1]!.dev.id,
        username: dev.id,
        password: dev.secret,
      }),
    ).rejects.toMatchObject({ code: 2 });
    expect(bystanders[1]!.closed).toBe(false);
  });

  it.each([
    [
      'an oversize payload',
      () => `{"ts":${Date.now()},"pad":"${'x'.repeat(5000)}"}`,
      'payload_too_large',
    ],
    ['malformed JSON', () => '{"ts": 1, "metrics": {', 'malformed_json'],
    [
      'NUL in text',
      () => `{"ts":${Date.now()},"metrics":{"power_w":1},"fw":"\\u0000"}`,
      'invalid_text',
    ],
    [
      'a lone surrogate',
      () => `{"ts":${Date.now()},"metrics":{"power_w":1},"fw":"\\ud800"}`,
      'invalid_text',
    ],
    ['bytes that are not UTF-8', () => Buffer.from([0x7b, 0xff, 0x7d]), 'invalid_text'],
  ])(
    '%s: acknowledged, not stored, the reason on the errors topic, counted',
    async (_name, payload, reason) => {
      const { dev, c } = await attacker();
      expect(
        await counted(reason, async () => {
          const err = nextMessage(c, `devices/${dev.id}/errors`);
          await c.publishAsync(`devices/${dev.id}/telemetry`, payload(), { qos: 1 });
          expect(JSON.parse((await err).payload.toString())).toMatchObject({ reason });
        }),
      ).toBe(1);
      expect(c.connected).toBe(true);
      await c.endAsync();
    },
  );

  it('garbage fast: every message counted, but at most 10 error reports a second (no amplifier)', async () => {
    const { dev, c } = await attacker();
    const reports: unknown[] = [];
    c.on('message', (t) => t === `devices/${dev.id}/errors` && reports.push(t));
    const t = Date.now();
    expect(
      await counted('malformed_json', async () => {
        for (let i = 0; i < 30; i++) c.publish(`devices/${dev.id}/telemetry`, '{', { qos: 0 });
        await c.publishAsync(`devices/${dev.id}/telemetry`, '{', { qos: 1 });
      }),
    ).toBe(31);
    const took = Date.now() - t;
    await new Promise((r) => setTimeout(r, 300));
    // Within one second, 10; a slow run may straddle two report windows.
    expect(reports.length).toBe(took < 900 ? 10 : Math.min(20, reports.length));
    expect(reports.length).toBeLessThanOrEqual(20);
    await c.endAsync();
  });

  it('a QoS 0 burst beyond the rate: each message over it dropped and counted', async () => {
    const { dev, c } = await attacker();
    const n = 500;
    const before = await rejected('rate');
    for (let i = 0; i < n; i++)
      c.publish(
        `devices/${dev.id}/telemetry`,
        JSON.stringify({ ts: Date.now() - 60_000 + i, metrics: { power_w: i } }),
        { qos: 0 },
      );
    await c.endAsync();
    const stored = async () => {
      await svc.service.ingest.flushed();
      const r = await api<{ points: unknown[] }>(
        svc.httpUrl,
        'GET',
        `/api/v1/devices/${dev.id}/telemetry?metric=power_w&from=0&to=${Date.now() + 1e6}&limit=10000`,
        svc.adminToken,
      );
      return r.body.points.length;
    };
    // Every message is stored or counted: none vanishes uncounted.
    await expect.poll(async () => (await rejected('rate')) - before + (await stored())).toBe(n);
    expect((await rejected('rate')) - before).toBeGreaterThan(n / 2);
  });

  it('a QoS 1 burst beyond the rate: disconnected at the first message over it, counted', async () => {
    const { dev, c } = await attacker();
    const closed = closedOf(c);
    const before = await rejected('rate');
    for (let i = 0; i < 200; i++)
      c.publish(
        `devices/${dev.id}/telemetry`,
        JSON.stringify({ ts: Date.now() - 60_000 + i, metrics: { power_w: i } }),
        { qos: 1 },
      );
    await closed;
    expect((await rejected('rate')) - before).toBeGreaterThanOrEqual(1);
    c.end(true);
  });

  it('a topic deeper than MQTT_MAX_TOPIC_LEVELS: disconnected and counted (topic_too_deep)', async () => {
    const { dev, c } = await attacker();
    expect(
      await counted('topic_too_deep', async () => {
        const closed = closedOf(c);
        c.publish(`devices/${dev.id}/a/b/c/d/e/f`, 'x', { qos: 0 });
        await closed;
      }),
    ).toBe(1);
    c.end(true);
    const again = await attacker();
    expect(
      await counted('topic_too_deep', async () => {
        const closed = closedOf(again.c);
        again.c.subscribe(`devices/${again.dev.id}/commands/a/b/c/d/e`);
        await closed;
      }),
    ).toBe(1);
    again.c.end(true);
  });

  it('a topic or a filter longer than MQTT_MAX_TOPIC_LENGTH: disconnected and counted', async () => {
    for (const act of [
      (c: MqttClient, id: string) => c.publish(`devices/${id}/${'x'.repeat(200)}`, 'x'),
      (c: MqttClient, id: string) => c.subscribe(`devices/${id}/commands/${'x'.repeat(200)}`),
    ]) {
      const { dev, c } = await attacker();
      expect(
        await counted('topic_too_long', async () => {
          const closed = closedOf(c);
          act(c, dev.id);
          await closed;
        }),
      ).toBe(1);
      c.end(true);
    }
  });

  it("a device forging its status (retained offline while connected): dropped, counted, the broker's online stays", async () => {
    const { dev, c } = await attacker();
    expect(
      await counted('status_reserved', async () => {
        const err = nextMessage(c, `devices/${dev.id}/errors`);
        await c.publishAsync(`devices/${dev.id}/status`, 'offline', { qos: 1, retain: true });
        expect(JSON.parse((await err).payload.toString())).toMatchObject({
          reason: 'status_reserved',
        });
      }),
    ).toBe(1);
    const watcher = await connect(svc.mqttUrl, {
      clientId: `watch-${Date.now()}`,
      username: 'token',
      password: svc.adminToken,
    });
    const status = nextMessage(watcher, `devices/${dev.id}/status`);
    await watcher.subscribeAsync(`devices/${dev.id}/status`, { qos: 1 });
    expect((await status).payload.toString()).toBe('online');
    // Its other retained messages are not kept (only the broker's status is).
    expect(
      await counted('retain_stripped', () =>
        c.publishAsync(`devices/${dev.id}/x`, 'sticky', { qos: 1, retain: true }).then(() => {}),
      ),
    ).toBe(1);
    await Promise.all([watcher.endAsync(), c.endAsync()]);
  });

  it('kept serving the bystanders: every message they published was stored', async () => {
    clearInterval(timer);
    timer = undefined;
    await new Promise((r) => setTimeout(r, 300)); // the last PUBACKs
    await svc.service.ingest.flushed();
    for (const b of bystanders) {
      expect(b.closed).toBe(false);
      expect(b.sent).toBeGreaterThan(10); // published all along the attacks
      const q = `from=${t0 - 1}&to=${t0 + 1_000_000}`;
      const tel = await api<{ points: unknown[] }>(
        svc.httpUrl,
        'GET',
        `/api/v1/devices/${b.dev.id}/telemetry?metric=fridge_temp_c&${q}&limit=10000`,
        svc.adminToken,
      );
      expect(tel.body.points.length).toBe(b.sent);
      const ev = await api<{ events: unknown[] }>(
        svc.httpUrl,
        'GET',
        `/api/v1/devices/${b.dev.id}/events?${q}&limit=10000`,
        svc.adminToken,
      );
      expect(ev.body.events.length).toBe(Math.ceil(b.sent / 5));
    }
    expect(await metric('sanbao_ingest_dead_lettered_total')).toBe(0);
  });
});
