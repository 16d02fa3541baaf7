import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SimClock } from './clock.ts';
import { createSimDevice, type Reading, sampleDevice } from './device.ts';
import { type ClientStats, ConnectGate, DeviceClient } from './device-client.ts';
import { groundTruthOf, type GroundTruth, type SimEvent, toJsonl } from './faults.ts';
import { type Mix, planFleet } from './fleet.ts';
import type { DeviceParams } from './model.ts';
import { Provisioner } from './provision.ts';

/** Options of a fleet run against a live service. */
export interface RunnerOptions {
  api: string;
  mqtt: string;
  token: string;
  devices: number;
  mix: Mix;
  faults: number;
  /** Simulated seconds per real second (1 = real time). */
  speed: number;
  seed: number;
  /** Real run time; without it the fleet runs until `signal` aborts. */
  durationMs?: number;
  groundTruthFile?: string;
  /** serial → {id, secret} cache, so reruns reuse their devices. */
  credentialsFile?: string;
  /** Simulated start (epoch ms); default: so that the run ends at the wall clock's now. */
  start?: number;
  /** Sampling interval override, simulated seconds. */
  intervalS?: number;
  /** Budget of readings per real second for the whole fleet (coarsens sampling if needed). */
  maxSampleRate?: number;
  tickMs?: number;
  /** Connection attempts in progress at once across the fleet (default 100). */
  maxConnecting?: number;
  /** Longest reconnect backoff, ms (default 15 s; the first retry comes after ~1 s). */
  maxReconnectMs?: number;
  /**
   * Sampling starts once every device is connected, or after this long (default 30 s): a fleet
   * that samples while it dials floods the service with the backlogs of the first devices in,
   * and the rest wait behind them.
   */
  connectFirstMs?: number;
  stderr(s: string): void;
  signal?: AbortSignal;
  /** Wall clock, epoch ms (injectable for tests). */
  wallNow?: () => number;
  /** Counters the run updates as it goes (pass one to watch a run live). */
  stats?: ClientStats;
  /** Called when the run moves on: devices provisioned, connections opening, sampling. */
  onPhase?: (phase: 'provisioned' | 'connecting' | 'sampling') => void;
  /** Called with every reading (and its fault codes) the fleet generates, before upload. */
  onSample?: (
    deviceId: string,
    params: Readonly<DeviceParams>,
    reading: Reading,
    events: readonly SimEvent[],
  ) => void;
}

/** What a run did. */
export interface RunSummary {
  devices: number;
  start: string;
  end: string;
  stats: ClientStats;
  groundTruth: GroundTruth[];
  /** Every acknowledged and nothing left in a backlog at the end. */
  drained: boolean;
}

/** Zeroed run counters. */
export function newStats(): ClientStats {
  return {
    connected: 0,
    messages: 0,
    samples: 0,
    events: 0,
    dropped: 0,
    reconnects: 0,
    commands: 0,
  };
}

/** Ingest refuses readings older than 400 days by default; stay inside that. */
const MAX_HISTORY_MS = 390 * 86_400_000;

/**
 * Runs a simulated fleet against a Sanbao service exactly as real devices would talk to it:
 * provisions each device over HTTP (reusing cached credentials), connects each as its own
 * MQTT client, and drives all of them from one timer loop. Simulated time runs `speed` times
 * faster than real time and never passes the wall clock (ingest refuses future readings), so
 * an accelerated run replays the recent past and then continues in real time.
 */
export async function runFleet(o: RunnerOptions): Promise<RunSummary> {
  const wallNow = o.wallNow ?? (() => Date.now());
  const horizon = (o.durationMs ?? 600_000) * o.speed;
  const start = o.start ?? wallNow() - Math.min(horizon, MAX_HISTORY_MS);
  const fleet = planFleet({ ...o, start, end: start + horizon });
  const provisioner = new Provisioner(o.api, o.token, o.credentialsFile);
  await provisioner.load();
  const creds = await provisioner.ensureAll(
    fleet.map((d) => d.params),
    (n) => o.stderr(`provisioned ${n}/${fleet.length}`),
  );
  o.onPhase?.('provisioned');

  const groundTruth = fleet.flatMap((d, i) =>
    d.fault
      ? [
          groundTruthOf(
            {
              deviceId: creds[i]?.id ?? '',
              serial: d.params.serial,
              category: d.params.category,
              model: d.params.model,
            },
            d.fault,
          ),
        ]
      : [],
  );
  if (o.groundTruthFile) {
    await mkdir(dirname(o.groundTruthFile), { recursive: true });
    await writeFile(o.groundTruthFile, toJsonl(groundTruth));
  }

  const stats = o.stats ?? newStats();
  const minInterval = (o.speed * fleet.length) / (o.maxSampleRate ?? 20_000);
  const gate = new ConnectGate(o.maxConnecting ?? 100);
  const clients = fleet.map((d, i) => {
    const c = creds[i];
    if (!c) throw new Error(`no credentials for ${d.params.serial}`);
    const sim = createSimDevice(d, Math.max(o.intervalS ?? d.model.intervalS, minInterval));
    return new DeviceClient(sim, c, stats, {
      mqttUrl: o.mqtt,
      batchSize: 500,
      maxBacklog: 50_000,
      reconnectPeriodMs: 1000,
      maxReconnectMs: o.maxReconnectMs ?? 15_000,
      gate,
      rekey: async () => {
        const fresh = await provisioner.provision({
          category: d.params.category,
          model: d.params.model,
          serial: d.params.serial,
        });
        await provisioner.save();
        return fresh;
      },
    });
  });
  // Spread first samples over one interval so the fleet does not report in lockstep.
  const nextT = clients.map((c, i) => start + ((i * 0.618034) % 1) * c.sim.intervalS * 1000);
  o.onPhase?.('connecting');
  // Connections open through the gate (at most `maxConnecting` in progress). Sampling starts
  // when all are in (or after `connectFirstMs`); a device not connected by then queues its
  // readings.
  for (const c of clients) c.start();
  const connectStart = performance.now();
  let lastConnectReport = connectStart;
  while (
    !o.signal?.aborted &&
    stats.connected < clients.length &&
    performance.now() - connectStart < (o.connectFirstMs ?? 30_000)
  ) {
    await sleep(50, undefined, { signal: o.signal }).catch(() => undefined);
    if (performance.now() - lastConnectReport >= 1000) {
      lastConnectReport = performance.now();
      o.stderr(`connecting: ${stats.connected}/${clients.length} connected`);
    }
  }
  o.stderr(
    `connected ${stats.connected}/${clients.length} in ${((performance.now() - connectStart) / 1000).toFixed(1)} s; sampling`,
  );

  o.onPhase?.('sampling');
  const clock = new SimClock(start, o.speed);
  const realStart = performance.now();
  const tickMs = o.tickMs ?? 200;
  let lastReport = realStart;
  let lastMessages = 0;
  let simNow = start;
  while (
    !o.signal?.aborted &&
    (o.durationMs === undefined || performance.now() - realStart < o.durationMs)
  ) {
    simNow = Math.min(clock.now(), wallNow());
    clients.forEach((c, i) => {
      let t = nextT[i] ?? start;
      for (let n = 0; t <= simNow && n < 5000; n++) {
        // Devices stamp whole milliseconds (ingest would round; the test compares exactly).
        const { reading, events } = sampleDevice(c.sim, Math.round(t));
        o.onSample?.(c.id, c.sim.params, reading, events);
        c.push(reading, events);
        t += c.sim.intervalS * 1000;
      }
      nextT[i] = t;
      c.flush();
    });
    const real = performance.now();
    if (real - lastReport >= 1000) {
      const rate = ((stats.messages - lastMessages) * 1000) / (real - lastReport);
      const injected = groundTruth.filter((g) => Date.parse(g.onset) <= simNow).length;
      o.stderr(
        `${new Date(simNow).toISOString()} connected ${stats.connected}/${clients.length}  ${rate.toFixed(0)} msg/s  ` +
          `samples ${stats.samples}  events ${stats.events}  faults ${injected}/${groundTruth.length}` +
          (stats.dropped > 0 ? `  DROPPED ${stats.dropped}` : ''),
      );
      lastReport = real;
      lastMessages = stats.messages;
    }
    await sleep(tickMs, undefined, { signal: o.signal }).catch(() => undefined);
  }

  const drained = (await Promise.all(clients.map((c) => c.drain(10_000, (ms) => sleep(ms))))).every(
    Boolean,
  );
  await Promise.all(clients.map((c) => c.stop()));
  return {
    devices: clients.length,
    start: new Date(start).toISOString(),
    end: new Date(simNow).toISOString(),
    stats,
    groundTruth,
    drained,
  };
}
