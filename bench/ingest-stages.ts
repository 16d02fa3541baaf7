// Where ingest's per-message CPU goes, stage by stage, in one process (no broker, no sockets):
// `node --import tsx bench/ingest-stages.ts`. Uses Debian's influxd for the store stage.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Sample } from '../core/index.ts';
import { spoolHead } from '../ingest/spool-codec.ts';
import { Spool } from '../ingest/spool.ts';
import { createInflux1Store } from '../ingest/stores/influx1.ts';
import { checkTelemetry, decodeTelemetry } from '../ingest/validate.ts';
import { startInfluxd } from '../test/helpers/influxd.ts';

const N = 100_000;
const dev = {
  deviceId: 'd0123456789abcdefghij',
  category: 'air_conditioner' as const,
  model: 'KFR-35GW',
};
const now = Date.now();
const payloads = Array.from({ length: N }, (_, i) =>
  Buffer.from(
    JSON.stringify({
      ts: now - N + i,
      metrics: { indoor_temp_c: 21, power_w: 800 + (i % 100), compressor_current_a: 5.5 },
    }),
  ),
);
const limits = { maxFutureMs: 300_000, maxPastMs: 86_400_000 };
const cpuUs = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
const report = (stage: string, us: number, per = N) =>
  console.log(`${stage.padEnd(52)} ${(us / per).toFixed(2)} µs`);

let c0 = cpuUs();
let checked = 0;
for (const p of payloads) {
  const r = checkTelemetry(p, dev, now, limits);
  if (r.ok) checked += r.items;
}
report('check (the byte reader, on the broker hot path)', cpuUs() - c0);
if (checked !== N) throw new Error(`only ${checked} of ${N} payloads checked`);

c0 = cpuUs();
const samples: Sample[][] = [];
for (const p of payloads) {
  const r = decodeTelemetry(p, dev, now, limits);
  samples.push(r.ok ? r.items : []);
}
report('decode + validate (JSON.parse, shape check or zod, ranges)', cpuUs() - c0);

const dir = await mkdtemp(path.join(tmpdir(), 'ingest-stages-'));
for (const group of [1, 10, 100]) {
  const spool = new Spool({ dir: path.join(dir, String(group)), maxBytes: 1e9 });
  await spool.open();
  const n = group === 1 ? 2000 : N;
  c0 = cpuUs();
  for (let i = 0; i < n; i += group) {
    for (let j = i; j < Math.min(n, i + group); j++) {
      spool.enqueue(spoolHead('s', dev), payloads[j]!);
    }
    await spool.durable();
  }
  report(`spool append, ${group} record(s) per fdatasync`, cpuUs() - c0, n);
  await spool.close();
}
await rm(dir, { recursive: true, force: true });

const influxd = await startInfluxd();
try {
  const store = createInflux1Store({ url: influxd.url, database: 'stages' });
  await store.init();
  const all = samples.flat();
  c0 = cpuUs();
  for (let i = 0; i < all.length; i += 1000) await store.write(all.slice(i, i + 1000));
  report('InfluxDB 1.x store write, batches of 1,000', cpuUs() - c0);
} finally {
  await influxd.stop();
}
process.exit(0);
