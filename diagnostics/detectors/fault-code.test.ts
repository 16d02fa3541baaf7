import { describe, expect, it } from 'vitest';
import type { DeviceEvent } from '../../core/sample.ts';
import { T0 } from '../testing.ts';
import { faultCodeDetector } from './fault-code.ts';

const ev = (
  code: string,
  minutes: number,
  severity: DeviceEvent['severity'] = 'error',
): DeviceEvent => ({
  deviceId: 'd',
  category: 'air_conditioner',
  model: 'm',
  ts: T0 + minutes * 60_000,
  code,
  severity,
});

describe('fault-code detector', () => {
  const config = {
    codes: {
      E4: { modeId: 'refrigerant_leak' },
      H6: { modeId: 'fan', severity: 'critical' as const },
    },
  };

  it('maps a code to its mode instantly, case-insensitively, with the event severity', () => {
    const st = faultCodeDetector.init(config);
    expect(faultCodeDetector.update(st, ev('e4', 0))).toMatchObject({
      modeId: 'refrigerant_leak',
      severity: 'major',
      code: 'e4',
    });
    expect(faultCodeDetector.update(st, ev('H6', 0, 'warning'))).toMatchObject({
      modeId: 'fan',
      severity: 'critical',
    });
  });

  it('a repeated code within the repeat window is the same occurrence', () => {
    const st = faultCodeDetector.init(config);
    expect(faultCodeDetector.update(st, ev('E4', 0))).not.toBeNull();
    expect(faultCodeDetector.update(st, ev('E4', 30))).toBeNull();
    expect(faultCodeDetector.update(st, ev('E4', 61))).not.toBeNull();
  });

  it('an unknown code still yields a verdict, without a mode', () => {
    const st = faultCodeDetector.init(config);
    const v = faultCodeDetector.update(st, ev('P0300', 0, 'warning'))!;
    expect(v.modeId).toBeUndefined();
    expect(v.severity).toBe('minor');
  });
});
