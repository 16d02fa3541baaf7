import { describe, expect, it } from 'vitest';
import { METRICS } from '../core/categories.ts';
import { METRIC_NAME, TelemetryPayloadSchema } from './payloads.ts';
import { commonTelemetryShape, decodeEvents, decodeTelemetry } from './validate.ts';

const dev = { deviceId: 'd1', category: 'air_conditioner' as const, model: 'KFR-35GW' };
const NOW = Date.UTC(2026, 10, 23, 8);
const limits = { maxFutureMs: 300_000, maxPastMs: 400 * 86_400_000 };
const tel = (v: unknown) =>
  decodeTelemetry(Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)), dev, NOW, limits);

describe('decodeTelemetry', () => {
  it('normalises one reading set with an epoch-ms timestamp', () => {
    expect(tel({ ts: NOW - 1000, metrics: { indoor_temp_c: 24.5, power_w: 800 } })).toEqual({
      ok: true,
      unknownMetrics: [],
      items: [{ ...dev, ts: NOW - 1000, metrics: { indoor_temp_c: 24.5, power_w: 800 } }],
    });
  });

  it('accepts ISO-8601 timestamps with an offset and arrays (backlog)', () => {
    const r = tel([
      { ts: '2026-11-23T15:59:00+08:00', metrics: { power_w: 1 } },
      { ts: NOW, metrics: { power_w: 2 } },
    ]);
    expect(r.ok && r.items.map((s) => s.ts)).toEqual([NOW - 60_000, NOW]);
  });

  it('stores unknown metrics and reports their names', () => {
    const r = tel({ ts: NOW, metrics: { power_w: 1, new_sensor_x: 1e12 } });
    expect(r).toMatchObject({ ok: true, unknownMetrics: ['new_sensor_x'] });
  });

  it.each([
    ['malformed JSON', '{"ts": 1, "metrics": {', 'malformed_json', ''],
    ['a string metric', { ts: NOW, metrics: { power_w: '800' } }, 'schema', 'metrics.power_w'],
    ['a missing ts', { metrics: { power_w: 1 } }, 'schema', 'ts'],
    ['an empty metric map', { ts: NOW, metrics: {} }, 'schema', 'metrics'],
    ['a bad metric name', { ts: NOW, metrics: { 'a b': 1 } }, 'schema', 'metrics.a b'],
    [
      'an out-of-range known metric',
      { ts: NOW, metrics: { indoor_temp_c: 900 } },
      'out_of_range',
      'metrics.indoor_temp_c',
    ],
    [
      'a timestamp in the future',
      { ts: NOW + 3_600_000, metrics: { power_w: 1 } },
      'timestamp',
      'ts',
    ],
    ['a timestamp from 1970', { ts: 0, metrics: { power_w: 1 } }, 'timestamp', 'ts'],
    // Beyond what a Date holds: wording the reason threw (and closed the connection) before.
    ['a timestamp of 1e300', { ts: 1e300, metrics: { power_w: 1 } }, 'timestamp', 'ts'],
    [
      'an ISO date without zone',
      { ts: '2026-11-23T08:00:00', metrics: { power_w: 1 } },
      'schema',
      'ts',
    ],
  ])('refuses %s, naming the field', (_name, payload, reason, path) => {
    const r = tel(payload);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.reason).toBe(reason);
      expect(r.details.map((d) => d.path)).toContain(path);
      expect(r.message.length).toBeGreaterThan(5);
    }
  });

  it('refuses a huge number that JSON turns into Infinity', () => {
    const r = tel('{"ts": 1795420800000, "metrics": {"power_w": 1e400}}');
    expect(r).toMatchObject({ ok: false });
  });

  it('refuses a whole backlog when one entry is bad, naming its index', () => {
    const r = tel([
      { ts: NOW, metrics: { power_w: 1 } },
      { ts: NOW, metrics: { power_w: 'x' } },
    ]);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.details[0]?.path).toBe('[1].metrics.power_w');
  });
});

describe('decodeEvents', () => {
  it('defaults severity to error and keeps detail', () => {
    const r = decodeEvents(
      Buffer.from(JSON.stringify({ ts: NOW, code: 'E1', detail: 'indoor sensor open' })),
      dev,
      NOW,
      limits,
    );
    expect(r).toEqual({
      ok: true,
      unknownMetrics: [],
      items: [{ ...dev, ts: NOW, code: 'E1', severity: 'error', detail: 'indoor sensor open' }],
    });
  });
  it.each([
    ['NUL in detail', `{"ts":${NOW},"code":"E1","detail":"open\\u0000circuit"}`, 'detail'],
    ['a lone surrogate in detail', `{"ts":${NOW},"code":"E1","detail":"\\udfff"}`, 'detail'],
    [
      'NUL in the second event',
      `[{"ts":${NOW},"code":"E1"},{"ts":${NOW},"code":"E2","detail":"\\u0000"}]`,
      '[1].detail',
    ],
    ['NUL in a key the schema ignores', `{"ts":${NOW},"code":"E1","x\\u0000":1}`, 'x\\u0000'],
  ])('refuses %s as invalid_text, naming where (nothing is stripped)', (_n, text, path) => {
    const r = decodeEvents(Buffer.from(text), dev, NOW, limits);
    expect(r).toMatchObject({ ok: false, reason: 'invalid_text', details: [{ path }] });
    if (!r.ok) expect(r.message).toMatch(/U\+0000|lone surrogate/);
  });

  it('refuses an unknown severity', () => {
    const r = decodeEvents(
      Buffer.from(JSON.stringify({ ts: NOW, code: 'E1', severity: 'doom' })),
      dev,
      NOW,
      limits,
    );
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.details[0]?.path).toBe('severity');
  });
});

describe('fast path for the common telemetry shape', () => {
  const viaSchema = (v: unknown) => {
    const r = TelemetryPayloadSchema.safeParse(v);
    if (!r.success) return undefined;
    return (Array.isArray(r.data) ? r.data : [r.data]).map((e) => ({
      ts: e.ts,
      metrics: e.metrics,
    }));
  };
  const entry = (metrics: unknown, ts: unknown = NOW) => ({ ts, metrics });
  const many = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`m${i}`, i]));
  const tricky: Array<[string, string]> = [
    ['common', JSON.stringify(entry({ indoor_temp_c: 21.5, power_w: 800 }))],
    ['common array', JSON.stringify([entry({ power_w: 1 }), entry({ power_w: 2 }, NOW - 1)])],
    ['extra top-level keys', JSON.stringify({ ...entry({ power_w: 1 }), fw: '1.2', seq: 7 })],
    ['extra keys in array entries', JSON.stringify([{ ...entry({ power_w: 1 }), x: null }])],
    ['"NaN" as a metric', JSON.stringify(entry({ power_w: 'NaN' }))],
    ['"Infinity" as a metric', JSON.stringify(entry({ power_w: 'Infinity' }))],
    ['"-Infinity" as a metric', JSON.stringify(entry({ power_w: '-Infinity' }))],
    ['a numeric string metric', JSON.stringify(entry({ power_w: '800' }))],
    ['1e400 (Infinity after JSON.parse)', `{"ts":${NOW},"metrics":{"power_w":1e400}}`],
    ['-1e400', `{"ts":${NOW},"metrics":{"power_w":-1e400}}`],
    ['largest double', `{"ts":${NOW},"metrics":{"power_w":1.7976931348623157e308}}`],
    ['smallest subnormal', `{"ts":${NOW},"metrics":{"x":5e-324}}`],
    ['-0', `{"ts":${NOW},"metrics":{"x":-0}}`],
    ['null metric', JSON.stringify(entry({ power_w: null }))],
    ['boolean metric', JSON.stringify(entry({ power_w: true }))],
    ['array metric value', JSON.stringify(entry({ power_w: [1] }))],
    ['object metric value', JSON.stringify(entry({ power_w: { v: 1 } }))],
    ['metrics as an array', JSON.stringify(entry([1, 2]))],
    ['metrics null', JSON.stringify(entry(null))],
    ['no metrics', JSON.stringify({ ts: NOW })],
    ['empty metrics', JSON.stringify(entry({}))],
    ['256 metrics', JSON.stringify(entry(many(256)))],
    ['257 metrics', JSON.stringify(entry(many(257)))],
    ['a name with a space', JSON.stringify(entry({ 'a b': 1 }))],
    ['a name starting with a digit', JSON.stringify(entry({ '1a': 1 }))],
    ['a name starting with _', JSON.stringify(entry({ _a: 1 }))],
    ['__proto__ as a name', `{"ts":${NOW},"metrics":{"__proto__":1}}`],
    ['constructor as a name', JSON.stringify(entry({ constructor: 1 }))],
    ['toString as a name', JSON.stringify(entry({ toString: 1, power_w: 2 }))],
    ['a 64-character name', JSON.stringify(entry({ [`a${'b'.repeat(63)}`]: 1 }))],
    ['a 65-character name', JSON.stringify(entry({ [`a${'b'.repeat(64)}`]: 1 }))],
    ['dots and dashes in a name', JSON.stringify(entry({ 'a.b-c_d': 1 }))],
    ['a non-ASCII name', JSON.stringify(entry({ 温度: 1 }))],
    ['an unknown metric', JSON.stringify(entry({ new_sensor_x: 1e12 }))],
    ['an out-of-range known metric', JSON.stringify(entry({ indoor_temp_c: 900 }))],
    ['epoch ts as a string', JSON.stringify(entry({ power_w: 1 }, String(NOW)))],
    ['ISO ts with offset', JSON.stringify(entry({ power_w: 1 }, '2026-11-23T15:59:00+08:00'))],
    ['ISO ts with Z', JSON.stringify(entry({ power_w: 1 }, '2026-11-23T07:59:00.123Z'))],
    ['ISO ts without zone', JSON.stringify(entry({ power_w: 1 }, '2026-11-23T08:00:00'))],
    ['"NaN" as ts', JSON.stringify(entry({ power_w: 1 }, 'NaN'))],
    ['1e400 as ts', `{"ts":1e400,"metrics":{"power_w":1}}`],
    ['null ts', JSON.stringify(entry({ power_w: 1 }, null))],
    ['boolean ts', JSON.stringify(entry({ power_w: 1 }, true))],
    ['array ts', JSON.stringify(entry({ power_w: 1 }, [NOW]))],
    ['fractional ts', JSON.stringify(entry({ power_w: 1 }, NOW + 0.5))],
    ['negative ts', JSON.stringify(entry({ power_w: 1 }, -1))],
    ['ts 0', JSON.stringify(entry({ power_w: 1 }, 0))],
    ['empty array', '[]'],
    ['nested array', JSON.stringify([[entry({ power_w: 1 })]])],
    ['array with one bad entry', JSON.stringify([entry({ power_w: 1 }), entry({ power_w: 'x' })])],
    ['array with null', JSON.stringify([entry({ power_w: 1 }), null])],
    ['5000 entries', JSON.stringify(Array.from({ length: 5000 }, () => entry({ power_w: 1 })))],
    ['5001 entries', JSON.stringify(Array.from({ length: 5001 }, () => entry({ power_w: 1 })))],
    ['null', 'null'],
    ['a number', '42'],
    ['a string', '"hello"'],
    ['true', 'true'],
  ];

  it.each(tricky)(
    '%s: the fast path accepts only what the schema accepts, as the schema reads it',
    (_name, text) => {
      const fast = commonTelemetryShape(JSON.parse(text), 'air_conditioner');
      if (fast === undefined) return;
      expect(fast.map((e) => ({ ts: e.ts, metrics: e.metrics }))).toEqual(
        viaSchema(JSON.parse(text)),
      );
    },
  );

  it('takes the common shapes itself (zod only sees the unusual ones)', () => {
    const accepted = tricky
      .filter(([, text]) => commonTelemetryShape(JSON.parse(text), 'air_conditioner'))
      .map(([name]) => name);
    expect(accepted).toEqual([
      'common',
      'common array',
      'extra top-level keys',
      'extra keys in array entries',
      'largest double',
      'smallest subnormal',
      '-0',
      '256 metrics',
      'constructor as a name',
      'toString as a name',
      'a 64-character name',
      'dots and dashes in a name',
      'an unknown metric',
      'an out-of-range known metric',
      'fractional ts',
      'negative ts',
      'ts 0',
      '5000 entries',
    ]);
  });

  it.each(tricky)('%s: decodes to the same result as through the schema alone', (_name, text) => {
    const r = tel(text);
    const viaZod = viaSchema(JSON.parse(text));
    if (viaZod === undefined) {
      expect(r).toMatchObject({ ok: false, reason: 'schema' });
      return;
    }
    if (r.ok)
      expect(r.items.map((s) => ({ ts: s.ts, metrics: s.metrics }))).toEqual(
        viaZod.map((e) => ({
          ts: typeof e.ts === 'number' ? Math.round(e.ts) : Date.parse(e.ts),
          metrics: e.metrics,
        })),
      );
    else expect(r.reason).not.toBe('schema');
  });

  it('counts metrics named like Object.prototype members as unknown', () => {
    expect(tel({ ts: NOW, metrics: { constructor: 1, toString: 2 } })).toMatchObject({
      ok: true,
      unknownMetrics: ['constructor', 'toString'],
    });
  });

  it('catalogue metric names are valid metric names (the fast path trusts them)', () => {
    for (const metrics of Object.values(METRICS))
      for (const name of Object.keys(metrics)) expect(name).toMatch(METRIC_NAME);
  });
});
