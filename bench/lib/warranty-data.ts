/**
 * The warranty data set shared by the benches (bench/warranty.ts, bench/quality.ts): 1,000,000
 * units and 5,000,995 hash-chained repair records generated inside PostgreSQL, in the database
 * `sanbao_bench_warranty`, kept between runs and reused when its generator version and row
 * counts match (BENCH_RELOAD=1 rebuilds it). See bench/results/warranty.md for what is in it.
 *
 * Env: BENCH_UNITS (default 1,000,000; another count gets its own database), TEST_DATABASE_URL.
 */
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { connectPostgres, migrate } from '../../core/index.ts';
import { SqlWarrantyStore, RepairRecordBodySchema } from '../../warranty/index.ts';
import { canonicalJson, GENESIS_HASH } from '../../warranty/hash-chain.ts';

export const UNITS = Number(process.env.BENCH_UNITS ?? 1_000_000);
export const LONG_HISTORY = 1_000;
export const PG_URL =
  process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const DB_NAME =
  UNITS === 1_000_000 ? 'sanbao_bench_warranty' : `sanbao_bench_warranty_${UNITS}`;
/** Bump when the generated data change: a cached database of another version is rebuilt. */
const GENERATOR = 'warranty-bench-v1';

export function rand(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
export const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

// ---------------------------------------------------------------------------------------------
// the data set, generated in PostgreSQL

/** Components per category: [component, fault code, main part, reported fault, part replaced]. */
export const COMPONENTS: Record<string, Array<[string, string, boolean, string, string]>> = {
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
export const CATEGORY_SHARE: Array<[string, number]> = [
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

export const q = (s: string) => `'${s.replace(/'/g, "''")}'`;

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
-- kind and corrects are generated from the body (migration 302), supersedes by a trigger (303).
INSERT INTO warranty_repair_records (serial, seq, recorded_at, body, prev_hash, hash)
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
SELECT serial, k, rat, body::jsonb, prev, hash FROM c`;

/** Records the generator makes for `units` units. */
export function expectedRecords(units: number): number {
  let n = LONG_HISTORY;
  for (let i = 1; i < units; i++) n += (7 * i) % 11;
  return n;
}

export async function adminQuery(text: string): Promise<pg.QueryResult> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    return await c.query(text);
  } finally {
    await c.end();
  }
}

export function dbUrl(): string {
  const url = new URL(PG_URL);
  url.pathname = `/${DB_NAME}`;
  return url.toString();
}

/** Is the cached database complete (same generator, same counts)? */
export async function cached(): Promise<boolean> {
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

export async function load(): Promise<void> {
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
  // The chain's anchor on each unit (migration 302): its record count and the last record's hash.
  await sql.exec(`UPDATE warranty_units u SET chain_count = r.n, chain_head = r.head
    FROM (SELECT DISTINCT ON (serial) serial, seq AS n, hash AS head
          FROM warranty_repair_records ORDER BY serial, seq DESC) r
    WHERE u.serial = r.serial`);
  console.log(`[${fmt(elapsed(), 1)} s] chain anchors set`);
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
/** Builds the database unless a complete one of this generator version is cached. */
export async function ensureWarrantyData(): Promise<void> {
  if (process.env.BENCH_RELOAD === '1' || !(await cached())) await load();
}
