/**
 * Timing of the Weibull fit (not a test: the machine is shared, numbers are noisy).
 * Run: node --import tsx quality/stats/bench.ts
 * Each case is also expressed in "exp passes": the time of one Math.exp + Math.log pass over
 * the same number of values, measured in the same run, so the ratio survives a busy machine.
 */
import { lifeDataFromGroups, lifeDataFromTimes, type LifeGroup } from './life-data.ts';
import { mulberry32, syntheticFleet } from './testing.ts';
import { fitWeibull } from './weibull.ts';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function time<T>(fn: () => T, runs: number): { ms: number; value: T } {
  const ms: number[] = [];
  let value!: T;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    value = fn();
    ms.push(performance.now() - t0);
  }
  return { ms: median(ms), value };
}

function expPass(n: number): number {
  const xs = new Float64Array(n).map((_, i) => 1 + i / n);
  return time(() => {
    let s = 0;
    for (let i = 0; i < n; i++) s += Math.exp(1.7 * Math.log(xs[i]!));
    return s;
  }, 9).ms;
}

const truth = { shape: 2.5, scale: 1000 };

// Grouped: 200,000 units, times rounded to 0.1 day → about 10,000 distinct times.
const fleet = syntheticFleet(mulberry32(1), truth, 200_000, 100, 1200);
const rows = new Map<string, LifeGroup>();
for (const [times, censored] of [
  [fleet.failures, false],
  [fleet.censored, true],
] as const) {
  for (const t of times) {
    const time = Math.max(0.1, Math.round(t * 10) / 10);
    const key = `${time}:${censored}`;
    const row = rows.get(key) ?? { time, count: 0, censored };
    row.count++;
    rows.set(key, row);
  }
}
const groups = [...rows.values()];
const grouped = lifeDataFromGroups(groups);
const g = time(() => fitWeibull(grouped), 21);
const gBuild = time(() => lifeDataFromGroups(groups), 21);
const gBase = expPass(grouped.times.length);
if (!g.value.ok) throw new Error(g.value.message);
console.log(
  `grouped: ${grouped.times.length} distinct times (${groups.length} rows, ${grouped.units} units): ` +
    `fit ${g.ms.toFixed(2)} ms (${(g.ms / gBase).toFixed(0)} exp passes, ${g.value.fit.iterations} Newton steps), ` +
    `lifeDataFromGroups ${gBuild.ms.toFixed(2)} ms; β̂ = ${g.value.fit.shape.toFixed(3)}, η̂ = ${g.value.fit.scale.toFixed(1)}`,
);

// Ungrouped: 1,000,000 units with distinct (continuous) times, the worst case.
const million = syntheticFleet(mulberry32(2), truth, 1_000_000, 100, 1200);
const build = time(() => lifeDataFromTimes(million.failures, million.censored), 3);
const m = time(() => fitWeibull(build.value), 3);
const mBase = expPass(build.value.times.length);
if (!m.value.ok) throw new Error(m.value.message);
console.log(
  `ungrouped: 1,000,000 units (${million.failures.length} failures, ${build.value.times.length} distinct times): ` +
    `lifeDataFromTimes ${build.ms.toFixed(0)} ms, fit ${m.ms.toFixed(0)} ms (${(m.ms / mBase).toFixed(0)} exp passes); ` +
    `one exp pass ${mBase.toFixed(1)} ms; β̂ = ${m.value.fit.shape.toFixed(4)}, η̂ = ${m.value.fit.scale.toFixed(2)}`,
);
