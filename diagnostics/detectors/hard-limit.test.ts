import { describe, expect, it } from 'vitest';
import { sampleAt } from '../testing.ts';
import { hardLimitDetector } from './hard-limit.ts';

describe('hard-limit detector', () => {
  it('fires on the first sample beyond the limit, once per excursion', () => {
    const st = hardLimitDetector.init({
      limits: [{ metric: 'discharge_temp_c', above: 115, modeId: 'm', severity: 'critical' }],
    });
    expect(hardLimitDetector.update(st, sampleAt(0, { discharge_temp_c: 90 }))).toBeNull();
    const v = hardLimitDetector.update(st, sampleAt(1, { discharge_temp_c: 120 }))!;
    expect(v).toMatchObject({ detector: 'hard-limit', severity: 'critical', modeId: 'm' });
    expect(v.findings[0]).toMatchObject({ metric: 'discharge_temp_c', value: 120, expected: 115 });
    expect(hardLimitDetector.update(st, sampleAt(2, { discharge_temp_c: 121 }))).toBeNull();
    expect(hardLimitDetector.update(st, sampleAt(3, { discharge_temp_c: 100 }))).toBeNull();
    expect(hardLimitDetector.update(st, sampleAt(4, { discharge_temp_c: 118 }))).not.toBeNull();
  });

  it('persist and operating condition: only qualifying consecutive samples count', () => {
    const st = hardLimitDetector.init({
      limits: [
        {
          metric: 'fan_rpm',
          below: 100,
          persist: 2,
          when: (s) => (s.metrics.compressor_freq_hz ?? 0) > 0,
        },
      ],
    });
    expect(
      hardLimitDetector.update(st, sampleAt(0, { fan_rpm: 0, compressor_freq_hz: 0 })),
    ).toBeNull();
    expect(
      hardLimitDetector.update(st, sampleAt(1, { fan_rpm: 0, compressor_freq_hz: 40 })),
    ).toBeNull();
    expect(
      hardLimitDetector.update(st, sampleAt(2, { fan_rpm: 0, compressor_freq_hz: 40 }))
        ?.windowStart,
    ).toBe(sampleAt(1, {}).ts);
  });
});
