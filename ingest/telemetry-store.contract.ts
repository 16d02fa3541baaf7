import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceEvent, Sample } from '../core/sample.ts';
import { ByteWriter } from './byte-writer.ts';
import { checkTelemetry, decodeTelemetry } from './validate.ts';
import type { TelemetryStore } from './telemetry-store.ts';

/**
 * The behaviour every TelemetryStore backend must have (docs/style.md §1). `makeStore` returns a
 * fresh, initialised store with no data in it; `cleanup` releases what it made.
 */
export function describeTelemetryStoreContract(
  name: string,
  makeStore: () => Promise<{ store: TelemetryStore; cleanup?: () => Promise<void> }>,
): void {
  describe(`TelemetryStore contract: ${name}`, () => {
    let store: TelemetryStore;
    let cleanup: (() => Promise<void>) | undefined;
    const T0 = Date.UTC(2026, 0, 1);
    let n = 0;
    /** A device id of its own for each test, so tests do not see each other's data. */
    const dev = () => `dev-${name.replace(/\W/g, '')}-${++n}`;
    const sample = (deviceId: string, ts: number, metrics: Record<string, number>): Sample => ({
      deviceId,
      category: 'air_conditioner',
      model: 'KFR-35GW',
      ts,
      metrics,
    });

    beforeAll(async () => {
      ({ store, cleanup } = await makeStore());
    });
    afterAll(async () => {
      await store?.close();
      await cleanup?.();
    });

    it('answers ping once initialised', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });

    it('returns written points oldest first, with the exact values', async () => {
      const d = dev();
      await store.write([
        sample(d, T0 + 2000, { power_w: 3.25 }),
        sample(d, T0, { power_w: 1.5, fan_rpm: 900 }),
        sample(d, T0 + 1000, { power_w: -2.125 }),
      ]);
      const pts = await store.query({
        deviceId: d,
        metric: 'power_w',
        from: T0,
        to: T0 + 10_000,
        limit: 100,
      });
      expect(pts).toEqual([
        { ts: T0, value: 1.5 },
        { ts: T0 + 1000, value: -2.125 },
        { ts: T0 + 2000, value: 3.25 },
      ]);
      const fan = await store.query({
        deviceId: d,
        metric: 'fan_rpm',
        from: T0,
        to: T0 + 10_000,
        limit: 100,
      });
      expect(fan).toEqual([{ ts: T0, value: 900 }]);
    });

    it('keeps one point when the same sample is written twice (idempotent replay)', async () => {
      const d = dev();
      const s = sample(d, T0 + 5, { power_w: 7 });
      await store.write([s]);
      await store.write([s, s]);
      const pts = await store.query({
        deviceId: d,
        metric: 'power_w',
        from: T0,
        to: T0 + 10,
        limit: 100,
      });
      expect(pts).toEqual([{ ts: T0 + 5, value: 7 }]);
    });

    it('keeps millisecond timestamps exact', async () => {
      const d = dev();
      const ts = T0 + 123_457;
      await store.write([sample(d, ts, { x: 1 }), sample(d, ts + 1, { x: 2 })]);
      const pts = await store.query({ deviceId: d, metric: 'x', from: ts, to: ts + 2, limit: 10 });
      expect(pts.map((p) => p.ts)).toEqual([ts, ts + 1]);
    });

    it('bounds queries by from (inclusive), to (exclusive) and limit', async () => {
      const d = dev();
      await store.write([0, 1, 2, 3, 4].map((i) => sample(d, T0 + i * 1000, { v: i })));
      const pts = await store.query({
        deviceId: d,
        metric: 'v',
        from: T0 + 1000,
        to: T0 + 4000,
        limit: 100,
      });
      expect(pts.map((p) => p.value)).toEqual([1, 2, 3]);
      const limited = await store.query({
        deviceId: d,
        metric: 'v',
        from: T0,
        to: T0 + 10_000,
        limit: 2,
      });
      expect(limited.map((p) => p.value)).toEqual([0, 1]);
    });

    it('isolates devices and metrics', async () => {
      const a = dev();
      const b = dev();
      await store.write([sample(a, T0, { v: 1 }), sample(b, T0, { v: 2, w: 3 })]);
      expect(
        await store.query({ deviceId: a, metric: 'v', from: T0, to: T0 + 1, limit: 10 }),
      ).toEqual([{ ts: T0, value: 1 }]);
      expect(
        await store.query({ deviceId: a, metric: 'w', from: T0, to: T0 + 1, limit: 10 }),
      ).toEqual([]);
    });

    it('aggregates per epoch-aligned window: mean, min, max, count', async () => {
      const d = dev();
      // Two windows of 10 s: values 1,2,3 in the first, 10,20 in the second.
      await store.write([
        sample(d, T0 + 1000, { v: 1 }),
        sample(d, T0 + 4000, { v: 2 }),
        sample(d, T0 + 9999, { v: 3 }),
        sample(d, T0 + 10_000, { v: 10 }),
        sample(d, T0 + 15_000, { v: 20 }),
      ]);
      const q = { deviceId: d, metric: 'v', from: T0, to: T0 + 20_000, every: 10_000, limit: 100 };
      expect(await store.query({ ...q, agg: 'mean' })).toEqual([
        { ts: T0, value: 2 },
        { ts: T0 + 10_000, value: 15 },
      ]);
      expect(await store.query({ ...q, agg: 'min' })).toEqual([
        { ts: T0, value: 1 },
        { ts: T0 + 10_000, value: 10 },
      ]);
      expect(await store.query({ ...q, agg: 'max' })).toEqual([
        { ts: T0, value: 3 },
        { ts: T0 + 10_000, value: 20 },
      ]);
      expect(await store.query({ ...q, agg: 'count' })).toEqual([
        { ts: T0, value: 3 },
        { ts: T0 + 10_000, value: 2 },
      ]);
    });

    it('reports a window that starts before `from` by its epoch-aligned start, with only the points from `from` on', async () => {
      const d = dev();
      await store.write([
        sample(d, T0 + 1000, { v: 1 }),
        sample(d, T0 + 4000, { v: 4 }),
        sample(d, T0 + 12_000, { v: 12 }),
      ]);
      const pts = await store.query({
        deviceId: d,
        metric: 'v',
        from: T0 + 3000,
        to: T0 + 20_000,
        every: 10_000,
        agg: 'min',
        limit: 100,
      });
      expect(pts).toEqual([
        { ts: T0, value: 4 },
        { ts: T0 + 10_000, value: 12 },
      ]);
    });

    it('omits empty windows', async () => {
      const d = dev();
      await store.write([sample(d, T0, { v: 1 }), sample(d, T0 + 50_000, { v: 5 })]);
      const pts = await store.query({
        deviceId: d,
        metric: 'v',
        from: T0,
        to: T0 + 60_000,
        every: 10_000,
        agg: 'mean',
        limit: 100,
      });
      expect(pts).toEqual([
        { ts: T0, value: 1 },
        { ts: T0 + 50_000, value: 5 },
      ]);
    });

    it('returns the latest value of each metric', async () => {
      const d = dev();
      await store.write([
        sample(d, T0, { a: 1, b: 10 }),
        sample(d, T0 + 2000, { a: 2 }),
        sample(d, T0 + 1000, { b: 20 }),
      ]);
      expect(await store.latest(d)).toEqual({
        a: { ts: T0 + 2000, value: 2 },
        b: { ts: T0 + 1000, value: 20 },
      });
      expect(await store.latest(dev())).toEqual({});
    });

    it('stores device events and returns them oldest first within the range', async () => {
      const d = dev();
      const ev = (ts: number, code: string, detail?: string): DeviceEvent => ({
        deviceId: d,
        category: 'air_conditioner',
        model: 'KFR-35GW',
        ts,
        code,
        severity: 'error',
        ...(detail === undefined ? {} : { detail }),
      });
      await store.writeEvents([ev(T0 + 2000, 'E6'), ev(T0 + 1000, 'E1', 'indoor sensor open')]);
      await store.writeEvents([ev(T0 + 1000, 'E1', 'indoor sensor open')]); // replay: still one
      const got = await store.events({ deviceId: d, from: T0, to: T0 + 10_000, limit: 10 });
      expect(got).toEqual([ev(T0 + 1000, 'E1', 'indoor sensor open'), ev(T0 + 2000, 'E6')]);
    });

    it('writes a large batch completely', async () => {
      const d = dev();
      const batch = Array.from({ length: 5000 }, (_, i) => sample(d, T0 + i, { v: i }));
      await store.write(batch);
      const pts = await store.query({
        deviceId: d,
        metric: 'v',
        from: T0,
        to: T0 + 5000,
        limit: 10_000,
      });
      expect(pts.length).toBe(5000);
      expect(pts[4999]).toEqual({ ts: T0 + 4999, value: 4999 });
    });

    it('stores telemetry through its encoding, where it has one, as the decoded samples', async () => {
      const d = dev();
      const device = { deviceId: d, category: 'air_conditioner' as const, model: 'KFR-35GW' };
      const payloads = [
        `{"ts":${T0},"metrics":{"power_w":800.5,"indoor_temp_c":21}}`,
        ` { "metrics" : { "power_w" : 1E3 } , "ts" : ${T0 + 1} } `,
        `[{"ts":${T0 + 2},"metrics":{"power_w":1.5e-3}},{"ts":${T0 + 3}.7,"metrics":{"power_w":0.1}}]`,
        `{"ts":${T0 + 5},"metrics":{"power_w":1,"time":2,"new_sensor.x-1":3,"power_w":4}}`,
        `{"ts":"${new Date(T0 + 6).toISOString()}","metrics":{"power_w":0.30000000000000004}}`,
      ].map((p) => Buffer.from(p));
      const limits = { maxFutureMs: 86_400_000, maxPastMs: 86_400_000 };
      const samples = payloads.flatMap((p) => {
        const r = decodeTelemetry(p, device, T0, limits);
        if (!r.ok) throw new Error(r.message);
        return r.items;
      });
      if (store.encoding) {
        // As ingest makes it: the check and the encoder in one pass over each payload.
        const encoder = store.encoding.encoder();
        const encoded = payloads.map((p) => {
          const out = new ByteWriter();
          encoder.start(device, out);
          expect(checkTelemetry(p, device, T0, limits, encoder).ok).toBe(true);
          return out.toBuffer();
        });
        await store.encoding.write(encoded);
      } else await store.write(samples);
      for (const metric of ['power_w', 'indoor_temp_c', 'time', 'new_sensor.x-1']) {
        const want = samples
          .filter((s) => metric in s.metrics)
          .map((s) => ({ ts: s.ts, value: s.metrics[metric]! }));
        const got = await store.query({ deviceId: d, metric, from: T0, to: T0 + 10, limit: 100 });
        expect(got, metric).toEqual(want);
      }
    });
  });
}
