import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const HAPROXY = process.env.HAPROXY_BIN ?? '/usr/sbin/haproxy';

/** A node as HAProxy reaches it: its MQTT and HTTP ports, and its agent's (MQTT_AGENT_PORT). */
export interface BalancedNode {
  http: number;
  mqtt: number;
  agent?: number;
}

export interface BalancerPorts {
  mqtt: number;
  http: number;
  stats: number;
}

const SERVER =
  /^(\s+server node-([abc])) 10\.0\.0\.1\d:(1883|8080) check( port 8080)?( agent-check agent-port 1885 agent-inter \S+)?$/;

/**
 * deploy/haproxy.cfg as shipped, on loopback: its servers node-a, node-b, node-c (10.0.0.11–13,
 * MQTT 1883, HTTP 8080, agent 1885) become `nodes` in that order (the servers of nodes not given
 * go), its binds the test's ports; the process-wide settings that need the Debian install
 * (chroot, user, syslog socket, admin socket) go, and maxconn shrinks. Timeouts, checks,
 * balancing, agents and retries stay as they are (a node without `agent` loses its agent-check).
 */
export function templateHaproxy(cfg: string, nodes: BalancedNode[], ports: BalancerPorts): string {
  let servers = 0;
  const out = cfg
    .split('\n')
    .filter((l) => !/^\s+(chroot|user|group|stats socket|log \/dev\/log)\b/.test(l))
    .flatMap((l) => {
      const m = SERVER.exec(l);
      if (!m) return [l];
      const [, head, letter, port, checkPort, agent] = m;
      const node = nodes['abc'.indexOf(letter!)];
      if (!node) return [];
      servers++;
      if (port === '8080') return [`${head} 127.0.0.1:${node.http} check`];
      if (!checkPort) throw new Error(`deploy/haproxy.cfg: MQTT server not checked on 8080: ${l}`);
      const agentCheck =
        agent && node.agent !== undefined
          ? agent.replace('agent-port 1885', `agent-port ${node.agent}`)
          : '';
      return [`${head} 127.0.0.1:${node.mqtt} check port ${node.http}${agentCheck}`];
    })
    .map((l) =>
      l
        // The shipped limit needs 400k open files; a test machine allows fewer.
        .replace(/^(\s+maxconn) 200000$/, '$1 4000')
        .replace(/^(\s+bind) :1883$/, `$1 127.0.0.1:${ports.mqtt}`)
        .replace(/^(\s+bind) :80$/, `$1 127.0.0.1:${ports.http}`)
        .replace(/^(\s+bind) 127\.0\.0\.1:8404$/, `$1 127.0.0.1:${ports.stats}`),
    )
    .join('\n');
  if (servers !== 2 * nodes.length)
    throw new Error(
      `deploy/haproxy.cfg: expected ${2 * nodes.length} server lines, found ${servers}`,
    );
  if (nodes.some((n) => n.agent !== undefined) && !out.includes('agent-check'))
    throw new Error('deploy/haproxy.cfg: no agent-check on the MQTT servers');
  for (const p of [ports.mqtt, ports.http, ports.stats])
    if (!out.includes(`127.0.0.1:${p}`))
      throw new Error(`deploy/haproxy.cfg: a bind was not found`);
  return out;
}

/** One server as HAProxy's stats CSV shows it. */
export interface ServerStat {
  /** The operating state: UP, DOWN, MAINT, NOLB … (the CSV says UP for a weight-0 server). */
  status: string;
  weight: number;
  /** Sessions it holds now. */
  scur: number;
}

/** HAProxy's view of each server, by `backend/server` (its stats CSV). */
export async function serverStats(statsPort: number): Promise<Record<string, ServerStat>> {
  const csv = await fetch(`http://127.0.0.1:${statsPort}/stats;csv`).then((r) => r.text());
  const [head, ...rows] = csv.trim().split('\n');
  const cols = head!.replace(/^# /, '').split(',');
  const col = (f: string[], name: string) => f[cols.indexOf(name)]!;
  const out: Record<string, ServerStat> = {};
  for (const r of rows) {
    const f = r.split(',');
    if (f[1] === 'FRONTEND' || f[1] === 'BACKEND') continue;
    out[`${f[0]}/${f[1]}`] = {
      status: col(f, 'status'),
      weight: Number(col(f, 'weight')),
      scur: Number(col(f, 'scur')),
    };
  }
  return out;
}

/** HAProxy's view of each server: `backend/server` → UP, DOWN, … */
export async function serverStates(statsPort: number): Promise<Record<string, string>> {
  const stats = await serverStats(statsPort);
  return Object.fromEntries(Object.entries(stats).map(([k, v]) => [k, v.status]));
}

export interface Balancer {
  process: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

/** Starts HAProxy (foreground) on deploy/haproxy.cfg templated for `nodes` ({@link templateHaproxy}). */
export async function startBalancer(
  nodes: BalancedNode[],
  ports: BalancerPorts,
): Promise<Balancer> {
  if (!existsSync(HAPROXY))
    throw new Error(`${HAPROXY} not found: apt-get install haproxy (.ci/run does)`);
  const dir = await mkdtemp(path.join(tmpdir(), 'sanbao-haproxy-'));
  const cfg = templateHaproxy(
    await readFile(path.join(ROOT, 'deploy', 'haproxy.cfg'), 'utf8'),
    nodes,
    ports,
  );
  await writeFile(path.join(dir, 'haproxy.cfg'), cfg);
  const child = spawn(HAPROXY, ['-db', '-f', path.join(dir, 'haproxy.cfg')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  return {
    process: child,
    output: () => out,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
