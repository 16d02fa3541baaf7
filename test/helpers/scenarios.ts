import type { MqttClient } from 'mqtt';
import { expect } from 'vitest';
import { api, connectDevice, provision } from './clients.ts';
import type { RunningService } from './service.ts';

/**
 * The spine through its public interfaces: provision over HTTP, publish over MQTT (TCP),
 * read back over HTTP. Shared by the PGlite run here and the PostgreSQL + InfluxDB run.
 */
export async function publishThousandAndReadBack(svc: RunningService): Promise<void> {
  const dev = await provision(svc.httpUrl, svc.adminToken, 'refrigerator', 'BCD-470');
  const client: MqttClient = await connectDevice(svc.mqttUrl, dev);
  const t0 = Date.now() - 10 * 60_000;
  const sent: Array<{ ts: number; value: number }> = [];
  await Promise.all(
    Array.from({ length: 1000 }, (_, i) => {
      const ts = t0 + i * 100;
      const value = Math.round(Math.sin(i) * 1000) / 100 || 0; // within -10..30; no -0 (JSON has none)
      sent.push({ ts, value });
      return client.publishAsync(
        `devices/${dev.id}/telemetry`,
        JSON.stringify({ ts, metrics: { fridge_temp_c: value, compressor_on: i % 2 } }),
        { qos: 1 },
      );
    }),
  );
  await client.endAsync();
  await svc.service.ingest.flushed();
  const r = await api<{ points: Array<{ ts: string; value: number }> }>(
    svc.httpUrl,
    'GET',
    `/api/v1/devices/${dev.id}/telemetry?metric=fridge_temp_c&from=${t0}&to=${t0 + 1_000_000}&limit=5000`,
    svc.adminToken,
  );
  expect(r.status).toBe(200);
  expect(r.body.points.map((p) => ({ ts: Date.parse(p.ts), value: p.value }))).toEqual(sent);
  const agg = await api<{ points: Array<{ ts: string; value: number }> }>(
    svc.httpUrl,
    'GET',
    `/api/v1/devices/${dev.id}/telemetry?metric=compressor_on&from=${t0}&to=${t0 + 100_000}&every=10s&agg=count`,
    svc.adminToken,
  );
  expect(agg.body.points.reduce((n, p) => n + p.value, 0)).toBe(1000);
}
