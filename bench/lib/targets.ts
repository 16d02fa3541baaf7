import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, spawnService } from '../../test/helpers/process.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** A broker under test, running as its own process. */
export interface Target {
  name: string;
  pid: number;
  mqttUrl: string;
  httpUrl?: string;
  /** Makes credentials for devices 0..n-1 ready (provisioning, for Sanbao). */
  prepare(n: number): Promise<void>;
  /** MQTT credentials for a publishing device, or none (open brokers). */
  deviceCredentials(i: number): { clientId: string; username?: string; password?: string };
  /** Credentials for the measuring subscriber. */
  subscriber: { username?: string; password?: string };
  stop(): Promise<void>;
  /** What the process printed so far (Sanbao only), e.g. a GC trace asked for with node flags. */
  output?(): string;
}

/**
 * Client id of publishing device `i` on the open baselines: as long as Sanbao's device ids (a
 * UUID, 36 characters), so every broker parses, matches and forwards topics of the same length
 * (`devices/{id}/telemetry`, 54 bytes). With `dev{i}` (23-byte topics) raw aedes did ~2 µs/msg
 * less work than it does for the same fleet under Sanbao's ids.
 */
export const baselineDeviceId = (i: number) =>
  `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;

function waitForLine(child: ChildProcess, text: string, ms = 30_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    const t = setTimeout(() => reject(new Error(`no "${text}" within ${ms} ms: ${out}`)), ms);
    const on = (b: Buffer) => {
      out += b.toString();
      if (out.includes(text)) {
        clearTimeout(t);
        resolve();
      }
    };
    child.stdout?.on('data', on);
    child.stderr?.on('data', on);
  });
}

const stopChild = (c: ChildProcess) =>
  new Promise<void>((r) => {
    if (c.exitCode !== null) return r();
    c.once('exit', () => r());
    c.kill('SIGTERM');
    setTimeout(() => c.kill('SIGKILL'), 5000).unref();
  });

export async function startRawAedes(opts: { nodeArgs?: string[] } = {}): Promise<Target> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [...(opts.nodeArgs ?? []), '--import', 'tsx', path.join(HERE, 'raw-aedes.ts'), String(port)],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  await waitForLine(child, 'ready');
  let stopping = false;
  let out = '';
  child.stderr?.on('data', (b: Buffer) => (out = (out + b.toString()).slice(-4000)));
  child.once('exit', (code) => {
    if (!stopping)
      process.stderr.write(`\n!!! raw aedes exited with ${code} during the run:\n${out}\n`);
  });
  return {
    name: 'raw aedes',
    pid: child.pid!,
    mqttUrl: `mqtt://127.0.0.1:${port}`,
    prepare: async () => undefined,
    deviceCredentials: (i) => ({ clientId: baselineDeviceId(i) }),
    subscriber: {},
    stop: () => {
      stopping = true;
      return stopChild(child);
    },
  };
}

export async function startMosquitto(): Promise<Target> {
  const port = await freePort();
  const dir = await mkdtemp(path.join(tmpdir(), 'bench-mosq-'));
  const conf = path.join(dir, 'mosquitto.conf');
  // max_queued_messages raised from 1000: the default silently drops QoS 1 to a slow subscriber.
  await writeFile(
    conf,
    `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 100000\nlog_dest stderr\nlog_type error\n`,
  );
  const child = spawn('/usr/sbin/mosquitto', ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise((r) => setTimeout(r, 500));
  if (child.exitCode !== null) throw new Error('mosquitto did not start');
  return {
    name: 'Mosquitto',
    pid: child.pid!,
    mqttUrl: `mqtt://127.0.0.1:${port}`,
    prepare: async () => undefined,
    deviceCredentials: (i) => ({ clientId: baselineDeviceId(i) }),
    subscriber: {},
    stop: async () => {
      await stopChild(child);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Sanbao with device auth, ACL and ingest; telemetry into InfluxDB when a URL is given. */
export async function startSanbao(
  opts: {
    influxUrl?: string;
    env?: Record<string, string>;
    nodeArgs?: string[];
    /** Without the diagnostics engine on stored samples (bench/lib/without-diagnostics.ts). */
    withoutDiagnostics?: boolean;
    /** Appended to the name: an A/B variant of the same service (bench/broker.ts `sanbao-b`). */
    variant?: string;
    /**
     * Another checkout of this repository (with its node_modules) to run instead of this one,
     * its own measurement aids included: two versions of the code side by side in one run.
     */
    checkout?: string;
  } = {},
): Promise<Target & { adminToken: string }> {
  const [http, mqttPort] = await Promise.all([freePort(), freePort()]);
  const dataDir = await mkdtemp(path.join(tmpdir(), 'bench-sanbao-'));
  const adminToken = 'bench-admin-token-0123456789';
  const extraEnv = Object.fromEntries(
    (process.env.BENCH_SANBAO_ENV ?? '')
      .split(' ')
      .filter(Boolean)
      .map((kv) => kv.split('=') as [string, string]),
  );
  // Measurement aids loaded before the service: no diagnostics, or one stage taken away.
  const aids = opts.checkout ? path.join(opts.checkout, 'bench/lib') : HERE;
  const preloads = [
    ...(opts.withoutDiagnostics ? [path.join(aids, 'without-diagnostics.ts')] : []),
    ...((opts.env?.BENCH_ABLATE ?? extraEnv.BENCH_ABLATE) ? [path.join(aids, 'ablate.ts')] : []),
  ];
  const proc = await spawnService(
    {
      DATA_DIR: dataDir,
      HTTP_PORT: String(http),
      MQTT_PORT: String(mqttPort),
      HTTP_HOST: '127.0.0.1',
      MQTT_HOST: '127.0.0.1',
      ADMIN_TOKEN: adminToken,
      MQTT_RATE_PER_DEVICE: '100000',
      MQTT_RATE_BURST: '100000',
      LOG_LEVEL: 'error',
      ...(opts.influxUrl ? { INFLUX_URL: opts.influxUrl, INFLUX_DATABASE: 'bench' } : {}),
      ...opts.env,
      // Extra variables for experiments, e.g. BENCH_SANBAO_ENV="SPOOL_COMMIT_MS=20 INGEST_FLUSH_MS=50".
      ...extraEnv,
    },
    60_000,
    [
      // As `npm start` runs it (package.json, bin/sanbao.js).
      '--max-semi-space-size=64',
      ...(opts.nodeArgs ?? []),
      ...(preloads.length > 0
        ? ['--import', 'tsx', ...preloads.flatMap((p) => ['--import', p])]
        : []),
    ],
    ...(opts.checkout ? [path.join(opts.checkout, 'bin/sanbao.js')] : []),
  );
  let stopping = false;
  // A broker that dies under load is a result: say so, with what it printed last.
  void proc.exited.then((code) => {
    if (!stopping)
      process.stderr.write(
        `\n!!! Sanbao exited with ${code} during the run:\n${proc.output().slice(-4000)}\n`,
      );
  });
  const httpUrl = `http://127.0.0.1:${http}`;
  // Serials unique per started service: with DATABASE_URL set, fresh processes share a database.
  const batch = `${process.pid}-${http}`;
  const creds: Array<{ clientId: string; username: string; password: string }> = [];
  return {
    name:
      (opts.withoutDiagnostics
        ? 'Sanbao without diagnostics (auth + ACL + ingest)'
        : 'Sanbao (auth + ACL + ingest + diagnostics)') +
      (opts.variant ? `, variant ${opts.variant}` : ''),
    pid: proc.child.pid!,
    mqttUrl: `mqtt://127.0.0.1:${mqttPort}`,
    httpUrl,
    adminToken,
    async prepare(n) {
      // Provisioned through the public API, 16 at a time.
      let next = creds.length;
      const worker = async () => {
        while (next < n) {
          const k = next++;
          const r = await fetch(`${httpUrl}/api/v1/devices`, {
            method: 'POST',
            headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
            body: JSON.stringify({
              category: 'air_conditioner',
              model: 'BENCH',
              serial: `B${batch}-${k}`,
            }),
          });
          if (r.status !== 201)
            throw new Error(`provisioning bench device ${k}: HTTP ${r.status} ${await r.text()}`);
          const body = (await r.json()) as { id: string; secret: string };
          creds[k] = { clientId: body.id, username: body.id, password: body.secret };
        }
      };
      await Promise.all(Array.from({ length: 16 }, worker));
    },
    deviceCredentials: (i) => creds[i]!,
    subscriber: { username: 'token', password: adminToken },
    output: () => proc.output(),
    async stop() {
      stopping = true;
      proc.child.kill('SIGTERM');
      await proc.exited;
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
