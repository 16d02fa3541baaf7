import { afterEach, describe, expect, it } from 'vitest';
import type { LatestValues, Point, TelemetryQuery } from '../ingest/telemetry-store.ts';
import { detectRollbacks, readOdometer, type OdometerSource } from './odometer.ts';
import { buildTestApp, type TestApp } from './test-app.ts';

/** A telemetry source holding odometer readings of one device, with daily-max aggregation. */
function fakeTelemetry(readings: Array<[string, number]>): OdometerSource {
  const pts: Point[] = readings.map(([iso, value]) => ({ ts: Date.parse(iso), value }));
  return {
    async query(q: TelemetryQuery) {
      const inRange = pts.filter((p) => p.ts >= q.from && p.ts < q.to);
      if (!q.every) return inRange.slice(0, q.limit);
      const buckets = new Map<number, number>();
      for (const p of inRange) {
        const b = Math.floor(p.ts / q.every) * q.every;
        buckets.set(b, Math.max(buckets.get(b) ?? -Infinity, p.value));
      }
      return [...buckets.entries()]
        .sort((a, b) => a[0] - b[0])
        .map(([ts, value]) => ({ ts, value }));
    },
    async latest(): Promise<LatestValues> {
      const last = pts.at(-1);
      return last ? { odometer_km: last } : {};
    },
  };
}

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('car mileage from telemetry', () => {
  it('detects drops in the odometer beyond a tolerance', () => {
    const p = (ts: number, value: number) => ({ ts, value });
    expect(detectRollbacks([p(1, 100), p(2, 99.5), p(3, 150), p(4, 20), p(5, 160)])).toEqual([
      { ts: 4, fromKm: 150, toKm: 20 },
    ]);
  });

  it('uses the highest reading and reports the rollback', async () => {
    const src = fakeTelemetry([
      ['2025-04-01T00:00:00Z', 1_000],
      ['2025-05-01T00:00:00Z', 3_200],
      ['2025-05-02T00:00:00Z', 900],
    ]);
    const r = await readOdometer(src, 'car-1', Date.parse('2025-03-01'), Date.parse('2025-06-01'));
    expect(r).toMatchObject({
      km: 3_200,
      latestKm: 900,
      rollbacks: [{ fromKm: 3_200, toKm: 900 }],
    });
    expect(
      await readOdometer(fakeTelemetry([]), 'car-1', 0, Date.parse('2025-06-01')),
    ).toBeUndefined();
  });

  it('[汽车三包 第二十三条] a rolled-back odometer does not bring a car back inside 3,000 km', async () => {
    const telemetry = fakeTelemetry([
      ['2025-03-20T00:00:00Z', 2_000],
      ['2025-04-10T00:00:00Z', 3_500],
      ['2025-04-11T00:00:00Z', 1_200],
    ]);
    t = await buildTestApp({ telemetry });
    const h = { authorization: `Bearer ${t.tokens.engineer}` };
    await t.app.inject({
      method: 'POST',
      url: '/api/v1/warranty/units',
      headers: h,
      payload: {
        serial: 'VIN-T',
        category: 'household_car',
        model: 'X',
        invoiceDate: '2025-03-03',
        deviceId: 'car-1',
      },
    });
    const r = await t.app.inject({
      method: 'GET',
      url: '/api/v1/units/VIN-T/warranty?evaluationDate=2025-04-20',
      headers: h,
    });
    expect(r.statusCode).toBe(200);
    const e = r.json();
    expect(
      e.deadlines.find((d: { key: string }) => d.key === 'safety_failure_60_days'),
    ).toMatchObject({ passed: true, limitKm: 3_000 });
    expect(e.warnings.map((w: { en: string }) => w.en).join('\n')).toMatch(
      /odometer rollback: 3500 km → 1200 km/,
    );
  });
});
