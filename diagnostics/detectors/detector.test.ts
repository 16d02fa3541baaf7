import { describe, expect, it } from 'vitest';
import type { Sample } from '../../core/index.ts';
import {
  beginSample,
  derivedIdsOf,
  endSample,
  metricId,
  rawMetricAt,
  readDerived,
  readDerivedAt,
  readMetric,
  readMetricAt,
} from './detector.ts';

const sample = (metrics: Record<string, unknown>): Sample =>
  ({ deviceId: 'd1', category: 'air_conditioner', model: 'M', ts: 1, metrics }) as Sample;

describe("a sample's metrics read once, by id (the engine's path)", () => {
  const names = ['t_read_a', 't_read_b', 't_read_nan', 't_read_text', 't_read_absent'];
  const ids = names.map(metricId);

  it('reads what a read by name reads, for present, absent and non-finite values', () => {
    const s = sample({ t_read_a: 1.5, t_read_b: -2, t_read_nan: Number.NaN, t_read_text: '7' });
    beginSample(s);
    try {
      names.forEach((name, k) => {
        expect(readMetricAt(s, name, ids[k]!)).toEqual(readMetric(s, name));
        expect(rawMetricAt(s, name, ids[k]!)).toBe(s.metrics[name]);
      });
      expect(readMetricAt(s, 't_read_a', ids[0]!)).toBe(1.5);
      expect(readMetricAt(s, 't_read_absent', ids[4]!)).toBeNaN();
      expect(rawMetricAt(s, 't_read_text', ids[3]!)).toBe('7');
    } finally {
      endSample();
    }
  });

  it('reads another sample, or one changed after endSample, by name', () => {
    const s = sample({ t_read_a: 1 });
    const other = sample({ t_read_a: 2 });
    beginSample(s);
    expect(readMetricAt(other, 't_read_a', ids[0]!)).toBe(2);
    endSample();
    s.metrics.t_read_a = 3;
    expect(readMetricAt(s, 't_read_a', ids[0]!)).toBe(3);
    // The next sample does not see the last one's values.
    const next = sample({ t_read_b: 4 });
    beginSample(next);
    expect(readMetricAt(next, 't_read_a', ids[0]!)).toBeNaN();
    expect(readMetricAt(next, 't_read_b', ids[1]!)).toBe(4);
    endSample();
  });

  it("gives names Object.prototype has no id, and a name numbered mid-sample reads the sample's value", () => {
    expect(metricId('constructor')).toBe(-1);
    const s = sample({ constructor: 5, t_read_late: 9 });
    beginSample(s);
    expect(readMetricAt(s, 'constructor', -1)).toBe(5);
    expect(readMetricAt(s, 't_read_late', metricId('t_read_late'))).toBe(9);
    endSample();
  });

  it('reads derived metrics (minus, per) as readDerived does', () => {
    const ds = [
      { metric: 't_read_a' },
      { metric: 't_read_a', minus: 't_read_b', minusFactor: 0.5 },
      { metric: 't_read_a', per: 't_read_b' },
      { metric: 't_read_b', per: 't_read_a' },
      { metric: 't_read_a', minus: 't_read_absent' },
    ];
    const dids = derivedIdsOf(ds);
    const s = sample({ t_read_a: 3, t_read_b: -2 });
    beginSample(s);
    ds.forEach((d, k) => expect(readDerivedAt(s, d, dids, 3 * k)).toEqual(readDerived(s, d)));
    expect(readDerivedAt(s, ds[1]!, dids, 3)).toBe(4);
    expect(readDerivedAt(s, ds[2]!, dids, 6)).toBeNaN(); // divisor not > 0
    endSample();
  });
});
