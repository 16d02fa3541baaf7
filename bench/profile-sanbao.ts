// Profiling aid: runs Sanbao under a fixed load with --cpu-prof and prints where its CPU goes
// during the load window only (self time by function and by package), so start-up, PGlite
// migrations and provisioning do not blur the per-message picture.
// `node --import tsx bench/profile-sanbao.ts [seconds] [rate]`; env: PROFILE_QOS (1),
// PROFILE_DEVICES (100), PROFILE_WARMUP (10 s of unmeasured load first), PROFILE_FLOOD=1 (QoS 0 as fast as the generator can), PROFILE_TOP (30),
// PROFILE_TARGET=aedes (profile the raw aedes baseline instead, for comparison), PROFILE_NODIAG=1
// (Sanbao without the diagnostics engine, bench/lib/without-diagnostics.ts), PROFILE_JSON=file
// (also write self µs/msg by function there, to compare two runs), PROFILE_PERF=1 (no V8 profiler,
// for `perf record -p PID` from outside; prints the broker's PID and CPU only), PROFILE_NODE_ARGS
// (more node/V8 flags for the broker, e.g. "--log-deopt --logfile=/tmp/v8.log"), PROFILE_OUTPUT=file
// (what the broker printed, e.g. with PROFILE_NODE_ARGS=--trace-gc; Sanbao only).
// Like bench/broker.ts, an admin service client subscribes to devices/+/telemetry.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import mqtt, { type MqttClient } from 'mqtt';
import { influxdAvailable, startInfluxd } from '../test/helpers/influxd.ts';
import { cpuSeconds, cpuSecondsByThread, cpuUserSystem, sleep } from './lib/proc.ts';
import { startRawAedes, startSanbao, type Target } from './lib/targets.ts';

const seconds = Number(process.argv[2] ?? 6);
const rate = Number(process.argv[3] ?? 10_000);
const qos = Number(process.env.PROFILE_QOS ?? 1) as 0 | 1;
const devices = Number(process.env.PROFILE_DEVICES ?? 100);
const dir = `/tmp/sanbao-prof-${Date.now()}`;
const perf = process.env.PROFILE_PERF === '1';
const nodeArgs = [
  ...(perf ? ['--perf-basic-prof'] : ['--cpu-prof', `--cpu-prof-dir=${dir}`]),
  ...(process.env.PROFILE_NODE_ARGS ?? '').split(' ').filter(Boolean),
];
const raw = process.env.PROFILE_TARGET === 'aedes';
const influxd = !raw && influxdAvailable() ? await startInfluxd() : undefined;
const t: Target = raw
  ? await startRawAedes({ nodeArgs })
  : await startSanbao({
      ...(influxd ? { influxUrl: influxd.url } : {}),
      nodeArgs,
      withoutDiagnostics: process.env.PROFILE_NODIAG === '1',
    });
await t.prepare(devices);
if (perf) console.log(`broker PID ${t.pid}`);
const connect = (opts: mqtt.IClientOptions) =>
  new Promise<MqttClient>((res) => {
    const c = mqtt.connect(t.mqttUrl, { ...opts, reconnectPeriod: 0, protocolVersion: 4 });
    c.once('connect', () => res(c));
  });
const clients: MqttClient[] = [];
for (let i = 0; i < devices; i += 200)
  clients.push(
    ...(await Promise.all(
      Array.from({ length: Math.min(200, devices - i) }, (_, j) =>
        connect(t.deviceCredentials(i + j)),
      ),
    )),
  );
const sub = await connect({ clientId: `prof-sub-${Date.now()}`, ...t.subscriber });
let received = 0;
sub.on('message', () => received++);
await sub.subscribeAsync('devices/+/telemetry', { qos });
await sleep(1000);

const payload = (k: number) =>
  JSON.stringify({
    ts: Date.now(),
    metrics: { indoor_temp_c: 20 + (k % 10), power_w: 800 + (k % 100), compressor_current_a: 5.5 },
  });
// Unmeasured warm-up at the same rate: without it the profile shows V8 compiling (TurboFan
// took ~6 µs/msg of the first seconds), not the steady state a long-running broker is in.
const warmup = Number(process.env.PROFILE_WARMUP ?? 10);
for (let k = 0, w0 = performance.now(); performance.now() - w0 < warmup * 1000;) {
  const due = Math.floor(((performance.now() - w0) / 1000) * rate) - k;
  for (let j = 0; j < due; j++, k++) {
    const c = clients[k % devices]!;
    c.publish(`devices/${c.options.clientId}/telemetry`, payload(k), { qos });
  }
  await sleep(5);
}
if (warmup > 0) await sleep(1000);

const flood = process.env.PROFILE_FLOOD === '1';
const cpu0 = cpuSeconds(t.pid);
const us0 = cpuUserSystem(t.pid);
const threads0 = cpuSecondsByThread(t.pid);
const loadStart = performance.now();
let sent = 0;
while (performance.now() - loadStart < seconds * 1000) {
  const due = flood ? 2000 : Math.floor(((performance.now() - loadStart) / 1000) * rate) - sent;
  for (let j = 0; j < due; j++, sent++) {
    const c = clients[sent % devices]!;
    c.publish(`devices/${c.options.clientId}/telemetry`, payload(sent), {
      qos: flood ? 0 : qos,
    });
  }
  await sleep(flood ? 1 : 5);
}
await sleep(1500); // the tail
const loadEnd = performance.now();
const cpu = cpuSeconds(t.pid) - cpu0;
const us1 = cpuUserSystem(t.pid);
const perMsg = (s: number) => ((s / sent) * 1e6).toFixed(1);
const threads = [...cpuSecondsByThread(t.pid)]
  .map(([k, v]) => [k, v - (threads0.get(k) ?? 0)] as const)
  .filter(([, v]) => v > 0)
  .sort((a, b) => b[1] - a[1]);
await Promise.all([...clients, sub].map((c) => c.endAsync(true)));
// What the broker printed (Sanbao only), e.g. with PROFILE_NODE_ARGS=--trace-gc.
if (process.env.PROFILE_OUTPUT) writeFileSync(process.env.PROFILE_OUTPUT, t.output?.() ?? '');
await t.stop();
const exited = performance.now();
await influxd?.stop();
if (perf) {
  console.log(
    `${t.name}: CPU from /proc ${perMsg(cpu)} µs/msg (user ${perMsg(us1.user - us0.user)}, system ${perMsg(us1.system - us0.system)}); by thread ${threads.map(([k, v]) => `${k} ${perMsg(v)}`).join(', ')}`,
  );
  process.exit(0);
}

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'))!;
const prof = JSON.parse(readFileSync(`${dir}/${file}`, 'utf8')) as {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
  endTime: number;
};
// The profile ends when the process exits; the load window is measured back from there (µs).
const from = prof.endTime - (exited - loadStart) * 1000;
const to = prof.endTime - (exited - loadEnd) * 1000;
const self = new Map<number, number>();
let at = prof.endTime - prof.timeDeltas.reduce((a, b) => a + b, 0);
prof.samples.forEach((id, i) => {
  const d = prof.timeDeltas[i] ?? 0;
  at += d;
  if (at >= from && at <= to) self.set(id, (self.get(id) ?? 0) + d);
});
const byFn = new Map<string, number>();
const byPkg = new Map<string, number>();
let total = 0;
for (const n of prof.nodes) {
  const us = self.get(n.id) ?? 0;
  if (n.callFrame.functionName === '(idle)') continue;
  total += us;
  const url = n.callFrame.url.replace(/^file:\/\/\/work\/main\//, '');
  const key = `${n.callFrame.functionName || '(anon)'} ${url}:${n.callFrame.lineNumber}`;
  byFn.set(key, (byFn.get(key) ?? 0) + us);
  const pkg =
    /node_modules\/((@[^/]+\/)?[^/]+)/.exec(url)?.[1] ??
    (url.startsWith('node:') || url === ''
      ? `(${n.callFrame.functionName.startsWith('(') ? n.callFrame.functionName : 'node/native'})`
      : url.split('/')[0]!);
  byPkg.set(pkg, (byPkg.get(pkg) ?? 0) + us);
}
// Who is responsible for each sample: walking up from the leaf, the first frame that is our code
// (by folder) or aedes and its packages decides; zod, influx and Node internals count for their
// caller. Aedes code running inside one of our callbacks still counts as aedes.
const AEDES =
  /^(aedes|aedes-.*|mqtt-packet|mqemitter|qlobber|bl|fastparallel|fastfall|reusify|retimer|hyperid|debug)$/;
const parent = new Map<number, Node>();
const byId = new Map<number, Node>();
for (const n of prof.nodes) {
  byId.set(n.id, n);
  for (const c of n.children ?? []) parent.set(c, n);
}
const ownerOf = (n: Node): string => {
  const fn = n.callFrame.functionName;
  if (fn === '(garbage collector)' || fn === '(program)') return fn;
  for (let x: Node | undefined = n; x; x = parent.get(x.id)) {
    const url = x.callFrame.url.replace(/^file:\/\/\/work\/main\//, '');
    const pkg = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(url)?.[1];
    if (pkg && AEDES.test(pkg)) return 'aedes (+ mqtt-packet, qlobber, bl…)';
    if (pkg === 'prom-client') return 'prom-client';
    if (!pkg && url && !url.startsWith('node:') && !url.startsWith('wasm'))
      return url.includes('/') ? url.slice(0, url.lastIndexOf('/')) + '/' : url;
  }
  return '(node internals, no JS caller)';
};
const byOwner = new Map<string, number>();
for (const n of prof.nodes) {
  const us = self.get(n.id) ?? 0;
  if (!us || n.callFrame.functionName === '(idle)') continue;
  const o = ownerOf(n);
  byOwner.set(o, (byOwner.get(o) ?? 0) + us);
}
console.log(
  `${t.name}, ${devices} devices, QoS ${flood ? '0 flood' : qos}: sent ${sent}, subscriber got ${received}; ` +
    `CPU from /proc ${((cpu / sent) * 1e6).toFixed(1)} µs/msg; ` +
    `profiled busy time in the window ${(total / sent).toFixed(1)} µs/msg (main thread)`,
);
console.log(
  `CPU by thread (/proc): ${threads.map(([k, v]) => `${k} ${((v / sent) * 1e6).toFixed(1)}`).join(', ')} µs/msg`,
);
const top = Number(process.env.PROFILE_TOP ?? 30);
console.log('\nby responsible code (inclusive of the libraries it calls):');
for (const [k, v] of [...byOwner].sort((a, b) => b[1] - a[1]))
  console.log(`  ${(v / sent).toFixed(2).padStart(7)} µs/msg  ${k}`);
console.log('\nby package/folder (self):');
for (const [k, v] of [...byPkg].sort((a, b) => b[1] - a[1]).slice(0, 20))
  console.log(`  ${(v / sent).toFixed(2).padStart(7)} µs/msg  ${k}`);
console.log('\ntop functions (self):');
for (const [k, v] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, top))
  console.log(`  ${(v / sent).toFixed(2).padStart(7)} µs/msg  ${k}`);
if (process.env.PROFILE_JSON)
  writeFileSync(
    process.env.PROFILE_JSON,
    JSON.stringify(Object.fromEntries([...byFn].map(([k, v]) => [k, v / sent]))),
  );
console.log(
  `\nprofile: ${dir}/${file} (load window ${Math.round(from)}–${Math.round(to)} µs, ${sent} messages)`,
);
