import { describe, expect, it } from 'vitest';
import {
  decodeSpoolBody,
  encodeSpoolBody,
  encodeSpoolBodyV1,
  readRecordParts,
} from './spool-codec.ts';
import { decodeEvents, decodeTelemetry } from './validate.ts';

const dev = { deviceId: 'd设备1', category: 'household_car' as const, model: '轿车 1.5T' };
const NOW = Date.UTC(2026, 10, 23);
const limits = { maxFutureMs: 60_000, maxPastMs: 86_400_000 };

describe('spool codec', () => {
  it.each([
    [
      'one reading set with an ISO time',
      { ts: '2026-11-23T07:59:00+08:00', metrics: { speed_kmh: 42.5, rpm: 1800 } },
    ],
    [
      'a backlog',
      [
        { ts: NOW - 2000, metrics: { rpm: 1 } },
        { ts: NOW - 1000.4, metrics: { rpm: 2 } },
      ],
    ],
  ])('reads back %s exactly as validation produced it', (_n, payload) => {
    const raw = Buffer.from(JSON.stringify(payload));
    const decoded = decodeTelemetry(raw, dev, NOW, limits);
    if (!decoded.ok) throw new Error(decoded.message);
    expect(decodeSpoolBody(encodeSpoolBody('s', dev, raw))).toEqual({ k: 's', d: decoded.items });
  });

  it('reads back events with their default severity', () => {
    const raw = Buffer.from(
      JSON.stringify([
        { ts: NOW, code: 'P0128' },
        { ts: NOW, code: 'P0A80', severity: 'critical', detail: 'x' },
      ]),
    );
    const decoded = decodeEvents(raw, dev, NOW, limits);
    if (!decoded.ok) throw new Error(decoded.message);
    expect(decodeSpoolBody(encodeSpoolBody('e', dev, raw))).toEqual({ k: 'e', d: decoded.items });
  });

  it('still reads records of the first form (head, then the payload to the end)', () => {
    const raw = Buffer.from(JSON.stringify({ ts: NOW, metrics: { rpm: 1 } }));
    const decoded = decodeTelemetry(raw, dev, NOW, limits);
    if (!decoded.ok) throw new Error(decoded.message);
    expect(decodeSpoolBody(encodeSpoolBodyV1('s', dev, raw))).toEqual({ k: 's', d: decoded.items });
    expect(readRecordParts(encodeSpoolBodyV1('s', dev, raw))).toMatchObject({ encoding: 0 });
  });

  it('still reads records written as plain JSON', () => {
    const rec = { k: 's' as const, d: [{ ...dev, ts: NOW, metrics: { rpm: 1 } }] };
    expect(decodeSpoolBody(Buffer.from(JSON.stringify(rec)))).toEqual(rec);
  });
});
