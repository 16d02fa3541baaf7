// CPU per message of Sanbao's own publish path, in one process without sockets or aedes's
// routing: the broker's authorizePublish hook, ingest's admit (check, encode, spool) and the
// drainer, into a store that discards what it gets. The store has InfluxDB 1.x's encoding (line
// protocol made at admit) unless the third argument is `samples` (a store that takes samples
// only, as the SQL store: the drainer decodes the payloads).
// `node --import tsx bench/ingest-hooks.ts [devices] [qos] [encoded|samples] [listen|diagnose]`:
// with `listen`, a listener that does nothing is handed every sample (as diagnostics is in the
// service: the drainer decodes the samples for it); with `diagnose`, the diagnostics engine with
// the built-in profiles processes every sample, as the service's listener does (detector state in
// memory, as on one node without PostgreSQL).
// The packet is built in the loop too (JSON.stringify + Buffer.from, ~1 µs of the figure).
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { createMetrics } from '../core/index.ts';
import { createDiagnosticsEngine, PROFILES } from '../diagnostics/index.ts';
import { createBroker } from '../broker/broker.ts';
import { Ingest } from '../ingest/ingest.ts';
import { Spool } from '../ingest/spool.ts';
import { LINE_PROTOCOL, LineEncoder, SampleLineEncoder } from '../ingest/stores/influx-line.ts';

const dir = await mkdtemp(path.join(tmpdir(), 'mb-'));
const spool = new Spool({ dir, maxBytes: 1e10, commitIntervalMs: 5 });
await spool.open();
const metrics = createMetrics();
const log = pino({ level: 'silent' }) as never;
const encoded = process.argv[4] !== 'samples';
const store = {
  name: 'null',
  init: async () => {},
  write: async () => {},
  writeEvents: async () => {},
  close: async () => {},
  ...(encoded
    ? {
        encoding: {
          id: LINE_PROTOCOL,
          encoder: () => new LineEncoder(new SampleLineEncoder()),
          write: async () => {},
        },
      }
    : {}),
} as never;
const ingest = new Ingest({
  store,
  spool,
  metrics,
  log,
  batchSize: 5000,
  flushMs: 100,
  deadLetterFile: path.join(dir, 'dl'),
  limits: { maxFutureMs: 300_000, maxPastMs: 400 * 86_400_000 },
});
const listen = process.argv[5] === 'listen' || process.argv[5] === 'diagnose';
if (process.argv[5] === 'diagnose') {
  const engine = createDiagnosticsEngine({ profiles: PROFILES });
  ingest.onDurable({
    samples: (samples) => {
      for (const s of samples) engine.process(s);
    },
  });
} else if (listen) ingest.onDurable({ samples: () => undefined });
ingest.start();
const config = {
  host: '',
  port: 0,
  auth: 'device',
  maxPayloadBytes: 262144,
  maxTopicLength: 256,
  maxTopicLevels: 8,
  ratePerDevice: 1e6,
  rateBurst: 1e6,
  maxInflight: 1000,
} as never;
const N_DEV = Number(process.argv[2] ?? 100);
const devices = {
  authenticate: async (id: string) => ({
    ok: true,
    device: { id, category: 'air_conditioner', model: 'BENCH' },
  }),
  markOnline: async () => {},
} as never;
const aedes = await createBroker({ config, devices, auth: {} as never, ingest, metrics, log });
const clients = [] as Array<{ id: string }>;
for (let i = 0; i < N_DEV; i++) {
  const c = { id: `d${String(i).padStart(20, '0')}` };
  await new Promise<void>((r) => aedes.authenticate(c as never, c.id, Buffer.from('x'), () => r()));
  clients.push(c);
}
const qos = Number(process.argv[3] ?? 0);
const N = Number(process.env.BENCH_N ?? 200_000);
const cpu = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
for (let round = 0, rounds = Number(process.env.BENCH_ROUNDS ?? 3); round < rounds; round++) {
  const c0 = cpu();
  let pending = 0;
  for (let i = 0; i < N; i++) {
    const c = clients[i % N_DEV]!;
    const packet = {
      cmd: 'publish',
      qos,
      dup: false,
      retain: false,
      topic: `devices/${c.id}/telemetry`,
      payload: Buffer.from(
        JSON.stringify({
          ts: Date.now(),
          metrics: {
            indoor_temp_c: 20 + (i % 10),
            power_w: 800 + (i % 100),
            compressor_current_a: 5.5,
          },
        }),
      ),
    };
    pending++;
    aedes.authorizePublish(c as never, packet as never, (err) => {
      if (err) throw err;
      pending--;
    });
    if (i % 100 === 99) await new Promise((r) => setImmediate(r));
  }
  while (pending > 0) await new Promise((r) => setTimeout(r, 5));
  await ingest.flushed();
  console.log(
    `round ${round}: ${((cpu() - c0) / N).toFixed(2)} µs/msg (hook + admit + spool + drain to a null store, ${encoded ? 'encoded' : 'samples'}${listen ? `, ${process.argv[5] === 'diagnose' ? 'diagnostics' : 'a listener'}` : ''}), QoS ${qos}, ${N_DEV} devices`,
  );
}
process.exit(0);
