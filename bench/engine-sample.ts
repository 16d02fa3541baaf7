// The diagnostics engine's CPU per sample, in process, without broker, spool or store:
// `node --import tsx bench/engine-sample.ts [devices=1000] [rounds=300] [shape=hooks|full|mix]`.
// Shapes: `hooks`, the 3-metric air conditioner sample of bench/ingest-hooks.ts; `full`, every
// air-conditioner metric (as bench/diagnostics.ts sends); `mix`, every category in turn, each
// device with all its category's metrics. The first 100 rounds warm up untimed; the rest is
// timed in three chunks, and the least of them is printed (the others are shown): a shared
// machine's load only ever adds. Env: WARM (the engine's warm-up samples), SPACE_H (hours
// between the first 100 rounds' samples instead of a minute: baselines of a longer history).
// Issue 22 compared two commits by running this alternately from two checkouts (bench/RESULTS.md,
// "Issue 22 engine per-sample cost").
import { METRICS } from '../core/index.ts';
import { createDiagnosticsEngine, PROFILES } from '../diagnostics/index.ts';

type Spec = { min: number; max: number; unit: string };
const devices = Number(process.argv[2] ?? 1000);
const rounds = Number(process.argv[3] ?? 300);
const shape = process.argv[4] ?? 'hooks';
if (!['hooks', 'full', 'mix'].includes(shape) || !(devices > 0) || !(rounds > 100)) {
  console.error('usage: bench/engine-sample.ts [devices>0] [rounds>100] [hooks|full|mix]');
  process.exit(2);
}
const engine = createDiagnosticsEngine({
  profiles: PROFILES,
  ...(process.env.WARM ? { warmupSamples: Number(process.env.WARM) } : {}),
});
const specsOf = (category: string) =>
  Object.entries((METRICS as Record<string, Record<string, Spec>>)[category]!);
const categories = PROFILES.map((p) => p.category);
let seed = 7;
const u = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296;
const typical = (category: string) =>
  Object.fromEntries(
    specsOf(category).map(([n, s]) => [
      n,
      s.unit === 'bool' ? 1 : s.min + (s.max - s.min) * (0.3 + 0.05 * u()),
    ]),
  );
const t0 = Date.UTC(2026, 0, 1);
const space = Number(process.env.SPACE_H ?? 0) * 3_600_000;
const tsOf = (r: number) =>
  r < 100 && space ? t0 + r * space : t0 + (space ? 100 * space : 0) + r * 60_000;
const ids = Array.from({ length: devices }, (_, i) => `d${String(i).padStart(20, '0')}`);
const samples: Parameters<typeof engine.process>[0][] = [];
for (let r = 0, i = 0; r < rounds; r++)
  for (let d = 0; d < devices; d++, i++) {
    const category = shape === 'mix' ? categories[d % categories.length]! : 'air_conditioner';
    const metrics =
      shape === 'hooks'
        ? { indoor_temp_c: 20 + (i % 10), power_w: 800 + (i % 100), compressor_current_a: 5.5 }
        : typical(category);
    samples.push({ deviceId: ids[d]!, category, model: 'BENCH', ts: tsOf(r) + d, metrics });
  }
const cpu = () => {
  const c = process.cpuUsage();
  return c.user + c.system;
};
let candidates = 0;
const warm = 100 * devices;
for (let k = 0; k < warm; k++) candidates += engine.process(samples[k]!).length;
const chunk = Math.floor((samples.length - warm) / 3);
const perSample: number[] = [];
for (let c = 0; c < 3; c++) {
  const c0 = cpu();
  for (let k = warm + c * chunk; k < warm + (c + 1) * chunk; k++)
    candidates += engine.process(samples[k]!).length;
  perSample.push((cpu() - c0) / chunk);
}
console.log(
  `${shape}, ${devices} devices: µs/sample ${perSample.map((x) => x.toFixed(3)).join(' ')}; ` +
    `least ${Math.min(...perSample).toFixed(3)}; candidates ${candidates}`,
);
