import { describe, expect, it } from 'vitest';
import type { Point, TelemetryQuery } from '../ingest/telemetry-store.ts';
import type { StoredRepairRecord, Unit } from './repair-record-schema.ts';
import {
  DEFAULT_DOWNTIME,
  findOutage,
  measureRecord,
  measureUnitDowntime,
  repairDatesFromTelemetry,
  repairDays,
  type DowntimeSource,
} from './downtime.ts';
import { parseInstant } from './calendar.ts';

const H = 3_600_000;
const D = 24 * H;
/** 2026-03-10 00:00 UTC (08:00 China time), on an hour boundary. */
const T0 = Date.UTC(2026, 2, 10);
const hours = (from: number, to: number) => {
  const out: number[] = [];
  for (let t = from; t < to; t += H) out.push(t);
  return out;
};
const opts = (recorded: { from: number; to: number }) => ({
  binMs: H,
  window: { from: recorded.from - 3 * D, to: recorded.to + 3 * D },
  recorded,
  minSilenceMs: 2 * H,
});

describe('findOutage: the silence around a recorded repair, on hourly bins', () => {
  const rec = { from: T0, to: T0 + 3 * D };
  const w = opts(rec).window;

  it('a silence longer than the record on both sides: from the last live bin to the first', () => {
    const live = [...hours(w.from, T0 - D), ...hours(T0 + 4 * D, w.to)];
    expect(findOutage(live, opts(rec))).toEqual({
      lastBin: T0 - D - H,
      firstBin: T0 + 4 * D,
      liveBinsInside: 0,
    });
  });

  it('a silence inside the record (shorter repair than recorded)', () => {
    const live = [...hours(w.from, T0 + 5 * H), ...hours(T0 + D, w.to)];
    expect(findOutage(live, opts(rec))).toEqual({
      lastBin: T0 + 4 * H,
      firstBin: T0 + D,
      liveBinsInside: 0,
    });
  });

  it('a power-up at the outlet splits the silence: first silence to last, the blip counted', () => {
    const live = [...hours(w.from, T0), T0 + D, ...hours(T0 + 3 * D, w.to)];
    expect(findOutage(live, opts(rec))).toEqual({
      lastBin: T0 - H,
      firstBin: T0 + 3 * D,
      liveBinsInside: 1,
    });
  });

  it('silences before the drop-off and after the hand-back are not the repair', () => {
    // The night before (T0 − 14 h … T0 − 2 h) and the night after the hand-back.
    const live = [
      ...hours(w.from, T0 - 14 * H),
      ...hours(T0 - 2 * H, T0 + H),
      ...hours(T0 + 3 * D - H, T0 + 3 * D + 2 * H),
      ...hours(T0 + 3 * D + 12 * H, w.to),
    ];
    expect(findOutage(live, opts(rec))).toEqual({
      lastBin: T0,
      firstBin: T0 + 3 * D - H,
      liveBinsInside: 0,
    });
  });

  it('readings all through the repair, or gaps shorter than the minimum: no silence', () => {
    expect(findOutage(hours(w.from, w.to), opts(rec))).toBeUndefined();
    const everyOther = hours(w.from, w.to).filter((_, i) => i % 2 === 0); // 1 h gaps
    expect(findOutage(everyOther, opts(rec))).toBeUndefined();
    // The same gaps count once the minimum silence is 1 h.
    expect(findOutage(everyOther, { ...opts(rec), minSilenceMs: H })).toMatchObject({
      lastBin: T0, // the 1 h silence ending at T0 does not overlap the repair
      firstBin: T0 + 3 * D,
    });
  });

  it('silent up to the window end (still out) or since the window start (start unknown)', () => {
    expect(findOutage(hours(w.from, T0 + 2 * H), opts(rec))).toEqual({
      lastBin: T0 + H,
      firstBin: null,
      liveBinsInside: 0,
    });
    expect(findOutage(hours(T0 + 2 * D, w.to), opts(rec))).toEqual({
      lastBin: null,
      firstBin: T0 + 2 * D,
      liveBinsInside: 0,
    });
  });
});

describe('repairDays: the engine’s day rule per category', () => {
  const at = (s: string) => parseInstant(s);
  it('[汽车三包 第四十条] cars: hours, each started 24 h is one more day', () => {
    expect(
      repairDays('household_car', at('2026-03-10T08:00:00Z'), at('2026-03-13T08:00:00Z')),
    ).toBe(3);
    expect(
      repairDays('household_car', at('2026-03-10T08:00:00Z'), at('2026-03-13T09:00:00Z')),
    ).toBe(4);
    expect(
      repairDays('household_car', at('2026-03-10T08:00:00Z'), at('2026-03-10T09:00:00Z')),
    ).toBe(1);
  });
  it('goods: calendar days in China time, the start day not counted', () => {
    // 23:00 China time on the 10th → 01:00 on the 12th: two calendar days, 26 hours.
    expect(
      repairDays('air_conditioner', at('2026-03-10T15:00:00Z'), at('2026-03-11T17:00:00Z')),
    ).toBe(2);
    expect(repairDays('mobile_phone', at('2026-03-10T01:00:00Z'), at('2026-03-10T09:00:00Z'))).toBe(
      0,
    );
  });
});

/**
 * A telemetry source over crafted series (metric → points): raw queries and epoch-aligned
 * count/max windows, empty windows omitted — the TelemetryStore contract's semantics.
 */
function seriesSource(series: Record<string, Point[]>): DowntimeSource & { calls: number } {
  const src = {
    calls: 0,
    async query(q: TelemetryQuery): Promise<Point[]> {
      src.calls++;
      const pts = (series[q.metric] ?? []).filter((p) => p.ts >= q.from && p.ts < q.to);
      if (!q.every) return pts.slice(0, q.limit);
      const bins = new Map<number, number[]>();
      for (const p of pts) {
        const b = Math.floor(p.ts / q.every) * q.every;
        bins.set(b, [...(bins.get(b) ?? []), p.value]);
      }
      return [...bins.entries()]
        .sort((a, b) => a[0] - b[0])
        .map(([ts, vs]) => ({ ts, value: q.agg === 'max' ? Math.max(...vs) : vs.length }))
        .slice(0, q.limit);
    },
  };
  return src;
}

/** Readings every 10 minutes over [from, to), value from `v`. */
const every10 = (from: number, to: number, v: (t: number) => number = () => 1): Point[] => {
  const out: Point[] = [];
  for (let t = from; t < to; t += 600_000) out.push({ ts: t, value: v(t) });
  return out;
};

const record = (seq: number, droppedOffAt: string, handedBackAt?: string): StoredRepairRecord => ({
  serial: 'U1',
  seq,
  recordedAt: droppedOffAt,
  prevHash: '',
  hash: '',
  body: {
    kind: 'repair',
    outletId: 'O1',
    droppedOffAt,
    ...(handedBackAt ? { handedBackAt } : {}),
    reportedFault: 'no start',
    inspectionResult: '',
    diagnosis: { faultCode: 'P0300', component: 'engine', cause: 'quality' },
    workItems: [],
    parts: [],
    charges: { labourHours: 0, labourRateCNY: 0, materialsCNY: 0, towingCNY: 0 },
    signatures: { repairer: 'x' },
  },
});
const car: Unit = {
  serial: 'U1',
  category: 'household_car',
  model: 'Sedan 1.5T',
  deviceId: 'dev-1',
  invoiceDate: '2025-06-01',
};
const iso = (ms: number) => new Date(ms).toISOString();
const dropOff = T0 + 10 * 60_000; // 08:10 China time
const handBack = dropOff + 3 * D;
const rec3 = record(1, iso(dropOff), iso(handBack));
const NOW = T0 + 30 * D;

describe('measureRecord: one repair record against the device telemetry', () => {
  it('silent 5 days around a recorded 3-day car repair → telemetry_longer, exact edges', async () => {
    const lastBefore = dropOff - D - 20 * 60_000;
    const firstAfter = handBack + D - 30 * 60_000; // 5 days less 10 minutes after lastBefore
    const src = seriesSource({
      speed_kmh: [...every10(T0 - 5 * D, lastBefore + 1), ...every10(firstAfter, T0 + 8 * D)],
    });
    const m = await measureRecord(src, car, rec3, NOW);
    expect(m).toMatchObject({
      seq: 1,
      recordDays: 3,
      telemetryDays: 5,
      telemetryDaysAtLeast: false,
      interval: { lastReadingBefore: iso(lastBefore), firstReadingAfter: iso(firstAfter) },
      usable: true,
      flags: ['telemetry_longer'],
    });
    // The hourly maxima of the speed, then the two edges.
    expect(src.calls).toBe(3);
  });

  it('a car driven during the recorded repair → running_while_at_outlet (and no silence)', async () => {
    const driving = (t: number) => (Math.floor(t / H) % 24 === 4 ? 40 : 0); // noon, China time
    const src = seriesSource({
      speed_kmh: every10(T0 - 5 * D, T0 + 8 * D, driving),
    });
    const m = await measureRecord(src, car, rec3, NOW);
    expect(m.flags).toEqual(['running_while_at_outlet', 'no_silence']);
    expect(m.operatingHours).toBe(3); // one hour a day on the three days, grace hours excluded
    expect(m).toMatchObject({ telemetryDays: null, usable: false, interval: null });
    expect(src.calls).toBe(1);
  });

  it('a phone reporting while at the outlet is in use: the whole hours inside count', async () => {
    const phone: Unit = { ...car, category: 'mobile_phone', model: 'P60' };
    const src = seriesSource({ battery_pct: every10(T0 - 5 * D, T0 + 8 * D) });
    const m = await measureRecord(src, phone, rec3, NOW);
    // 08:10 + 2 h … 3 days later 08:10 − 2 h (China time): 11:00 … 06:00, 67 whole hours.
    expect(m).toMatchObject({ recordDays: 3, operatingHours: 67 });
    expect(m.flags).toEqual(['running_while_at_outlet', 'no_silence']);
    expect(src.calls).toBe(1);
  });

  it('a parked car that keeps reporting at the outlet is not running: only no_silence', async () => {
    const src = seriesSource({
      speed_kmh: every10(T0 - 5 * D, T0 + 8 * D, () => 0),
    });
    expect((await measureRecord(src, car, rec3, NOW)).flags).toEqual(['no_silence']);
  });

  it('an installed air conditioner running during its on-site repair is no discrepancy', async () => {
    const ac: Unit = { ...car, category: 'air_conditioner', model: 'KFR-35GW' };
    const src = seriesSource({ indoor_temp_c: every10(T0 - 5 * D, T0 + 8 * D) });
    const m = await measureRecord(src, ac, rec3, NOW);
    expect(m.flags).toEqual(['no_silence']);
    expect(m.operatingHours).toBe(0);
    expect(m.note).toMatch(/on-site/);
  });

  it('a silence shorter than the record beyond the tolerance → telemetry_shorter', async () => {
    const src = seriesSource({
      speed_kmh: [...every10(T0 - 5 * D, dropOff + H), ...every10(dropOff + D, T0 + 8 * D)],
    });
    const m = await measureRecord(src, car, rec3, NOW);
    expect(m).toMatchObject({ recordDays: 3, telemetryDays: 1, flags: ['telemetry_shorter'] });
    // Within a wider tolerance it agrees.
    const wide = await measureRecord(src, car, rec3, NOW, {
      ...DEFAULT_DOWNTIME,
      toleranceDays: 2,
    });
    expect(wide.flags).toEqual([]);
    expect(wide.note).toBe('telemetry agrees with the record');
  });

  it('an ongoing repair still silent: out of service until now, usable without an end', async () => {
    const now = dropOff + 4 * D;
    const src = seriesSource({ speed_kmh: every10(T0 - 5 * D, dropOff + 1) });
    const m = await measureRecord(src, car, record(1, iso(dropOff)), now);
    expect(m).toMatchObject({
      recordDays: 4,
      telemetryDays: 4,
      usable: true,
      interval: { firstReadingAfter: null },
      flags: [],
    });
  });

  it('handed back but no reading within 3 days after: a lower bound, not usable', async () => {
    const src = seriesSource({ speed_kmh: every10(T0 - 5 * D, dropOff) });
    const m = await measureRecord(src, car, rec3, NOW);
    expect(m).toMatchObject({
      telemetryDaysAtLeast: true,
      usable: false,
      flags: ['telemetry_longer'],
    });
  });

  it('no readings in the window, or no device: no_telemetry without a query too many', async () => {
    const src = seriesSource({ speed_kmh: every10(T0 - 40 * D, T0 - 20 * D) });
    const m = await measureRecord(src, car, rec3, NOW);
    expect(m).toMatchObject({ flags: ['no_telemetry'], telemetryDays: null, usable: false });
    expect(src.calls).toBe(1);
    const { deviceId: _d, ...noDevice } = car;
    expect((await measureRecord(src, noDevice, rec3, NOW)).flags).toEqual(['no_telemetry']);
    expect(src.calls).toBe(1);
  });
});

describe('repairDatesFromTelemetry: the dates the 三包 counts use', () => {
  it('uses the telemetry interval where usable, the record elsewhere, and says which', async () => {
    const rec2 = record(2, iso(T0 + 10 * D), iso(T0 + 11 * D));
    const src = seriesSource({
      speed_kmh: [
        ...every10(T0 - 5 * D, T0 - D),
        ...every10(T0 + 4 * D, T0 + 14 * D), // record 2: never silent
      ],
    });
    const downtime = await measureUnitDowntime(src, car, [rec3, rec2], NOW);
    const { records, sources } = repairDatesFromTelemetry(car, [rec3, rec2], downtime);
    expect(sources.get(1)?.source).toBe('telemetry');
    expect(records[0]?.body.droppedOffAt).toBe(downtime.records[0]?.interval?.lastReadingBefore);
    expect(records[0]?.body.handedBackAt).toBe(iso(T0 + 4 * D));
    expect(sources.get(2)).toMatchObject({ source: 'records' });
    expect(sources.get(2)?.note).toMatch(/no_silence/);
    expect(records[1]).toBe(rec2);
    const none = repairDatesFromTelemetry(car, [rec3], undefined, 'unit U1 is linked to no device');
    expect(none.sources.get(1)).toEqual({
      source: 'records',
      note: "unit U1 is linked to no device: the record's dates are used",
    });
  });
});
