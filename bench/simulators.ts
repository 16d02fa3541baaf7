// npm run bench:simulators — the simulator fleet runner (`runFleet`, what `sanbao simulate`
// runs) with 1,000 and 10,000 devices from one process against a real Sanbao service in its
// own process (PGlite storage, device auth, ACL, spool, ingest). Each fleet size runs in a
// fresh child process, so its memory is measured from a clean baseline: provisioning through
// the API, time until every device holds an MQTT connection, then a steady window of
// messages/s and samples/s (readings acknowledged with PUBACK), RSS and heap per device, CPU of
// the simulator and of the service. The simulated clock is sped up so that the whole fleet
// offers BENCH_RATE readings/s whatever its size (the service, not the simulator, sets the
// ceiling on this machine). Prints a markdown report; see bench/results/simulators.md.
// Options (env): BENCH_DEVICES (1000,10000), BENCH_RATE (2000 readings/s for the fleet),
// BENCH_SECONDS (20, the steady window), BENCH_WARMUP (5 s).
import { fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { CATEGORIES } from '../core/index.ts';
import { newStats, runFleet } from '../simulators/runner.ts';
import { cpuSeconds, rssBytes, sleep } from './lib/proc.ts';
import { startSanbao } from './lib/targets.ts';

const SIZES = (process.env.BENCH_DEVICES ?? '1000,10000').split(',').map(Number);
const RATE = Number(process.env.BENCH_RATE ?? 2000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 5);
const log = (s: string) => process.stderr.write(`${s}\n`);

const Result = z.object({
  devices: z.number(),
  speed: z.number(),
  provisionS: z.number(),
  connectS: z.number(),
  connected: z.number(),
  messagesPerS: z.number(),
  samplesPerS: z.number(),
  readingsPerMessage: z.number(),
  baselineRss: z.number(),
  rss: z.number(),
  rssMax: z.number(),
  heapUsed: z.number(),
  simCpuPct: z.number(),
  serviceCpuPct: z.number(),
  serviceRss: z.number(),
  reconnects: z.number(),
  dropped: z.number(),
  drained: z.boolean(),
  stopS: z.number(),
});
type Result = z.infer<typeof Result>;

/** One fleet size, in this (child) process. */
async function child(): Promise<void> {
  const env = z
    .object({
      BENCH_API: z.string(),
      BENCH_MQTT: z.string(),
      BENCH_TOKEN: z.string(),
      BENCH_PID: z.coerce.number(),
      BENCH_N: z.coerce.number(),
      BENCH_CREDS: z.string(),
    })
    .parse(process.env);
  const n = env.BENCH_N;
  // Most models sample every 60 s (the phone every 300 s): speed × n / 60 ≈ RATE.
  const speed = (RATE * 60) / n;
  await sleep(200);
  const baselineRss = process.memoryUsage().rss;
  const stats = newStats();
  const ac = new AbortController();
  const t0 = performance.now();
  let provisioned = NaN;
  let connecting = NaN;
  const run = runFleet({
    api: env.BENCH_API,
    mqtt: env.BENCH_MQTT,
    token: env.BENCH_TOKEN,
    devices: n,
    mix: Object.fromEntries(CATEGORIES.map((c) => [c, 1])),
    faults: 0.05,
    speed,
    seed: 7,
    credentialsFile: env.BENCH_CREDS,
    stats,
    signal: ac.signal,
    stderr: (s) => {
      if (process.env.BENCH_DEBUG) log(`   ${s}`);
    },
    onPhase: (p) => {
      if (p === 'provisioned') provisioned = performance.now();
      if (p === 'connecting') connecting = performance.now();
    },
  });
  let failed: unknown;
  run.catch((err: unknown) => (failed = err));
  while (stats.connected < n && failed === undefined) {
    if (Number.isFinite(connecting) && performance.now() - connecting > 400_000) break;
    await sleep(20);
  }
  if (failed !== undefined) throw failed;
  const connected = performance.now();
  await sleep(WARMUP * 1000);
  const m0 = stats.messages;
  const s0 = stats.samples;
  const c0 = process.cpuUsage();
  const sc0 = cpuSeconds(env.BENCH_PID);
  const w0 = performance.now();
  let rssMax = 0;
  for (let i = 0; i < SECONDS; i++) {
    await sleep(1000);
    rssMax = Math.max(rssMax, process.memoryUsage().rss);
  }
  const window = (performance.now() - w0) / 1000;
  const cpu = process.cpuUsage(c0);
  const mem = process.memoryUsage();
  const result: Result = {
    devices: n,
    speed,
    provisionS: (provisioned - t0) / 1000,
    connectS: (connected - connecting) / 1000,
    connected: stats.connected,
    messagesPerS: (stats.messages - m0) / window,
    samplesPerS: (stats.samples - s0) / window,
    readingsPerMessage: (stats.samples - s0) / Math.max(1, stats.messages - m0),
    baselineRss,
    rss: mem.rss,
    rssMax,
    heapUsed: mem.heapUsed,
    simCpuPct: ((cpu.user + cpu.system) / 1e6 / window) * 100,
    serviceCpuPct: ((cpuSeconds(env.BENCH_PID) - sc0) / window) * 100,
    serviceRss: rssBytes(env.BENCH_PID),
    reconnects: stats.reconnects,
    dropped: stats.dropped,
    drained: false,
    stopS: 0,
  };
  const s1 = performance.now();
  ac.abort();
  const summary = await run;
  result.drained = summary.drained;
  result.stopS = (performance.now() - s1) / 1000;
  process.send?.(result);
}

async function measure(n: number): Promise<Result> {
  const target = await startSanbao();
  const dir = await mkdtemp(path.join(tmpdir(), 'bench-sim-'));
  try {
    const proc = fork(fileURLToPath(import.meta.url), ['--child'], {
      execArgv: ['--import', 'tsx'],
      env: {
        ...process.env,
        BENCH_API: target.httpUrl ?? '',
        BENCH_MQTT: target.mqttUrl,
        BENCH_TOKEN: target.adminToken,
        BENCH_PID: String(target.pid),
        BENCH_N: String(n),
        BENCH_CREDS: path.join(dir, 'credentials.json'),
      },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const result = await new Promise<Result>((resolve, reject) => {
      let got: Result | undefined;
      proc.on('message', (m) => (got = Result.parse(m)));
      proc.on('exit', (code) =>
        got ? resolve(got) : reject(new Error(`child for ${n} devices exited with ${code}`)),
      );
    });
    return result;
  } finally {
    await target.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

const mb = (b: number) => `${(b / 1048576).toFixed(0)} MB`;
const kb = (b: number) => `${(b / 1024).toFixed(1)} KB`;
const f0 = (x: number) => x.toFixed(0);

async function main(): Promise<void> {
  const results: Result[] = [];
  for (const n of SIZES) {
    log(`${n} devices …`);
    const r = await measure(n);
    log(`   ${JSON.stringify(r)}`);
    results.push(r);
  }
  const lines = [
    `Offered load ${RATE} readings/s for the fleet, every category equally, faults 0.05, QoS 1; steady window ${SECONDS} s after a ${WARMUP} s warm-up.`,
    '',
    '| devices | speed | provisioning (API) | connect (all CONNACKs) | connected | messages/s | samples/s acknowledged | readings/message | simulator CPU (µs/message) | service CPU | simulator RSS (baseline → steady, max) | RSS per device | heap used | service RSS | reconnects | dropped | drained at stop |',
    '| ------- | ----- | ------------------ | ---------------------- | --------- | ---------- | ---------------------- | ---------------- | ------------- | ----------- | -------------------------------------- | -------------- | --------- | ----------- | ---------- | ------- | --------------- |',
    ...results.map(
      (r) =>
        `| ${r.devices} | ${r.speed} | ${r.provisionS.toFixed(1)} s | ${r.connectS.toFixed(1)} s | ${r.connected} | ${f0(r.messagesPerS)} | ${f0(r.samplesPerS)} | ${r.readingsPerMessage.toFixed(2)} | ${f0(r.simCpuPct)} % (${f0((r.simCpuPct * 1e4) / Math.max(1, r.messagesPerS))}) | ${f0(r.serviceCpuPct)} % | ${mb(r.baselineRss)} → ${mb(r.rss)}, ${mb(r.rssMax)} | ${kb((r.rss - r.baselineRss) / r.devices)} | ${mb(r.heapUsed)} | ${mb(r.serviceRss)} | ${r.reconnects} | ${r.dropped} | ${r.drained ? 'yes' : 'no'} (${r.stopS.toFixed(1)} s) |`,
    ),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

if (process.argv.includes('--child')) {
  child().then(
    () => process.exit(0),
    (err: unknown) => {
      log(`child failed: ${String(err)}`);
      process.exit(1);
    },
  );
} else {
  await main();
}
