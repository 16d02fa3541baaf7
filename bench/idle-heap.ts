// node --import tsx bench/idle-heap.ts — where an idle device connection's memory goes (issue 22).
// One clustered node (REDIS_URL, a private redis-server), BENCH_IDLE_STEP (5,000) devices
// (provisioned on another node first) connected and subscribed to their commands as
// bench/cluster.ts's idle phase does, then as many again: after each step a full GC, the node's
// live heap + external memory, Redis's used_memory, and (BENCH_SNAPSHOT_DIR set) a heap
// snapshot, whose self sizes grouped by constructor and by owner (`groups`) are diffed between
// the two steps (bytes per connection); then Redis's keys by shape. BENCH_IDLE_KEEPALIVE: the
// devices' keep-alive in seconds (0 by default, as bench/cluster.ts). Prints markdown. The heap
// reading is noisy at this scale (young-generation garbage from the snapshots); the snapshots
// are exact.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';
import { z } from 'zod';
import { freePort, spawnService } from '../test/helpers/process.ts';
import { rssBytes, sleep } from './lib/proc.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const Env = z.object({
  BENCH_IDLE_STEP: z.coerce.number().int().min(100).max(9000).default(5000),
  BENCH_SNAPSHOT_DIR: z.string().min(1).optional(),
  /** The devices' keep-alive (s): 0, none, by default; one longer than the run keeps the timer. */
  BENCH_IDLE_KEEPALIVE: z.coerce.number().int().min(0).max(65535).default(0),
  TEST_DATABASE_URL: z.string().url().default('postgres://postgres@127.0.0.1:5432/postgres'),
});
const env = Env.parse(process.env);
const STEP = env.BENCH_IDLE_STEP;
const ADMIN = 'bench-admin-token-0123456789';
const log = (s: string) => process.stderr.write(`${s}\n`);

const redisPort = await freePort();
const redisChild = spawn(
  'redis-server',
  ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
  { stdio: 'ignore' },
);
const redisUrl = `redis://127.0.0.1:${redisPort}`;
let redis: Redis;
for (let i = 0; ; i++) {
  const r = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0 });
  try {
    await r.connect();
    redis = r;
    break;
  } catch (err) {
    r.disconnect();
    if (i > 50) throw err;
    await sleep(100);
  }
}
const dbName = `sanbao_idleheap_${process.pid}`;
const admin = new pg.Client({ connectionString: env.TEST_DATABASE_URL });
await admin.connect();
await admin.query(`CREATE DATABASE ${dbName}`);
const dbUrl = new URL(env.TEST_DATABASE_URL);
dbUrl.pathname = `/${dbName}`;

async function startNode(vars: Record<string, string>, nodeArgs: string[]) {
  const [http, mqttPort] = await Promise.all([freePort(), freePort()]);
  const dataDir = await mkdtemp(path.join(tmpdir(), 'idle-heap-'));
  const proc = await spawnService(
    {
      DATA_DIR: dataDir,
      HTTP_PORT: String(http),
      MQTT_PORT: String(mqttPort),
      HTTP_HOST: '127.0.0.1',
      MQTT_HOST: '127.0.0.1',
      ADMIN_TOKEN: ADMIN,
      OWNER_CODE_KEY: 'bench-owner-code-key-0123456789abcdef',
      LOG_LEVEL: 'error',
      DATABASE_URL: dbUrl.toString(),
      ...vars,
    },
    120_000,
    nodeArgs,
  );
  const stop = async () => {
    proc.child.kill('SIGTERM');
    await proc.exited;
    await rm(dataDir, { recursive: true, force: true });
  };
  return { proc, httpUrl: `http://127.0.0.1:${http}`, mqttPort, stop };
}

// Devices are provisioned on another node, as in a cluster whose devices were provisioned long
// before they connect: the measured node learns their secrets at their connect (its cache of
// verified secrets grows with them).
const provisioner = await startNode({}, []);
const devices = await provision(provisioner.httpUrl, 2 * STEP, `H${process.pid}`);
await provisioner.stop();
const measured = await startNode({ REDIS_URL: `${redisUrl}/9` }, [
  '--expose-gc',
  '--import',
  'tsx',
  '--import',
  path.join(HERE, 'lib/gc-on-signal.ts'),
  ...(env.BENCH_SNAPSHOT_DIR
    ? ['--heapsnapshot-signal=SIGUSR1', `--diagnostic-dir=${env.BENCH_SNAPSHOT_DIR}`]
    : []),
]);
const node = measured.proc;
const httpUrl = measured.httpUrl;
const mqttPort = measured.mqttPort;
const generators: ChildProcess[] = [];

async function liveHeap(): Promise<number> {
  node.child.kill('SIGUSR2');
  await sleep(1500);
  const text = await fetch(`${httpUrl}/metrics`).then((r) => r.text());
  const metric = (name: string) =>
    Number(new RegExp(`^sanbao_${name} (\\S+)`, 'm').exec(text)?.[1]);
  return metric('nodejs_heap_size_used_bytes') + metric('nodejs_external_memory_bytes');
}
const redisUsed = async () => Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1]);

async function provision(httpUrl: string, n: number, prefix: string) {
  const out: Array<{ id: string; secret: string }> = [];
  for (let k = 0; k < n; k += 1000) {
    const devices = Array.from({ length: Math.min(1000, n - k) }, (_, i) => ({
      category: 'air_conditioner',
      model: 'BENCH',
      serial: `${prefix}-${k + i}`,
    }));
    const r = await fetch(`${httpUrl}/api/v1/devices/bulk`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ devices }),
    });
    const body = (await r.json()) as { created: Array<{ id: string; secret: string }> };
    out.push(...body.created);
  }
  return out;
}

async function connect(devices: Array<{ id: string; secret: string }>, g: number) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(HERE, 'lib/idle-clients.ts')],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  generators.push(child);
  child.stdin!.write(
    `${JSON.stringify({ urls: [`mqtt://127.0.0.1:${mqttPort}`], localAddress: `127.0.0.${2 + g}`, devices, keepalive: env.BENCH_IDLE_KEEPALIVE })}\n`,
  );
  const line = await new Promise<string>((r) =>
    createInterface({ input: child.stdout! }).once('line', r),
  );
  log(`   ${line}`);
}

type Sizes = Map<string, { size: number; count: number }>;
/** Objects that say nothing of who holds them: their size goes to their nearest named holder. */
const GENERIC = new Set([
  'object:Object',
  'object:Array',
  'object:Map',
  'object:Set',
  'array:',
  'array:(object elements)',
  'array:(object properties)',
  'hidden:system / PropertyArray',
  'object:system / Context',
  'closure:native_bind',
  'array:(bound arguments)',
  'closure:',
  'object:Buffer',
  'object:ArrayBuffer',
  'native:system / JSArrayBufferData',
  'number:heap number',
]);

/**
 * A heap snapshot's self sizes and counts grouped two ways: by node type and name
 * (`object:Socket`), and by owner — the nearest object on its shortest path from the roots
 * that is not a generic container (GENERIC), with the edge from it (`object:Client
 * .subscriptions`): the owner table is the one bench/RESULTS.md groups into items.
 */
async function groups(file: string): Promise<{ byType: Sizes; byOwner: Sizes }> {
  const snap = JSON.parse(await readFile(file, 'utf8')) as {
    snapshot: {
      meta: {
        node_fields: string[];
        node_types: [string[]];
        edge_fields: string[];
        edge_types: [string[]];
      };
    };
    nodes: number[];
    edges: number[];
    strings: string[];
  };
  const { meta } = snap.snapshot;
  const NF = meta.node_fields.length;
  const EF = meta.edge_fields.length;
  const [nType, nName, nSize, nEdges] = ['type', 'name', 'self_size', 'edge_count'].map((n) =>
    meta.node_fields.indexOf(n),
  ) as [number, number, number, number];
  const [eType, eName, eTo] = ['type', 'name_or_index', 'to_node'].map((n) =>
    meta.edge_fields.indexOf(n),
  ) as [number, number, number];
  const { nodes, edges, strings } = snap;
  const count = nodes.length / NF;
  const label = (i: number) => {
    const type = meta.node_types[0][nodes[i * NF + nType]!]!;
    let name = strings[nodes[i * NF + nName]!]!;
    if (type.endsWith('string')) name = '(string)';
    else if (type === 'code') name = '(code)';
    else if (name.length > 60) name = `${name.slice(0, 60)}…`;
    return `${type}:${name}`;
  };
  // Shortest paths from the root (node 0), breadth first, weak edges left out.
  const firstEdge = new Uint32Array(count + 1);
  for (let i = 0, e = 0; i < count; i++) {
    firstEdge[i] = e;
    e += nodes[i * NF + nEdges]! * EF;
    firstEdge[i + 1] = e;
  }
  const parent = new Int32Array(count).fill(-1);
  const via: string[] = new Array<string>(count);
  const queue = [0];
  parent[0] = 0;
  for (let h = 0; h < queue.length; h++) {
    const i = queue[h]!;
    for (let e = firstEdge[i]!; e < firstEdge[i + 1]!; e += EF) {
      const type = meta.edge_types[0][edges[e + eType]!]!;
      if (type === 'weak' || type === 'shortcut') continue;
      const to = edges[e + eTo]! / NF;
      if (parent[to] !== -1) continue;
      parent[to] = i;
      via[to] = type === 'element' || type === 'hidden' ? '[]' : String(strings[edges[e + eName]!]);
      queue.push(to);
    }
  }
  const byType: Sizes = new Map();
  const byOwner: Sizes = new Map();
  const add = (m: Sizes, key: string, size: number) => {
    const e = m.get(key) ?? { size: 0, count: 0 };
    e.size += size;
    e.count++;
    m.set(key, e);
  };
  for (let i = 1; i < count; i++) {
    const size = nodes[i * NF + nSize]!;
    add(byType, label(i), size);
    let owner = i;
    let edge = '(self)';
    for (let depth = 0; GENERIC.has(label(owner)) && parent[owner]! > 0 && depth < 30; depth++) {
      edge = via[owner]!;
      owner = parent[owner]!;
    }
    add(byOwner, `${label(owner)} .${edge}`, size);
  }
  return { byType, byOwner };
}

async function snapshot(): Promise<string | undefined> {
  if (!env.BENCH_SNAPSHOT_DIR) return undefined;
  const before = new Set(await readdir(env.BENCH_SNAPSHOT_DIR));
  node.child.kill('SIGUSR1');
  for (;;) {
    await sleep(2000);
    const added = (await readdir(env.BENCH_SNAPSHOT_DIR)).filter(
      (f) => !before.has(f) && f.endsWith('.heapsnapshot'),
    );
    if (added.length) {
      // Written when its size stops changing.
      const file = path.join(env.BENCH_SNAPSHOT_DIR, added[0]!);
      let last = -1;
      for (;;) {
        const { size } = await import('node:fs/promises').then((m) => m.stat(file));
        if (size === last && size > 0) return file;
        last = size;
        await sleep(1000);
      }
    }
  }
}

try {
  await sleep(2000);
  const readings: Array<{ heap: number; used: number; rss: number; snap?: string }> = [];
  const read = async () => {
    await sleep(3000);
    readings.push({
      heap: await liveHeap(),
      used: await redisUsed(),
      rss: rssBytes(node.child.pid!),
      snap: await snapshot(),
    });
  };
  await read();
  for (let s = 0; s < 2; s++) {
    const t0 = performance.now();
    await connect(devices.slice(s * STEP, (s + 1) * STEP), s);
    log(`   step ${s + 1}: ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    await read();
  }
  const per = (a: number, b: number) => ((b - a) / STEP / 1024).toFixed(2);
  const out = [
    `STEP=${STEP} KEEPALIVE=${env.BENCH_IDLE_KEEPALIVE}`,
    '| step | live heap+external KB/conn | Redis used_memory KB/conn | RSS KB/conn |',
    '| --- | --- | --- | --- |',
  ];
  for (let s = 1; s < readings.length; s++) {
    const [a, b] = [readings[s - 1]!, readings[s]!];
    out.push(`| ${s} | ${per(a.heap, b.heap)} | ${per(a.used, b.used)} | ${per(a.rss, b.rss)} |`);
  }
  if (readings[1]?.snap && readings[2]?.snap) {
    const [a, b] = [await groups(readings[1].snap), await groups(readings[2].snap)];
    const table = (title: string, before: Sizes, after: Sizes) => {
      const rows = [...after]
        .map(([k, v]) => {
          const o = before.get(k) ?? { size: 0, count: 0 };
          return { k, bytes: (v.size - o.size) / STEP, count: (v.count - o.count) / STEP };
        })
        .filter((r) => Math.abs(r.bytes) >= 8)
        .sort((x, y) => y.bytes - x.bytes);
      out.push('', `| ${title} | bytes/conn | objects/conn |`, '| --- | --- | --- |');
      for (const r of rows) out.push(`| ${r.k} | ${r.bytes.toFixed(0)} | ${r.count.toFixed(2)} |`);
      out.push(`| total | ${rows.reduce((s, r) => s + r.bytes, 0).toFixed(0)} | |`);
    };
    table('type:constructor', a.byType, b.byType);
    table('owner .edge', a.byOwner, b.byOwner);
  }
  // Redis keys by shape (each device id replaced by {id}): count and MEMORY USAGE.
  const db = new Redis(`${redisUrl}/9`);
  const shapes = new Map<string, { count: number; bytes: number }>();
  let cursor = '0';
  do {
    const [next, keys] = await db.scan(cursor, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      const shape = key.replace(/devices\/[^/:]+/g, 'devices/{id}');
      const e = shapes.get(shape) ?? { count: 0, bytes: 0 };
      e.count++;
      if (e.count <= 50) e.bytes += Number(await db.memory('USAGE', key));
      shapes.set(shape, e);
    }
  } while (cursor !== '0');
  out.push('', '| Redis key | count | MEMORY USAGE (mean of ≤ 50) |', '| --- | --- | --- |');
  for (const [k, v] of shapes)
    out.push(`| ${k} | ${v.count} | ${(v.bytes / Math.min(v.count, 50)).toFixed(0)} |`);
  out.push(`pubsub channels: ${String(await db.pubsub('NUMSUB'))}`);
  db.disconnect();
  process.stdout.write(`${out.join('\n')}\n`);
} finally {
  for (const g of generators) g.stdin!.end();
  await measured.stop();
  await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin.end();
  redis.disconnect();
  redisChild.kill('SIGTERM');
}
process.exit(0);
