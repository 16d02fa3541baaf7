import { describe, expect, it } from 'vitest';
import { decodeEvents, decodeTelemetry } from './validate.ts';

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
