import { describe, expect, it } from 'vitest';
import { ByteWriter } from '../byte-writer.ts';
import type { Sample } from '../../core/sample.ts';
import { randomPayloads } from '../../test/helpers/telemetry-payloads.ts';
import { checkTelemetry, decodeTelemetry, type DeviceContext } from '../validate.ts';
import { LineEncoder, SampleLineEncoder, fillBody } from './influx-line.ts';

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

describe('LineEncoder (line protocol from payload bytes, as ingest checks them)', () => {
  const dev = { deviceId: 'd1', category: 'tv' as const, model: 'E55' };
  const T = 1_795_420_800_123;
  const limits = { maxFutureMs: 1e15, maxPastMs: 1e15 };
  /** Lines as (series, fields by key with their numeric values, timestamp). */
  const parse = (text: string) =>
    text
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [series, fields, ts] = line.split(' ') as [string, string, string];
        return {
          series,
          fields: fields.split(',').map((f) => {
            const [k, v] = f.split('=') as [string, string];
            return [k, Number(v)];
          }),
          ts: Number(ts),
        };
      });
  /** What ingest does: the check with the encoder; `fast` when no samples had to be decoded. */
  function encode(payload: string, d: DeviceContext = dev) {
    const enc = new LineEncoder(new SampleLineEncoder());
    let fast = true;
    const samples = enc.samples.bind(enc);
    enc.samples = (s) => {
      fast = false;
      samples(s);
    };
    const out = new ByteWriter(16);
    enc.start(d, out);
    const r = checkTelemetry(Buffer.from(payload), d, T, limits, enc);
    if (!r.ok) throw new Error(r.message);
    return { text: out.toBuffer().toString(), fast };
  }
  const viaSamples = (payload: string, d: DeviceContext = dev) => {
    const r = decodeTelemetry(Buffer.from(payload), d, T, limits);
    if (!r.ok) throw new Error(r.message);
    return new SampleLineEncoder().encode(r.items);
  };

  it('writes the common payload as the sample encoder does, byte for byte', () => {
    const payload = `{"ts":${T},"metrics":{"power_w":80.5,"on":1}}`;
    expect(encode(payload)).toEqual({
      text: `telemetry,device=d1,category=tv,model=E55 power_w=80.5,on=1 ${T}\n`,
      fast: true,
    });
    expect(encode(payload).text).toBe(`${viaSamples(payload)}\n`);
  });

  it.each([
    ['white space and key order', ` { "metrics" : { "power_w" : 1 } , "ts" : ${T} } `, true],
    [
      'a backlog',
      `[{"ts":${T},"metrics":{"on":1}},{"ts":${T + 1},"metrics":{"on":0,"power_w":3}}]`,
      true,
    ],
    [
      'numbers in every JSON form',
      `{"ts":${T},"metrics":{"power_w":1E2,"board_temp_c":-1.5e-3,"on":-0,"tuner_snr_db":0.0}}`,
      true,
    ],
    ['a fractional timestamp', `{"ts":${T}.6,"metrics":{"on":1}}`, true],
    ['a timestamp as an exponent', `{"ts":1.795420800123e12,"metrics":{"on":1}}`, true],
    ['17 significant digits', `{"ts":${T},"metrics":{"power_w":0.30000000000000004}}`, true],
    ['an ISO timestamp', '{"ts":"2026-11-23T16:00:00.5+08:00","metrics":{"on":1}}', false],
    ['unknown and reserved names', `{"ts":${T},"metrics":{"time":1,"device":2,"x.y-z":3}}`, false],
    ['a name given twice', `{"ts":${T},"metrics":{"on":1,"power_w":2,"on":0}}`, false],
    ['an extra key', `{"ts":${T},"metrics":{"on":1},"fw":"1.2"}`, false],
    ['an escaped name', `{"ts":${T},"metrics":{"\\u006fn":1}}`, false],
  ])('%s: the same points as through decoded samples', (_n, payload, fast) => {
    const r = encode(payload);
    expect(r.fast).toBe(fast);
    expect(parse(r.text)).toEqual(parse(viaSamples(payload)));
  });

  it('writes each device with its own series, an empty model left out', () => {
    const other = { deviceId: 'd 2', category: 'tv' as const, model: '' };
    expect(encode(`{"ts":${T},"metrics":{"on":1}}`, other).text).toBe(
      `telemetry,device=d\\ 2,category=tv on=1 ${T}\n`,
    );
  });

  it('refuses a device it cannot name faithfully when started, as encode does', () => {
    const bad = { deviceId: 'back\\slash', category: 'tv' as const, model: 'm' };
    expect(() => new LineEncoder(new SampleLineEncoder()).start(bad, new ByteWriter())).toThrow(
      expect.objectContaining({ code: 'INGEST_ERR_INFLUX_BAD_NAME' }),
    );
  });

  it('writes the same points as the sample encoder for 5,000 random payloads (shape, full scan, general path)', () => {
    const ac = { deviceId: 'ac-1', category: 'air_conditioner' as const, model: 'KFR' };
    let accepted = 0;
    for (const text of randomPayloads(5000, 3, T)) {
      if (!decodeTelemetry(Buffer.from(text), ac, T, limits).ok) continue;
      accepted++;
      expect(parse(encode(text, ac).text), text).toEqual(parse(viaSamples(text, ac)));
    }
    expect(accepted).toBeGreaterThan(500);
  });

  it('fills request bodies with whole encoded messages, each body up to about maxBytes', () => {
    const parts = ['a 1 1\n', 'b 2 2\n', 'c 3 3\n'].map((t) => Buffer.from(t));
    const w = new ByteWriter(4);
    const bodies: string[] = [];
    for (let i = 0; i < parts.length;) {
      i = fillBody(w, parts, i, 12);
      bodies.push(w.toBuffer().toString());
    }
    expect(bodies).toEqual(['a 1 1\nb 2 2\n', 'c 3 3\n']);
    expect(fillBody(w, parts, 0, 1 << 20)).toBe(3);
    expect(w.toBuffer().toString()).toBe('a 1 1\nb 2 2\nc 3 3\n');
  });
});
