import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, connectDevice, provision } from './helpers/clients.ts';
import { requireInfluxd, startInfluxd, type InfluxdHandle } from './helpers/influxd.ts';
import { freePort, spawnService } from './helpers/process.ts';
import { describeWithService } from './helpers/require-service.ts';
import { startService, TEST_ADMIN_TOKEN, type RunningService } from './helpers/service.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function storedTimestamps(base: string, id: string, from: number): Promise<number[]> {
  const r = await api<{ points: Array<{ ts: string }> }>(
    base,
    'GET',
    `/api/v1/devices/${id}/telemetry?metric=power_w&from=${from}&to=${from + 1e8}&limit=100000`,
    TEST_ADMIN_TOKEN,
  );
  if (r.status !== 200) throw new Error(`query failed: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.points.map((p) => Date.parse(p.ts));
}

describeWithService(
  'influxd',
  requireInfluxd('faults: InfluxDB outage'),
  'influxd missing',
  'faults: InfluxDB outage',
  () => {
    let influxd: InfluxdHandle;
    let svc: RunningService;
    beforeAll(async () => {
      influxd = await startInfluxd();
      svc = await startService({ INFLUX_URL: influxd.url, INFLUX_DATABASE: 'faults' });
    });
    afterAll(async () => {
      await svc?.stop();
      await influxd?.stop();
    });

    it('keeps acknowledging into the spool while influxd is down, and stores every message exactly once after it returns', async () => {
      const dev = await provision(svc.httpUrl, svc.adminToken, 'tv', 'E55');
      const c = await connectDevice(svc.mqttUrl, dev);
      const t0 = Date.now() - 3_600_000;
      const publish = (i: number) =>
        c.publishAsync(
          `devices/${dev.id}/telemetry`,
          JSON.stringify({ ts: t0 + i, metrics: { power_w: i } }),
          { qos: 1 },
        );
      for (let i = 0; i < 200; i++) await publish(i);
      await influxd.kill();
      for (let i = 200; i < 400; i++) await publish(i); // each resolves on PUBACK: durable in the spool
      await expect.poll(() => svc.service.ingest.healthy).toBe(false);
      const health = await api<{ telemetryStore: string }>(svc.httpUrl, 'GET', '/health');
      expect(health.body.telemetryStore).toBe('down');
      expect(svc.service.ingest.spoolStats().depthRecords).toBeGreaterThan(0);
      await influxd.restart();
      for (let i = 400; i < 600; i++) await publish(i);
      await c.endAsync();
      await svc.service.ingest.flushed(60_000);
      const ts = await storedTimestamps(svc.httpUrl, dev.id, t0);
      expect(ts).toEqual(Array.from({ length: 600 }, (_, i) => t0 + i));
    });

    it('stops acknowledging QoS 1 when the spool is full, says so, and loses nothing it acknowledged', async () => {
      const small = await startService({
        INFLUX_URL: influxd.url,
        INFLUX_DATABASE: 'faults',
        SPOOL_MAX_BYTES: '20000',
      });
      try {
        const dev = await provision(small.httpUrl, small.adminToken, 'tv', 'E55');
        await influxd.kill();
        const c = await connectDevice(small.mqttUrl, dev);
        c.on('error', () => undefined);
        const t0 = Date.now() - 7_200_000;
        const acked: number[] = [];
        let refusedAt = -1;
        // One listener for the whole loop (one per publish piled up past MaxListeners).
        const closed = new Promise<boolean>((r) => c.once('close', () => r(false)));
        for (let i = 0; i < 2000 && refusedAt < 0; i++) {
          const ok = await Promise.race([
            c
              .publishAsync(
                `devices/${dev.id}/telemetry`,
                JSON.stringify({ ts: t0 + i, metrics: { power_w: i % 1000 } }),
                { qos: 1 },
              )
              .then(
                () => true,
                () => false,
              ),
            closed,
          ]);
          if (ok) acked.push(i);
          else refusedAt = i;
        }
        expect(refusedAt).toBeGreaterThan(0); // the device still holds the refused message
        expect((await small.service.metrics.spoolFull.get()).values[0]?.value).toBeGreaterThan(0);
        expect(await fetch(`${small.httpUrl}/metrics`).then((r) => r.text())).toMatch(
          /^sanbao_mqtt_rejected_total\{reason="spool_full"\} [1-9]/m,
        );
        c.end(true);
        await influxd.restart();
        await small.service.ingest.flushed(60_000);
        expect(await storedTimestamps(small.httpUrl, dev.id, t0)).toEqual(acked.map((i) => t0 + i));
      } finally {
        await small.stop();
      }
    });
  },
);

describe('faults: service killed with SIGKILL mid-stream', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'sanbao-kill-'));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('stores every acknowledged message after a restart', async () => {
    const [http, mqttPort] = await Promise.all([freePort(), freePort()]);
    const env = {
      DATA_DIR: dataDir,
      HTTP_PORT: String(http),
      MQTT_PORT: String(mqttPort),
      HTTP_HOST: '127.0.0.1',
      MQTT_HOST: '127.0.0.1',
      ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      // This test is about durability, not limits: a device over its rate or in-flight limit is
      // disconnected, which would end the stream before the kill on a slow machine.
      MQTT_RATE_PER_DEVICE: '100000',
      MQTT_RATE_BURST: '100000',
    };
    const base = `http://127.0.0.1:${http}`;
    let proc = await spawnService(env);
    const dev = await provision(base, TEST_ADMIN_TOKEN, 'tv', 'E55');
    const c = await connectDevice(`mqtt://127.0.0.1:${mqttPort}`, dev);
    c.on('error', () => undefined);
    const t0 = Date.now() - 3_600_000;
    const acked = new Set<number>();
    let settled = 0;
    let i = 0;
    let killed = false;
    let closed = false;
    c.on('close', () => (closed = true));
    // Publish without waiting, so many messages are in flight when the process dies. Once the
    // connection is gone MQTT.js may refuse a publish synchronously (its store is closed): the
    // pump stops there; only acknowledged messages count.
    const pump = (async () => {
      while (!killed && !closed) {
        const n = i++;
        try {
          // power_w stays within the TV's plausible 0–1000 W, or the message would be refused.
          c.publish(
            `devices/${dev.id}/telemetry`,
            JSON.stringify({ ts: t0 + n, metrics: { power_w: n % 1000 } }),
            { qos: 1 },
            (err) => {
              settled++;
              if (!err && !killed) acked.add(n);
            },
          );
        } catch {
          break;
        }
        // Many in flight, as a busy device has, but fewer than the broker's in-flight limit.
        while (i - settled >= 200 && !killed && !closed) await sleep(1);
        if (n % 20 === 0) await sleep(1);
      }
    })();
    await expect.poll(() => acked.size > 500 || closed, { timeout: 60_000 }).toBe(true);
    expect(closed, `the broker closed the connection after ${acked.size} acks`).toBe(false);
    proc.child.kill('SIGKILL');
    killed = true;
    await proc.exited;
    await pump;
    c.end(true);
    const ackedNow = [...acked];
    expect(ackedNow.length).toBeGreaterThan(500);
    proc = await spawnService(env);
    try {
      // Replay may take a while on a loaded machine; on failure, list what is missing.
      let missing: number[] = ackedNow;
      for (const until = Date.now() + 60_000; missing.length > 0 && Date.now() < until;) {
        const stored = new Set(await storedTimestamps(base, dev.id, t0));
        missing = ackedNow.filter((n) => !stored.has(t0 + n));
        if (missing.length > 0) await sleep(200);
      }
      expect(missing.slice(0, 20), `${missing.length} acknowledged messages not stored`).toEqual(
        [],
      );
      // Nothing invented: every stored point is one that was sent, once.
      const ts = await storedTimestamps(base, dev.id, t0);
      expect(new Set(ts).size).toBe(ts.length);
      expect(ts.every((t) => t - t0 >= 0 && t - t0 < i)).toBe(true);
    } finally {
      proc.child.kill('SIGTERM');
      await proc.exited;
    }
  });
});
