import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, provision, waitFor, type Provisioned } from './helpers/clients.ts';
import { startInfluxd, type InfluxdHandle } from './helpers/influxd.ts';
import { createTestDatabase, type TestDatabase } from './helpers/postgres.ts';
import { HAPROXY, serverStates, templateHaproxy } from './helpers/haproxy.ts';
import { freePort, spawnService, type ServiceProcess } from './helpers/process.ts';
import { claimRedisDb, type TestRedis } from './helpers/redis.ts';
import { TEST_ADMIN_TOKEN } from './helpers/service.ts';
import { openAlertStream, type StreamEvent } from './helpers/sse.ts';

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Devices publishing telemetry through the balancer, and how often each one does. */
const FLEET = 200;
const PERIOD_MS = 400;
/** Of those, these answer remote commands. */
const COMMANDERS = 5;

interface Node {
  name: string;
  http: number;
  mqtt: number;
  /** Its agent for HAProxy's agent-check (MQTT_AGENT_PORT). */
  agent: number;
  dataDir: string;
  proc?: ServiceProcess;
}

interface Device {
  p: Provisioned;
  c: MqttClient;
  next: number;
  inflight: number;
  acked: Set<number>;
}

/**
 * Three nodes as real processes (`sanbao serve`) on one Redis index, one PostgreSQL database and
 * one influxd, each with its own DATA_DIR, behind HAProxy started from deploy/haproxy.cfg. A
 * fleet publishes at QoS 1 through the balancer; one node is killed (SIGKILL) mid-stream and
 * started again on its DATA_DIR, as systemd would (deploy/systemd/sanbao@.service).
 */
describe('a cluster behind HAProxy survives the loss of a node', () => {
  let redis: TestRedis;
  let db: TestDatabase;
  let influxd: InfluxdHandle;
  let haproxy: ChildProcess | undefined;
  let haproxyOut = '';
  let cfgDir: string;
  const nodes: Node[] = [];
  const ports = { mqtt: 0, http: 0, stats: 0 };
  let env: Record<string, string>;
  const lbHttp = () => `http://127.0.0.1:${ports.http}`;
  const nodeHttp = (n: Node) => `http://127.0.0.1:${n.http}`;
  const clients: MqttClient[] = [];

  const startNode = async (n: Node) => {
    n.proc = await spawnService({
      ...env,
      DATA_DIR: n.dataDir,
      HTTP_PORT: String(n.http),
      MQTT_PORT: String(n.mqtt),
      MQTT_AGENT_PORT: String(n.agent),
    });
  };

  beforeAll(async () => {
    if (!existsSync(HAPROXY))
      throw new Error(`${HAPROXY} not found: apt-get install haproxy (.ci/run does)`);
    [redis, db, influxd] = await Promise.all([
      claimRedisDb(),
      createTestDatabase(),
      startInfluxd(),
    ]);
    env = {
      DATABASE_URL: db.url,
      REDIS_URL: redis.url,
      INFLUX_URL: influxd.url,
      INFLUX_DATABASE: 'cluster_haproxy',
      ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      HTTP_HOST: '127.0.0.1',
      MQTT_HOST: '127.0.0.1',
      // Batches linger a second before the store write, so a killed node leaves acknowledged
      // messages in its spool for its restart to drain.
      INGEST_FLUSH_MS: '1000',
    };
    cfgDir = await mkdtemp(path.join(tmpdir(), 'sanbao-haproxy-'));
    for (const name of ['a', 'b', 'c']) {
      const [http, mqttPort] = [await freePort(), await freePort()];
      nodes.push({
        name,
        http,
        mqtt: mqttPort,
        agent: await freePort(),
        dataDir: await mkdtemp(path.join(tmpdir(), `sanbao-node-${name}-`)),
      });
    }
    [ports.mqtt, ports.http, ports.stats] = [await freePort(), await freePort(), await freePort()];
    await Promise.all(nodes.map(startNode));

    const cfg = templateHaproxy(
      await readFile(path.join(ROOT, 'deploy', 'haproxy.cfg'), 'utf8'),
      nodes,
      ports,
    );
    await writeFile(path.join(cfgDir, 'haproxy.cfg'), cfg);
    haproxy = spawn(HAPROXY, ['-db', '-f', path.join(cfgDir, 'haproxy.cfg')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    haproxy.stdout!.on('data', (b: Buffer) => (haproxyOut += b.toString()));
    haproxy.stderr!.on('data', (b: Buffer) => (haproxyOut += b.toString()));
    await waitFor(
      async () => {
        if (haproxy!.exitCode !== null) throw new Error(`haproxy exited:\n${haproxyOut}`);
        const s = await serverStates(ports.stats).catch(() => ({}));
        return Object.values(s).length === 6 && Object.values(s).every((v) => v === 'UP');
      },
      20_000,
      'HAProxy to see every node up',
    );
  }, 180_000);

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
    if (haproxy && haproxy.exitCode === null) {
      haproxy.kill('SIGTERM');
      await new Promise((r) => haproxy!.once('exit', r));
    }
    for (const n of nodes) {
      if (n.proc && n.proc.child.exitCode === null && n.proc.child.signalCode === null) {
        n.proc.child.kill('SIGTERM');
        await n.proc.exited;
      }
      await rm(n.dataDir, { recursive: true, force: true });
    }
    if (cfgDir) await rm(cfgDir, { recursive: true, force: true });
    await influxd?.stop();
    await db?.drop();
    await redis?.release();
  });

  /** A device's MQTT client through the balancer, reconnecting as devices do. */
  const connectThroughBalancer = (d: Provisioned) => {
    const c = mqtt.connect(`mqtt://127.0.0.1:${ports.mqtt}`, {
      clientId: d.id,
      username: d.id,
      password: d.secret,
      protocolVersion: 4,
      reconnectPeriod: 300,
      connectTimeout: 5000,
      keepalive: 30,
    });
    c.on('error', () => undefined);
    clients.push(c);
    return c;
  };

  /** Provisions `n` devices through the balancer's HTTP API, a few at a time. */
  const provisionMany = async (n: number, category?: 'tv') => {
    const out: Provisioned[] = [];
    for (let i = 0; i < n; i += 10)
      out.push(
        ...(await Promise.all(
          Array.from({ length: Math.min(10, n - i) }, () =>
            category
              ? provision(lbHttp(), TEST_ADMIN_TOKEN, 'tv', 'E55')
              : provision(lbHttp(), TEST_ADMIN_TOKEN),
          ),
        )),
      );
    return out;
  };

  it('stores every acknowledged message once, still routes commands, and every live node streams alerts', async () => {
    const started = Date.now();
    const eng = await api<{ token: string }>(lbHttp(), 'POST', '/api/v1/tokens', TEST_ADMIN_TOKEN, {
      role: 'engineer',
      subject: 'eng-haproxy',
    });
    expect(eng.status).toBe(201);
    const engineer = eng.body.token;

    // Alert streams straight on each node (not through the balancer): every live one must show
    // every alert, wherever it was opened.
    const streams = new Map<string, { events: StreamEvent[]; stop: AbortController }>();
    const openStream = async (base: string, key: string) => {
      const s = { events: [] as StreamEvent[], stop: new AbortController() };
      await openAlertStream(base, engineer, s.events, s.stop.signal);
      streams.set(key, s);
    };
    for (const n of nodes) await openStream(nodeHttp(n), n.name);

    const [fleet, faulty] = await Promise.all([provisionMany(FLEET, 'tv'), provisionMany(6)]);
    const t0 = Date.now() - 3_600_000;
    const devices: Device[] = fleet.map((p) => ({
      p,
      c: connectThroughBalancer(p),
      next: 0,
      inflight: 0,
      acked: new Set(),
    }));
    // A few devices answer remote commands, as the simulators' devices do.
    for (const d of devices.slice(0, COMMANDERS)) {
      d.c.on('connect', () => void d.c.subscribe(`devices/${d.p.id}/commands/#`, { qos: 1 }));
      d.c.on('message', (topic, payload) => {
        if (topic.endsWith('/reply')) return;
        const { requestId } = JSON.parse(payload.toString()) as { requestId: string };
        d.c.publish(`${topic}/reply`, JSON.stringify({ requestId, ok: true, result: {} }), {
          qos: 1,
        });
      });
    }
    await waitFor(() => devices.every((d) => d.c.connected), 30_000, 'the fleet to connect');
    // Spread over the three nodes by count (leastconn).
    const perNode = async () =>
      Promise.all(
        nodes.map(async (n) => {
          const text = await fetch(`${nodeHttp(n)}/metrics`).then((r) => r.text());
          return Number(/^sanbao_mqtt_connections (\d+)/m.exec(text)?.[1] ?? 0);
        }),
      );
    const spread = await perNode();
    expect(Math.min(...spread), `connections per node: ${spread}`).toBeGreaterThan(FLEET / 6);

    // The fleet publishes, each device every PERIOD_MS, at most 20 messages in flight each.
    let publishing = true;
    const pump = setInterval(() => {
      if (!publishing) return;
      const now = Date.now();
      for (const [i, d] of devices.entries()) {
        if (d.inflight >= 20 || now < d.next * PERIOD_MS + ((i * 7) % PERIOD_MS) + started)
          continue;
        const seq = d.next++;
        d.inflight++;
        d.c.publish(
          `devices/${d.p.id}/telemetry`,
          JSON.stringify({ ts: t0 + seq * 1000, metrics: { power_w: seq % 1000 } }),
          { qos: 1 },
          (err) => {
            d.inflight--;
            if (!err) d.acked.add(seq);
          },
        );
      }
    }, 50);
    const acked = () => devices.reduce((n, d) => n + d.acked.size, 0);

    const fault = async (p: Provisioned) => {
      const c = connectThroughBalancer(p);
      await waitFor(() => c.connected, 15_000, `faulty device ${p.id} to connect`);
      await c.publishAsync(
        `devices/${p.id}/events`,
        JSON.stringify({
          ts: Date.now(),
          code: 'F0',
          severity: 'error',
          detail: 'low refrigerant',
        }),
        { qos: 1 },
      );
    };
    const opened = (key: string) =>
      streams
        .get(key)!
        .events.filter((e) => e.event === 'alert.opened')
        .map((e) => e.data.alert.deviceId);
    const alertsArrive = async (devs: Provisioned[], keys: string[]) => {
      for (const key of keys)
        await waitFor(
          () => devs.every((p) => opened(key).includes(p.id)),
          20_000,
          `the alerts of ${devs.map((p) => p.id)} on node ${key}'s stream`,
        );
    };

    // Phase 1: all three nodes up.
    await Promise.all(faulty.slice(0, 2).map(fault));
    await alertsArrive(faulty.slice(0, 2), ['a', 'b', 'c']);
    await waitFor(() => acked() > FLEET * 5, 30_000, 'the fleet to be acknowledged');

    // Phase 2: node b dies mid-stream; its devices reconnect through the balancer.
    const [, b, c] = nodes as [Node, Node, Node];
    const before = acked();
    b.proc!.child.kill('SIGKILL');
    await b.proc!.exited;
    await waitFor(
      async () => (await serverStates(ports.stats))['sanbao_mqtt/node-b'] === 'DOWN',
      15_000,
      'HAProxy to mark node b down',
    );
    await waitFor(() => devices.every((d) => d.c.connected), 30_000, 'the fleet to reconnect');
    await waitFor(() => acked() > before + FLEET * 3, 30_000, 'acknowledgements after the kill');
    await Promise.all(faulty.slice(2, 4).map(fault));
    await alertsArrive(faulty.slice(2, 4), ['a', 'c']);

    // Phase 3: node b starts again on its DATA_DIR, as systemd restarts it, and drains its
    // spool: the messages it had acknowledged but not yet stored.
    await startNode(b);
    const replay = /"recoveredRecords":(\d+)[^\n]*replaying them/.exec(b.proc!.output());
    expect(
      Number(replay?.[1] ?? 0),
      `node b's spool at restart:\n${b.proc!.output()}`,
    ).toBeGreaterThan(0);
    await waitFor(
      async () => {
        const s = await serverStates(ports.stats);
        return s['sanbao_mqtt/node-b'] === 'UP' && s['sanbao_http/node-b'] === 'UP';
      },
      15_000,
      'HAProxy to take node b back',
    );
    await openStream(nodeHttp(b), 'b2');
    // And one through the balancer's HTTP frontend, on whichever node it lands.
    await openStream(lbHttp(), 'balancer');
    await Promise.all(faulty.slice(4, 6).map(fault));
    await alertsArrive(faulty.slice(4, 6), ['a', 'c', 'b2', 'balancer']);

    // An API command through the balancer reaches its device, whichever node either is on.
    for (const d of devices.slice(0, COMMANDERS)) {
      const r = await api<{ status: string }>(
        lbHttp(),
        'POST',
        `/api/v1/devices/${d.p.id}/commands`,
        engineer,
        { name: 'self_test', timeoutMs: 10_000 },
      );
      expect(r, `command to ${d.p.id}`).toMatchObject({ status: 200, body: { status: 'ok' } });
    }

    publishing = false;
    clearInterval(pump);
    await waitFor(
      () => devices.every((d) => d.inflight === 0),
      30_000,
      'the last acknowledgements',
    );

    // Every acknowledged message is stored, once; nothing that was not sent.
    const stored = new Map<string, number[]>();
    const readStored = async () => {
      for (let i = 0; i < devices.length; i += 25) {
        const ids = devices.slice(i, i + 25).map((d) => d.p.id);
        const q = `SELECT "power_w" FROM "telemetry" WHERE time >= ${t0}ms AND "device" =~ /^(${ids.join('|')})$/ GROUP BY "device"`;
        const r = (await fetch(
          `${influxd.url}/query?db=cluster_haproxy&epoch=ms&q=${encodeURIComponent(q)}`,
        ).then((res) => res.json())) as {
          results: Array<{ series?: Array<{ tags: { device: string }; values: number[][] }> }>;
        };
        for (const s of r.results[0]?.series ?? [])
          stored.set(
            s.tags.device,
            s.values.map(([ts]) => (ts! - t0) / 1000),
          );
      }
    };
    const missing = () =>
      devices.flatMap((d) => {
        const have = new Set(stored.get(d.p.id) ?? []);
        return [...d.acked].filter((s) => !have.has(s)).map((s) => `${d.p.id}#${s}`);
      });
    await waitFor(
      async () => {
        await readStored();
        return missing().length === 0;
      },
      30_000,
      'every acknowledged message in the store',
    ).catch(() => undefined);
    expect(missing().slice(0, 10), `${missing().length} acknowledged messages not stored`).toEqual(
      [],
    );
    let total = 0;
    for (const d of devices) {
      const seqs = stored.get(d.p.id)!;
      total += seqs.length;
      expect(new Set(seqs).size, `${d.p.id} stored twice`).toBe(seqs.length);
      expect(seqs.every((s) => Number.isInteger(s) && s >= 0 && s < d.next)).toBe(true);
    }
    expect(total).toBeGreaterThanOrEqual(acked());

    // No stream showed an alert twice.
    for (const key of streams.keys())
      expect(new Set(opened(key)).size, `duplicates on ${key}'s stream`).toBe(opened(key).length);
    for (const s of streams.values()) s.stop.abort();
    expect(c.proc!.child.exitCode).toBe(null);
    console.info(
      `cluster-haproxy: ${acked()} acknowledged, ${total} stored, ${before} before the kill; ${Date.now() - started} ms`,
    );
  }, 240_000);
});
