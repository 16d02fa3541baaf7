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
 * The data are generated inside PostgreSQL (`generate_series`, a recursive CTE per batch of units)
 * with valid hash chains: each record's hash is sha256 over the same canonical JSON
 * `warranty/hash-chain.ts` builds (sorted keys, no spaces), so `verify` accepts them. A sample of
 * chains is re-checked in Node with `verifyChain` after loading, and every body is a valid
 * `RepairRecordBodySchema` value. The database `sanbao_bench_warranty` is kept between runs and
 * reused when its generator version and row counts match; BENCH_RELOAD=1 rebuilds it.
 */
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { connectPostgres, migrate } from '../app/db.ts';
import {
  evaluateCase,
  evaluateEligibility,
  resolvePolicy,
  EvaluateRequestSchema,
  SqlWarrantyStore,
  RepairRecordBodySchema,
  type EvaluateRequest,
  type Policy,
} from '../warranty/index.ts';
import { canonicalJson, GENESIS_HASH } from '../warranty/hash-chain.ts';
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

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const PART = arg('part') ?? 'all';
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const UNITS = Number(process.env.BENCH_UNITS ?? 1_000_000);
const LONG_HISTORY = 1_000;
const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DB_NAME = UNITS === 1_000_000 ? 'sanbao_bench_warranty' : `sanbao_bench_warranty_${UNITS}`;
/** Bump when the generated data change: a cached database of another version is rebuilt. */
const GENERATOR = 'warranty-bench-v1';
const EVALUATION_DATE = '2026-11-20';

function rand(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

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
// (b) the data set, generated in PostgreSQL

/** Components per category: [component, fault code, main part, reported fault, part replaced]. */
const COMPONENTS: Record<string, Array<[string, string, boolean, string, string]>> = {
  household_car: [
    ['transmission', 'P0700', true, '变速箱换挡冲击', 'valve_body'],
    ['engine', 'P0300', true, '发动机抖动', 'ignition_coil'],
    ['steering_system', 'C0545', true, '转向沉重', 'steering_rack'],
    ['brake_system', 'C0035', true, '制动异响', 'brake_caliper'],
    ['air_conditioning', 'B1A00', false, '空调不制冷', 'ac_compressor'],
    ['infotainment', 'U0184', false, '中控屏黑屏', 'head_unit'],
    ['power_window', 'B1325', false, '车窗升降失灵', 'window_regulator'],
  ],
  air_conditioner: [
    ['compressor', 'E1', true, '不制冷', 'compressor'],
    ['fan_motor', 'E2', true, '室内机噪音大', 'fan_motor'],
    ['thermostat', 'E3', true, '温度控制失灵', 'thermostat'],
    ['control_board', 'E5', false, '显示故障代码', 'control_board'],
  ],
  tv: [
    ['display_panel', 'T1', true, '屏幕竖线', 'display_panel'],
    ['backlight', 'T2', true, '有声无图', 'led_strip'],
    ['logic_board', 'T3', true, '花屏', 'logic_board'],
    ['power_board', 'T4', false, '无法开机', 'power_board'],
  ],
  refrigerator: [
    ['compressor', 'R1', true, '冷藏室不制冷', 'compressor'],
    ['thermostat', 'R2', false, '冷冻室结霜', 'thermostat'],
    ['door_seal', 'R3', false, '门封不严', 'door_seal'],
  ],
  washing_machine: [
    ['motor', 'W1', true, '不脱水', 'motor'],
    ['control_board', 'W2', true, '程序无法启动', 'control_board'],
    ['drain_pump', 'W3', false, '不排水', 'drain_pump'],
  ],
  mobile_phone: [
    ['host', 'M1', true, '无法开机', 'mainboard'],
    ['battery', 'M2', false, '续航骤降', 'battery'],
    ['charger', 'M3', false, '充电器不充电', 'charger'],
  ],
  microcomputer: [
    ['motherboard', 'C1', true, '开机无显示', 'motherboard'],
    ['hard_disk', 'C2', true, '硬盘异响', 'hard_disk'],
    ['keyboard', 'C3', true, '按键失灵', 'keyboard'],
    ['power_adapter', 'C4', true, '无法充电', 'power_adapter'],
  ],
  water_heater_gas: [
    ['heat_exchanger', 'G1', true, '出水不热', 'heat_exchanger'],
    ['gas_valve', 'G2', true, '点火失败', 'gas_valve'],
    ['fan', 'G3', false, '风机噪音', 'fan'],
  ],
  water_heater_electric: [
    ['heating_element', 'H1', true, '不加热', 'heating_element'],
    ['thermostat', 'H2', false, '水温过高', 'thermostat'],
  ],
  water_purifier: [
    ['pump', 'P1', true, '不出水', 'booster_pump'],
    ['control_board', 'P2', false, '滤芯提示错误', 'control_board'],
  ],
  range_hood: [
    ['motor', 'Y1', true, '吸力弱', 'motor'],
    ['control_board', 'Y2', false, '按键无反应', 'control_board'],
  ],
};
/** Category share of units, in percent. */
const CATEGORY_SHARE: Array<[string, number]> = [
  ['household_car', 20],
  ['air_conditioner', 12],
  ['tv', 10],
  ['refrigerator', 10],
  ['washing_machine', 10],
  ['mobile_phone', 20],
  ['microcomputer', 5],
  ['water_heater_gas', 3],
  ['water_heater_electric', 4],
  ['water_purifier', 3],
  ['range_hood', 3],
];

const q = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** Helper objects of the generator: a table of units to come and the record function. */
function generatorSql(units: number): string {
  const flat = Object.entries(COMPONENTS).flatMap(([cat, rows]) => rows.map((r) => ({ cat, r })));
  const arr = (k: 0 | 1 | 3 | 4) => `ARRAY[${flat.map((f) => q(f.r[k])).join(',')}]::text[]`;
  const mains = `ARRAY[${flat.map((f) => String(f.r[2])).join(',')}]::boolean[]`;
  let off = 0;
  const offsets = Object.entries(COMPONENTS).map(([cat, rows]) => {
    const s = `WHEN ${q(cat)} THEN off := ${off}; cnt := ${rows.length};`;
    off += rows.length;
    return s;
  });
  let acc = 0;
  const catCase = CATEGORY_SHARE.map(([cat, share]) => {
    acc += share;
    return `WHEN h % 100 < ${acc} THEN ${q(cat)}`;
  }).join(' ');
  // i = units is the long-history car; every other unit has (7 i mod 11) records: 0–10, mean 5.
  return `
CREATE TABLE bench_units AS
SELECT i, h, cat, invoice, delivery, coalesce(delivery, invoice) + 1 AS start, n,
       'SN' || lpad(i::text, 7, '0') AS serial
FROM (SELECT i, h,
             CASE WHEN i = ${units} THEN 'household_car' ELSE CASE ${catCase} END END AS cat,
             CASE WHEN i = ${units} THEN date '2023-01-02'
                  ELSE date '2023-01-01' + ((h >> 7) % 1277)::int END AS invoice,
             CASE WHEN i = ${units} THEN ${LONG_HISTORY} ELSE ((7 * i) % 11)::int END AS n
      FROM (SELECT i, hashint4(i)::bigint & 2147483647 AS h
            FROM generate_series(1, ${units}) AS i) s) t,
     LATERAL (SELECT CASE WHEN cat = 'household_car' THEN invoice + ((h >> 3) % 3)::int END
              AS delivery) d;
ALTER TABLE bench_units ADD PRIMARY KEY (i);

CREATE FUNCTION bench_record(i int, h bigint, cat text, start date, n int, k int, serial text,
  prev text, OUT kind text, OUT corrects int, OUT body text, OUT rat text, OUT hash text)
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  off int; cnt int; ci int; d date; dur int; x int; main text; corr boolean;
  cause text; outlet text; tech text; part text;
BEGIN
  CASE cat ${offsets.join(' ')} END CASE;
  -- a third of the units keep failing the same way (the counters toward exchange or return)
  ci := CASE WHEN (h >> 9) % 3 = 0 THEN 0 ELSE (((h >> 4) + k) % cnt)::int END;
  x := off + ci + 1;
  d := start + (k::bigint * (date '2026-11-15' - start) / (n + 1))::int;
  dur := CASE WHEN n > 20 THEN 0 ELSE ((h >> (k % 20)) % 4)::int END;
  corr := k >= 2 AND (h + k) % 29 = 0;
  kind := CASE WHEN corr THEN 'correction' ELSE 'repair' END;
  corrects := CASE WHEN corr THEN k - 1 END;
  cause := CASE WHEN (h + k * 31) % 20 = 0 THEN 'consumer_misuse' ELSE 'quality' END;
  main := (${mains})[x]::text;
  part := (${arr(4)})[x];
  outlet := 'OUT-' || lpad(((h >> 6) % 500)::text, 4, '0');
  tech := 'TC-' || lpad((((h >> 6) % 500) * 10 + k % 10)::text, 5, '0');
  -- keys in canonicalJson order (sorted); values exactly as JSON.stringify writes them
  body := '{"charges":{"labourHours":' || (1 + k % 4)
    || ',"labourRateCNY":' || CASE WHEN cause = 'quality' THEN 0 ELSE 150 END
    || ',"materialsCNY":' || CASE WHEN cause = 'quality' THEN 0 ELSE 100 + (h + k) % 900 END
    || ',"towingCNY":0}'
    || CASE WHEN corr THEN ',"corrects":' || (k - 1) ELSE '' END
    || ',"diagnosis":{"cause":"' || cause || '","component":"' || (${arr(0)})[x]
    || '","faultCode":"' || (${arr(1)})[x] || '","isMainPart":' || main || '}'
    || ',"droppedOffAt":"' || to_char(d, 'YYYY-MM-DD') || 'T09:00:00+08:00"'
    || ',"handedBackAt":"' || to_char(d + dur, 'YYYY-MM-DD') || 'T17:00:00+08:00"'
    || ',"inspectionResult":"检测确认故障 ' || (${arr(1)})[x] || '"'
    || ',"kind":"' || kind || '"'
    || CASE WHEN cat = 'household_car'
         THEN ',"odometerKm":' || (k * CASE WHEN n > 20 THEN 40 ELSE 2500 END + h % 2000)
         ELSE '' END
    || ',"outletId":"' || outlet || '"'
    || ',"parts":[{"genuine":true,"isMainPart":' || main || ',"name":"' || part
    || '","number":"PN-' || lpad(((h + k) % 100000)::text, 5, '0')
    || '","serial":"PS' || i || '-' || k || '"}]'
    || ',"reportedFault":"' || (${arr(3)})[x] || '"'
    || ',"signatures":{"consumer":"owner-' || i || '","repairer":"' || tech || '"}'
    || ',"technicianCertificate":"' || tech || '"'
    || ',"workItems":["检测","更换 ' || part || '"]}';
  rat := to_char(d + dur, 'YYYY-MM-DD') || 'T10:00:00.000Z';
  hash := encode(sha256(convert_to('{"body":' || body || ',"prevHash":"' || prev
    || '","recordedAt":"' || rat || '","seq":' || k || ',"serial":"' || serial || '"}', 'UTF8')), 'hex');
END $$;`;
}

const PRICE = `CASE cat WHEN 'household_car' THEN 80000 + (h >> 5) % 300000
  WHEN 'mobile_phone' THEN 999 + (h >> 5) % 8000 WHEN 'microcomputer' THEN 3999 + (h >> 5) % 9000
  WHEN 'tv' THEN 1999 + (h >> 5) % 12000 ELSE 1499 + (h >> 5) % 6000 END`;

const UNITS_SQL = `
INSERT INTO warranty_units (serial, category, model, manufacturer, invoice_date, delivery_date,
  installation_completed_date, price_cny, seller, owner_id, verification_code_hash)
SELECT serial, cat, upper(left(cat, 3)) || '-' || (h >> 11) % 40, 'Maker ' || (h >> 13) % 50,
       to_char(invoice, 'YYYY-MM-DD'), to_char(delivery, 'YYYY-MM-DD'),
       CASE WHEN cat = 'air_conditioner' THEN to_char(invoice + 1 + ((h >> 3) % 5)::int, 'YYYY-MM-DD') END,
       ${PRICE}, 'Seller ' || (h >> 17) % 2000, 'owner-' || i,
       encode(sha256(convert_to('VC' || lpad(i::text, 7, '0'), 'UTF8')), 'hex')
FROM bench_units WHERE i BETWEEN $1 AND $2`;

const RECORDS_SQL = `
INSERT INTO warranty_repair_records (serial, seq, kind, corrects, recorded_at, body, prev_hash, hash)
WITH RECURSIVE c AS (
  SELECT u.i, u.h, u.cat, u.start, u.n, u.serial, 1 AS k, r.kind, r.corrects, r.body, r.rat,
         '${GENESIS_HASH}'::text AS prev, r.hash
  FROM bench_units u,
       LATERAL bench_record(u.i, u.h, u.cat, u.start, u.n, 1, u.serial, '${GENESIS_HASH}') r
  WHERE u.i BETWEEN $1 AND $2 AND u.n >= 1
  UNION ALL
  SELECT c.i, c.h, c.cat, c.start, c.n, c.serial, c.k + 1, r.kind, r.corrects, r.body, r.rat,
         c.hash, r.hash
  FROM c, LATERAL bench_record(c.i, c.h, c.cat, c.start, c.n, c.k + 1, c.serial, c.hash) r
  WHERE c.k < c.n
)
SELECT serial, k, kind, corrects, rat, body::jsonb, prev, hash FROM c`;

/** Records the generator makes for `units` units. */
function expectedRecords(units: number): number {
  let n = LONG_HISTORY;
  for (let i = 1; i < units; i++) n += (7 * i) % 11;
  return n;
}

async function adminQuery(text: string): Promise<pg.QueryResult> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    return await c.query(text);
  } finally {
    await c.end();
  }
}

function dbUrl(): string {
  const url = new URL(PG_URL);
  url.pathname = `/${DB_NAME}`;
  return url.toString();
}

/** Is the cached database complete (same generator, same counts)? */
async function cached(): Promise<boolean> {
  const exists = await adminQuery(`SELECT 1 FROM pg_database WHERE datname = '${DB_NAME}'`);
  if (exists.rowCount === 0) return false;
  const c = new pg.Client({ connectionString: dbUrl() });
  await c.connect();
  try {
    const t = await c.query(`SELECT to_regclass('bench_warranty_meta') AS t`);
    if (!(t.rows[0] as { t: string | null }).t) return false;
    const m = await c.query(
      `SELECT generator, units, records, load_seconds FROM bench_warranty_meta`,
    );
    const row = m.rows[0] as
      { generator: string; units: number; records: number; load_seconds: number } | undefined;
    const ok =
      row?.generator === GENERATOR && row.units === UNITS && row.records === expectedRecords(UNITS);
    if (ok)
      console.log(
        `reusing cached database ${DB_NAME}: ${fmt(row.units)} units, ${fmt(row.records)} records (loaded in ${fmt(row.load_seconds)} s; BENCH_RELOAD=1 rebuilds it)`,
      );
    return ok;
  } finally {
    await c.end();
  }
}

async function load(): Promise<void> {
  const t0 = performance.now();
  const elapsed = () => (performance.now() - t0) / 1000;
  await adminQuery(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`);
  await adminQuery(`CREATE DATABASE ${DB_NAME}`);
  const url = dbUrl();
  const sql = connectPostgres(url, 2);
  await migrate(sql);
  await sql.exec(generatorSql(UNITS));
  console.log(`[${fmt(elapsed(), 1)} s] generator ready (bench_units: ${fmt(UNITS)} units)`);
  // Bulk load: the records' primary key and foreign key are added back (and checked) at the end.
  await sql.exec(`ALTER TABLE warranty_repair_records
    DROP CONSTRAINT warranty_repair_records_pkey,
    DROP CONSTRAINT warranty_repair_records_serial_fkey`);
  const batch = 25_000;
  for (let a = 1; a <= UNITS; a += 100_000)
    await sql.query(UNITS_SQL, [a, Math.min(UNITS, a + 100_000 - 1)]);
  console.log(`[${fmt(elapsed(), 1)} s] ${fmt(UNITS)} units inserted`);
  const total = expectedRecords(UNITS);
  let next = 1;
  let done = 0;
  const worker = async () => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      while (next <= UNITS) {
        const a = next;
        const b = Math.min(UNITS, a + batch - 1);
        next = b + 1;
        const r = await c.query(RECORDS_SQL, [a, b]);
        done += r.rowCount ?? 0;
        const s = elapsed();
        console.log(
          `[${fmt(s, 1)} s] records ${fmt(done)} / ${fmt(total)} (${fmt((100 * done) / total, 1)} %), units up to ${fmt(b)}`,
        );
      }
    } finally {
      await c.end();
    }
  };
  await Promise.all([worker(), worker()]); // two cores
  await sql.exec(`SET maintenance_work_mem = '1GB'`);
  await sql.exec(`ALTER TABLE warranty_repair_records ADD CONSTRAINT warranty_repair_records_pkey
    PRIMARY KEY (serial, seq)`);
  console.log(`[${fmt(elapsed(), 1)} s] primary key (serial, seq) built`);
  await sql.exec(`ALTER TABLE warranty_repair_records ADD CONSTRAINT
    warranty_repair_records_serial_fkey FOREIGN KEY (serial) REFERENCES warranty_units (serial)`);
  console.log(`[${fmt(elapsed(), 1)} s] foreign key checked`);
  await sql.exec(`VACUUM (ANALYZE) warranty_units`);
  await sql.exec(`VACUUM (ANALYZE) warranty_repair_records`);
  console.log(`[${fmt(elapsed(), 1)} s] vacuum analyze done`);
  const counts = (
    await sql.query<{ u: number; r: number }>(
      `SELECT (SELECT count(*) FROM warranty_units) AS u, (SELECT count(*) FROM warranty_repair_records) AS r`,
    )
  ).rows[0]!;
  if (counts.u !== UNITS || counts.r !== total)
    throw new Error(`loaded ${counts.u} units / ${counts.r} records, expected ${UNITS} / ${total}`);
  await checkSample(sql);
  await sql.exec(`DROP TABLE bench_units; DROP FUNCTION bench_record`);
  await sql.exec(`CREATE TABLE bench_warranty_meta (generator text, units int, records int,
    load_seconds double precision, loaded_at timestamptz DEFAULT now())`);
  await sql.query(
    `INSERT INTO bench_warranty_meta (generator, units, records, load_seconds) VALUES ($1, $2, $3, $4)`,
    [GENERATOR, UNITS, total, elapsed()],
  );
  await sql.close();
  console.log(`[${fmt(elapsed(), 1)} s] loaded ${fmt(counts.u)} units, ${fmt(counts.r)} records`);
}

/** Hash chains of a sample of units verify in Node, and bodies are what the API would store. */
async function checkSample(sql: ReturnType<typeof connectPostgres>): Promise<void> {
  const store = new SqlWarrantyStore(sql);
  const u = rand(11);
  const serials = [UNITS, ...Array.from({ length: 300 }, () => 1 + Math.floor(u() * (UNITS - 1)))];
  let records = 0;
  for (const i of serials) {
    const serial = `SN${String(i).padStart(7, '0')}`;
    const v = await store.verifyRepairs(serial);
    if (!v.ok) throw new Error(`chain of ${serial} does not verify: ${JSON.stringify(v)}`);
    for (const r of await store.listRepairs(serial)) {
      if (canonicalJson(RepairRecordBodySchema.parse(r.body)) !== canonicalJson(r.body))
        throw new Error(`record ${serial}#${r.seq} is not a stored RepairRecordBody`);
    }
    records += v.count;
  }
  console.log(`sample check: ${serials.length} chains (${fmt(records)} records) verify in Node`);
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
  if (process.env.BENCH_RELOAD === '1' || !(await cached())) await load();
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
