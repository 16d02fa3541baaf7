import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../bin/sanbao.js');

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export interface ServiceProcess {
  child: ChildProcess;
  output: () => string;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
}

/** Runs `sanbao serve` as a real child process and waits until it says it is running. */
export async function spawnService(
  env: Record<string, string>,
  timeoutMs = 60_000,
  nodeArgs: string[] = [],
  /** The `sanbao` entry point to run: another checkout's, to compare two versions (bench). */
  bin = BIN,
): Promise<ServiceProcess> {
  const child = spawn(process.execPath, [...nodeArgs, bin, 'serve'], {
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(
      () => reject(new Error(`service did not start within ${timeoutMs} ms:\n${out}`)),
      timeoutMs,
    );
    const check = () => {
      if (out.includes('sanbao is running')) {
        clearTimeout(t);
        resolve();
      }
    };
    child.stdout!.on('data', check);
    void exited.then((code) => {
      clearTimeout(t);
      reject(new Error(`service exited with ${code} before starting:\n${out}`));
    });
  });
  return { child, output: () => out, exited };
}

/** Two free ports on 127.0.0.1 and the env that binds a child node's HTTP and MQTT to them. */
export async function loopbackPorts(): Promise<{
  http: number;
  mqtt: number;
  env: Record<'HTTP_PORT' | 'MQTT_PORT' | 'HTTP_HOST' | 'MQTT_HOST', string>;
}> {
  const [http, mqtt] = await Promise.all([freePort(), freePort()]);
  const env = {
    HTTP_PORT: String(http),
    MQTT_PORT: String(mqtt),
    HTTP_HOST: '127.0.0.1',
    MQTT_HOST: '127.0.0.1',
  };
  return { http, mqtt, env };
}

/** Ends a child node still running (a test's cleanup), and waits for it to exit. */
export async function stopIfRunning(
  proc: ServiceProcess | undefined,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<void> {
  if (!proc || proc.child.exitCode !== null || proc.child.signalCode !== null) return;
  proc.child.kill(signal);
  await proc.exited;
}
