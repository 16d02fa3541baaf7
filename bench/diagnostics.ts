/**
 * Diagnostics cost: samples per second through the whole detector set on one core, and state
 * bytes per device for 100,000 devices (docs/design.md targets: ≤ 5 µs CPU per sample, ≤ 4 KB per
 * device). Run: node --expose-gc --import tsx bench/diagnostics.ts [devices] [rounds]
 *
 * Air conditioners are the heaviest category (12 metrics, 5 failure modes); a second run mixes
 * every category the profiles know, with metric values drawn around each metric's range (some
 * of those values sit beyond hard limits, so candidates open there: that is the data, not noise).
 *
 * With an uploaded remaining-life model (issue 19): a third run binds a model saved by
 * `sanbao diagnose replay --save` to a mode, as `POST /diagnostics/models` does, and runs that
 * category's devices with it (rows of `--row-minutes` of samples, so every few samples a row is
 * pushed and predicted; the service's rows are an hour or a day):
 *   … bench/diagnostics.ts 100000 40 --model model.json --category air_conditioner
 *     --mode refrigerant_leak --map sensor=metric,… [--row-minutes 5] [--warm rounds] [--model-only]
 * A model predicts once it has its window of rows (30 for the learner's default): `--warm N`
 * first feeds N rounds a row apart (each closes a row), then the timed rounds a minute apart, so
 * a row of 60 minutes is 60 timed samples, as in the service with a sample a minute.
 */
import { METRICS, type Category, type Sample } from '../core/index.ts';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { composeCatalog, type ModelLoader } from '../diagnostics/catalog/compose.ts';
import type { RulModelDoc } from '../diagnostics/catalog/documents.ts';
import type { EngineCatalog } from '../diagnostics/engine/catalog.ts';
import { createDiagnosticsEngine } from '../diagnostics/engine.ts';
import { createRulStream, parseRulModel } from '../diagnostics/models/learner.ts';
import { PROFILES } from '../diagnostics/profiles/index.ts';

const { values: opt, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    model: { type: 'string' },
    category: { type: 'string' },
    mode: { type: 'string' },
    map: { type: 'string' },
    'row-minutes': { type: 'string', default: '5' },
    /** Rounds fed before timing (a model predicts only after its window of rows). */
    warm: { type: 'string', default: '0' },
    /** Only the run with the model. */
    'model-only': { type: 'boolean', default: false },
  },
});
const DEVICES = Number(positionals[0] ?? 100_000);
const ROUNDS = Number(positionals[1] ?? 40);
const POOL = 1024;
const gc = (globalThis as { gc?: () => void }).gc;

function rand(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A pool of plausible metric records per category (values around the middle of the range). */
function pools(categories: readonly Category[]): Map<Category, Record<string, number>[]> {
  const u = rand(42);
  const out = new Map<Category, Record<string, number>[]>();
  for (const c of categories) {
    const specs = Object.entries(METRICS[c]);
    const centre = specs.map(([, s]) => s.min + (s.max - s.min) * (0.2 + 0.3 * u()));
    out.set(
      c,
      Array.from({ length: POOL }, () =>
        Object.fromEntries(
          specs.map(([name, s], k) => [
            name,
            s.unit === 'bool' ? 1 : centre[k]! * (1 + 0.01 * (u() - 0.5)),
          ]),
        ),
      ),
    );
  }
  return out;
}

/** Heap plus array buffers after full collections (buffers are released a tick later). */
async function heapBytes(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc?.();
    await new Promise((r) => setTimeout(r, 20));
  }
  return process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
}

async function run(
  label: string,
  categories: readonly Category[],
  catalog?: EngineCatalog,
  warmed = catalog !== undefined,
): Promise<void> {
  const pool = pools(categories);
  const ids = Array.from({ length: DEVICES }, (_, i) => `dev-${i}`);
  const cats = ids.map((_, i) => categories[i % categories.length]!);
  const before = await heapBytes();
  const engine = createDiagnosticsEngine({
    profiles: PROFILES,
    warmupSamples: 20,
    ...(catalog ? { catalog } : {}),
  });
  const t0 = Date.UTC(2026, 0, 1);
  let samples = 0;
  let candidates = 0;
  const byMode = new Map<string, number>();
  // Warm-up rounds are a row apart (each closes one of the model's rows); timed rounds a
  // minute apart, as the service's samples.
  const warm = warmed ? Number(opt.warm) : 0;
  const rowMs = Number(opt['row-minutes']) * 60_000;
  const tsOf = (round: number) =>
    round <= warm ? t0 + round * rowMs : t0 + warm * rowMs + (round - warm) * 60_000;
  const feed = (round: number): void => {
    for (let d = 0; d < DEVICES; d++) {
      const c = cats[d]!;
      const sample: Sample = {
        deviceId: ids[d]!,
        category: c,
        model: 'bench',
        ts: tsOf(round),
        metrics: pool.get(c)![(d * 7 + round * 13) % POOL]!,
      };
      for (const c of engine.process(sample)) {
        candidates++;
        byMode.set(c.modeId, (byMode.get(c.modeId) ?? 0) + 1);
      }
      samples++;
    }
  };
  feed(0);
  const after = await heapBytes();
  for (let r = 1; r <= warm; r++) feed(r);
  const untimed = samples;
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  for (let r = warm + 1; r < warm + ROUNDS; r++) feed(r);
  const cpu = process.cpuUsage(cpu0);
  const wall = performance.now() - wall0;
  const timed = samples - untimed;
  const cpuUs = (cpu.user + cpu.system) / timed;
  const perDevice = ((await heapBytes()) - before) / DEVICES;
  console.log(
    `${label}: ${DEVICES.toLocaleString('en')} devices × ${ROUNDS} samples\n` +
      `  throughput ${Math.round((timed / wall) * 1000).toLocaleString('en')} samples/s on one core, ${cpuUs.toFixed(2)} µs CPU per sample\n` +
      `  state ${Math.round((after - before) / DEVICES)} B/device after the first sample, ${Math.round(perDevice)} B/device after ${ROUNDS} (${((perDevice * DEVICES) / 2 ** 20).toFixed(0)} MiB total)` +
      `${gc ? '' : ' [run with --expose-gc for exact memory]'}\n  candidates opened: ${candidates} ${JSON.stringify(Object.fromEntries(byMode))}`,
  );
}

/** The catalogue of `--model`: the artefact bound to the mode, as an upload would bind it. */
function modelCatalog(): { catalog: EngineCatalog; category: Category; label: string } {
  const artefact = JSON.parse(readFileSync(opt.model!, 'utf8')) as { rowInterval: number };
  const category = opt.category as Category;
  const mapping = Object.fromEntries((opt.map ?? '').split(',').map((p) => p.split('=')));
  const doc: RulModelDoc = {
    kind: 'rul-model',
    category,
    model: null,
    note: null,
    mode: opt.mode!,
    mapping,
    // One row per --row-minutes of samples (the bench's samples are a minute apart).
    timeUnit: (Number(opt['row-minutes']) * 60_000) / artefact.rowInterval,
    condition: 'always',
    // The bench's readings are drawn around each metric's range, far from any run to failure:
    // a model would call every unit failing. Verdicts are not what is measured here (a fleet
    // has few failing units), so the model never raises: only its rows and predictions cost.
    alertWithin: 1e-9,
    artefact,
  };
  const loader: ModelLoader = {
    load: (a) => {
      const parsed = parseRulModel(a.doc.artefact);
      return { artefact: parsed, stream: createRulStream(parsed) };
    },
  };
  const catalog = composeCatalog(
    PROFILES,
    [{ kind: 'rul-model', key: `${category}/*/${opt.mode}`, version: 1, doc }],
    loader,
  );
  const problems = catalog.problems(category, 'bench');
  if (problems.length) throw new Error(JSON.stringify(problems));
  const stream = loader.load({ kind: 'rul-model', key: '', version: 1, doc }).stream;
  return {
    catalog,
    category,
    label: `${category} with a model on ${opt.mode} (${stream.stateSize} state slots; a row per ${opt['row-minutes']} samples, timed after ${opt.warm} rounds)`,
  };
}

if (!opt['model-only']) {
  await run('air_conditioner', ['air_conditioner']);
  await run(
    'all categories',
    PROFILES.map((p) => p.category),
  );
}
if (opt.model) {
  const m = modelCatalog();
  // The same schedule without the model first: what the model adds is the difference.
  await run(`${m.category}, the same rounds without the model`, [m.category], undefined, true);
  await run(m.label, [m.category], m.catalog);
}
