import { describe, expect, it } from 'vitest';
import type { Alert } from './api-types.ts';
import { alertBands, stepFor, windowRange } from './chart-ranges.ts';

const H = 3_600_000;
const NOW = Date.parse('2026-11-23T06:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

function alert(over: Partial<Alert> = {}): Alert {
  return {
    detectedAt: iso(NOW - 10 * H),
    evidence: [
      {
        detector: 'trend',
        metrics: ['suction_pressure_kpa'],
        windowStart: iso(NOW - 5 * 24 * H),
        windowEnd: iso(NOW - 10 * H),
        findings: [],
        contributions: [],
        message: '',
      },
    ],
    predictedFailure: null,
    ...over,
  } as Alert;
}

describe('chart ranges of the device page', () => {
  it('aggregates on the server beyond 3 h, to about 400 points, at most per day', () => {
    expect(stepFor(H)).toBeUndefined();
    expect(stepFor(3 * H)).toBeUndefined();
    expect(stepFor(24 * H)).toBe('5m');
    expect(stepFor(30 * 24 * H)).toBe('3h');
    expect(stepFor(5 * 365 * 24 * H)).toBe('1d');
  });

  it('a relative window ends now; the alert window pads the evidence and stops at now', () => {
    expect(windowRange('6h', undefined, NOW)).toEqual([NOW - 6 * H, NOW]);
    expect(windowRange('alert', undefined, NOW)).toEqual([NOW - 24 * H, NOW]);
    const [from, to] = windowRange('alert', alert(), NOW);
    // Evidence from 120 h to 10 h ago: half its 110 h before it; after it, cut at now.
    expect(from).toBe(NOW - 120 * H - 55 * H);
    expect(to).toBe(NOW);
  });

  it('a reported code (an instant) gets the day before it and the day after', () => {
    const t = NOW - 3 * 24 * H;
    const code = alert({
      detectedAt: iso(t),
      evidence: [{ ...alert().evidence[0]!, metrics: [], windowStart: iso(t), windowEnd: iso(t) }],
    });
    expect(windowRange('alert', code, NOW)).toEqual([t - 24 * H, t + 24 * H]);
    // A code concerns every metric of the device.
    expect(alertBands(code, 'fan_rpm')).toHaveLength(1);
  });

  it('evidence bands only on the charts of the metrics they name', () => {
    expect(alertBands(alert(), 'suction_pressure_kpa').map((b) => b.kind)).toEqual(['evidence']);
    expect(alertBands(alert(), 'fan_rpm')).toEqual([]);
    expect(alertBands(undefined, 'fan_rpm')).toEqual([]);
  });

  it('the predicted failure band and time are drawn on every chart, and the window reaches them', () => {
    const p = {
      at: iso(NOW + 10 * 24 * H),
      earliest: iso(NOW + 6 * 24 * H),
      latest: iso(NOW + 20 * 24 * H),
      confidence: 0.9,
    };
    const a = alert({ predictedFailure: p });
    const bands = alertBands(a, 'fan_rpm');
    expect(bands.map((b) => [b.kind, b.from, b.to])).toEqual([
      ['prediction', Date.parse(p.earliest), Date.parse(p.latest)],
      ['predicted-at', Date.parse(p.at), Date.parse(p.at)],
    ]);
    const [from, to] = windowRange('alert', a, NOW);
    expect(to).toBeGreaterThan(Date.parse(p.latest));
    expect(from).toBeLessThan(Date.parse(a.evidence[0]!.windowStart));
    // Unbounded above: the band runs as far past `at` as `earliest` is before it.
    const open = alertBands(alert({ predictedFailure: { ...p, latest: null } }), 'x')[0]!;
    expect(open.to).toBe(NOW + 14 * 24 * H);
  });
});
