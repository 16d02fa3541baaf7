/**
 * Warranty cost (issue 5 "Must be measured"):
 *   (a) evaluations per second of the pure engine (`evaluateEligibility`) on one core, over a
 *       mix of cars with repair histories, appliances and phones, after a warm-up;
 *   (b) latency of `GET /api/v1/units/{serial}/warranty` on PostgreSQL holding 1,000,000 units
 *       and 5,000,995 repair records (every unit has 0–10 records, one car has 1,000), with a
 *       closed-loop client (8 requests in flight) over random serials, then on the long history.
 *
 * Run: npm run bench:warranty [-- --part engine|http|all]   (env: BENCH_SECONDS, BENCH_CONCURRENCY,
 * BENCH_UNITS, BENCH_RELOAD=1, BENCH_CPU_PROF=dir, TEST_DATABASE_URL)
 *
 * The data (bench/lib/warranty-data.ts, shared with bench:quality) are generated inside
 * PostgreSQL (`generate_series`, a recursive CTE per batch of units) with valid hash chains: each
 * record's hash is sha256 over the same canonical JSON `warranty/hash-chain.ts` builds (sorted keys, no spaces), so `verify` accepts them. A sample of
 * chains is re-checked in Node with `verifyChain` after loading, and every body is a valid
 * `RepairRecordBodySchema` value. The database `sanbao_bench_warranty` is kept between runs and
 * reused when its generator version and row counts match; BENCH_RELOAD=1 rebuilds it.
 */
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import {
  evaluateCase,
  evaluateEligibility,
  resolvePolicy,
  EvaluateRequestSchema,
  type EvaluateRequest,
  type Policy,
} from '../warranty/index.ts';
import {
  carCase,
  fault,
  goodsCase,
  repair,
  sameProblemRepairs,
  type CaseInput,
} from '../warranty/fixtures.ts';
import { cpuSeconds, percentile, sleep } from './lib/proc.ts';
import { startSanbao } from './lib/targets.ts';
import { dbUrl, ensureWarrantyData, fmt, LONG_HISTORY, rand, UNITS } from './lib/warranty-data.ts';

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const PART = arg('part') ?? 'all';
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const EVALUATION_DATE = '2026-11-20';

// ---------------------------------------------------------------------------------------------
// (a) the pure engine

const day = (base: string, plus: number) =>
  new Date(Date.parse(`${base}T00:00:00Z`) + plus * 86_400_000).toISOString().slice(0, 10);

/** Realistic cases: cars with repair histories (same problem, main parts, assemblies), goods. */
function engineCases(n: number): Map<string, CaseInput[]> {
  const u = rand(7);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(u() * xs.length)] as T;
  const cars: CaseInput[] = [];
  const appliances: CaseInput[] = [];
  const phones: CaseInput[] = [];
  for (let i = 0; i < n; i++) {
    // Cars: 0–8 repairs over the first year, some of the same problem, a current fault often.
    const bought = day('2024-01-02', Math.floor(u() * 600));
    const nRepairs = Math.floor(u() * 9);
    const comp = pick(['transmission', 'engine', 'steering_system', 'air_conditioning']);
    const repairs =
      u() < 0.4
        ? sameProblemRepairs(Math.min(nRepairs, 5), comp, {
            isMainPart: comp !== 'air_conditioning',
          })
        : Array.from({ length: nRepairs }, (_, k) => {
            const d = day(bought, 10 + k * 35);
            return repair(
              `${d}T09:00:00+08:00`,
              `${day(d, Math.floor(u() * 4))}T17:00:00+08:00`,
              pick(['engine', 'brake_system', 'infotainment', 'transmission']),
              {
                mileageKm: 1_000 + k * 3_000,
                isMainPart: u() < 0.5,
                ...(u() < 0.1 ? { cause: 'consumer_misuse' as const } : {}),
              },
            );
          });
    const sameStart = repairs[0]?.date.slice(0, 10) ?? bought;
    const invoice = sameStart < bought ? sameStart : bought;
    const last = repairs.at(-1)?.returnedDate?.slice(0, 10) ?? invoice;
    const evaluation = day(last, 5 + Math.floor(u() * 60));
    cars.push(
      carCase({
        invoiceDate: invoice,
        evaluationDate: evaluation,
        mileageKm: 2_000 + nRepairs * 3_500,
        repairs,
        ...(u() < 0.6
          ? {
              currentFault: fault(evaluation, comp, {
                isMainPart: comp !== 'air_conditioning',
                mileageKm: 2_000 + nRepairs * 3_500,
              }),
            }
          : {}),
      }),
    );
    // Appliances: 0–4 repairs of main parts or not, installation dates for air conditioners.
    const cat = pick([
      'air_conditioner',
      'tv',
      'refrigerator',
      'washing_machine',
      'range_hood',
      'water_heater_gas',
    ]);
    const parts: Record<string, string[]> = {
      air_conditioner: ['compressor', 'fan_motor', 'control_board'],
      tv: ['display_panel', 'backlight', 'power_board'],
      refrigerator: ['compressor', 'thermostat', 'door_seal'],
      washing_machine: ['motor', 'control_board', 'drain_pump'],
      range_hood: ['motor', 'light'],
      water_heater_gas: ['heat_exchanger', 'gas_valve', 'fan'],
    };
    const gBought = day('2024-01-02', Math.floor(u() * 700));
    const gRepairs = Array.from({ length: Math.floor(u() * 5) }, (_, k) => {
      const d = day(gBought, 5 + k * 40);
      return repair(d, day(d, Math.floor(u() * 10)), pick(parts[cat]!));
    });
    const gEval = day(gRepairs.at(-1)?.returnedDate ?? gBought, 3 + Math.floor(u() * 200));
    appliances.push(
      goodsCase(cat, {
        invoiceDate: gBought,
        evaluationDate: gEval,
        ...(cat === 'air_conditioner' ? { installationCompletedDate: day(gBought, 2) } : {}),
        repairs: gRepairs,
        ...(u() < 0.6 ? { currentFault: fault(gEval, pick(parts[cat]!)) } : {}),
      }),
    );
    // Phones: host, battery and charger faults (accessory periods), 0–3 repairs.
    const pBought = day('2024-06-01', Math.floor(u() * 500));
    const pRepairs = Array.from({ length: Math.floor(u() * 4) }, (_, k) => {
      const d = day(pBought, 3 + k * 30);
      return repair(d, day(d, 1 + Math.floor(u() * 7)), pick(['host', 'battery', 'charger']));
    });
    const pEval = day(pRepairs.at(-1)?.returnedDate ?? pBought, 1 + Math.floor(u() * 120));
    phones.push(
      goodsCase(pick(['mobile_phone', 'mobile_phone', 'microcomputer']), {
        invoiceDate: pBought,
        evaluationDate: pEval,
        repairs: pRepairs,
        ...(u() < 0.7 ? { currentFault: fault(pEval, pick(['host', 'battery', 'charger'])) } : {}),
      }),
    );
  }
  const mix: CaseInput[] = [];
  for (let i = 0; i < n; i++) mix.push(cars[i]!, appliances[i]!, phones[i]!);
  return new Map([
    ['mix (1/3 cars, 1/3 appliances, 1/3 phones & PCs)', mix],
    ['cars with repair histories', cars],
    ['appliances', appliances],
    ['phones & PCs', phones],
  ]);
}

/**
 * Runs fn(i) round-robin for `seconds`; returns calls per wall-clock second and per CPU second
 * of this process (the machine is shared: the CPU rate is what one free core would do).
 */
function timeLoop(
  count: number,
  seconds: number,
  fn: (i: number) => unknown,
): { wall: number; cpu: number } {
  const end = performance.now() + seconds * 1000;
  let calls = 0;
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  let now = start;
  while (now < end) {
    for (let k = 0; k < 200; k++) fn((calls + k) % count);
    calls += 200;
    now = performance.now();
  }
  const cpu = process.cpuUsage(cpu0);
  return { wall: calls / ((now - start) / 1000), cpu: calls / ((cpu.user + cpu.system) / 1e6) };
}

function benchEngine(): string[] {
  const seconds = Math.max(3, Math.round(SECONDS / 2));
  const lines = [
    `| cases | avg repairs | evaluateEligibility evals per CPU-second | µs CPU/eval | evals per wall-second | evaluateCase (zod + engine) per CPU-second |`,
    `| ----- | ----------- | ---------------------------------------- | ----------- | --------------------- | ------------------------------------------ |`,
  ];
  const sets = engineCases(300);
  for (const [name, cases] of sets) {
    const parsed: Array<{ policy: Policy; req: EvaluateRequest }> = cases.map((c) => {
      const req = EvaluateRequestSchema.parse(c);
      return { req, policy: resolvePolicy(req) };
    });
    const remedies = new Map<string, number>();
    for (const p of parsed) {
      const e = evaluateEligibility(p.policy, p.req.facts);
      remedies.set(e.remedy, (remedies.get(e.remedy) ?? 0) + 1);
    }
    const avgRepairs = parsed.reduce((s, p) => s + p.req.facts.repairs.length, 0) / parsed.length;
    const eval1 = (i: number) => evaluateEligibility(parsed[i]!.policy, parsed[i]!.req.facts);
    timeLoop(parsed.length, 3, eval1); // warm-up (JIT)
    const rate = timeLoop(parsed.length, seconds, eval1);
    timeLoop(cases.length, 2, (i) => evaluateCase(cases[i]));
    const rateCase = timeLoop(cases.length, seconds, (i) => evaluateCase(cases[i]));
    console.log(
      `engine ${name}: ${fmt(rate.cpu)} evals per CPU-second (${fmt(1e6 / rate.cpu, 1)} µs), ${fmt(rate.wall)} per wall-second; with validation ${fmt(rateCase.cpu)}/CPU-s; remedies ${JSON.stringify(Object.fromEntries(remedies))}`,
    );
    lines.push(
      `| ${name} (${parsed.length}) | ${fmt(avgRepairs, 1)} | ${fmt(rate.cpu)} | ${fmt(1e6 / rate.cpu, 1)} | ${fmt(rate.wall)} | ${fmt(rateCase.cpu)} |`,
    );
  }
  return lines;
}

// ---------------------------------------------------------------------------------------------
// (b) the lookup under load

interface RunResult {
  requests: number;
  errors: number;
  seconds: number;
  latencies: number[];
  serviceCpu: number;
}

async function closedLoop(
  httpUrl: string,
  token: string,
  pid: number,
  seconds: number,
  concurrency: number,
  serialOf: () => string,
): Promise<RunResult> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError = '';
  const cpu0 = cpuSeconds(pid);
  const start = performance.now();
  const end = start + seconds * 1000;
  const worker = async () => {
    while (performance.now() < end) {
      const serial = serialOf();
      const t = performance.now();
      const r = await fetch(
        `${httpUrl}/api/v1/units/${serial}/warranty?evaluationDate=${EVALUATION_DATE}`,
        { headers: { authorization: `Bearer ${token}` } },
      );
      const text = await r.text();
      latencies.push(performance.now() - t);
      if (r.status !== 200) {
        errors++;
        firstError ||= `${serial}: ${r.status} ${text.slice(0, 300)}`;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const took = (performance.now() - start) / 1000;
  if (firstError) console.log(`first error: ${firstError}`);
  return {
    requests: latencies.length,
    errors,
    seconds: took,
    latencies: latencies.sort((a, b) => a - b),
    serviceCpu: cpuSeconds(pid) - cpu0,
  };
}

const row = (name: string, conc: number, r: RunResult) =>
  `| ${name} | ${conc} | ${fmt(r.requests)} | ${r.errors} | ${fmt(r.requests / r.seconds)} | ${fmt(percentile(r.latencies, 50), 1)} | ${fmt(percentile(r.latencies, 90), 1)} | ${fmt(percentile(r.latencies, 99), 1)} | ${fmt(r.latencies.at(-1) ?? NaN, 1)} | ${fmt((r.serviceCpu * 1e6) / r.requests)} | ${fmt(loadavg()[0] ?? NaN, 1)} |`;

async function explain(serial: string): Promise<string> {
  const c = new pg.Client({ connectionString: dbUrl() });
  await c.connect();
  try {
    const out: string[] = [];
    for (const text of [
      `SELECT * FROM warranty_units WHERE serial = '${serial}'`,
      `SELECT serial, seq, recorded_at, body, prev_hash, hash FROM warranty_repair_records WHERE serial = '${serial}' ORDER BY seq`,
    ]) {
      await c.query(text); // warm
      const r = await c.query(`EXPLAIN (ANALYZE, BUFFERS) ${text}`);
      out.push(
        `${text}\n${r.rows.map((x: Record<string, string>) => `  ${x['QUERY PLAN']}`).join('\n')}`,
      );
    }
    return out.join('\n');
  } finally {
    await c.end();
  }
}

async function benchHttp(): Promise<string[]> {
  await ensureWarrantyData();
  const longSerial = `SN${String(UNITS).padStart(7, '0')}`;
  const sampleSerial = `SN${String(Math.min(123_457, UNITS - 1)).padStart(7, '0')}`;
  console.log(await explain(sampleSerial));
  console.log(await explain(longSerial));
  const prof = process.env.BENCH_CPU_PROF; // a folder: the service writes a V8 CPU profile there
  const sanbao = await startSanbao({
    env: { DATABASE_URL: dbUrl(), LOG_LEVEL: 'error' },
    ...(prof ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${prof}`] } : {}),
  });
  const lines = [
    `| serials | in flight | requests | non-200 | req/s | p50 ms | p90 ms | p99 ms | max ms | service CPU µs/req | load avg (1 min) |`,
    `| ------- | --------- | -------- | ------- | ----- | ------ | ------ | ------ | ------ | ------------------ | ---------------- |`,
  ];
  try {
    const u = rand(3);
    const random = () => `SN${String(1 + Math.floor(u() * (UNITS - 1))).padStart(7, '0')}`;
    const { httpUrl, adminToken, pid } = sanbao;
    const url = httpUrl!;
    await closedLoop(url, adminToken, pid, 5, CONCURRENCY, random); // warm-up
    const runs: Array<[string, number, () => string, number]> = [
      [`random of ${fmt(UNITS - 1)} (0–10 records, mean 5)`, CONCURRENCY, random, SECONDS],
      [`random, one at a time`, 1, random, Math.max(5, SECONDS / 2)],
      [
        `${longSerial} (${fmt(LONG_HISTORY)} records)`,
        1,
        () => longSerial,
        Math.max(5, SECONDS / 2),
      ],
      [
        `${longSerial} (${fmt(LONG_HISTORY)} records)`,
        CONCURRENCY,
        () => longSerial,
        Math.max(5, SECONDS / 2),
      ],
    ];
    for (const [name, conc, serialOf, secs] of runs) {
      const r = await closedLoop(url, adminToken, pid, secs, conc, serialOf);
      console.log(row(name, conc, r));
      lines.push(row(name, conc, r));
      await sleep(500);
    }
  } finally {
    await sanbao.stop();
  }
  return lines;
}

const out: string[] = [
  `node ${process.version}, ${new Date().toISOString()}, load average ${loadavg()
    .map((x) => fmt(x, 1))
    .join(' / ')} on ${cpus().length} cores`,
  '',
];
if (PART === 'engine' || PART === 'all') out.push(...benchEngine(), '');
if (PART === 'http' || PART === 'all') out.push(...(await benchHttp()));
console.log(`\n${out.join('\n')}`);
