/**
 * Fleet overview latency on a cluster node that holds none of the fleet's devices (issue 22):
 * their health comes from the detector states another node saved in PostgreSQL.
 * Run: node --import tsx bench/fleet-health.ts [devices=5000] [rounds=5]
 *   PostgreSQL from TEST_DATABASE_URL or postgres://postgres@127.0.0.1:5432/postgres (a scratch
 *   database is created and dropped).
 * Three ways of reading health, interleaved round by round (the machine is shared):
 *   own engine — the overview before: the node's own engine only (counts none of them);
 *   one by one — `Diagnostics.health` per device (one query each, as the single-device route);
 *   one read   — every id in one `healthStates` call (a statement per 5,000), scored after it;
 *   batched    — `Diagnostics.healthScores` (reads of 1,000, the next in flight while these are
 *                scored), the overview now.
 * Reports the overview's wall time per way (median and range), devices scored, the longest
 * event-loop stall during it (what a broker node's devices would wait), and for the
 * batched read the store's statement apart from decoding and scoring.
 */
import { randomBytes } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import pg from 'pg';
import { pino } from 'pino';
import { connectPostgres, migrate, type Auth, type Sample } from '../core/index.ts';
import { createDiagnosticsEngine } from '../diagnostics/engine.ts';
import { PROFILES } from '../diagnostics/profiles/index.ts';
import { startDiagnostics } from '../diagnostics/service.ts';
import { createSqlDetectorStateStore } from '../diagnostics/stores/sql-detector-state.ts';
import { fleetOverview, type OverviewDeps } from '../quality/overview.ts';

const DEVICES = Number(process.argv[2] ?? 5_000);
const ROUNDS = Number(process.argv[3] ?? 5);
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

const base = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const name = `sanbao_bench_${randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ connectionString: base });
await admin.connect();
await admin.query(`CREATE DATABASE ${name}`);
await admin.end();
const url = new URL(base);
url.pathname = `/${name}`;
const sql = connectPostgres(url.toString());
try {
  await migrate(sql);
  // The devices, and their states as the node holding them saved them (warmed up: 40 samples).
  const ids = Array.from({ length: DEVICES }, (_, d) => `ac-${d}`);
  await sql.query(
    `INSERT INTO devices (id, category, model, serial, secret_hash, online)
     SELECT id, 'air_conditioner', 'KFR-35GW', id, 'x', true FROM unnest($1::text[]) AS id`,
    [ids],
  );
  const holder = createDiagnosticsEngine({ profiles: PROFILES });
  for (let i = 0; i < 40; i++) for (let d = 0; d < DEVICES; d++) holder.process(sample(d, i));
  const store = createSqlDetectorStateStore(sql);
  for (let i = 0; i < DEVICES; i += 500)
    await store.save(
      'node-a',
      ids.slice(i, i + 500).map((id) => holder.snapshot(id)!),
      Date.now(),
    );

  // The answering node: an API node (detect off), as SANBAO_ROLES=http runs it.
  const diagnostics = startDiagnostics({
    sql,
    broker: { publish: () => undefined, subscribe: () => undefined, unsubscribe: () => undefined },
    ingest: { onDurable: () => undefined },
    auth: {} as Auth,
    devices: { get: async () => undefined },
    log: pino({ level: 'silent' }),
    detect: false,
    escalate: false,
  });
  await diagnostics.catalog.load();
  const { engine } = diagnostics;
  const ways: Record<string, OverviewDeps['healthOf']> = {
    'own engine': async (xs) => {
      const m = new Map<string, { score: number }>();
      for (const id of xs) {
        const h = engine.health(id);
        if (h) m.set(id, { score: h.score });
      }
      return m;
    },
    'one by one': async (xs) => {
      const m = new Map<string, { score: number }>();
      for (const id of xs) {
        const h = await diagnostics.health(id);
        if (h) m.set(id, { score: h.score });
      }
      return m;
    },
    // All ids in one read, scored after it (5,000 ids a statement): the event loop is held for
    // the whole fleet's scoring at once.
    'one read': async (xs) => {
      const m = new Map<string, { score: number; savedAt: number }>();
      for (const { snapshot, savedAt } of await store.healthStates(xs)) {
        const h = engine.healthOfSnapshot(snapshot);
        if (h) m.set(snapshot.deviceId, { score: h.score, savedAt });
      }
      return m;
    },
    batched: (xs) => diagnostics.healthScores(xs),
  };
  const scope = { manufacturer: null, category: 'air_conditioner' };
  const times: Record<string, number[]> = {};
  const stalls: Record<string, number[]> = {};
  const scored: Record<string, number> = {};
  for (let r = 0; r <= ROUNDS; r++) {
    for (const [way, healthOf] of Object.entries(ways)) {
      const loop = monitorEventLoopDelay({ resolution: 5 });
      loop.enable();
      const t = performance.now();
      const o = await fleetOverview({ sql, healthOf }, scope);
      const ms = performance.now() - t;
      loop.disable();
      if (r > 0) {
        (times[way] ??= []).push(ms); // round 0 warms up
        (stalls[way] ??= []).push(loop.max / 1e6);
      }
      scored[way] = o.health.scored;
    }
  }
  // The batched read apart: the statement, then decoding and scoring.
  const split: Array<[number, number]> = [];
  for (let r = 0; r < ROUNDS; r++) {
    let t = performance.now();
    const states = await store.healthStates(ids);
    const read = performance.now() - t;
    t = performance.now();
    for (const s of states) engine.healthOfSnapshot(s.snapshot);
    split.push([read, performance.now() - t]);
  }
  await diagnostics.close();

  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const fmt = (xs: number[]) =>
    `${med(xs).toFixed(0)} ms (${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)})`;
  console.log(`fleet overview, ${DEVICES} devices held by another node, ${ROUNDS} rounds`);
  for (const way of Object.keys(ways))
    console.log(
      `  ${way.padEnd(10)} ${fmt(times[way]!)}, scored ${scored[way]}, longest event-loop stall ${fmt(stalls[way]!)}`,
    );
  console.log(
    `  batched read alone: statement ${fmt(split.map((s) => s[0]))}, decode+score ${fmt(split.map((s) => s[1]))}`,
  );
} finally {
  await sql.close();
  const a = new pg.Client({ connectionString: base });
  await a.connect();
  await a.query(`DROP DATABASE ${name} WITH (FORCE)`);
  await a.end();
}
