import { describe, expect, it } from 'vitest';
import { CATEGORIES, METRICS } from '../core/categories.ts';
import {
  metricCatalogue,
  nameHash,
  scanTelemetry,
  type TelemetryVisitor,
} from './telemetry-scan.ts';
import { randomPayloads, rng } from '../test/helpers/telemetry-payloads.ts';
import { memoOf } from './device-memo.ts';
import { checkTelemetry, decodeTelemetry, type Checked, type DeviceContext } from './validate.ts';

const dev = { deviceId: 'd1', category: 'air_conditioner' as const, model: 'KFR-35GW' };
const NOW = Date.UTC(2026, 10, 23, 8);
const limits = { maxFutureMs: 300_000, maxPastMs: 400 * 86_400_000 };

/** The general path's verdict in checkTelemetry's form. */
function general(text: string): Checked {
  const d = decodeTelemetry(Buffer.from(text), dev, NOW, limits);
  return d.ok ? { ok: true, items: d.items.length, unknownMetrics: d.unknownMetrics } : d;
}
const check = (text: string) => checkTelemetry(Buffer.from(text), dev, NOW, limits);
/** Whether the byte reader took the payload itself (it declines to the general path otherwise). */
const scanned = (text: string) => {
  const b = Buffer.from(text);
  const yes: TelemetryVisitor = { metric: () => true, entry: () => true };
  return scanTelemetry(b, 0, b.length, yes) > 0;
};

const edgeCases: Array<[string, string]> = [
  ['common', `{"ts":${NOW},"metrics":{"indoor_temp_c":21.5,"power_w":800}}`],
  ['white space everywhere', ` {\n\t"ts" : ${NOW} ,\r\n "metrics" : { "power_w" : 1 } } `],
  ['metrics before ts', `{"metrics":{"power_w":1},"ts":${NOW}}`],
  ['an array', `[{"ts":${NOW},"metrics":{"power_w":1}},{"ts":${NOW - 1},"metrics":{"power_w":2}}]`],
  ['an empty array', '[]'],
  ['an empty metrics map', `{"ts":${NOW},"metrics":{}}`],
  ['a missing ts', '{"metrics":{"power_w":1}}'],
  ['a missing metrics', `{"ts":${NOW}}`],
  ['ts twice', `{"ts":1,"ts":${NOW},"metrics":{"power_w":1}}`],
  ['metrics twice', `{"ts":${NOW},"metrics":{"power_w":9999999},"metrics":{"power_w":1}}`],
  ['a metric twice (JSON keeps the last)', `{"ts":${NOW},"metrics":{"power_w":-5,"power_w":1}}`],
  ['a metric twice, last out of range', `{"ts":${NOW},"metrics":{"power_w":1,"power_w":-5}}`],
  ['an extra key', `{"ts":${NOW},"metrics":{"power_w":1},"fw":"1.2"}`],
  ['an ISO timestamp', '{"ts":"2026-11-23T16:00:00+08:00","metrics":{"power_w":1}}'],
  ['a fractional ts', `{"ts":${NOW}.5,"metrics":{"power_w":1}}`],
  ['ts in the future', `{"ts":${NOW + 400_000},"metrics":{"power_w":1}}`],
  ['ts just inside the future limit', `{"ts":${NOW + 300_000},"metrics":{"power_w":1}}`],
  ['ts from 1970', '{"ts":0,"metrics":{"power_w":1}}'],
  ['ts as an exponent', `{"ts":1.7954208e12,"metrics":{"power_w":1}}`],
  ['an unknown metric', `{"ts":${NOW},"metrics":{"power_w":1,"new_sensor":2}}`],
  ['an invalid metric name', `{"ts":${NOW},"metrics":{"a b":1}}`],
  ['an escaped metric name', `{"ts":${NOW},"metrics":{"power\\u005fw":1}}`],
  ['a non-ASCII metric name', `{"ts":${NOW},"metrics":{"功率":1}}`],
  ['an out-of-range known metric', `{"ts":${NOW},"metrics":{"indoor_temp_c":900}}`],
  ['the range bounds', `{"ts":${NOW},"metrics":{"indoor_temp_c":-40,"power_w":0}}`],
  ['a string value', `{"ts":${NOW},"metrics":{"power_w":"800"}}`],
  ['null', `{"ts":${NOW},"metrics":{"power_w":null}}`],
  ['true', `{"ts":${NOW},"metrics":{"power_w":true}}`],
  ['1e400', `{"ts":${NOW},"metrics":{"power_w":1e400}}`],
  ['-0', `{"ts":${NOW},"metrics":{"power_w":-0}}`],
  ['a leading zero', `{"ts":${NOW},"metrics":{"power_w":0123}}`],
  ['a trailing dot', `{"ts":${NOW},"metrics":{"power_w":1.}}`],
  ['a leading dot', `{"ts":${NOW},"metrics":{"power_w":.5}}`],
  ['a plus sign', `{"ts":${NOW},"metrics":{"power_w":+1}}`],
  ['an exponent without digits', `{"ts":${NOW},"metrics":{"power_w":1e}}`],
  ['hex', `{"ts":${NOW},"metrics":{"power_w":0x10}}`],
  ['NaN', `{"ts":${NOW},"metrics":{"power_w":NaN}}`],
  ['a trailing comma', `{"ts":${NOW},"metrics":{"power_w":1,}}`],
  ['trailing garbage', `{"ts":${NOW},"metrics":{"power_w":1}}x`],
  ['two objects', `{"ts":${NOW},"metrics":{"power_w":1}}{}`],
  ['truncated', `{"ts":${NOW},"metrics":{"power_w":1`],
  ['a control character in a name', `{"ts":${NOW},"metrics":{"power\u0001w":1}}`],
  ['NUL escaped in a name', `{"ts":${NOW},"metrics":{"power\\u0000w":1}}`],
  ['NUL escaped in an extra key', `{"ts":${NOW},"metrics":{"power_w":1},"fw\\u0000":1}`],
  ['NUL escaped in an extra value', `{"ts":${NOW},"metrics":{"power_w":1},"fw":"1\\u0000"}`],
  ['a lone surrogate in a name', `{"ts":${NOW},"metrics":{"power\\ud800":1}}`],
  ['a lone low surrogate in a value', `{"ts":${NOW},"metrics":{"power_w":1},"fw":"\\udc00x"}`],
  ['a surrogate pair in a value', `{"ts":${NOW},"metrics":{"power_w":1},"fw":"\\ud83d\\ude00"}`],
  ['an escaped backslash before u0000', `{"ts":${NOW},"metrics":{"power_w":1},"fw":"\\\\u0000"}`],
  ['a raw NUL byte', `{"ts":${NOW},"metrics":{"power_w":1},"fw":"\u0000"}`],
  ['not JSON', 'hello'],
  ['a bare number', '42'],
  ['nested arrays', `[[{"ts":${NOW},"metrics":{"power_w":1}}]]`],
  [
    '256 metrics',
    `{"ts":${NOW},"metrics":{${Array.from({ length: 256 }, (_, i) => `"m${i}":${i}`).join(',')}}}`,
  ],
  [
    '257 metrics',
    `{"ts":${NOW},"metrics":{${Array.from({ length: 257 }, (_, i) => `"m${i}":${i}`).join(',')}}}`,
  ],
  [
    '5000 entries',
    `[${Array.from({ length: 5000 }, () => `{"ts":${NOW},"metrics":{"power_w":1}}`).join(',')}]`,
  ],
  [
    '5001 entries',
    `[${Array.from({ length: 5001 }, () => `{"ts":${NOW},"metrics":{"power_w":1}}`).join(',')}]`,
  ],
];

describe('checkTelemetry (the byte reader, then the general path)', () => {
  it.each(edgeCases)('%s: the same verdict as decodeTelemetry', (_name, text) => {
    expect(check(text)).toEqual(general(text));
  });

  it('reads the common shapes itself', () => {
    const taken = edgeCases.filter(([, text]) => scanned(text)).map(([name]) => name);
    expect(taken).toEqual([
      'common',
      'white space everywhere',
      'metrics before ts',
      'an array',
      'a metric twice (JSON keeps the last)',
      'a metric twice, last out of range',
      'a fractional ts',
      'ts in the future',
      'ts just inside the future limit',
      'ts from 1970',
      'ts as an exponent',
      'an unknown metric',
      'an invalid metric name',
      'an out-of-range known metric',
      'the range bounds',
      '1e400',
      '-0',
      '256 metrics',
      '5000 entries',
    ]);
  });

  it('gives the same verdict as decodeTelemetry on 20,000 random payloads near the common shape', () => {
    let agreed = 0;
    let fast = 0;
    for (const text of randomPayloads(20_000, 7, NOW)) {
      const got = check(text);
      expect(got, text).toEqual(general(text));
      agreed++;
      if (got.ok && scanned(text)) fast++;
    }
    expect(agreed).toBe(20_000);
    // The reader did take a good share itself: the comparison is not only of the general path.
    expect(fast).toBeGreaterThan(2000);
  });
});

describe('invalid text (ingest/text.ts)', () => {
  it.each([
    ['NUL escaped in an extra value', 'fw'],
    ['NUL escaped in an extra key', 'fw\\u0000'],
    ['a lone surrogate in a name', 'metrics.power\\ud800'],
    ['a lone low surrogate in a value', 'fw'],
  ])('%s is refused as invalid_text at %s, on both paths', (name, path) => {
    const text = edgeCases.find(([n]) => n === name)![1];
    expect(scanned(text)).toBe(false);
    expect(check(text)).toMatchObject({ ok: false, reason: 'invalid_text', details: [{ path }] });
  });

  it('accepts a surrogate pair and an escaped backslash before u0000', () => {
    for (const name of ['a surrogate pair in a value', 'an escaped backslash before u0000'])
      expect(check(edgeCases.find(([n]) => n === name)![1]).ok).toBe(true);
  });

  it('refuses bytes that are not UTF-8, on both paths', () => {
    const good = Buffer.from(`{"ts":${NOW},"metrics":{"power_w":1},"fw":"a"}`);
    for (const bytes of [[0xff], [0xc3], [0xed, 0xa0, 0x80] /* an encoded surrogate */]) {
      const i = good.indexOf('"a"') + 1;
      const b = Buffer.concat([good.subarray(0, i), Buffer.from(bytes), good.subarray(i + 1)]);
      const yes: TelemetryVisitor = { metric: () => true, entry: () => true };
      expect(scanTelemetry(b, 0, b.length, yes)).toBe(-1);
      expect(checkTelemetry(b, dev, NOW, limits)).toMatchObject({ reason: 'invalid_text' });
    }
  });
});

describe('scanTelemetry numbers', () => {
  it('reads every number exactly as JSON.parse does', () => {
    const r = rng(11);
    const texts = [
      '0',
      '-0',
      '1',
      '0.1',
      '0.30000000000000004',
      '123456789012345',
      '1234567890123456',
      '12345678901234567890',
      '9007199254740993',
      '1e22',
      '1e23',
      '1.5e-7',
      '5e-324',
      '2.2250738585072014e-308',
      '1.7976931348623157e308',
      '1e-400',
      '1E+2',
      '0.000001000000000000001',
      ...Array.from({ length: 5000 }, () => {
        const int = String(Math.floor(r() * 10 ** Math.floor(r() * 18)));
        const frac =
          r() < 0.6 ? `.${String(Math.floor(r() * 1e9)).padStart(Math.floor(r() * 12), '0')}` : '';
        const exp = r() < 0.3 ? `e${r() < 0.5 ? '-' : '+'}${Math.floor(r() * 40)}` : '';
        return `${r() < 0.3 ? '-' : ''}${int}${frac}${exp}`;
      }),
    ];
    for (const t of texts) {
      const b = Buffer.from(`{"ts":1,"metrics":{"x":${t}}}`);
      let got: number | undefined;
      let text = '';
      scanTelemetry(b, 0, b.length, {
        metric: (buf, _ns, _ne, _h, vs, ve, v) => {
          got = v;
          text = buf.toString('latin1', vs, ve);
          return true;
        },
        entry: () => true,
      });
      expect(Object.is(got, JSON.parse(t)), `${t} read as ${got}`).toBe(true);
      expect(text).toBe(t);
    }
  });
});

describe('metric catalogues', () => {
  it('find every catalogued name of every category by its bytes, and nothing else', () => {
    for (const category of CATEGORIES) {
      const c = metricCatalogue(category);
      expect(c.names).toEqual(Object.keys(METRICS[category]));
      c.names.forEach((n, i) => {
        const b = Buffer.from(`"${n}"`);
        expect(c.find(b, 1, b.length - 1, nameHash(b, 1, b.length - 1))).toBe(i);
        const other = Buffer.from(`${n}x`);
        expect(c.find(other, 0, other.length, nameHash(other, 0, other.length))).toBe(-1);
      });
    }
  });
});

describe('checkTelemetry by payload shape (a device sends the same payload with other numbers)', () => {
  it('gives decodeTelemetry verdicts along one device sequence that keeps and changes its shape', () => {
    const device = { deviceId: 'd-shape', category: 'air_conditioner' as const, model: 'M' };
    const p = (power: string, temp: string, ts = String(NOW)) =>
      `{"ts":${ts},"metrics":{"power_w":${power},"indoor_temp_c":${temp}}}`;
    const sequence = [
      p('800', '21.5'), // learns the shape
      p('801.25', '-3e1'), // same shape, other numbers
      p('-1', '20'), // same shape, power out of range: refused
      p('800', '21', String(NOW + 3_600_000)), // same shape, ts in the future: refused
      p('800', '21', `"${new Date(NOW).toISOString()}"`), // a string where a number was
      p('8e', '21'), // not a number
      p('800', '21').replace(' ', ''), // (no space to remove: the same payload)
      `{"ts":${NOW}, "metrics":{"power_w":800,"indoor_temp_c":21}}`, // white space moved
      `{"ts":${NOW},"metrics":{"power_w":800,"indoor_temp_c":21,"fan_rpm":900}}`, // a metric more
      `{"ts":${NOW},"metrics":{"power_w":800,"power_w":21}}`, // a name twice
      `{"ts":${NOW},"metrics":{"power_w":800,"indoor_temp_c":21}}x`, // trailing bytes
      `{"ts":${NOW},"metrics":{"power_w":800,"indoor_temp_c":21`, // cut short
      p('800', '21'), // back to the first shape
    ];
    for (const text of sequence) {
      const got = checkTelemetry(Buffer.from(text), device, NOW, limits);
      const d = decodeTelemetry(Buffer.from(text), device, NOW, limits);
      const want = d.ok ? { ok: true, items: d.items.length, unknownMetrics: d.unknownMetrics } : d;
      expect(got, text).toEqual(want);
    }
  });
  it('shares one shape between devices whose payloads have the same bytes around their numbers', () => {
    const text = (power: number) =>
      `{"ts":${NOW},"metrics":{"power_w":${power},"indoor_temp_c":21.5}}`;
    const a: DeviceContext = { deviceId: 'd-share-a', category: 'air_conditioner', model: 'M' };
    const b: DeviceContext = { deviceId: 'd-share-b', category: 'air_conditioner', model: 'M' };
    for (const d of [a, b]) checkTelemetry(Buffer.from(text(800)), d, NOW, limits);
    expect(memoOf(a).shape).toBeDefined();
    expect(memoOf(b).shape).toBe(memoOf(a).shape);
    // Another category's catalogue numbers its metrics its own way: its own shape.
    const power = Buffer.from(`{"ts":${NOW},"metrics":{"power_w":500}}`);
    const ac: DeviceContext = { deviceId: 'd-share-ac', category: 'air_conditioner', model: 'M' };
    const tv: DeviceContext = { deviceId: 'd-share-tv', category: 'tv', model: 'M' };
    for (const d of [ac, tv])
      expect(checkTelemetry(power, d, NOW, limits)).toMatchObject({ ok: true });
    expect(memoOf(tv).shape).toBeDefined();
    expect(memoOf(tv).shape).not.toBe(memoOf(ac).shape);
    // A shared shape still gives each device its own verdicts.
    expect(checkTelemetry(Buffer.from(text(-1)), b, NOW, limits)).toMatchObject({ ok: false });
    expect(checkTelemetry(Buffer.from(text(900)), a, NOW, limits)).toMatchObject({ ok: true });
  });
});
