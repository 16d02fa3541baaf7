/**
 * Fleet quality analytics (issue 7 "Must be measured"): latency of the analytics endpoints on
 * PostgreSQL holding 1,000,000 units and 5,000,995 repair records —
 *   GET /api/v1/fleet/overview            (whole fleet, one category, one manufacturer's units)
 *   GET /api/v1/fleet/reliability         (per-batch Weibull fits + recall test of a component)
 *   GET /api/v1/fleet/exposure            (warranty exposure forecast of a component)
 *   GET /api/v1/reports/quarterly         (per-category quarterly report, JSON)
 * with a closed-loop client (1, then 4 requests in flight), p50/p99/max per endpoint, and
 * EXPLAIN (ANALYZE, BUFFERS) of the slowest SQL statement behind each endpoint.
 *
 * Run: npm run bench:quality   (env: BENCH_REQUESTS=40 per run, BENCH_SECONDS=15 cap per run,
 * BENCH_FEW=1 request of the slow endpoints, one at a time; BENCH_PART=sql|http|all;
 * BENCH_COMPARE=0 skips the timing without 301's indexes; BENCH_RELOAD=1, TEST_DATABASE_URL)
 *
 * Data: the warranty bench's cached database (bench/lib/warranty-data.ts; built on first use,
 * minutes), brought up to date by bench/lib/quality-data.ts: pending migrations applied with
 * `migrate()` (300-quality adds generated columns over the records: one rewrite of 5M rows) and
 * production batches/suppliers filled in once, both cached. Progress of long steps goes to stderr.
 *
 * The SQL behind each endpoint is captured by calling the same functions the routes call
 * (quality/overview.ts, reliability.ts, exposure.ts, reports.ts) over a recording `Sql`; each
 * statement is then timed alone and the slowest one explained.
 */
import { createHash } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { connectPostgres, type Sql } from '../core/index.ts';
import { exposureForecast } from '../quality/exposure.ts';
import { fleetOverview } from '../quality/overview.ts';
import { reliability } from '../quality/reliability.ts';
import { buildReport, QuarterSchema } from '../quality/reports.ts';
import type { FleetScope } from '../quality/scope.ts';
import { closedLoop, type LoopResult } from './lib/closed-loop.ts';
import { percentile, sleep } from './lib/proc.ts';
import {
  BAD_BATCH,
  BAD_BATCH_CATEGORY as CATEGORY,
  BAD_BATCH_COMPONENT as COMPONENT,
  ensureQualityData,
} from './lib/quality-data.ts';
import { startSanbao } from './lib/targets.ts';
import { dbUrl, ensureWarrantyData, fmt, UNITS } from './lib/warranty-data.ts';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 40);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const FEW = Number(process.env.BENCH_FEW ?? 1);
const PART = process.env.BENCH_PART ?? 'all';
const COMPARE = process.env.BENCH_COMPARE !== '0';
const QUARTER = '2026Q3';
const MAKER = 'Maker 7';

const log = (msg: string) => process.stderr.write(`${msg}\n`);

// ---------------------------------------------------------------------------------------------
// the SQL behind each endpoint

interface Captured {
  text: string;
  params: readonly unknown[];
}

/**
 * An Sql that remembers every statement; from the `dryFrom`-th on (0-based) it does not run
 * them and answers no rows (the statements do not depend on earlier answers, except exposure's
 * second on its first: the fit decides whether candidates are loaded).
 */
function recording(inner: Sql, into: Captured[], dryFrom: number): Sql {
  const self: Sql = {
    kind: inner.kind,
    async query<T>(text: string, params?: readonly unknown[]) {
      into.push({ text, params: params ?? [] });
      return into.length > dryFrom ? { rows: [] as T[] } : inner.query<T>(text, params);
    },
    exec: (text) => inner.exec(text),
    transaction: (fn) => fn(self),
    close: async () => undefined,
  };
  return self;
}

interface Endpoint {
  name: string;
  path: string;
  token: 'admin' | 'maker';
  /** Few requests, one at a time: it takes many seconds. */
  slow?: boolean;
  /** Statements to run while capturing (the rest are captured without running). */
  runFirst?: number;
  /** The same computation in process, to capture its SQL. */
  run: (sql: Sql) => Promise<unknown>;
}

const none: FleetScope = { manufacturer: null, category: null };
const noHealth = { healthOf: async () => new Map() };
const ENDPOINTS: Endpoint[] = [
  {
    name: 'overview, whole fleet',
    path: '/api/v1/fleet/overview',
    token: 'admin',
    run: (sql) => fleetOverview({ sql, ...noHealth }, none),
  },
  {
    name: `overview, ?category=${CATEGORY}`,
    path: `/api/v1/fleet/overview?category=${CATEGORY}`,
    token: 'admin',
    run: (sql) => fleetOverview({ sql, ...noHealth }, { ...none, category: CATEGORY }),
  },
  {
    name: `overview, manufacturer token (${MAKER})`,
    path: '/api/v1/fleet/overview',
    token: 'maker',
    run: (sql) => fleetOverview({ sql, ...noHealth }, { ...none, manufacturer: MAKER }),
  },
  {
    name: `reliability by batch (${CATEGORY} ${COMPONENT})`,
    path: `/api/v1/fleet/reliability?category=${CATEGORY}&component=${COMPONENT}&by=batch`,
    token: 'admin',
    run: (sql) =>
      reliability(
        sql,
        none,
        { category: CATEGORY, component: COMPONENT, by: 'batch', alpha: 0.05 },
        new Date(),
      ),
  },
  {
    name: `exposure (${CATEGORY} ${COMPONENT})`,
    path: `/api/v1/fleet/exposure?category=${CATEGORY}&component=${COMPONENT}`,
    token: 'admin',
    slow: true,
    runFirst: 1,
    run: (sql) =>
      exposureForecast(
        sql,
        none,
        { category: CATEGORY, component: COMPONENT, horizons: [30, 90] },
        new Date(),
      ),
  },
  {
    name: `quarterly report ${QUARTER}, JSON`,
    path: `/api/v1/reports/quarterly?quarter=${QUARTER}&format=json`,
    token: 'admin',
    slow: true,
    run: (sql) => buildReport(sql, 'quarterly', QuarterSchema.parse(QUARTER), none),
  },
];

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Actual Total Time': number;
  'Actual Loops': number;
  'Actual Rows': number;
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
  'Temp Read Blocks'?: number;
  'Temp Written Blocks'?: number;
  Plans?: PlanNode[];
  'Workers Launched'?: number;
}

/** The plan as an indented tree, one line a node (stderr: the full record of the run). */
function planTree(n: PlanNode, depth = 0): string[] {
  const line =
    `${'  '.repeat(depth)}${n['Node Type']}${n['Relation Name'] ? ` on ${n['Relation Name']}` : ''}` +
    `${n['Index Name'] ? ` using ${n['Index Name']}` : ''}: ${fmt(n['Actual Total Time'], 1)} ms × ${n['Actual Loops']}, ` +
    `${fmt(n['Actual Rows'])} rows, hit ${fmt(n['Shared Hit Blocks'] ?? 0)} read ${fmt(n['Shared Read Blocks'] ?? 0)}` +
    ((n['Temp Written Blocks'] ?? 0) > 0 ? ` temp ${fmt(n['Temp Written Blocks']!)}` : '');
  return [line, ...(n.Plans ?? []).flatMap((k) => planTree(k, depth + 1))];
}

/** The nodes that took the most time themselves (their time minus their children's). */
function planSummary(root: { Plan: PlanNode; 'Execution Time': number }): string[] {
  const nodes: Array<{ self: number; n: PlanNode }> = [];
  const walk = (n: PlanNode): number => {
    const total = n['Actual Total Time'] * Math.max(1, n['Actual Loops']);
    const kids = (n.Plans ?? []).reduce((s, k) => s + walk(k), 0);
    nodes.push({ self: Math.max(0, total - kids), n });
    return total;
  };
  walk(root.Plan);
  const p = root.Plan;
  const blocks = (n: PlanNode) =>
    `shared hit ${fmt(n['Shared Hit Blocks'] ?? 0)} read ${fmt(n['Shared Read Blocks'] ?? 0)}` +
    ((n['Temp Written Blocks'] ?? 0) > 0 ? `, temp written ${fmt(n['Temp Written Blocks']!)}` : '');
  return [
    `execution ${fmt(root['Execution Time'], 1)} ms; buffers: ${blocks(p)} (×8 KB)`,
    ...nodes
      .sort((a, b) => b.self - a.self)
      .slice(0, 4)
      .map(
        ({ self, n }) =>
          `  ${n['Node Type']}${n['Relation Name'] ? ` on ${n['Relation Name']}` : ''}${n['Index Name'] ? ` using ${n['Index Name']}` : ''}: ` +
          `${fmt(self, 1)} ms own time (loops × time per loop, workers summed), ${fmt(n['Actual Rows'] * Math.max(1, n['Actual Loops']))} rows; ${blocks(n)}`,
      ),
  ];
}

const inline = (c: Captured) =>
  c.text.replace(/\$(\d+)/g, (_, k: string) => {
    const v = c.params[Number(k) - 1];
    return v === null || v === undefined ? 'NULL' : `'${String(v).replace(/'/g, "''")}'`;
  });
const oneLine = (s: string, n = 110) => {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > n ? `${t.slice(0, n)}…` : t;
};

/** Indexes of 301-quality-indexes.sql: dropped inside a rolled-back transaction for "before". */
const INDEXES_301 = ['warranty_repair_records_facts', 'warranty_repair_records_quality_component'];

async function timeAlone(
  c: pg.Client,
  q: Captured,
  runs: number,
  without = false,
): Promise<number> {
  let best = Infinity;
  for (let k = 0; k < runs; k++) {
    if (without) await c.query(`BEGIN; DROP INDEX ${INDEXES_301.join(', ')}`);
    try {
      const t = performance.now();
      await c.query(q.text, q.params as unknown[]);
      best = Math.min(best, performance.now() - t);
    } finally {
      if (without) await c.query('ROLLBACK');
    }
  }
  return best;
}

/**
 * Each endpoint's statements, each timed alone (best of two), the slowest explained; with
 * BENCH_COMPARE (default on) that statement is also timed without 301's indexes, side by side.
 */
async function sqlSide(pool: Sql): Promise<string[]> {
  const out: string[] = [];
  const c = new pg.Client({ connectionString: dbUrl() });
  await c.connect();
  try {
    const has = await c.query(`SELECT 1 FROM pg_indexes WHERE indexname = ANY($1)`, [INDEXES_301]);
    const compare = COMPARE && has.rowCount === INDEXES_301.length;
    for (const e of ENDPOINTS) {
      log(`SQL of ${e.name}…`);
      const captured: Captured[] = [];
      await e.run(recording(pool, captured, e.runFirst ?? 0));
      const timed: Array<{ c: Captured; ms: number }> = [];
      if (captured.length > 1)
        for (const q of captured) timed.push({ c: q, ms: await timeAlone(c, q, 1) });
      else timed.push({ c: captured[0]!, ms: NaN });
      timed.sort((a, b) => b.ms - a.ms);
      const slowest = timed[0]!;
      const r = await c.query<{ 'QUERY PLAN': [{ Plan: PlanNode; 'Execution Time': number }] }>(
        `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${slowest.c.text}`,
        slowest.c.params as unknown[],
      );
      const plan = r.rows[0]!['QUERY PLAN'][0];
      if (Number.isNaN(slowest.ms)) slowest.ms = plan['Execution Time'];
      log(`\n== ${e.name}: slowest statement\n${inline(slowest.c)}`);
      log(planTree(plan.Plan).join('\n'));
      let vs = '';
      if (compare) {
        const before = await timeAlone(c, slowest.c, 1, true);
        vs = ` Without 301's indexes (dropped in a rolled-back transaction, same run): ${fmt(before)} ms, ${fmt(before / slowest.ms, 1)}× the time.`;
        log(vs);
      }
      out.push(
        `### ${e.name}`,
        '',
        (timed.length > 1
          ? `Its ${timed.length} statements, each alone: ${timed.map((x) => fmt(x.ms)).join(', ')} ms.`
          : `One statement.`) + vs,
        '',
        'Slowest: `' + oneLine(slowest.c.text) + '`',
        '',
        '```',
        ...planSummary(plan),
        '```',
        '',
      );
    }
  } finally {
    await c.end();
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// what the answers say (the data must make sense for the numbers to mean anything)

function digest(body: unknown): string {
  const strip = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(strip)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.entries(v)
              .filter(([k]) => k !== 'generatedAt')
              .map(([k, x]) => [k, strip(x)]),
          )
        : v;
  return createHash('sha256')
    .update(JSON.stringify(strip(body)))
    .digest('hex')
    .slice(0, 12);
}

function describe(name: string, body: Record<string, unknown>): string {
  if (name.startsWith('overview')) {
    const b = body as {
      failures: { byModel: Array<{ units: number; repairs: number }>; byComponent: unknown[] };
      remedies: Array<{ remedy: string; count: number; costCNY: number }>;
    };
    const units = b.failures.byModel.reduce((s, m) => s + m.units, 0);
    const repairs = b.failures.byModel.reduce((s, m) => s + m.repairs, 0);
    return `${fmt(units)} units in ${b.failures.byModel.length} models, ${fmt(repairs)} quality repairs, ${b.failures.byComponent.length} components; remedies ${b.remedies.map((r) => `${r.remedy} ${fmt(r.count)}`).join(', ')}`;
  }
  if (name.startsWith('reliability')) {
    const b = body as {
      overall: {
        units: number;
        repairs: number;
        weibull: { ok: boolean; shape?: number; scale?: number };
      };
      groups: Array<{
        id: string;
        units: number;
        ratePerUnitYear: number | null;
        weibull: { ok: boolean; shape?: number; scale?: number };
        outlier: { rateRatio: number | null; adjustedP: number };
      }>;
      recallCandidates: Array<{ id: string }>;
    };
    const w = (x: { ok: boolean; shape?: number; scale?: number }) =>
      x.ok ? `Weibull shape ${fmt(x.shape!, 2)} scale ${fmt(x.scale!)} d` : 'no fit';
    const bad = b.groups.find((g) => g.id === BAD_BATCH);
    return (
      `${fmt(b.overall.units)} units, ${fmt(b.overall.repairs)} repairs, ${w(b.overall.weibull)}; ${b.groups.length} groups; ` +
      `recall candidates: ${b.recallCandidates.map((r) => r.id).join(', ') || 'none'}` +
      (bad
        ? `; ${BAD_BATCH}: ${fmt(bad.units)} units, rate ratio ${fmt(bad.outlier.rateRatio ?? NaN, 2)}, adjusted p ${bad.outlier.adjustedP.toExponential(1)}, ${w(bad.weibull)}`
        : '')
    );
  }
  if (name.startsWith('exposure')) {
    const b = body as {
      evaluated: number;
      unitsAtRisk: number;
      horizons: Array<{ days: number; expected: number }>;
    };
    return `${fmt(b.evaluated)} units evaluated by the eligibility engine, ${fmt(b.unitsAtRisk)} at risk; expected ${b.horizons.map((h) => `${fmt(h.expected, 1)} in ${h.days} d`).join(', ')}`;
  }
  const b = body as { rows: unknown[] };
  return `${b.rows.length} category rows`;
}

// ---------------------------------------------------------------------------------------------
// the service under a closed-loop client

const row = (name: string, conc: number, r: LoopResult) =>
  `| ${name} | ${conc} | ${fmt(r.requests)} | ${r.errors} | ${fmt(percentile(r.latencies, 50))} | ${fmt(percentile(r.latencies, 99))} | ${fmt(r.latencies.at(-1) ?? NaN)} | ${fmt(r.requests / r.seconds, 2)} | ${fmt((r.serviceCpu * 1000) / r.requests)} | ${fmt(r.bytes / 1024, 1)} | ${fmt(loadavg()[0] ?? NaN, 1)} |`;

async function httpSide(): Promise<{ table: string[]; answers: string[] }> {
  const sanbao = await startSanbao({ env: { DATABASE_URL: dbUrl(), LOG_LEVEL: 'error' } });
  // Interrupted: stop the service too (it would keep running with a query under way).
  const onSignal = () => void sanbao.stop().finally(() => process.exit(130));
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  const table = [
    `| endpoint | in flight | requests | non-200 | p50 ms | p99 ms | max ms | req/s | service CPU ms/req | response KB | load avg (1 min) |`,
    `| -------- | --------- | -------- | ------- | ------ | ------ | ------ | ----- | ------------------ | ----------- | ---------------- |`,
  ];
  const answers: string[] = [];
  const url = sanbao.httpUrl!;
  const admin = sanbao.adminToken;
  const issued = await fetch(`${url}/api/v1/tokens`, {
    method: 'POST',
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: JSON.stringify({ role: 'manufacturer', subject: MAKER, label: 'bench:quality' }),
  });
  if (issued.status !== 201) throw new Error(`token: ${issued.status} ${await issued.text()}`);
  const maker = (await issued.json()) as { id: string; token: string };
  try {
    for (const e of ENDPOINTS) {
      const token = e.token === 'admin' ? admin : maker.token;
      // One at a time, then 4 in flight (the slow ones: FEW requests, one at a time only).
      for (const conc of e.slow ? [1] : [1, 4]) {
        const res = await closedLoop({
          url: () => `${url}${e.path}`,
          token,
          pid: sanbao.pid,
          concurrency: conc,
          requests: e.slow ? FEW : REQUESTS,
          seconds: SECONDS,
        });
        if (res.firstError) log(`first error: ${res.firstError}`);
        log(row(e.name, conc, res));
        table.push(row(e.name, conc, res));
        if (conc === 1 && res.firstBody !== undefined) {
          // The answer checked and described: the data must make sense for the numbers to.
          const body = JSON.parse(res.firstBody) as Record<string, unknown>;
          const line = `${e.name}: answer ${digest(body)}: ${describe(e.name, body)}`;
          log(line);
          answers.push(`- ${line}`);
        }
        await sleep(300);
      }
    }
  } finally {
    await fetch(`${url}/api/v1/tokens/${maker.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${admin}` },
    }).catch(() => undefined);
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
    await sanbao.stop();
  }
  return { table, answers };
}

// ---------------------------------------------------------------------------------------------

const t0 = performance.now();
const header = `node ${process.version}, ${new Date().toISOString()}, ${cpus().length} cores, load average ${loadavg()
  .map((x) => fmt(x, 1))
  .join(' / ')} at the start`;
log(header);
await ensureWarrantyData();
const prepared = await ensureQualityData();
const pool = connectPostgres(dbUrl(), 10);
const facts = (
  await pool.query<{ units: number; records: number; batches: number; bad: number }>(
    `SELECT (SELECT count(*) FROM warranty_units)::int AS units,
            (SELECT reltuples FROM pg_class WHERE relname = 'warranty_repair_records')::int AS records,
            (SELECT count(DISTINCT production_batch) FROM warranty_units)::int AS batches,
            (SELECT count(*) FROM warranty_units WHERE production_batch = $1 AND category = $2)::int AS bad`,
    [BAD_BATCH, CATEGORY],
  )
).rows[0]!;
const dataLine = `${fmt(facts.units)} units (BENCH_UNITS=${fmt(UNITS)}), ~${fmt(facts.records)} repair records, ${facts.batches} production batches; ${BAD_BATCH} holds ${fmt(facts.bad)} ${CATEGORY} units`;
log(dataLine);
const sqlLines = PART === 'http' ? [] : await sqlSide(pool);
await pool.close();
const http = PART === 'sql' ? { table: [], answers: [] } : await httpSide();
const out = [
  header,
  `data: ${dataLine}${prepared.length ? `; this run ${prepared.join('; ')}` : ''}`,
  `requests per run: ${REQUESTS}, capped at ${SECONDS} s (each worker finishes at least one); slow endpoints: ${FEW}, one at a time; wall time ${fmt((performance.now() - t0) / 1000)} s`,
  '',
  ...http.table,
  '',
  ...http.answers,
  '',
  ...sqlLines,
];
console.log(`\n${out.join('\n')}`);
