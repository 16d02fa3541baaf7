import { afterAll, beforeAll, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { api, connectDevice, provision, type Provisioned } from './helpers/clients.ts';
import { requireInfluxd, startInfluxd, type InfluxdHandle } from './helpers/influxd.ts';
import { describeWithService } from './helpers/require-service.ts';
import { startService, TEST_ADMIN_TOKEN, type RunningService } from './helpers/service.ts';

/**
 * Diagnostics is fed from the ingest spool, before the telemetry store write (issue 21): while
 * InfluxDB is down, devices that keep publishing over MQTT are not silent to it. Real influxd
 * (killed for the outage), real MQTT over TCP, the whole service. Diagnostics' clock runs ahead
 * of the wall clock (the test moves it a minute at a time and its silence check runs every
 * 50 ms), so the 5-minute silence threshold of a TV (5 expected intervals of 60 s) passes in
 * seconds; the devices timestamp their readings with the same clock.
 */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const MINUTE = 60_000;

describeWithService(
  'influxd',
  requireInfluxd('diagnostics during a telemetry store outage'),
  'influxd missing',
  'diagnostics during a telemetry store outage',
  () => {
    let influxd: InfluxdHandle;
    let svc: RunningService;
    let ahead = 0;
    const clock = () => Date.now() + ahead;
    beforeAll(async () => {
      influxd = await startInfluxd();
      svc = await startService(
        {
          INFLUX_URL: influxd.url,
          INFLUX_DATABASE: 'outage',
          // Readings are up to the test's 15 minutes ahead of the wall clock.
          INGEST_MAX_FUTURE_SECONDS: '3600',
          // Store batches of 2 messages: the batch the store keeps refusing holds the first two
          // of the outage, and diagnostics hears the rest only by reading the spool ahead of it.
          INGEST_BATCH_SIZE: '2',
        },
        { diagnostics: { clock, tickMs: 50 } },
      );
    });
    afterAll(async () => {
      await svc?.stop();
      await influxd?.stop();
    });

    it('does not report devices that keep publishing during the outage as silent, stores every acknowledged sample after it, and hands diagnostics each sample once', async () => {
      const devices = await Promise.all(
        ['live-1', 'live-2', 'quiet'].map(() =>
          provision(svc.httpUrl, svc.adminToken, 'tv', 'E55'),
        ),
      );
      const [live1, live2, quiet] = devices as [Provisioned, Provisioned, Provisioned];
      const clients = new Map<string, MqttClient>();
      for (const d of devices) clients.set(d.id, await connectDevice(svc.mqttUrl, d));
      // Every sample handed out through the door diagnostics uses, by device and timestamp.
      const handed = new Map<string, number>();
      svc.service.ingest.onDurable({
        samples: (ss) => {
          for (const s of ss)
            handed.set(`${s.deviceId}@${s.ts}`, (handed.get(`${s.deviceId}@${s.ts}`) ?? 0) + 1);
        },
      });
      const acked = new Map<string, number[]>(devices.map((d) => [d.id, []]));
      let n = 0;
      const publish = async (d: Provisioned) => {
        const ts = clock();
        await clients.get(d.id)!.publishAsync(
          `devices/${d.id}/telemetry`,
          JSON.stringify({ ts, metrics: { power_w: 80 + (n++ % 40) } }),
          { qos: 1 }, // resolves on PUBACK: durable in the spool
        );
        acked.get(d.id)!.push(ts);
      };
      /** A minute passes for diagnostics; its silence check runs a few times at the new time. */
      const minutePasses = async () => {
        ahead += MINUTE;
        await sleep(200);
      };
      const dataMissing = async (d: Provisioned) => {
        const r = await api<{ alerts: Array<{ modeId: string; deviceId: string }> }>(
          svc.httpUrl,
          'GET',
          `/api/v1/alerts?device=${d.id}&mode=data_missing`,
          TEST_ADMIN_TOKEN,
        );
        expect(r.status).toBe(200);
        return r.body.alerts;
      };

      for (let m = 0; m < 3; m++) {
        for (const d of devices) await publish(d);
        await minutePasses();
      }
      await svc.service.ingest.flushed(30_000);

      await influxd.kill();
      // Ten minutes of outage, twice the silence threshold: the live devices publish every
      // minute, the quiet one has stopped.
      for (let m = 0; m < 10; m++) {
        for (const d of [live1, live2]) await publish(d);
        await minutePasses();
      }
      expect(svc.service.ingest.healthy).toBe(false); // the store refused writes throughout
      const health = await api<{ telemetryStore: string }>(svc.httpUrl, 'GET', '/health');
      expect(health.body.telemetryStore).toBe('down');
      await svc.service.diagnostics.alerts.idle();
      // The silence check ran and works: the device that stopped is reported...
      expect((await dataMissing(quiet)).map((a) => a.deviceId)).toEqual([quiet.id]);
      // ...and those that kept publishing into the spool are not.
      expect(await dataMissing(live1)).toEqual([]);
      expect(await dataMissing(live2)).toEqual([]);

      await influxd.restart();
      await svc.service.ingest.flushed(60_000);
      for (const d of devices) {
        const sent = acked.get(d.id)!;
        const r = await api<{ points: Array<{ ts: string }> }>(
          svc.httpUrl,
          'GET',
          `/api/v1/devices/${d.id}/telemetry?metric=power_w&from=${sent[0]}&to=${sent.at(-1)! + 1}&limit=1000`,
          TEST_ADMIN_TOKEN,
        );
        expect(r.status).toBe(200);
        expect(r.body.points.map((p) => Date.parse(p.ts))).toEqual(sent);
      }
      // Diagnostics was handed each acknowledged sample exactly once: during the outage, and
      // not again when the spool was replayed into the store.
      const total = [...acked.values()].reduce((a, ts) => a + ts.length, 0);
      expect(total).toBe(3 * 3 + 2 * 10);
      expect([...handed.values()].every((c) => c === 1)).toBe(true);
      expect(handed.size).toBe(total);
      for (const [id, ts] of acked) for (const t of ts) expect(handed.get(`${id}@${t}`)).toBe(1);
      const metrics = await fetch(`${svc.httpUrl}/metrics`).then((r) => r.text());
      expect(metrics).toMatch(new RegExp(`^sanbao_ingest_samples_heard_total ${total}$`, 'm'));
      expect(await dataMissing(live1)).toEqual([]);
      expect(await dataMissing(live2)).toEqual([]);
      for (const c of clients.values()) await c.endAsync();
    });
  },
);
