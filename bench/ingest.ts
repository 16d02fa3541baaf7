// npm run bench:ingest — samples/s end to end (MQTT QoS 1 → Sanbao → InfluxDB, each message
// acknowledged only once durable) against direct batched line-protocol writes to the same
// influxd in the same run. Options (env): BENCH_SECONDS (10), BENCH_DEVICES (200), BENCH_WINDOW
// (QoS 1 messages in flight per device, 20).
import mqtt, { type MqttClient } from 'mqtt';
import { startInfluxd } from '../test/helpers/influxd.ts';
import { cpuSeconds, sleep } from './lib/proc.ts';
import { startSanbao } from './lib/targets.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const DEVICES = Number(process.env.BENCH_DEVICES ?? 200);
const WINDOW = Number(process.env.BENCH_WINDOW ?? 20);
const log = (s: string) => process.stderr.write(`${s}\n`);
const metrics = (i: number) => ({
  indoor_temp_c: 20 + (i % 10),
  power_w: 800 + (i % 100),
  compressor_current_a: 5.5,
});

const influxd = await startInfluxd();
const results: string[] = [];
try {
  // (1) Direct: what this influxd takes from a well-batched client (5,000 lines, 4 requests in flight).
  log('direct batched line-protocol writes');
  await fetch(`${influxd.url}/query?q=${encodeURIComponent('CREATE DATABASE direct')}`, {
    method: 'POST',
  });
  let directLines = 0;
  const t0 = Date.now();
  const base = Date.now() - 3_600_000;
  await Promise.all(
    Array.from({ length: 4 }, async (_, w) => {
      while (Date.now() - t0 < SECONDS * 1000) {
        const lines: string[] = [];
        for (let i = 0; i < 5000; i++) {
          const n = directLines + i;
          const m = metrics(n);
          lines.push(
            `telemetry,device=d${(n + w) % DEVICES},category=air_conditioner,model=BENCH indoor_temp_c=${m.indoor_temp_c},power_w=${m.power_w},compressor_current_a=${m.compressor_current_a} ${base + n * 4 + w}`,
          );
        }
        const r = await fetch(`${influxd.url}/write?db=direct&precision=ms`, {
          method: 'POST',
          body: lines.join('\n'),
        });
        if (r.status !== 204) throw new Error(`direct write: ${r.status} ${await r.text()}`);
        directLines += 5000;
      }
    }),
  );
  const directRate = directLines / ((Date.now() - t0) / 1000);
  results.push(
    `| direct batched writes (5,000 lines × 4 in flight) | ${directLines} | ${directRate.toFixed(0)} | 1.00 | — |`,
  );

  // (2) End to end through Sanbao.
  log(`Sanbao end to end: ${DEVICES} devices, ${WINDOW} QoS 1 messages in flight each`);
  const t = await startSanbao({ influxUrl: influxd.url });
  try {
    await t.prepare(DEVICES);
    const clients: MqttClient[] = await Promise.all(
      Array.from(
        { length: DEVICES },
        (_, i) =>
          new Promise<MqttClient>((res, rej) => {
            const c = mqtt.connect(t.mqttUrl, {
              ...t.deviceCredentials(i),
              reconnectPeriod: 0,
              protocolVersion: 4,
            });
            c.once('connect', () => res(c));
            c.once('error', rej);
          }),
      ),
    );
    const storedNow = async () =>
      Number(
        /^sanbao_ingest_samples_stored_total (\S+)/m.exec(
          await fetch(`${t.httpUrl}/metrics`).then((r) => r.text()),
        )?.[1],
      );
    const stored0 = await storedNow();
    const cpu0 = cpuSeconds(t.pid);
    const start = Date.now();
    let acked = 0;
    let seq = 0;
    await Promise.all(
      clients.map(async (c) => {
        const topic = `devices/${c.options.clientId}/telemetry`;
        const lane = async () => {
          while (Date.now() - start < SECONDS * 1000) {
            const n = seq++;
            await c.publishAsync(topic, JSON.stringify({ ts: base + n, metrics: metrics(n) }), {
              qos: 1,
            });
            acked++;
          }
        };
        await Promise.all(Array.from({ length: WINDOW }, lane));
      }),
    );
    const pubSeconds = (Date.now() - start) / 1000;
    const storedAtEnd = (await storedNow()) - stored0;
    while ((await storedNow()) - stored0 < acked) await sleep(50);
    const drainSeconds = (Date.now() - start) / 1000;
    const cpu = cpuSeconds(t.pid) - cpu0;
    const stored = (await storedNow()) - stored0;
    results.push(
      `| Sanbao: MQTT QoS 1 → spool → InfluxDB | ${acked} acked, ${stored} stored | ${(acked / pubSeconds).toFixed(0)} acked/s; ${(stored / drainSeconds).toFixed(0)} stored/s (all stored ${(drainSeconds - pubSeconds).toFixed(1)} s after the last ack; ${storedAtEnd} stored by then) | ${(stored / drainSeconds / directRate).toFixed(2)} | ${((cpu / stored) * 1e6).toFixed(1)} |`,
    );
    await Promise.all(clients.map((c) => Promise.race([c.endAsync(true), sleep(2000)])));
  } finally {
    await t.stop();
  }
} finally {
  await influxd.stop();
}

console.log(
  [
    `Ingest benchmark — ${new Date().toISOString()} — ${SECONDS} s, Debian influxd 1.6.7 on this machine, 3 metrics per sample`,
    '',
    '| path | samples | samples/s | ratio to direct | Sanbao CPU µs/sample |',
    '|---|---|---|---|---|',
    ...results,
  ].join('\n'),
);
process.exit(0);
