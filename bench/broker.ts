// npm run bench:broker — one load generator against (a) raw aedes without auth, (b) Mosquitto,
// (c) Sanbao with auth, ACL and ingest (into InfluxDB when Debian's influxd is installed, else
// PGlite) — and the diagnostics engine, which the service runs on every stored sample — side by
// side in one run. Prints a markdown report; see bench/RESULTS.md.
// Options (env): BENCH_SECONDS (2: one fixed-rate run), BENCH_FLOOD_SECONDS (8: the flood and the
// load under the latency probe), BENCH_RATE (10000 msg/s), BENCH_IDLE (10000 connections),
// BENCH_WARMUP (12 s of unmeasured load per target and configuration before its runs),
// BENCH_TARGETS (aedes,mosquitto,sanbao; also sanbao-nodiag: Sanbao without diagnostics, see
// bench/lib/without-diagnostics.ts), BENCH_SANBAO_NODE_ARGS (extra node flags for Sanbao),
// BENCH_SANBAO_ENV (extra variables for Sanbao), BENCH_NO_LATENCY (skip the latency probe),
// BENCH_B_NODE_ARGS / BENCH_B_ENV / BENCH_B_CHECKOUT with target sanbao-b or sanbao-nodiag-b: the
// same service with other flags or variables, or another version of the code (the path of another
// checkout of this repository, e.g. a `git worktree` of the commit to compare, with node_modules
// linked), interleaved with the others, to A/B a tuning or a change in one run (with
// BENCH_B_ENV="BENCH_ABLATE=ingest|spool|store", the B variant runs without that stage of the
// publish path: see bench/lib/ablate.ts),
// BENCH_PHASES (fixed,flood,idle; BENCH_FIXED_ONLY = fixed only), BENCH_DEVICES (100,1000) and
// BENCH_QOS (0,1): the fixed-rate configurations to run, BENCH_ROUNDS (20: fixed-rate runs per target and
// configuration, alternating between the targets, every other round in reverse order; the table
// shows the median CPU per message and the range, and the median of each round's ratio to raw
// aedes with its bootstrap interval), BENCH_THREADS=1 (log each run's CPU per thread of the broker),
// BENCH_FRESH=1 (every fixed-rate round on freshly started, warmed-up broker processes; no latency
// probe), BENCH_PIN=1 (every thread of the broker under test on the last CPU, this load generator,
// influxd and everything else it starts on the others: the scheduler no longer moves them across
// each other's cores; needs `taskset`, util-linux).
// The fixed-rate runs of all targets are interleaved (aedes, Mosquitto, Sanbao for one
// configuration, then the next), so load from other work on a shared machine hits them alike.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import mqtt, { type MqttClient } from 'mqtt';
import { influxdAvailable, startInfluxd, type InfluxdHandle } from '../test/helpers/influxd.ts';
import {
  cpuSeconds,
  cpuSecondsByThread,
  ioSyscalls,
  percentile,
  rssBytes,
  sleep,
} from './lib/proc.ts';
import { startMosquitto, startRawAedes, startSanbao, type Target } from './lib/targets.ts';

/**
 * One fixed-rate run (a round) per broker lasts SECONDS; ROUNDS of them alternate between the
 * brokers. Short and many: this VM's speed moves by up to 2× over tens of seconds (another
 * tenant on the host; bench/RESULTS.md, session 10), so only runs seconds apart compare.
 */
const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
/** The flood, and the QoS 1 load under the latency probe, last this long. */
const FLOOD_SECONDS = Number(process.env.BENCH_FLOOD_SECONDS ?? 8);
const RATE = Number(process.env.BENCH_RATE ?? 10_000);
const IDLE = Number(process.env.BENCH_IDLE ?? 10_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 12);
const PHASES = (
  process.env.BENCH_PHASES ?? (process.env.BENCH_FIXED_ONLY ? 'fixed' : 'fixed,flood,idle')
).split(',');
/** Fixed-rate configurations: publishing devices × QoS (a focused A/B needs only one). */
const DEVICE_COUNTS = (process.env.BENCH_DEVICES ?? '100,1000').split(',').map(Number);
const QOS_LEVELS = (process.env.BENCH_QOS ?? '0,1').split(',').map((q) => (q === '1' ? 1 : 0));
const CONFIGS = DEVICE_COUNTS.flatMap((n) => QOS_LEVELS.map((q) => [n, q] as const));
const log = (s: string) => process.stderr.write(`${s}\n`);
let clientErrors = 0;
let closes = 0;
// A broker that resets connections under load is a result to report, not a reason to stop.
process.on('uncaughtException', (err: NodeJS.ErrnoException) => {
  if (err.code === 'ECONNRESET' || err.code === 'EPIPE') clientErrors++;
  else throw err;
});

/** Closes a client; one the broker already dropped may never answer, so it is not waited for long. */
const end = (c: MqttClient) => Promise.race([c.endAsync(true).catch(() => undefined), sleep(2000)]);

const payload = (i: number) =>
  JSON.stringify({
    ts: Date.now(),
    metrics: { indoor_temp_c: 20 + (i % 10), power_w: 800 + (i % 100), compressor_current_a: 5.5 },
  });

async function connectMany(t: Target, n: number, keepalive = 60): Promise<MqttClient[]> {
  await t.prepare(n);
  const clients: MqttClient[] = [];
  if (process.env.BENCH_DEBUG) log(`   connecting ${n}`);
  for (let i = 0; i < n; i += 200) {
    const batch = await Promise.all(
      Array.from(
        { length: Math.min(200, n - i) },
        (_, j) =>
          new Promise<MqttClient>((resolve, reject) => {
            const c = mqtt.connect(t.mqttUrl, {
              ...t.deviceCredentials(i + j),
              reconnectPeriod: 0,
              keepalive,
              protocolVersion: 4,
            });
            c.once('connect', () => {
              c.on('error', () => clientErrors++);
              c.on('close', () => closes++);
              resolve(c);
            });
            c.once('error', reject);
            c.once('close', () => reject(new Error(`${t.name}: connection closed before CONNACK`)));
          }),
      ),
    );
    clients.push(...batch);
  }
  return clients;
}

async function subscriber(t: Target, qos: 0 | 1): Promise<{ c: MqttClient; count: () => number }> {
  const c = await new Promise<MqttClient>((resolve, reject) => {
    const s = mqtt.connect(t.mqttUrl, {
      clientId: `bench-sub-${Date.now()}`,
      ...t.subscriber,
      reconnectPeriod: 0,
      protocolVersion: 4,
    });
    s.once('connect', () => {
      s.on('error', () => clientErrors++);
      resolve(s);
    });
    s.once('error', reject);
    s.once('close', () => reject(new Error(`${t.name}: subscriber closed before CONNACK`)));
  });
  let n = 0;
  c.on('message', () => n++);
  await c.subscribeAsync('devices/+/telemetry', { qos });
  return { c, count: () => n };
}

/** Sanbao's stored-sample counter (its public /metrics), or NaN for other brokers. */
async function storedCount(t: Target): Promise<number> {
  if (!t.httpUrl) return NaN;
  const text = await fetch(`${t.httpUrl}/metrics`).then((r) => r.text());
  return Number(/^sanbao_ingest_samples_stored_total (\S+)/m.exec(text)?.[1] ?? NaN);
}

interface RunResult {
  stored: number;
  sent: number;
  delivered: number;
  deliveredPerSec: number;
  cpuUsPerMsg: number;
  /** Read and write system calls of the broker per delivered message (fixed rate only). */
  syscallsPerMsg?: { reads: number; writes: number };
  perSecond: number[];
  /** Seconds between the two CPU readings of a fixed-rate run (its measurement window). */
  windowSeconds?: number;
}

/** Every broker process of the run, and influxd's (any process named influxd). */
const running: Target[] = [];
/** CPU seconds of a process so far; 0 once it ended (another's influxd may end at any time). */
const cpuOf = (pid: number) => {
  try {
    return cpuSeconds(pid);
  } catch {
    return 0;
  }
};
const busy = (pids: number[], ms: number) => {
  const c0 = pids.map(cpuOf);
  return sleep(ms).then(
    () => pids.reduce((sum, p, i) => sum + Math.max(0, cpuOf(p) - c0[i]!), 0) / (ms / 1000),
  );
};

/** A process's name; '' when it ended since /proc was listed (other work on a shared machine). */
const comm = (pid: string) => {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
};

/**
 * Waits (up to 10 s) until the other brokers and influxd use under 5 % of a core: the broker
 * measured before may still be storing, diagnosing or collecting its last run, and on two cores
 * that work would compete with the run measured now.
 */
async function quiet(t: Target): Promise<void> {
  const others = running.filter((o) => o !== t).map((o) => o.pid);
  for (const p of readdirSync('/proc'))
    if (/^\d+$/.test(p) && comm(p) === 'influxd') others.push(Number(p));
  for (let waited = 0; waited < 10_000; waited += 200) if ((await busy(others, 200)) < 0.05) return;
}

/** Publishes `rate` msg/s spread over `devices` clients for SECONDS; measures the broker's CPU. */
async function fixedRate(
  t: Target,
  devices: MqttClient[],
  qos: 0 | 1,
  rate: number,
  seconds = SECONDS,
): Promise<RunResult> {
  const sub = await subscriber(t, qos);
  const topicOf = devices.map((c) => `devices/${c.options.clientId}/telemetry`);
  await sleep(300);
  await quiet(t);
  const stored0 = await storedCount(t);
  const cpu0 = cpuSeconds(t.pid);
  const window0 = performance.now();
  const io0 = ioSyscalls(t.pid);
  const th0 = process.env.BENCH_THREADS ? cpuSecondsByThread(t.pid) : undefined;
  const start = Date.now();
  let sent = 0;
  let k = 0;
  const perSecond: number[] = [];
  let lastCount = sub.count();
  while (Date.now() - start < seconds * 1000) {
    const due = Math.floor(((Date.now() - start) / 1000) * rate) - sent;
    for (let j = 0; j < due; j++) {
      const i = k++ % devices.length;
      devices[i]!.publish(topicOf[i]!, payload(sent), { qos });
      sent++;
    }
    const sec = Math.floor((Date.now() - start) / 1000);
    if (sec > perSecond.length) {
      perSecond.push(sub.count() - lastCount);
      lastCount = sub.count();
    }
    await sleep(5);
  }
  const elapsed = (Date.now() - start) / 1000;
  // Let the tail arrive: until everything is delivered, or nothing more comes for 1.5 s. A
  // subscriber leaving while a loaded broker still routes a backlog can crash aedes (its router
  // recurses through the queue), which would measure the machine's load, not the broker.
  for (let last = -1, still = 0; sub.count() < sent && still < 1500;) {
    await sleep(100);
    still = sub.count() === last ? still + 100 : 0;
    last = sub.count();
  }
  await sleep(300);
  const cpu = cpuSeconds(t.pid) - cpu0;
  const windowSeconds = (performance.now() - window0) / 1000;
  const io = ioSyscalls(t.pid);
  const delivered = sub.count();
  if (th0)
    log(
      `   ${[...cpuSecondsByThread(t.pid)].map(([k, v]) => `${k} ${(((v - (th0.get(k) ?? 0)) / delivered) * 1e6).toFixed(1)}`).join(', ')} µs/msg`,
    );
  await end(sub.c);
  return {
    stored: (await storedCount(t)) - stored0,
    sent,
    delivered,
    deliveredPerSec: delivered / elapsed,
    cpuUsPerMsg: (cpu / Math.max(delivered, 1)) * 1e6,
    syscallsPerMsg: {
      reads: (io.reads - io0.reads) / Math.max(delivered, 1),
      writes: (io.writes - io0.writes) / Math.max(delivered, 1),
    },
    perSecond,
    windowSeconds,
  };
}

/** 100 publishers as fast as their sockets take it (QoS 0): does delivery hold up or collapse? */
async function flood(t: Target, devices: MqttClient[]): Promise<RunResult> {
  if (process.env.BENCH_DEBUG)
    log(`   connected devices: ${devices.filter((c) => c.connected).length}`);
  const sub = await subscriber(t, 0);
  if (process.env.BENCH_DEBUG) log('   subscriber ready');
  await sleep(300);
  const stored0 = await storedCount(t);
  const cpu0 = cpuSeconds(t.pid);
  const start = Date.now();
  let sent = 0;
  let running = true;
  const perSecond: number[] = [];
  let last = 0;
  const ticker = setInterval(() => {
    perSecond.push(sub.count() - last);
    last = sub.count();
  }, 1000);
  await Promise.all(
    devices.map(async (c) => {
      const topic = `devices/${c.options.clientId}/telemetry`;
      while (running && Date.now() - start < FLOOD_SECONDS * 1000) {
        for (let j = 0; j < 20; j++) c.publish(topic, payload(sent++), { qos: 0 });
        // Respect the socket: wait for it to drain, as a real device's TCP stack would.
        const stream = (
          c as unknown as {
            stream: { writableNeedDrain: boolean; once(e: string, f: () => void): void };
          }
        ).stream;
        if (stream.writableNeedDrain) {
          await new Promise<void>((r) => {
            stream.once('drain', r);
            setTimeout(r, 200); // a reset connection never drains
          });
          if (!c.connected) return;
        } else await new Promise((r) => setImmediate(r));
      }
    }),
  );
  running = false;
  if (process.env.BENCH_DEBUG) log('   flood publishers done');
  const elapsed = (Date.now() - start) / 1000;
  clearInterval(ticker);
  await sleep(1500);
  if (process.env.BENCH_DEBUG) log('   slept');
  const cpu = cpuSeconds(t.pid) - cpu0;
  const delivered = sub.count();
  await end(sub.c);
  if (process.env.BENCH_DEBUG) log('   subscriber closed');
  return {
    stored: (await storedCount(t)) - stored0,
    sent,
    delivered,
    deliveredPerSec: delivered / elapsed,
    cpuUsPerMsg: (cpu / Math.max(delivered, 1)) * 1e6,
    perSecond,
  };
}

async function idleMemory(
  t: Target,
  n: number,
): Promise<{ bytesPerConnection: number; connected: number }> {
  await t.prepare(n);
  await sleep(500);
  const before = rssBytes(t.pid);
  const clients = await connectMany(t, n, 600);
  await sleep(3000);
  const after = rssBytes(t.pid);
  await Promise.all(clients.map(end));
  return { bytesPerConnection: (after - before) / n, connected: clients.length };
}

/** Sanbao only: publish → visible in GET /latest, under the QoS 1 fixed-rate load. */
async function latency(t: Target & { adminToken?: string }, samples: number): Promise<number[]> {
  const [probe] = await connectMany(t, 1);
  const id = String(probe!.options.clientId);
  const out: number[] = [];
  for (let i = 0; i < samples; i++) {
    const ts = Date.now();
    const t0 = performance.now();
    await probe!.publishAsync(
      `devices/${id}/telemetry`,
      JSON.stringify({ ts, metrics: { power_w: i } }),
      { qos: 1 },
    );
    for (;;) {
      const r = await fetch(`${t.httpUrl}/api/v1/devices/${id}/latest`, {
        headers: { authorization: `Bearer ${t.adminToken}` },
      });
      const body = (await r.json()) as { metrics: { power_w?: { ts: string } } };
      if (body.metrics.power_w && Date.parse(body.metrics.power_w.ts) === ts) break;
      await sleep(2);
    }
    out.push(performance.now() - t0);
    await sleep(20);
  }
  await end(probe!);
  return out.sort((a, b) => a - b);
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const rows: string[] = [];
const fmt = (n: number, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');
/** A run's read and write system calls per delivered message: what batching saves, without noise. */
const syscalls = (r: RunResult) =>
  r.syscallsPerMsg
    ? `${fmt(r.syscallsPerMsg.reads, 2)} + ${fmt(r.syscallsPerMsg.writes, 2)}`
    : 'n/a';

/**
 * Fixed-rate phase: every target up at once, runs interleaved per configuration and round.
 * Then, on Sanbao, the publish → queryable latency under QoS 1 load.
 */
/**
 * One configuration's runs, `runs[i]` of the broker named `names[i]` in round order: the table
 * rows (into `rowsOut[i]`), the median CPU per message, and each round's ratio to raw aedes.
 */
function summarise(
  n: number,
  qos: number,
  names: string[],
  runs: RunResult[][],
  rowsOut: string[][],
): void {
  // Each round's ratio to raw aedes in the same round: this VM's speed drifts by ±15 % over
  // minutes, and a ratio of runs a few seconds apart cancels most of that drift.
  const base = names.indexOf('raw aedes');
  names.forEach((name, i) => {
    if (base < 0 || i === base) return;
    const ratios = runs[i]!.map((r, k) => r.cpuUsPerMsg / runs[base]![k]!.cpuUsPerMsg).sort(
      (a, b) => a - b,
    );
    paired.set(`${name}|${n}|${qos}`, ratios);
    pooled.set(`${name}|${n}|${qos}`, cpuTotal(runs[i]!) / cpuTotal(runs[base]!));
    const d = deferredUs.get(`${name}|${n}|${qos}`);
    const dBase = deferredUs.get(`raw aedes|${n}|${qos}`);
    if (d !== undefined && dBase !== undefined)
      pooledWithDeferred.set(
        `${name}|${n}|${qos}`,
        (cpuTotal(runs[i]!) + d) / (cpuTotal(runs[base]!) + dBase),
      );
  });
  names.forEach((name, i) => {
    const rs = [...runs[i]!].sort((a, b) => a.cpuUsPerMsg - b.cpuUsPerMsg);
    // The median run (of an even count, the upper of the middle two).
    const r = rs[Math.floor(rs.length / 2)]!;
    const range =
      rs.length > 1
        ? ` (${fmt(rs[0]!.cpuUsPerMsg, 1)}–${fmt(rs[rs.length - 1]!.cpuUsPerMsg, 1)})`
        : '';
    rowsOut[i]!.push(
      `| ${name} | fixed ${RATE}/s | ${n} | ${qos} | ${r.sent} | ${r.delivered} | ${fmt(r.stored)} | ${fmt(r.deliveredPerSec)} | ${fmt(r.cpuUsPerMsg, 1)}${range} | ${syscalls(r)} |`,
    );
    cpu.set(`${name}|${n}|${qos}`, r.cpuUsPerMsg);
  });
}

/**
 * The fixed-rate phase with BENCH_FRESH=1: every round of every configuration runs on broker
 * processes started for it (and warmed up), one after the other. Slower, but a broker process
 * settles at its own level for its whole life (JIT decisions, heap layout: ±10 % from one
 * process to the next here), which rounds within one process do not average out.
 */
async function freshFixedPhase(starts: Array<() => Promise<Target>>) {
  const names: string[] = [];
  const rowsOut = starts.map((): string[] => []);
  for (const n of DEVICE_COUNTS) {
    for (const qos of QOS_LEVELS) {
      const runs = starts.map((): RunResult[] => []);
      for (let round = 0; round < ROUNDS; round++) {
        for (const [i, start] of starts.entries()) {
          const t = await start();
          running.push(t);
          names[i] = t.name;
          try {
            const devices = await connectMany(t, n);
            log(`   ${t.name}: fresh process, warm-up ${WARMUP} s, ${n} devices, QoS ${qos}`);
            await fixedRate(t, devices, qos, RATE, WARMUP);
            log(`   ${t.name}: fixed ${RATE}/s, ${n} devices, QoS ${qos}, round ${round + 1}`);
            runs[i]!.push(await fixedRate(t, devices, qos, RATE));
            await Promise.all(devices.map(end));
          } finally {
            running.splice(running.indexOf(t), 1);
            await t.stop();
          }
        }
      }
      summarise(n, qos, names, runs, rowsOut);
    }
  }
  for (const r of rowsOut) rows.push(...r);
}

async function fixedPhase(starts: Array<() => Promise<Target>>, latencyProbe: boolean) {
  if (process.env.BENCH_FRESH) return freshFixedPhase(starts);
  const targets: Target[] = [];
  const byTarget = new Map<Target, string[]>();
  try {
    for (const start of starts) {
      const t = await start();
      targets.push(t);
      running.push(t);
      byTarget.set(t, []);
    }
    for (const n of DEVICE_COUNTS) {
      const devices = new Map<Target, MqttClient[]>();
      for (const t of targets) devices.set(t, await connectMany(t, n));
      for (const qos of QOS_LEVELS) {
        // Not measured: every broker runs this configuration for WARMUP seconds first, so the
        // JIT has compiled its hot paths. Profiles of Sanbao show V8 still optimising its code
        // (TurboFan on the main thread and in background threads) for the first ~10 s of a
        // configuration: the 2 s warm-up this bench had measured compilation, not messages.
        for (const t of targets) {
          log(`   ${t.name}: warm-up ${WARMUP} s, ${n} devices, QoS ${qos}`);
          await fixedRate(t, devices.get(t)!, qos, RATE, WARMUP);
        }
        const runs = new Map<Target, RunResult[]>(targets.map((t) => [t, []]));
        // A broker's CPU is read only during its own rounds: work it puts off until the others'
        // rounds (GC, timers, writes) would go uncounted. So every broker's whole CPU over the
        // rounds is read too, and what it used outside its rounds above its idle rate
        // (measured now, everything connected and quiet) is added to its pooled figure.
        await sleep(2000); // the warm-up's own tail (writes, a lazy fdatasync, GC) first
        const idle0 = targets.map((t) => cpuSeconds(t.pid));
        await sleep(3000);
        const idleRate = targets.map((t, i) => (cpuSeconds(t.pid) - idle0[i]!) / 3);
        const phase0 = targets.map((t) => cpuSeconds(t.pid));
        const phaseStart = performance.now();
        for (let round = 0; round < ROUNDS; round++) {
          // Every other round in the reverse order: no broker always runs right after another.
          for (const t of round % 2 === 0 ? targets : [...targets].reverse()) {
            log(`   ${t.name}: fixed ${RATE}/s, ${n} devices, QoS ${qos}, round ${round + 1}`);
            const r = await fixedRate(t, devices.get(t)!, qos, RATE);
            runs.get(t)!.push(r);
            // Each round's figure as it comes: a broker dying later still leaves these.
            log(`     ${fmt(r.cpuUsPerMsg, 2)} µs/msg, ${r.delivered} of ${r.sent} delivered`);
          }
        }
        const phaseSeconds = (performance.now() - phaseStart) / 1000;
        targets.forEach((t, i) => {
          const rs = runs.get(t)!;
          const inside = rs.reduce((a, r) => a + (r.cpuUsPerMsg * r.delivered) / 1e6, 0);
          const outsideSeconds = phaseSeconds - rs.reduce((a, r) => a + (r.windowSeconds ?? 0), 0);
          const outside = cpuSeconds(t.pid) - phase0[i]! - inside;
          const deferred = Math.max(0, outside - idleRate[i]! * outsideSeconds);
          const msgs = rs.reduce((a, r) => a + r.delivered, 0);
          deferredUs.set(`${t.name}|${n}|${qos}`, (deferred / msgs) * 1e6);
          log(
            `   ${t.name}: idle ${fmt(idleRate[i]! * 1000, 1)} ms/s; outside its rounds ${fmt(outside, 2)} s of CPU in ${fmt(outsideSeconds, 0)} s, ${fmt((deferred / msgs) * 1e6, 2)} µs/msg above idle`,
          );
        });
        summarise(
          n,
          qos,
          targets.map((t) => t.name),
          targets.map((t) => runs.get(t)!),
          targets.map((t) => byTarget.get(t)!),
        );
      }
      for (const t of targets) await Promise.all(devices.get(t)!.map(end));
    }
    const sanbao = targets.find((t) => t.httpUrl);
    if (latencyProbe && sanbao) {
      log('   publish → queryable latency under QoS 1 load');
      const load = (async () => {
        const ds = await connectMany(sanbao, 100);
        await fixedRate(sanbao, ds, 1, RATE, FLOOD_SECONDS);
        await Promise.all(ds.map(end));
      })();
      await sleep(1000);
      const l = await latency(sanbao as Target & { adminToken?: string }, 100);
      await load;
      lat = `p50 ${fmt(percentile(l, 50), 1)} ms, p99 ${fmt(percentile(l, 99), 1)} ms, max ${fmt(l[l.length - 1]!, 1)} ms (${l.length} samples, during ${RATE} msg/s QoS 1 from 100 devices)`;
    }
  } finally {
    for (const t of targets) await t.stop();
  }
  for (const t of targets) rows.push(...byTarget.get(t)!);
}

/** Flood and idle phases: each gets a fresh broker process, so a flood's aftermath cannot skew the next. */
async function floodAndIdle(start: () => Promise<Target>) {
  if (PHASES.includes('flood')) await floodPhase(start);
  if (PHASES.includes('idle')) await idlePhase(start);
}

async function floodPhase(start: () => Promise<Target>) {
  const t = await start();
  log(`\n== ${t.name}`);
  try {
    log('   flood, 100 devices, QoS 0');
    const devices = await connectMany(t, 100);
    clientErrors = 0;
    closes = 0;
    const r = await flood(t, devices);
    const died = !alive(t.pid);
    rows.push(
      `| ${t.name} | flood | 100 | 0 | ${r.sent} | ${r.delivered} | ${fmt(r.stored)} | ${fmt(r.deliveredPerSec)}${died ? ' (broker died)' : ''} | ${fmt(r.cpuUsPerMsg, 1)} | |`,
    );
    if (t.httpUrl)
      floodStored = `${fmt(r.stored / FLOOD_SECONDS)} samples/s stored during the flood`;
    floods.push(`| ${t.name} | ${r.perSecond.join(' · ')} | ${clientErrors} | ${closes} |`);
    await Promise.all(devices.map(end));
  } finally {
    await t.stop();
  }
}

async function idlePhase(start: () => Promise<Target>) {
  const t = await start();
  try {
    log(`   ${IDLE} idle connections`);
    const m = await idleMemory(t, IDLE);
    mem.push(`| ${t.name} | ${m.connected} | ${fmt(m.bytesPerConnection / 1024, 1)} KB |`);
  } finally {
    await t.stop();
  }
}

const cpu = new Map<string, number>();
/** Per-round CPU ratios to raw aedes, sorted, by target and configuration. */
const paired = new Map<string, number[]>();
const median = (xs: number[]) => xs[Math.floor(xs.length / 2)]!;
/** All rounds' broker CPU over all their delivered messages, by target and configuration. */
const pooled = new Map<string, number>();
/** CPU a broker used between its rounds above its idle rate, µs per message of its rounds. */
const deferredUs = new Map<string, number>();
const pooledWithDeferred = new Map<string, number>();
const cpuTotal = (rs: RunResult[]) =>
  rs.reduce((s, r) => s + r.cpuUsPerMsg * r.delivered, 0) / rs.reduce((s, r) => s + r.delivered, 0);
/**
 * 95 % bootstrap interval of the median of `xs` (sorted): 2,000 resamples drawn with a fixed
 * seed, so the same rounds always print the same interval. Undefined below 8 rounds.
 */
function medianInterval(xs: number[]): [number, number] | undefined {
  if (xs.length < 8) return undefined;
  let seed = 0x9e3779b9;
  const rand = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 2 ** 32;
  };
  const medians: number[] = [];
  for (let b = 0; b < 2000; b++) {
    const draw = Array.from({ length: xs.length }, () => xs[Math.floor(rand() * xs.length)]!);
    medians.push(median(draw.sort((a, c) => a - c)));
  }
  medians.sort((a, c) => a - c);
  return [medians[50]!, medians[1949]!];
}
const floods: string[] = [];
const mem: string[] = [];
let lat = '';
let floodStored = '';
let influxd: InfluxdHandle | undefined;
const storeNote = influxdAvailable()
  ? 'InfluxDB 1.x (Debian influxd, own process)'
  : 'SQL on PGlite (influxd not installed)';
/** BENCH_PIN: the CPU the broker under test gets to itself, and the list for everything else. */
const PIN = process.env.BENCH_PIN
  ? { broker: String(availableParallelism() - 1), rest: `0-${availableParallelism() - 2}` }
  : undefined;
if (PIN && availableParallelism() < 2) throw new Error('BENCH_PIN needs at least two CPUs');
/** Sets the CPU affinity of every thread of `pid`; threads it starts later inherit it. */
const pin = (pid: number, cpus: string) =>
  execFileSync('taskset', ['--all-tasks', '--pid', '--cpu-list', cpus, String(pid)], {
    stdio: 'ignore',
  });
// Children (influxd, brokers while they start) inherit this process's CPUs.
if (PIN) pin(process.pid, PIN.rest);
try {
  if (influxdAvailable()) influxd = await startInfluxd();
  const only = process.env.BENCH_TARGETS?.split(',');
  const starts: Array<() => Promise<Target>> = [];
  if (!only || only.includes('aedes')) starts.push(startRawAedes);
  if (!only || only.includes('mosquitto')) starts.push(startMosquitto);
  const words = (s: string | undefined) => (s ?? '').split(' ').filter(Boolean);
  const sanbao =
    (withoutDiagnostics: boolean, b = false) =>
    () => {
      const nodeArgs = words(
        b ? process.env.BENCH_B_NODE_ARGS : process.env.BENCH_SANBAO_NODE_ARGS,
      );
      const env = b
        ? Object.fromEntries(
            words(process.env.BENCH_B_ENV).map((kv) => kv.split('=') as [string, string]),
          )
        : {};
      const checkout = b ? process.env.BENCH_B_CHECKOUT : undefined;
      return startSanbao({
        ...(influxd ? { influxUrl: influxd.url } : {}),
        nodeArgs,
        env,
        withoutDiagnostics,
        ...(checkout ? { checkout } : {}),
        ...(b
          ? {
              variant: `B (${[...nodeArgs, ...words(process.env.BENCH_B_ENV), ...(checkout ? [checkout] : [])].join(' ')})`,
            }
          : {}),
      });
    };
  if (!only || only.includes('sanbao')) starts.push(sanbao(false));
  if (only?.includes('sanbao-nodiag')) starts.push(sanbao(true));
  if (only?.includes('sanbao-b')) starts.push(sanbao(false, true));
  if (only?.includes('sanbao-nodiag-b')) starts.push(sanbao(true, true));
  if (PIN)
    starts.forEach((start, i) => {
      starts[i] = async () => {
        const t = await start();
        pin(t.pid, PIN.broker);
        return t;
      };
    });
  if (PHASES.includes('fixed')) await fixedPhase(starts, !process.env.BENCH_NO_LATENCY);
  for (const start of starts) await floodAndIdle(start);
} finally {
  await influxd?.stop();
}

const out = [
  `Broker benchmark — ${new Date().toISOString()} — ${SECONDS} s per run, ${ROUNDS} round(s), Sanbao telemetry store: ${storeNote}${PIN ? `; broker under test pinned to CPU ${PIN.broker}, the rest to ${PIN.rest}` : ''}`,
  '',
  '| broker | load | devices | QoS | sent | delivered to subscriber | stored (Sanbao) | delivered msg/s | broker CPU µs/msg delivered | broker system calls/msg, read + write |',
  '|---|---|---|---|---|---|---|---|---|---|',
  ...rows,
  '',
  'Broker CPU per message relative to raw aedes (same configuration, runs interleaved):',
  '',
  `| broker | ${CONFIGS.map(([n, q]) => `${n} devices QoS ${q}`).join(' | ')} |`,
  `|---|${CONFIGS.map(() => '---|').join('')}`,
  ...[...new Set([...cpu.keys()].map((k) => k.split('|')[0]!))]
    .filter((name) => name !== 'raw aedes')
    .map(
      (name) =>
        `| ${name} | ${CONFIGS.map(([n, q]) => `${n}|${q}`)
          .map((c) => `${fmt(cpu.get(`${name}|${c}`)! / cpu.get(`raw aedes|${c}`)!, 2)}×`)
          .join(' | ')} |`,
    ),
  '',
  "The same, as the median of each round's ratio (a round runs every broker once, seconds apart), with the range, the 95 % bootstrap interval of that median (from 8 rounds), and all rounds' CPU over all their messages (pooled), also counting the CPU each broker used between its rounds above its idle rate:",
  '',
  `| broker | ${CONFIGS.map(([n, q]) => `${n} devices QoS ${q}`).join(' | ')} |`,
  `|---|${CONFIGS.map(() => '---|').join('')}`,
  ...[...new Set([...paired.keys()].map((k) => k.split('|')[0]!))].map(
    (name) =>
      `| ${name} | ${CONFIGS.map(([n, q]) => `${name}|${n}|${q}`)
        .map((key) => {
          const r = paired.get(key);
          if (!r) return 'n/a';
          const ci = medianInterval(r);
          return (
            `${fmt(median(r), 2)}× (${fmt(r[0]!, 2)}–${fmt(r[r.length - 1]!, 2)})` +
            (ci ? `, 95 % ${fmt(ci[0], 2)}–${fmt(ci[1], 2)}` : '') +
            `; pooled ${fmt(pooled.get(key)!, 2)}×` +
            (pooledWithDeferred.has(key)
              ? `, with work between rounds ${fmt(pooledWithDeferred.get(key)!, 2)}×`
              : '')
          );
        })
        .join(' | ')} |`,
  ),
  '',
  'Flood (QoS 0, 100 devices as fast as their sockets drain): delivered per second',
  '',
  '| broker | msg/s each second | client socket errors | connections closed |',
  '|---|---|---|---|',
  ...floods,
  '',
  `Idle connections (RSS growth per connection):`,
  '',
  '| broker | connected | per connection |',
  '|---|---|---|',
  ...mem,
  '',
  `Sanbao publish → queryable (GET /api/v1/devices/{id}/latest): ${lat}`,
  `Sanbao flood: ${floodStored}`,
];
console.log(out.join('\n'));
process.exit(0);
