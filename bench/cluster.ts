// npm run bench:cluster — the cost of clustering (issue 22): one Sanbao node on its own, and
// clusters of 1, 2 and 3 nodes on one Redis (REDIS_URL), each configuration on its own
// PostgreSQL database and InfluxDB database, measured side by side in one run with the same
// load generator. Prints a markdown report; see bench/RESULTS.md.
//
// Phases (BENCH_PHASES, default fixed,flood, plus idle when BENCH_IDLE is set):
// - fixed: BENCH_DEVICES (300) devices per configuration, spread round-robin over its nodes,
//   publish BENCH_RATE (2,000) telemetry messages/s in all at QoS 1 for BENCH_SECONDS (3);
//   BENCH_ROUNDS (6) rounds per configuration, the configurations alternating (every other round
//   in reverse order) so load from other work on the machine hits them alike. Per stored
//   message: the CPU of every node of the configuration and of the Redis server, and Redis
//   commands (INFO stats). A round ends when every message is acknowledged and stored.
// - flood: every device keeps 4 QoS 1 messages in flight for BENCH_FLOOD_SECONDS (5): messages
//   acknowledged and stored per second. The load generator shares this machine's two cores with
//   every node, so this shows the cost of more processes on the same cores, not a cluster's
//   capacity: the capacity model in bench/RESULTS.md is built from CPU per message.
// - idle: BENCH_IDLE connections (e.g. 100000) to a fresh cluster of ceil(BENCH_IDLE / 16,000)
//   nodes (this machine lets a process hold 20,000 open files), opened by child processes
//   (bench/lib/idle-clients.ts, one per 19,000 connections, each from its own loopback address)
//   that CONNECT with each device's credentials and SUBSCRIBE to its commands: memory per
//   connection in the nodes (RSS) and in Redis.
// BENCH_WATCH=1: a service client on each configuration's first node subscribes to
// `devices/+/telemetry` (QoS 0) before the phases, as a live dashboard would: every message then
// has a listener somewhere, so a cluster publishes it to Redis (without one it does not:
// broker/cluster-interest.ts); the messages it heard are reported.
// BENCH_NODES (1,2,3): the cluster sizes to compare with the node on its own. BENCH_NODE_ARGS:
// extra node flags for the nodes of the fixed and flood phases (e.g. `--cpu-prof
// --cpu-prof-dir=/tmp/prof`, one profile per node, written when it stops).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import mqtt, { type MqttClient } from 'mqtt';
import pg from 'pg';
import { startInfluxd } from '../test/helpers/influxd.ts';
import { freePort, spawnService, type ServiceProcess } from '../test/helpers/process.ts';
import { cpuSeconds, rssBytes, sleep } from './lib/proc.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const env = process.env;
const DEVICES = Number(env.BENCH_DEVICES ?? 300);
const RATE = Number(env.BENCH_RATE ?? 2000);
const SECONDS = Number(env.BENCH_SECONDS ?? 3);
const ROUNDS = Number(env.BENCH_ROUNDS ?? 6);
const FLOOD_SECONDS = Number(env.BENCH_FLOOD_SECONDS ?? 5);
const IDLE = Number(env.BENCH_IDLE ?? 0);
const WATCH = env.BENCH_WATCH === '1';
const NODES = (env.BENCH_NODES ?? '1,2,3').split(',').map(Number);
const PHASES = (env.BENCH_PHASES ?? (IDLE > 0 ? 'fixed,flood,idle' : 'fixed,flood')).split(',');
const PG_URL = env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const ADMIN = 'bench-admin-token-0123456789';
const PER_NODE_IDLE = 16_000;
const PER_GENERATOR = 19_000;
const log = (s: string) => process.stderr.write(`${s}\n`);
const fmt = (n: number, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const range = (xs: number[], d = 1) => `${fmt(Math.min(...xs), d)}–${fmt(Math.max(...xs), d)}`;

// ---- services this bench owns: a Redis server (its CPU is counted), databases, influxd ----

async function startRedis(): Promise<{ url: string; pid: number; stop: () => Promise<void> }> {
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0 });
    r.on('error', () => undefined); // refused until redis-server listens: the loop retries
    try {
      await r.connect();
      await r.ping();
      r.disconnect();
      break;
    } catch (err) {
      r.disconnect();
      if (i > 50) throw new Error(`redis-server did not answer on ${url}: ${String(err)}`);
      await sleep(100);
    }
  }
  return {
    url,
    pid: child.pid!,
    stop: () =>
      new Promise<void>((r) => {
        child.once('exit', () => r());
        child.kill('SIGTERM');
      }),
  };
}

const databases: string[] = [];
async function createDatabase(): Promise<string> {
  const name = `sanbao_bench_${process.pid}_${databases.length}`;
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  await c.query(`DROP DATABASE IF EXISTS ${name}`);
  await c.query(`CREATE DATABASE ${name}`);
  await c.end();
  databases.push(name);
  const u = new URL(PG_URL);
  u.pathname = `/${name}`;
  return u.toString();
}
async function dropDatabases() {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  for (const name of databases) await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await c.end();
}

// ---- a configuration: one node alone, or a cluster of n on one Redis database index ----

interface Node {
  proc: ServiceProcess;
  pid: number;
  mqttUrl: string;
  httpUrl: string;
  dataDir: string;
}
interface Config {
  name: string;
  nodes: Node[];
  devices: Array<{ id: string; secret: string }>;
  clients: MqttClient[];
  /** BENCH_WATCH: telemetry messages its watcher heard. */
  watched: number;
}

async function startNode(
  vars: Record<string, string>,
  nodeArgs: string[] = [
    '--max-semi-space-size=64',
    ...(env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean),
  ],
): Promise<Node> {
  const [http, mqttPort] = await Promise.all([freePort(), freePort()]);
  const dataDir = await mkdtemp(path.join(tmpdir(), 'bench-cluster-'));
  const proc = await spawnService(
    {
      DATA_DIR: dataDir,
      HTTP_PORT: String(http),
      MQTT_PORT: String(mqttPort),
      HTTP_HOST: '127.0.0.1',
      MQTT_HOST: '127.0.0.1',
      ADMIN_TOKEN: ADMIN,
      OWNER_CODE_KEY: 'bench-owner-code-key-0123456789abcdef',
      MQTT_RATE_PER_DEVICE: '100000',
      MQTT_RATE_BURST: '100000',
      LOG_LEVEL: 'error',
      ...vars,
    },
    120_000,
    nodeArgs,
  );
  return {
    proc,
    pid: proc.child.pid!,
    mqttUrl: `mqtt://127.0.0.1:${mqttPort}`,
    httpUrl: `http://127.0.0.1:${http}`,
    dataDir,
  };
}

async function stopNode(n: Node) {
  n.proc.child.kill('SIGTERM');
  const t = setTimeout(() => n.proc.child.kill('SIGKILL'), 15_000);
  await n.proc.exited;
  clearTimeout(t);
  await rm(n.dataDir, { recursive: true, force: true });
}

async function startConfig(
  name: string,
  count: number,
  vars: Record<string, string>,
  nodeArgs?: string[],
): Promise<Config> {
  const base = { DATABASE_URL: await createDatabase(), ...vars };
  // The first node applies the migrations; the others start together (advisory lock anyway).
  const first = await startNode(base, nodeArgs);
  const rest = await Promise.all(
    Array.from({ length: count - 1 }, () => startNode(base, nodeArgs)),
  );
  return { name, nodes: [first, ...rest], devices: [], clients: [], watched: 0 };
}

async function provision(cfg: Config, n: number, prefix: string) {
  const chunks = Math.ceil(n / 1000);
  let next = 0;
  const worker = async (w: number) => {
    while (next < chunks) {
      const k = next++;
      const node = cfg.nodes[w % cfg.nodes.length]!;
      const devices = Array.from({ length: Math.min(1000, n - k * 1000) }, (_, i) => ({
        category: 'air_conditioner',
        model: 'BENCH',
        serial: `${prefix}-${k * 1000 + i}`,
      }));
      const r = await fetch(`${node.httpUrl}/api/v1/devices/bulk`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ devices }),
      });
      if (r.status !== 201 && r.status !== 200)
        throw new Error(`bulk provisioning: HTTP ${r.status} ${await r.text()}`);
      const body = (await r.json()) as { created: Array<{ id: string; secret: string }> };
      cfg.devices.push(...body.created.map((d) => ({ id: d.id, secret: d.secret })));
      if (chunks > 4) log(`   provisioned ${cfg.devices.length}/${n}`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(cfg.nodes.length, 2) }, (_, w) => worker(w)));
}

async function connectDevices(cfg: Config) {
  for (let i = 0; i < cfg.devices.length; i += 100) {
    const batch = await Promise.all(
      cfg.devices.slice(i, i + 100).map(
        (d, j) =>
          new Promise<MqttClient>((resolve, reject) => {
            const c = mqtt.connect(cfg.nodes[(i + j) % cfg.nodes.length]!.mqttUrl, {
              clientId: d.id,
              username: d.id,
              password: d.secret,
              reconnectPeriod: 0,
              keepalive: 60,
              protocolVersion: 4,
            });
            c.once('connect', () => resolve(c));
            c.once('error', reject);
          }),
      ),
    );
    cfg.clients.push(...batch);
  }
}

async function stored(cfg: Config): Promise<number> {
  let sum = 0;
  for (const n of cfg.nodes) {
    const text = await fetch(`${n.httpUrl}/metrics`).then((r) => r.text());
    sum += Number(/^sanbao_ingest_samples_stored_total (\S+)/m.exec(text)?.[1] ?? NaN);
  }
  return sum;
}
/** Heap in use plus external memory after a full collection (bench/lib/gc-on-signal.ts). */
async function liveHeap(n: Node): Promise<number> {
  n.proc.child.kill('SIGUSR2');
  await sleep(1500);
  const text = await fetch(`${n.httpUrl}/metrics`).then((r) => r.text());
  const metric = (name: string) =>
    Number(new RegExp(`^sanbao_${name} (\\S+)`, 'm').exec(text)?.[1]);
  return metric('nodejs_heap_size_used_bytes') + metric('nodejs_external_memory_bytes');
}
const nodesCpu = (cfg: Config) => cfg.nodes.reduce((s, n) => s + cpuSeconds(n.pid), 0);

/** Each configuration's nodes' CPU seconds per second with devices connected and silent. */
const idleRate = new Map<Config, number>();
async function measureIdle(cfg: Config) {
  const c0 = nodesCpu(cfg);
  const t0 = performance.now();
  await sleep(4000);
  idleRate.set(cfg, (nodesCpu(cfg) - c0) / ((performance.now() - t0) / 1000));
}
async function redisCommands(): Promise<{ total: number; by: Map<string, number> }> {
  const stats = await redisInfo.info('stats');
  const total = Number(/total_commands_processed:(\d+)/.exec(stats)?.[1]);
  const by = new Map<string, number>();
  for (const m of (await redisInfo.info('commandstats')).matchAll(/cmdstat_([\w|]+):calls=(\d+)/g))
    by.set(m[1]!, Number(m[2]));
  // INFO itself is counted: two per reading, taken off by the caller's difference of readings.
  return { total, by };
}

const payload = (i: number) =>
  JSON.stringify({
    ts: Date.now(),
    metrics: { indoor_temp_c: 20 + (i % 10), power_w: 800 + (i % 100), compressor_current_a: 5.5 },
  });

interface Round {
  sent: number;
  /** The nodes' CPU above their idle rate (timers, keepalives), µs per message. */
  nodeBusyUs: number;
  storedDelta: number;
  nodeUs: number;
  redisUs: number;
  redisCmds: number;
  by: Map<string, number>;
}

async function measure(
  cfg: Config,
  redisPid: number | undefined,
  load: () => Promise<number>,
): Promise<Round> {
  const s0 = await stored(cfg);
  const c0 = nodesCpu(cfg);
  const w0 = performance.now();
  const r0 = redisPid ? cpuSeconds(redisPid) : 0;
  const k0 = await redisCommands();
  const sent = await load();
  const deadline = Date.now() + 120_000;
  let s1 = await stored(cfg);
  while (s1 - s0 < sent && Date.now() < deadline) {
    await sleep(50);
    s1 = await stored(cfg);
  }
  const c1 = nodesCpu(cfg);
  const seconds = (performance.now() - w0) / 1000;
  const r1 = redisPid ? cpuSeconds(redisPid) : 0;
  const k1 = await redisCommands();
  const by = new Map<string, number>();
  for (const [cmd, n] of k1.by) {
    const d = n - (k0.by.get(cmd) ?? 0);
    if (d > 0 && cmd !== 'info') by.set(cmd, d);
  }
  return {
    sent,
    storedDelta: s1 - s0,
    nodeUs: ((c1 - c0) / sent) * 1e6,
    nodeBusyUs: ((c1 - c0 - (idleRate.get(cfg) ?? 0) * seconds) / sent) * 1e6,
    redisUs: ((r1 - r0) / sent) * 1e6,
    redisCmds: (k1.total - k0.total - 2) / sent,
    by,
  };
}

/** RATE messages a second over SECONDS from the configuration's devices, round-robin, QoS 1. */
function fixedLoad(cfg: Config): Promise<number> {
  const total = RATE * SECONDS;
  return new Promise((resolve, reject) => {
    let sent = 0;
    let acked = 0;
    const t0 = performance.now();
    const timer = setInterval(() => {
      const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * RATE));
      while (sent < due) {
        const k = sent++;
        const c = cfg.clients[k % cfg.clients.length]!;
        c.publish(
          `devices/${String(c.options.clientId)}/telemetry`,
          payload(k),
          { qos: 1 },
          (err) => {
            if (err) return reject(err);
            if (++acked === total) resolve(total);
          },
        );
      }
      if (sent >= total) clearInterval(timer);
    }, 5);
  });
}

/** Every device keeps 4 QoS 1 messages in flight for FLOOD_SECONDS; returns messages sent. */
function floodLoad(cfg: Config, out: { acked: number; seconds: number }): Promise<number> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let inFlight = 0;
    let open = true;
    const t0 = performance.now();
    const send = (c: MqttClient) => {
      sent++;
      inFlight++;
      c.publish(
        `devices/${String(c.options.clientId)}/telemetry`,
        payload(sent),
        { qos: 1 },
        (err) => {
          if (err) return reject(err);
          inFlight--;
          out.acked++;
          if (open) send(c);
          else if (inFlight === 0) resolve(sent);
        },
      );
    };
    for (const c of cfg.clients) for (let i = 0; i < 4; i++) send(c);
    setTimeout(() => {
      open = false;
      out.seconds = (performance.now() - t0) / 1000;
    }, FLOOD_SECONDS * 1000);
  });
}

// ---- the run ----

const report: string[] = [];
const started = new Date().toISOString().slice(0, 16).replace('T', ' ');
const redis = await startRedis();
const redisInfo = new Redis(redis.url);
redisInfo.on('error', (err) => log(`Redis (bench's own connection): ${String(err)}`));
const influx = await startInfluxd();
const configs: Config[] = [];
const watchers: MqttClient[] = [];
const redisOf = new Map<Config, boolean>();
try {
  log(`Redis ${redis.url} (pid ${redis.pid}), influxd ${influx.url}`);
  if (PHASES.includes('fixed') || PHASES.includes('flood')) {
    const alone = await startConfig('one node, no Redis', 1, {
      INFLUX_URL: influx.url,
      INFLUX_DATABASE: 'bench_alone',
    });
    configs.push(alone);
    redisOf.set(alone, false);
    for (const n of NODES) {
      const cfg = await startConfig(`cluster of ${n}`, n, {
        REDIS_URL: `${redis.url}/${n}`,
        INFLUX_URL: influx.url,
        INFLUX_DATABASE: `bench_c${n}`,
      });
      configs.push(cfg);
      redisOf.set(cfg, true);
    }
    for (const [i, cfg] of configs.entries()) {
      log(`${cfg.name}: ${cfg.nodes.length} node(s); provisioning and connecting ${DEVICES}`);
      await provision(cfg, DEVICES, `C${process.pid}-${i}`);
      await connectDevices(cfg);
      if (WATCH) {
        const watcher = await mqtt.connectAsync(cfg.nodes[0]!.mqttUrl, {
          username: 'token',
          password: ADMIN,
          reconnectPeriod: 0,
          protocolVersion: 4,
        });
        await watcher.subscribeAsync('devices/+/telemetry', { qos: 0 });
        watcher.on('message', () => cfg.watched++);
        watchers.push(watcher);
      }
    }
    // Warm-up: a round each, unmeasured (JIT, pools, diagnostics baselines).
    for (const cfg of configs) await fixedLoad(cfg);
    await sleep(2000);
    for (const cfg of configs) await measureIdle(cfg);
    log(
      `idle CPU, ms/s: ${configs.map((c) => `${c.name} ${fmt(idleRate.get(c)! * 1000, 1)}`).join(', ')}`,
    );
  }

  if (PHASES.includes('fixed')) {
    const rounds = new Map<Config, Round[]>(configs.map((c) => [c, []]));
    for (let r = 0; r < ROUNDS; r++) {
      const order = r % 2 === 0 ? configs : [...configs].reverse();
      for (const cfg of order) {
        const round = await measure(cfg, redisOf.get(cfg) ? redis.pid : undefined, () =>
          fixedLoad(cfg),
        );
        rounds.get(cfg)!.push(round);
        log(
          `   round ${r + 1} ${cfg.name}: ${round.sent} sent, ${round.storedDelta} stored, nodes ${fmt(round.nodeUs, 1)} (above idle ${fmt(round.nodeBusyUs, 1)}) + Redis ${fmt(round.redisUs, 1)} µs/msg, ${fmt(round.redisCmds, 2)} Redis commands/msg`,
        );
        await sleep(500);
      }
    }
    const base = rounds.get(configs[0]!)!;
    const baseTotal = median(base.map((r) => r.nodeBusyUs));
    report.push(
      `### Fixed rate: ${RATE} msg/s at QoS 1 from ${DEVICES} devices per configuration, ${SECONDS} s rounds, ${ROUNDS} rounds each (median, range)`,
      '',
      '| configuration | stored ÷ sent | nodes CPU µs/msg | of which above idle | Redis CPU µs/msg | all above idle, µs/msg | ÷ one node | Redis commands/msg |',
      '| --- | --- | --- | --- | --- | --- | --- | --- |',
    );
    for (const cfg of configs) {
      const rs = rounds.get(cfg)!;
      const all = rs.map((r) => r.nodeBusyUs + r.redisUs);
      const sent = rs.reduce((s, r) => s + r.sent, 0);
      const st = rs.reduce((s, r) => s + r.storedDelta, 0);
      report.push(
        `| ${cfg.name} | ${fmt(st / sent, 3)} | ${fmt(median(rs.map((r) => r.nodeUs)), 1)} (${range(rs.map((r) => r.nodeUs))}) | ${fmt(median(rs.map((r) => r.nodeBusyUs)), 1)} | ${redisOf.get(cfg) ? `${fmt(median(rs.map((r) => r.redisUs)), 1)} (${range(rs.map((r) => r.redisUs))})` : '—'} | ${fmt(median(all), 1)} (${range(all)}) | ${fmt(median(all) / baseTotal, 2)}× | ${redisOf.get(cfg) ? fmt(median(rs.map((r) => r.redisCmds)), 2) : '—'} |`,
      );
    }
    report.push('', 'Redis commands per message by command (all rounds of each cluster):', '');
    for (const cfg of configs.filter((c) => redisOf.get(c))) {
      const rs = rounds.get(cfg)!;
      const sent = rs.reduce((s, r) => s + r.sent, 0);
      const by = new Map<string, number>();
      for (const r of rs) for (const [k, v] of r.by) by.set(k, (by.get(k) ?? 0) + v);
      const top = [...by.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 8)
        .map(([k, v]) => `${k} ${fmt(v / sent, 2)}`);
      report.push(`- ${cfg.name}: ${top.join(', ')}`);
    }
    report.push('');
  }

  if (PHASES.includes('flood')) {
    report.push(
      `### Flood: every device keeps 4 QoS 1 messages in flight for ${FLOOD_SECONDS} s (${DEVICES} devices per configuration)`,
      '',
      '| configuration | acknowledged msg/s | stored ÷ sent | nodes CPU µs/msg | Redis CPU µs/msg |',
      '| --- | --- | --- | --- | --- |',
    );
    for (const cfg of configs) {
      const out = { acked: 0, seconds: FLOOD_SECONDS };
      const r = await measure(cfg, redisOf.get(cfg) ? redis.pid : undefined, () =>
        floodLoad(cfg, out),
      );
      log(
        `   flood ${cfg.name}: ${fmt(out.acked / out.seconds)} msg/s acknowledged${WATCH ? `, ${cfg.watched} heard by the watcher in all` : ''}`,
      );
      report.push(
        `| ${cfg.name} | ${fmt(out.acked / out.seconds)} | ${fmt(r.storedDelta / r.sent, 3)} | ${fmt(r.nodeUs, 1)} | ${redisOf.get(cfg) ? fmt(r.redisUs, 1) : '—'} |`,
      );
      await sleep(1000);
    }
    report.push('');
  }

  for (const cfg of configs) await Promise.all(cfg.clients.map((c) => c.endAsync(true)));
  await Promise.all(watchers.map((c) => c.endAsync(true)));
  await Promise.all(configs.flatMap((c) => c.nodes.map(stopNode)));

  if (PHASES.includes('idle') && IDLE > 0) {
    const count = Math.ceil(IDLE / PER_NODE_IDLE);
    log(`idle: a cluster of ${count} nodes for ${IDLE} connections`);
    // Node's default young generation (no --max-semi-space-size=64: it would let RSS grow by
    // up to 192 MiB of garbage), and a full collection before each reading of the heap.
    const cfg = await startConfig(
      `idle cluster of ${count}`,
      count,
      { REDIS_URL: `${redis.url}/9`, INFLUX_URL: influx.url, INFLUX_DATABASE: 'bench_idle' },
      ['--expose-gc', '--import', 'tsx', '--import', path.join(HERE, 'lib/gc-on-signal.ts')],
    );
    try {
      await provision(cfg, IDLE, `I${process.pid}`);
      await sleep(3000);
      const heap0 = await Promise.all(cfg.nodes.map(liveHeap));
      const rss0 = cfg.nodes.map((n) => rssBytes(n.pid));
      const redisRss0 = rssBytes(redis.pid);
      const used0 = Number(/used_memory:(\d+)/.exec(await redisInfo.info('memory'))?.[1]);
      const t0 = performance.now();
      const generators: ChildProcess[] = [];
      const results = await Promise.all(
        Array.from({ length: Math.ceil(IDLE / PER_GENERATOR) }, (_, g) => {
          const child = spawn(
            process.execPath,
            ['--import', 'tsx', path.join(HERE, 'lib/idle-clients.ts')],
            { stdio: ['pipe', 'pipe', 'inherit'] },
          );
          generators.push(child);
          child.stdin!.write(
            `${JSON.stringify({
              urls: cfg.nodes.map((n) => n.mqttUrl),
              localAddress: `127.0.0.${2 + g}`,
              devices: cfg.devices.slice(g * PER_GENERATOR, (g + 1) * PER_GENERATOR),
            })}\n`,
          );
          return new Promise<{ connected: number; failed: number }>((resolve) => {
            createInterface({ input: child.stdout! }).once('line', (line) => {
              const m = /connected (\d+) failed (\d+)/.exec(line);
              resolve({ connected: Number(m?.[1]), failed: Number(m?.[2]) });
            });
          });
        }),
      );
      const connectSeconds = (performance.now() - t0) / 1000;
      await sleep(5000);
      const heap1 = await Promise.all(cfg.nodes.map(liveHeap));
      const connected = results.reduce((s, r) => s + r.connected, 0);
      const failed = results.reduce((s, r) => s + r.failed, 0);
      const rss1 = cfg.nodes.map((n) => rssBytes(n.pid));
      const redisRss1 = rssBytes(redis.pid);
      const used1 = Number(/used_memory:(\d+)/.exec(await redisInfo.info('memory'))?.[1]);
      const nodesDelta = rss1.reduce((s, v, i) => s + v - rss0[i]!, 0);
      const heapDelta = heap1.reduce((s, v, i) => s + v - heap0[i]!, 0);
      report.push(
        `### Idle connections: ${connected} devices connected and subscribed to their commands (${failed} failed) across ${count} nodes in ${fmt(connectSeconds)} s`,
        '',
        '| where | memory per connection |',
        '| --- | --- |',
        `| nodes, live heap and external memory after a full GC (${heap1.map((v, i) => fmt((v - heap0[i]!) / 2 ** 20)).join(' + ')} MiB) | ${fmt(heapDelta / connected / 1024, 2)} KB |`,
        `| nodes, RSS growth (${rss1.map((v, i) => fmt((v - rss0[i]!) / 2 ** 20)).join(' + ')} MiB; also sockets' buffers and the heap's free space) | ${fmt(nodesDelta / connected / 1024, 2)} KB |`,
        `| Redis (used_memory growth ${fmt((used1 - used0) / 2 ** 20, 1)} MiB; RSS growth ${fmt((redisRss1 - redisRss0) / 2 ** 20, 1)} MiB) | ${fmt((used1 - used0) / connected / 1024, 2)} KB |`,
        `| all: live heap + Redis | ${fmt((heapDelta + (used1 - used0)) / connected / 1024, 2)} KB |`,
        `| all: RSS growth + Redis | ${fmt((nodesDelta + (used1 - used0)) / connected / 1024, 2)} KB |`,
        '',
      );
      for (const g of generators) g.stdin!.end();
    } finally {
      await Promise.all(cfg.nodes.map(stopNode));
    }
  }
} finally {
  for (const cfg of configs)
    await Promise.all(
      cfg.nodes.filter((n) => n.proc.child.exitCode === null).map((n) => stopNode(n)),
    );
  redisInfo.disconnect();
  await redis.stop();
  await influx.stop();
  await dropDatabases();
}

process.stdout.write(
  [
    `## Cluster — \`npm run bench:cluster\` (${started} UTC)`,
    '',
    `Settings: BENCH_DEVICES=${DEVICES} BENCH_RATE=${RATE} BENCH_SECONDS=${SECONDS} BENCH_ROUNDS=${ROUNDS} BENCH_NODES=${NODES.join(',')} BENCH_IDLE=${IDLE} BENCH_WATCH=${WATCH ? 1 : 0}; InfluxDB 1.x store, PostgreSQL database per configuration, one private redis-server (its CPU counted).`,
    '',
    ...report,
  ].join('\n') + '\n',
);
process.exit(0);
