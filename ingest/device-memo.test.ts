import { describe, expect, it } from 'vitest';
import { memoOf } from './device-memo.ts';
import { decodeSpoolBody, spoolHead } from './spool-codec.ts';
import type { DeviceContext } from './validate.ts';

describe('device memo (per-device caches on the context)', () => {
  it('is made once per context and kept', () => {
    const dev: DeviceContext = { deviceId: 'd1', category: 'tv', model: 'm' };
    expect(memoOf(dev)).toBe(memoOf(dev));
    expect(spoolHead('s', dev)).toBe(spoolHead('s', dev));
    expect(spoolHead('e', dev)).not.toEqual(spoolHead('s', dev));
  });

  it('does not travel with a copy of the context, nor show in comparisons or JSON', () => {
    const dev: DeviceContext = { deviceId: 'd1', category: 'tv', model: 'm' };
    const head = spoolHead('s', dev);
    const other = { ...dev, deviceId: 'd2' };
    expect(memoOf(other)).not.toBe(memoOf(dev));
    const body = Buffer.concat([spoolHead('s', other), Buffer.from('{"ts":1,"metrics":{}}')]);
    body[0] = 0x01; // the head-then-payload form, to read the device back
    expect(decodeSpoolBody(body).d[0]).toMatchObject({ deviceId: 'd2' });
    expect(spoolHead('s', dev)).toBe(head);
    expect(dev).toEqual({ deviceId: 'd1', category: 'tv', model: 'm' });
    expect(JSON.parse(JSON.stringify(dev))).toEqual({ deviceId: 'd1', category: 'tv', model: 'm' });
  });
});
