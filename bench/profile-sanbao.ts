// Profiling aid: runs Sanbao under a fixed QoS 1 load with --cpu-prof and prints where its CPU
// goes (self time by function). `node --import tsx bench/profile-sanbao.ts [seconds] [rate]`;
// PROFILE_FLOOD=1 publishes QoS 0 as fast as the generator can instead.
import { readdirSync, readFileSync } from 'node:fs';
import mqtt, { type MqttClient } from 'mqtt';
import { influxdAvailable, startInfluxd } from '../test/helpers/influxd.ts';
import { sleep } from './lib/proc.ts';
import { startSanbao } from './lib/targets.ts';

const seconds = Number(process.argv[2] ?? 6);
const rate = Number(process.argv[3] ?? 10_000);
const dir = `/tmp/sanbao-prof-${Date.now()}`;
const influxd = influxdAvailable() ? await startInfluxd() : undefined;
const t = await startSanbao({
  ...(influxd ? { influxUrl: influxd.url } : {}),
  nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`],
});
await t.prepare(100);
const clients: MqttClient[] = await Promise.all(
  Array.from(
    { length: 100 },
    (_, i) =>
      new Promise<MqttClient>((res) => {
        const c = mqtt.connect(t.mqttUrl, { ...t.deviceCredentials(i), reconnectPeriod: 0 });
        c.once('connect', () => res(c));
      }),
  ),
);
const start = Date.now();
let sent = 0;
const flood = process.env.PROFILE_FLOOD === '1';
while (Date.now() - start < seconds * 1000) {
  const due = flood ? 2000 : Math.floor(((Date.now() - start) / 1000) * rate) - sent;
  for (let j = 0; j < due; j++, sent++) {
    const c = clients[sent % 100]!;
    c.publish(
      `devices/${c.options.clientId}/telemetry`,
      JSON.stringify({
        ts: Date.now(),
        metrics: { indoor_temp_c: 21, power_w: 800 + (sent % 100), compressor_current_a: 5.5 },
      }),
      { qos: flood ? 0 : 1 },
    );
  }
  await sleep(flood ? 1 : 5);
}
await sleep(1000);
await Promise.all(clients.map((c) => c.endAsync(true)));
await t.stop();
await influxd?.stop();

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
};
const self = new Map<number, number>();
prof.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0)));
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
console.log(
  `sent ${sent} msgs; busy CPU ${(total / 1e6).toFixed(2)} s = ${(total / sent).toFixed(1)} µs/msg`,
);
console.log('\nby package/folder:');
for (const [k, v] of [...byPkg].sort((a, b) => b[1] - a[1]).slice(0, 20))
  console.log(`  ${(v / sent).toFixed(2).padStart(7)} µs/msg  ${k}`);
console.log('\ntop functions (self):');
for (const [k, v] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, 30))
  console.log(`  ${(v / sent).toFixed(2).padStart(7)} µs/msg  ${k}`);
