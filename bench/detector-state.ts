/**
 * Cost of keeping detector state (cluster mode, issue 22): what saving and loading a device's
 * state takes, next to judging its samples. Air conditioners (the heaviest category).
 * Run: node --import tsx bench/detector-state.ts [devices] [--postgres]
 *   default PGlite in memory; --postgres uses TEST_DATABASE_URL or postgres://postgres@127.0.0.1:5432/postgres
 *   (a scratch database is created and dropped).
 * Reports: µs per sample through the engine with and without the change marks being taken,
 * bytes per saved state, snapshot µs per device, save rows/s in batches of 500, claim ms each.
 */
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { connectPostgres, migrate, openPglite, type Sample, type Sql } from '../core/index.ts';
import { createDiagnosticsEngine } from '../diagnostics/engine.ts';
import { PROFILES } from '../diagnostics/profiles/index.ts';
import { createSqlDetectorStateStore } from '../diagnostics/stores/sql-detector-state.ts';

const { values: opt, positionals } = parseArgs({
  allowPositionals: true,
  options: { postgres: { type: 'boolean', default: false } },
});
const DEVICES = Number(positionals[0] ?? 10_000);
const ROUNDS = 200;
const T0 = Date.parse('2026-03-01T00:00:00Z');

function sample(d: number, i: number): Sample {
  const g = (k: number) => Math.sin(i * 1.7 + k + d) * 0.8 + Math.sin(i * 0.31 + 2 * k) * 0.6;
  const freq = 50 + 2 * g(1);
  return {
    deviceId: `ac-${d}`,
    category: 'air_conditioner',
    model: 'KFR-35GW',
    ts: T0 + i * 60_000,
    metrics: {
      indoor_temp_c: 25 + 0.1 * g(2),
      outdoor_temp_c: 32 + 0.2 * g(3),
      setpoint_c: 25,
      supply_air_temp_c: 13.5 + 0.3 * g(4),
      compressor_current_a: 0.075 * freq + 0.08 * g(5),
      compressor_freq_hz: freq,
      discharge_temp_c: 32 + 23 + 0.23 * freq + 0.5 * g(6),
      evaporator_temp_c: 7.5 + 0.3 * g(7),
      condenser_temp_c: 44 + 0.4 * g(8),
      suction_pressure_kpa: 862 + 10 * g(9),
      fan_rpm: 1050 + 12 * g(10),
      power_w: 0.075 * freq * 209 + 40 + 12 * g(11),
    },
  };
}

// Samples made beforehand: the timing is the engine's, not the generator's.
const POOL = 64;
const pool = Array.from({ length: POOL }, (_, i) =>
  Array.from({ length: Math.min(DEVICES, 1000) }, (_, d) => sample(d, i)),
);
function feed(engine: ReturnType<typeof createDiagnosticsEngine>, rounds: number, take: boolean) {
  const per = pool[0]!.length;
  const t = process.hrtime.bigint();
  let n = 0;
  for (let r = 0; r < rounds; r++) {
    for (let d = 0; d < DEVICES; d++) {
      const s = pool[r % POOL]![d % per]!;
      engine.process({ ...s, deviceId: `ac-${d}`, ts: T0 + r * 60_000 });
      n++;
    }
    // The service takes the marks every save (30 s): here every round, the worst case.
    if (take) engine.takeChanged();
  }
  return Number(process.hrtime.bigint() - t) / 1000 / n;
}

async function database(): Promise<{ sql: Sql; drop: () => Promise<void> }> {
  if (!opt.postgres) {
    const sql = await openPglite();
    await migrate(sql);
    return { sql, drop: () => sql.close() };
  }
  const base = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `sanbao_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  const sql = connectPostgres(url.toString());
  await migrate(sql);
  return {
    sql,
    async drop() {
      await sql.close();
      const a = new pg.Client({ connectionString: base });
      await a.connect();
      await a.query(`DROP DATABASE ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}

const engine = createDiagnosticsEngine({ profiles: PROFILES });
feed(engine, 20, true); // states exist and the JIT is warm
const plain = createDiagnosticsEngine({ profiles: PROFILES });
feed(plain, 20, false);
const runs: Array<[string, number]> = [];
for (let k = 0; k < 3; k++) {
  runs.push(['marks taken', feed(engine, ROUNDS / 4, true)]);
  runs.push(['marks kept', feed(plain, ROUNDS / 4, false)]);
}
const best = (label: string) => Math.min(...runs.filter((r) => r[0] === label).map((r) => r[1]));

const ids = Array.from({ length: DEVICES }, (_, d) => `ac-${d}`);
let t = process.hrtime.bigint();
const snaps = ids.map((id) => engine.snapshot(id)!);
const snapUs = Number(process.hrtime.bigint() - t) / 1000 / DEVICES;

const db = await database();
const store = createSqlDetectorStateStore(db.sql);
t = process.hrtime.bigint();
for (let i = 0; i < snaps.length; i += 500) await store.save('bench', snaps.slice(i, i + 500), T0);
const saveS = Number(process.hrtime.bigint() - t) / 1e9;
const { rows } = await db.sql.query<{ b: number }>(
  `SELECT avg(pg_column_size(d.*))::float8 AS b FROM diagnostics_detector_state d`,
);
const CLAIMS = Math.min(500, DEVICES);
t = process.hrtime.bigint();
for (let i = 0; i < CLAIMS; i++) await store.claim(ids[i]!, 'bench-2');
const claimMs = Number(process.hrtime.bigint() - t) / 1e6 / CLAIMS;
await db.drop();

console.log(
  [
    `detector state, ${DEVICES} air conditioners, ${opt.postgres ? 'PostgreSQL' : 'PGlite'}`,
    `  engine per sample: ${best('marks taken').toFixed(2)} µs with change marks taken every round, ${best('marks kept').toFixed(2)} µs without (best of 3)`,
    `  state: ${snaps[0]!.numbers.length} numbers, ${Math.round(rows[0]!.b)} bytes per row`,
    `  snapshot: ${snapUs.toFixed(2)} µs per device`,
    `  save: ${Math.round(DEVICES / saveS)} states/s in batches of 500 (${(saveS * 1000).toFixed(0)} ms for all)`,
    `  claim (load): ${claimMs.toFixed(2)} ms per device, one at a time`,
  ].join('\n'),
);
