/**
 * Seeded synthetic life data for tests and benchmarks (not part of the public interface):
 * a mulberry32 PRNG and Weibull fleets with staggered entry, so units are censored at
 * different ages as in a real warranty fleet.
 */
import type { WeibullParams } from './weibull.ts';

/** mulberry32 (Tommy Ettinger): 32-bit state, uniform in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Weibull draw by inversion: η(−ln U)^{1/β}, U in (0, 1]. */
export function weibullDraw(rand: () => number, p: WeibullParams): number {
  return p.scale * Math.pow(-Math.log(1 - rand()), 1 / p.shape);
}

export interface SyntheticFleet {
  failures: number[];
  censored: number[];
}

/**
 * `units` units with Weibull lifetimes, each observed for a follow-up drawn uniformly in
 * [minFollowUp, maxFollowUp] (installed at different dates); a unit still alive at the end of
 * its follow-up is censored there.
 */
export function syntheticFleet(
  rand: () => number,
  params: WeibullParams,
  units: number,
  minFollowUp: number,
  maxFollowUp: number,
): SyntheticFleet {
  const failures: number[] = [];
  const censored: number[] = [];
  for (let i = 0; i < units; i++) {
    const life = weibullDraw(rand, params);
    const followUp = minFollowUp + (maxFollowUp - minFollowUp) * rand();
    if (life <= followUp) failures.push(life);
    else censored.push(followUp);
  }
  return { failures, censored };
}
