import { describe, expect, it } from 'vitest';
import type { Sample } from '../sample.ts';
import { SampleLineEncoder } from './influx-line.ts';

const sample = (over: Partial<Sample> = {}): Sample => ({
  deviceId: 'd1',
  category: 'tv',
  model: 'E55',
  ts: 1_795_420_800_123,
  metrics: { power_w: 80.5 },
  ...over,
});

describe('SampleLineEncoder', () => {
  it('writes one line per sample: tags, float fields, ms timestamp', () => {
    const e = new SampleLineEncoder();
    expect(e.encode([sample(), sample({ ts: 1, metrics: { power_w: 800, on: 1 } })])).toBe(
      'telemetry,device=d1,category=tv,model=E55 power_w=80.5 1795420800123\n' +
        'telemetry,device=d1,category=tv,model=E55 power_w=800,on=1 1',
    );
  });

  it('escapes comma, equals and space in tags and field keys; maps reserved metric names', () => {
    const e = new SampleLineEncoder();
    expect(
      e.encode([
        sample({
          deviceId: '设备 #1, room=2',
          model: '轿车 1.5T',
          metrics: { 'a,b=c d': 1, time: 2, $series: 3, '~x': 4, 'say "hi"': 5 },
        }),
      ]),
    ).toBe(
      'telemetry,device=设备\\ #1\\,\\ room\\=2,category=tv,model=轿车\\ 1.5T ' +
        'a\\,b\\=c\\ d=1,~time=2,~$series=3,~~x=4,say\\ "hi"=5 1795420800123',
    );
  });

  it('leaves an empty model out (empty tag values are not line protocol)', () => {
    expect(new SampleLineEncoder().encode([sample({ model: '' })])).toBe(
      'telemetry,device=d1,category=tv power_w=80.5 1795420800123',
    );
  });

  it('writes numbers in their shortest round-trip form, never as integers', () => {
    const line = new SampleLineEncoder().encode([
      sample({ metrics: { a: 2 ** 53 + 2, b: -0.000001, c: 1e21, d: 0.1 + 0.2 } }),
    ]);
    expect(line).toBe(
      'telemetry,device=d1,category=tv,model=E55 a=9007199254740994,b=-0.000001,c=1e+21,d=0.30000000000000004 1795420800123',
    );
  });

  it('rebuilds the cached series when a device is seen with another model', () => {
    const e = new SampleLineEncoder();
    e.encode([sample()]);
    expect(e.encode([sample({ model: 'E65' })])).toContain(',model=E65 ');
    expect(e.encode([sample({ category: 'air_conditioner' })])).toContain(
      ',category=air_conditioner,model=E55 ',
    );
  });

  it('refuses names it cannot write faithfully and non-finite values, even when cached', () => {
    const e = new SampleLineEncoder();
    e.encode([sample()]);
    expect(() => e.encode([sample(), sample({ deviceId: 'back\\slash' })])).toThrow(
      expect.objectContaining({ code: 'INGEST_ERR_INFLUX_BAD_NAME' }),
    );
    expect(() => e.encode([sample({ model: 'new\nline' })])).toThrow(
      expect.objectContaining({ code: 'INGEST_ERR_INFLUX_BAD_NAME' }),
    );
    expect(() => e.encode([sample({ metrics: { 'tab\tbed': 1 } })])).toThrow(
      expect.objectContaining({ code: 'INGEST_ERR_INFLUX_BAD_NAME' }),
    );
    expect(() => e.encode([sample({ metrics: { power_w: Number.NaN } })])).toThrow(
      expect.objectContaining({ code: 'INGEST_ERR_INFLUX_BAD_VALUE' }),
    );
    expect(() => e.encode([sample({ deviceId: '' })])).toThrow(
      expect.objectContaining({ code: 'INGEST_ERR_INFLUX_BAD_NAME' }),
    );
  });
});
