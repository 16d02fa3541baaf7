import { describe, expect, it } from 'vitest';
import {
  decodeSpoolBody,
  encodeSpoolBody,
  encodeSpoolBodyV1,
  readRecordParts,
} from './spool-codec.ts';
import { decodeEvents, decodeTelemetry } from './validate.ts';
import { randomPayloads, rng } from '../test/helpers/telemetry-payloads.ts';

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
  it("reads a device's payloads of its last shape exactly as JSON.parse does (value, sign of zero, key order)", () => {
    // Reference: the payload's JSON, as a record was decoded before the drainer read shapes.
    const parsed = (text: string) => {
      const j = JSON.parse(text) as { ts: number; metrics?: Record<string, number> } | [];
      return (Array.isArray(j) ? j : [j]).map((e) => ({
        ts: Math.round(e.ts),
        metrics: e.metrics ?? {},
      }));
    };
    const isJson = (t: string) => {
      try {
        JSON.parse(t);
        return true;
      } catch {
        return false;
      }
    };
    const r = rng(11);
    const numbers = ['0', '-0', '1e2', '-5.25', '12345678901234567890', '0.1', '3.5e-7', '1E400'];
    let checked = 0;
    for (const [i, text] of randomPayloads(4000, 3, NOW).entries()) {
      // The spool holds only payloads its checks accepted, all JSON.
      if (!isJson(text)) continue;
      // Half of them on a device of their own: its first record teaches the shape, the next
      // ones of the same bytes with other numbers are read by it. The other half on one device,
      // through every change of shape (and payloads without one, after which it decodes by
      // JSON.parse alone for a while).
      const d = {
        deviceId: i % 2 === 0 ? `shape-${i}` : 'one-device',
        category: 'air_conditioner' as const,
        model: 'M',
      };
      const variants = [
        text,
        text,
        text.replace(/-?\d+(\.\d+)?([eE][-+]?\d+)?/g, (m) =>
          r() < 0.5 ? m : numbers[Math.floor(r() * numbers.length)]!,
        ),
      ];
      for (const v of variants) {
        if (!isJson(v)) continue;
        const got = decodeSpoolBody(encodeSpoolBody('s', d, Buffer.from(v)));
        if (got.k !== 's') throw new Error('not telemetry');
        const want = parsed(v);
        expect(got.d.map((s) => ({ ts: s.ts, metrics: s.metrics }))).toEqual(want);
        got.d.forEach((s, k) => {
          expect(Object.keys(s.metrics)).toEqual(Object.keys(want[k]!.metrics));
          for (const [name, x] of Object.entries(want[k]!.metrics))
            expect(Object.is(s.metrics[name], x)).toBe(true);
        });
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(3000);
  });
});
