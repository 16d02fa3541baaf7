import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, openSync, closeSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A running influxd owned by one test file. */
export interface InfluxdHandle {
  /** Base URL of the HTTP API, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** Terminates influxd and removes its data directory. Final: the handle is done. */
  stop(): Promise<void>;
  /** SIGKILLs influxd (a crash); data directory and ports are kept for `restart()`. */
  kill(): Promise<void>;
  /** Starts influxd again on the same ports and data (terminating it first if running). */
  restart(): Promise<void>;
}

/** Path of Debian's influxd, or the one named by `INFLUXD_BIN`. */
export function influxdBin(): string {
  return process.env.INFLUXD_BIN ?? '/usr/bin/influxd';
}

/** Whether an influxd binary is installed where `startInfluxd` looks for it. */
export function influxdAvailable(): boolean {
  return existsSync(influxdBin());
}

/**
 * The `describe` to use for real-influxd suites (docs/style.md §13): the real one when influxd is
 * installed; otherwise `describe.skip` with a loud warning on a developer's machine, and a thrown
 * error under CI, where real-service tests must run.
 */
export function requireInfluxd(suite: string): boolean {
  if (influxdAvailable()) return true;
  const msg = `${suite}: influxd not found at ${influxdBin()} (apt-get install influxdb, or set INFLUXD_BIN)`;
  if (process.env.CI) throw new Error(`${msg}; real-service tests are required when CI is set`);
  console.warn(`\n!!! SKIPPED ${msg}\n`);
  return false;
}

/** Two distinct free TCP ports on 127.0.0.1, found by listening on port 0 together. */
async function freePorts(n: number): Promise<number[]> {
  const servers = Array.from({ length: n }, () => createServer());
  const ports = await Promise.all(
    servers.map(
      (s) =>
        new Promise<number>((resolve, reject) => {
          s.once('error', reject);
          s.listen(0, '127.0.0.1', () => {
            const addr = s.address();
            if (addr && typeof addr === 'object') resolve(addr.port);
            else reject(new Error('no port'));
          });
        }),
    ),
  );
  await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  return ports;
}

/**
 * Config for influxd 1.6: everything under `dir`, only HTTP and the RPC (backup) listener on
 * loopback, no usage reporting, no UDP/Graphite/OpenTSDB/collectd (disabled unless configured).
 * The [data] settings are the ones docs/influxdb.md requires for a million devices (tsi1 index,
 * no per-database series or per-tag value limits), so tests run the production configuration. CQs run
 * every second so a test can see a continuous query fire without waiting an hour.
 */
function config(dir: string, httpPort: number, rpcPort: number): string {
  return `reporting-disabled = true
bind-address = "127.0.0.1:${rpcPort}"
[meta]
  dir = "${join(dir, 'meta')}"
[data]
  dir = "${join(dir, 'data')}"
  wal-dir = "${join(dir, 'wal')}"
  index-version = "tsi1"
  max-series-per-database = 0
  max-values-per-tag = 0
  query-log-enabled = false
[monitor]
  store-enabled = false
[http]
  enabled = true
  bind-address = "127.0.0.1:${httpPort}"
  log-enabled = false
[continuous_queries]
  enabled = true
  run-interval = "1s"
[subscriber]
  enabled = false
[logging]
  level = "warn"
`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function logTail(path: string): string {
  try {
    return readFileSync(path, 'utf8').split('\n').slice(-40).join('\n');
  } catch {
    return '(no log)';
  }
}

async function waitForPing(
  url: string,
  child: ChildProcess,
  log: string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `${influxdBin()} exited (${child.exitCode ?? child.signalCode}) before answering /ping:\n${logTail(log)}`,
      );
    }
    try {
      const res = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(1000) });
      if (res.status === 204) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`influxd did not answer ${url}/ping within ${timeoutMs} ms:\n${logTail(log)}`);
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * Starts Debian's influxd on free loopback ports with a temporary data directory and waits until
 * `/ping` answers. The test owns it and must call `stop()` (docs/style.md §14).
 */
export async function startInfluxd(opts: { timeoutMs?: number } = {}): Promise<InfluxdHandle> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const dir = await mkdtemp(join(tmpdir(), 'sanbao-influxd-'));
  const log = join(dir, 'influxd.log');
  const conf = join(dir, 'influxdb.conf');
  let url = '';
  let child: ChildProcess | undefined;

  const launch = async (): Promise<void> => {
    const fd = openSync(log, 'a');
    try {
      child = spawn(influxdBin(), ['run', '-config', conf], { stdio: ['ignore', fd, fd] });
    } finally {
      closeSync(fd); // the child has its own copy
    }
    child.on('error', () => {}); // reported through the exit check in waitForPing
    await waitForPing(url, child, log, timeoutMs);
  };

  // A port found free can be taken before influxd binds it: retry with new ports.
  for (let attempt = 1; ; attempt++) {
    const [httpPort, rpcPort] = (await freePorts(2)) as [number, number];
    url = `http://127.0.0.1:${httpPort}`;
    await writeFile(conf, config(dir, httpPort, rpcPort));
    try {
      await launch();
      break;
    } catch (err) {
      if (child) {
        child.kill('SIGKILL');
        await exited(child);
      }
      if (attempt >= 3 || !/address already in use/.test(logTail(log))) {
        await rm(dir, { recursive: true, force: true });
        throw err;
      }
    }
  }

  const terminate = async (signal: NodeJS.Signals): Promise<void> => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const done = exited(c);
    c.kill(signal);
    const timer = setTimeout(() => c.kill('SIGKILL'), 10_000);
    await done;
    clearTimeout(timer);
  };

  return {
    url,
    async stop() {
      await terminate('SIGTERM');
      await rm(dir, { recursive: true, force: true });
    },
    async kill() {
      await terminate('SIGKILL');
    },
    async restart() {
      await terminate('SIGTERM');
      await launch();
    },
  };
}
