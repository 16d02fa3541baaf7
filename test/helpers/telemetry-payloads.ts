import { METRICS } from '../../core/index.ts';

/** A small deterministic PRNG (mulberry32): the same cases in every run. */
export function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Random air-conditioner telemetry payloads near the common shape, for differential tests of
 * the byte reader: valid ones (numbers in every JSON form, catalogued, unknown and reserved
 * names, timestamps in and out of the window, key orders, arrays) and ones with one byte
 * changed. Seeded: the same list in every run.
 */
export function randomPayloads(n: number, seed: number, now: number): string[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  const known = Object.keys(METRICS.air_conditioner);
  const num = () =>
    pick([
      () => String(Math.floor(r() * 2000) - 1000),
      () => (r() * 200 - 100).toFixed(Math.floor(r() * 6)),
      () => `${(r() * 10).toFixed(3)}e${Math.floor(r() * 6) - 3}`,
      () => String(r() * 1000),
      () => `${Math.floor(r() * 9) + 1}${'0'.repeat(Math.floor(r() * 20))}`,
      () => `0.${'0'.repeat(Math.floor(r() * 25))}${Math.floor(r() * 1e6)}`,
      () => pick(['0', '-0', '0.0', '1E2', '-1e-2', '5e-324', '1.7976931348623157e308']),
    ])();
  const name = () => pick([...known, ...known, 'new_sensor', 'x.y-z', 'time', 'Z']);
  const entry = () => {
    const metrics = Array.from({ length: 1 + Math.floor(r() * 4) }, () => `"${name()}":${num()}`);
    const ts = pick([
      String(now - Math.floor(r() * 1e9)),
      `${now}.${Math.floor(r() * 10)}`,
      String(now + 1e9),
    ]);
    const parts = [`"ts":${ts}`, `"metrics":{${metrics.join(',')}}`];
    if (r() < 0.2) parts.reverse();
    return `{${parts.join(r() < 0.1 ? ' , ' : ',')}}`;
  };
  const mutate = (s: string) => {
    const i = Math.floor(r() * s.length);
    const c = pick([
      '',
      '"',
      '{',
      '}',
      '[',
      ']',
      ',',
      ':',
      '.',
      '-',
      'e',
      '0',
      '9',
      ' ',
      '\\',
      'x',
      // invalid text: a NUL or a lone surrogate, escaped or raw (text.ts)
      '\\u0000',
      '\\ud800',
      '\u0000',
    ]);
    return s.slice(0, i) + c + s.slice(i + (r() < 0.5 ? 1 : 0));
  };
  return Array.from({ length: n }, () => {
    const base =
      r() < 0.3 ? `[${Array.from({ length: 1 + Math.floor(r() * 3) }, entry).join(',')}]` : entry();
    return r() < 0.5 ? base : mutate(base);
  });
}
