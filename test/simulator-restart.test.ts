import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Category, METRICS } from '../core/categories.ts';
import type { Reading } from '../simulators/device.ts';
import type { SimEvent } from '../simulators/faults.ts';
import { newStats, runFleet } from '../simulators/runner.ts';
import { api } from './helpers/clients.ts';
import { freePort, spawnService, type ServiceProcess } from './helpers/process.ts';
import { TEST_ADMIN_TOKEN } from './helpers/service.ts';

// The fleet runner against `sanbao serve` in its own process, which is stopped (SIGTERM) or
// killed (SIGKILL) mid-run and started again on the same data folder and ports. The runner
// must reconnect, upload what it buffered meanwhile, and every reading it generated must be
// stored exactly once: the same (ts, value) series per device and metric, nothing missing,
// nothing extra. Out-of-range values would be acknowledged and silently not stored, so the
// generated values are also checked against the categories' plausible ranges.

const DEVICES = 6;
const MIX = { air_conditioner: 1, refrigerator: 1, household_car: 1 } as const;

interface Generated {
  category: Category;
  readings: Reading[];
  events: SimEvent[];
}

async function until(what: string, ok: () => boolean, ms: number): Promise<void> {
  const end = performance.now() + ms;
  while (!ok()) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

async function storedSeries(
  base: string,
  id: string,
  metric: string,
  from: number,
  to: number,
): Promise<Array<[number, number]>> {
  const r = await api<{ points: Array<{ ts: string; value: number }> }>(
    base,
    'GET',
    `/api/v1/devices/${id}/telemetry?metric=${metric}&from=${from}&to=${to}&limit=100000`,
    TEST_ADMIN_TOKEN,
  );
  if (r.status !== 200) throw new Error(`telemetry query: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.points.map((p) => [Date.parse(p.ts), p.value]);
}

// One service for both cases (a fresh data folder costs most of a start); each case runs its
// own fleet (another seed, so other serials) and restarts the service on the same folder/ports.
let dataDir: string;
let env: Record<string, string>;
let base: string;
let mqttUrl: string;
let proc: ServiceProcess | undefined;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), `sanbao-sim-restart-`));
  const [http, mqttPort] = await Promise.all([freePort(), freePort()]);
  env = {
    DATA_DIR: dataDir,
    HTTP_PORT: String(http),
    MQTT_PORT: String(mqttPort),
    HTTP_HOST: '127.0.0.1',
    MQTT_HOST: '127.0.0.1',
    ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    INGEST_FLUSH_MS: '20',
  };
  base = `http://127.0.0.1:${http}`;
  mqttUrl = `mqtt://127.0.0.1:${mqttPort}`;
  proc = await spawnService(env);
});

afterAll(async () => {
  if (proc) {
    proc.child.kill('SIGTERM');
    await proc.exited;
  }
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

for (const [signal, seed] of [
  ['SIGTERM', 23],
  ['SIGKILL', 24],
] as const) {
  it(`runner survives a service ${signal} mid-run: backlog uploaded, every reading stored exactly once`, async () => {
    if (!proc) proc = await spawnService(env);
    const ac = new AbortController();
    try {
      const stats = newStats();
      const generated = new Map<string, Generated>();
      const log: string[] = [];
      const run = runFleet({
        api: base,
        mqtt: mqttUrl,
        token: TEST_ADMIN_TOKEN,
        devices: DEVICES,
        mix: { ...MIX },
        faults: 0.5,
        speed: 3600, // a 60 s sample every 1/60 real second per device
        seed,
        credentialsFile: path.join(dataDir, `sim-credentials-${seed}.json`),
        stderr: (s) => log.push(s),
        signal: ac.signal,
        maxReconnectMs: 2000,
        stats,
        onSample: (id, params, reading, events) => {
          let g = generated.get(id);
          if (!g) {
            g = { category: params.category, readings: [], events: [] };
            generated.set(id, g);
          }
          g.readings.push(reading);
          g.events.push(...events);
        },
      });

      await until('the fleet to connect and publish', () => stats.connected === DEVICES, 20_000);
      await until('acknowledged samples', () => stats.samples > DEVICES * 100, 20_000);
      const before = stats.samples;
      proc.child.kill(signal);
      await proc.exited;
      proc = undefined;
      await until('the runner to notice', () => stats.connected === 0, 10_000);
      const atDown = [...generated.values()].reduce((n, g) => n + g.readings.length, 0);
      await sleep(1500); // readings pile up in the runner's backlog
      const buffered = [...generated.values()].reduce((n, g) => n + g.readings.length, 0) - atDown;
      expect(buffered).toBeGreaterThan(DEVICES * 30);

      proc = await spawnService(env);
      await until('the fleet to reconnect', () => stats.connected === DEVICES, 20_000);
      await until('more acknowledged samples', () => stats.samples > before + buffered, 20_000);
      await sleep(500);
      ac.abort();
      const summary = await run;
      expect(summary.drained).toBe(true);
      expect(stats.dropped).toBe(0);
      expect(stats.reconnects).toBeGreaterThan(0);

      // Every generated value is inside its category's plausible range (ingest would refuse it).
      expect(generated.size).toBe(DEVICES);
      for (const g of generated.values()) {
        const specs = METRICS[g.category];
        for (const r of g.readings) {
          for (const [m, v] of Object.entries(r.metrics)) {
            const spec = specs[m];
            expect(spec, m).toBeDefined();
            if (spec && (v < spec.min || v > spec.max))
              expect.fail(`${g.category}.${m} = ${v} outside ${spec.min}..${spec.max}`);
          }
        }
      }

      const from = Date.parse(summary.start) - 1;
      const to = Date.now() + 600_000;
      const expected = new Map<string, Map<string, Array<[number, number]>>>();
      let total = 0;
      for (const [id, g] of generated) {
        const byMetric = new Map<string, Array<[number, number]>>();
        for (const r of g.readings) {
          for (const [m, v] of Object.entries(r.metrics)) {
            const s = byMetric.get(m) ?? [];
            s.push([r.ts, v]);
            byMetric.set(m, s);
            total++;
          }
        }
        for (const s of byMetric.values()) s.sort((a, b) => a[0] - b[0]);
        expected.set(id, byMetric);
      }
      // Each device's readings carry distinct timestamps, so storage can deduplicate resends.
      for (const g of generated.values())
        expect(new Set(g.readings.map((r) => r.ts)).size).toBe(g.readings.length);

      const stored = async () => {
        const out = new Map<string, Map<string, Array<[number, number]>>>();
        for (const [id, byMetric] of expected) {
          const m = new Map<string, Array<[number, number]>>();
          for (const metric of byMetric.keys())
            m.set(metric, await storedSeries(base, id, metric, from, to));
          out.set(id, m);
        }
        return out;
      };
      const count = (x: Map<string, Map<string, unknown[]>>) =>
        [...x.values()].reduce((n, m) => n + [...m.values()].reduce((k, s) => k + s.length, 0), 0);
      // Ingest writes in batches; wait until it has everything, then compare exactly.
      await expect.poll(async () => count(await stored()), { timeout: 20_000 }).toBe(total);
      const final = await stored();
      for (const [id, byMetric] of expected) {
        const got = final.get(id);
        for (const [metric, series] of byMetric)
          expect(got?.get(metric), `${id} ${metric}`).toEqual(series);
      }

      // Fault codes, when the run produced any, are stored once each as well.
      for (const [id, g] of generated) {
        if (g.events.length === 0) continue;
        const r = await api<{ events: Array<{ ts: string; code: string }> }>(
          base,
          'GET',
          `/api/v1/devices/${id}/events?from=${from}&to=${to}&limit=10000`,
          TEST_ADMIN_TOKEN,
        );
        const got = r.body.events.map((e) => `${Date.parse(e.ts)} ${e.code}`).sort();
        expect(got).toEqual(g.events.map((e) => `${e.ts} ${e.code}`).sort());
      }
    } finally {
      ac.abort();
    }
  });
}
