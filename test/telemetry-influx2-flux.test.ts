import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createInflux2Store } from '../ingest/stores/influx2.ts';
import type { TelemetryStore } from '../ingest/telemetry-store.ts';
import { annotatedCsv, startInflux2Mock, type Influx2Mock } from './helpers/influx2-mock.ts';

/**
 * The InfluxDB 2.x backend's read path against a MOCK endpoint answering canned annotated CSV:
 * this proves the Flux text we send (escaping, range bounds, windows) and how we read answers
 * (types, ns times, window starts); it does NOT prove Flux semantics on a real server.
 */
const T0 = Date.UTC(2026, 0, 1);
let mock: Influx2Mock;
let store: TelemetryStore;

beforeAll(async () => {
  mock = await startInflux2Mock();
  const { url, token, org, bucket } = mock;
  store = createInflux2Store({ url, token, org, bucket });
  await store.init();
});
afterAll(async () => {
  await store.close();
  await mock.close();
});
beforeEach(() => {
  mock.writes.length = 0;
  mock.queries.length = 0;
});

describe('InfluxDB 2.x store: Flux sent and annotated CSV read (canned answers, not a Flux engine)', () => {
  const cols: Array<[string, string]> = [
    ['_time', 'dateTime:RFC3339'],
    ['_value', 'double'],
    ['_field', 'string'],
  ];

  it('queries raw points with escaped literals and a [from, to) range, and reads ns-precision times', async () => {
    mock.csv = annotatedCsv(cols, [
      ['2026-01-01T00:00:00.001Z', '1.5', 'v'],
      ['2026-01-01T00:00:00.002999999Z', '-2.125', 'v'],
    ]);
    const pts = await store.query({
      deviceId: 'x" or true or r.device == "${y}',
      metric: 'time',
      from: T0,
      to: T0 + 10,
      limit: 7,
    });
    expect(pts).toEqual([
      { ts: T0 + 1, value: 1.5 },
      { ts: T0 + 2, value: -2.125 },
    ]);
    const q = mock.queries[0]!;
    expect(q).toContain('r.device == "x\\" or true or r.device == \\"\\${y}"');
    expect(q).toContain('r._field == "~time"');
    expect(q).toContain(
      'range(start: time(v: "2026-01-01T00:00:00.000Z"), stop: time(v: "2026-01-01T00:00:00.010Z"))',
    );
    expect(q).toContain('limit(n: 7)');
  });

  it('aggregates with aggregateWindow and reports the epoch-aligned window start', async () => {
    // The first window's _start is clipped to the range start by Flux: the store floors it.
    mock.csv = annotatedCsv(cols, [
      ['2026-01-01T00:00:05.000Z', '3', 'v'],
      ['2026-01-01T00:00:10.000Z', '5', 'v'],
    ]);
    const pts = await store.query({
      deviceId: 'd',
      metric: 'v',
      from: T0 + 5000,
      to: T0 + 20_000,
      every: 10_000,
      agg: 'max',
      limit: 10,
    });
    expect(pts).toEqual([
      { ts: T0, value: 3 },
      { ts: T0 + 10_000, value: 5 },
    ]);
    expect(mock.queries[0]).toContain(
      'aggregateWindow(every: duration(v: "10000ms"), fn: max, createEmpty: false, timeSrc: "_start")',
    );
  });

  it('reads latest values per field, newest series first, mapping field keys back to metrics', async () => {
    mock.csv = annotatedCsv(cols, [
      ['2026-01-01T00:00:02Z', '2', 'a'],
      ['2026-01-01T00:00:01Z', '9', 'a'],
      ['2026-01-01T00:00:01Z', '20', '~model'],
    ]);
    expect(await store.latest('d')).toEqual({
      a: { ts: T0 + 2000, value: 2 },
      model: { ts: T0 + 1000, value: 20 },
    });
    expect(mock.queries[0]).toMatch(/\|> last\(\)/);
    expect(mock.queries[0]).toContain('stop: time(v: "2262-01-01T00:00:00.000Z")');
  });

  it('reads events pivoted into one row each', async () => {
    mock.csv = annotatedCsv(
      [
        ['_time', 'dateTime:RFC3339'],
        ['category', 'string'],
        ['code', 'string'],
        ['detail', 'string'],
        ['device', 'string'],
        ['model', 'string'],
        ['severity', 'string'],
      ],
      [
        ['2026-01-01T00:00:01Z', 'tv', 'E1', '"open, circuit"', 'd', 'm', 'error'],
        ['2026-01-01T00:00:02Z', 'tv', 'E6', '', 'd', 'm', 'warning'],
      ],
    );
    expect(await store.events({ deviceId: 'd', from: T0, to: T0 + 10_000, limit: 5 })).toEqual([
      {
        deviceId: 'd',
        category: 'tv',
        model: 'm',
        ts: T0 + 1000,
        code: 'E1',
        severity: 'error',
        detail: 'open, circuit',
      },
      { deviceId: 'd', category: 'tv', model: 'm', ts: T0 + 2000, code: 'E6', severity: 'warning' }, // empty cell = no detail
    ]);
    expect(mock.queries[0]).toContain(
      'pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")',
    );
  });
});
