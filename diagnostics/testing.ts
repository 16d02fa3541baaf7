import type { Sample } from '../core/index.ts';

/**
 * Helpers for the colocated tests: a seeded PRNG and a sample builder. Deterministic, so a
 * failing false-alarm test names a seed that reproduces it.
 */

/** mulberry32: tiny, fast, good enough for test noise. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal draws (Box–Muller) from a uniform source. */
export function gauss(u: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

export const T0 = Date.UTC(2026, 0, 1);
export const MINUTE = 60_000;

/** A sample of an air conditioner at minute `i` with the given metrics. */
export function sampleAt(
  i: number,
  metrics: Record<string, number>,
  deviceId = 'dev-1',
  stepMs = MINUTE,
): Sample {
  return { deviceId, category: 'air_conditioner', model: 'KFR-35GW', ts: T0 + i * stepMs, metrics };
}
