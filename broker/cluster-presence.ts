import type { Aedes, Client } from 'aedes';
import type { FastifyBaseLogger } from 'fastify';
import { Redis } from 'ioredis';
import type { AedesHandle } from './aedes-internals.ts';
import { stateOf } from './client-state.ts';
import type { DeviceDirectory } from './ports.ts';

/** How often a node says it is alive and looks for nodes that are not. */
export const BEAT_MS = 5_000;
/** A node that has not said it is alive for this long is dead: its devices are marked offline. */
export const ALIVE_TTL_MS = 20_000;
/** One node sweeps a dead node; another may try again after this long (the sweeper died too). */
const SWEEP_LOCK_MS = 60_000;
/** Devices checked against the live nodes per round trip. */
const CHUNK = 1_000;

const NODES = 'sanbao:cluster:nodes';
const aliveKey = (node: string) => `sanbao:cluster:node:${node}:alive`;
const devicesKey = (node: string) => `sanbao:cluster:node:${node}:devices`;
const sweepKey = (node: string) => `sanbao:cluster:node:${node}:sweep`;

export interface PresenceDeps {
  redisUrl: string;
  handle: AedesHandle;
  devices: Pick<DeviceDirectory, 'markOnline'>;
  log: FastifyBaseLogger;
  now: () => number;
}

/**
 * Cluster mode: a node killed outright (SIGKILL, power loss) says nothing of its devices, whose
 * retained status (`devices/{id}/status`) and registry mark would stay `online` for good. Each
 * node therefore keeps in Redis the set of devices connected to it
 * (`sanbao:cluster:node:{id}:devices`, one SADD/SREM per connect and disconnect) and a key
 * saying it is alive (refreshed every BEAT_MS, expiring after ALIVE_TTL_MS). Every node looks
 * for nodes whose key expired; one of them (a lock per dead node) publishes `offline` for each
 * of the dead node's devices that is not connected to a live node now, marks it offline in the
 * registry, and forgets the dead node. So a dead node's devices that do not come back show
 * offline within ALIVE_TTL_MS + BEAT_MS (about 25 s); those that reconnected elsewhere stay
 * online.
 *
 * A node that finds its own key had expired (it stalled, or Redis restarted empty) may have
 * been taken for dead: it writes its set again and republishes `online` for its devices (a
 * Redis restarted without persistence also lost their retained status). The same after its
 * connection to Redis comes back. A device reconnecting to a live node in the very moment its
 * dead node is swept may be told `offline` after its new node's `online`: the next connect or
 * the republish after a stall puts it right; nothing else does.
 */
export async function watchNodePresence(aedes: Aedes, d: PresenceDeps): Promise<void> {
  const { handle, devices, log, now } = d;
  const me = aedes.id;
  const r = new Redis(d.redisUrl, { lazyConnect: true, enableAutoPipelining: true });
  r.on('error', (err: Error) => log.debug({ err: err.message }, 'Redis error (presence)'));
  await r.connect();
  // While Redis is down, writes fail at once rather than pile up: everything is written again
  // when it is back (`announce`).
  r.options.enableOfflineQueue = false;

  const deviceOf = (c: Client) => {
    const st = stateOf(c);
    return st?.who.kind === 'device' ? st.who.deviceId : undefined;
  };
  const connected = () =>
    Object.values((aedes as unknown as { clients: Record<string, Client> }).clients)
      .map(deviceOf)
      .filter((id): id is string => id !== undefined);
  const quiet = (what: string) => (err: Error) =>
    log.debug({ err: err.message, what }, 'cluster presence: Redis write failed');

  const setStatus = (id: string, status: 'online' | 'offline') => {
    handle.publish({
      cmd: 'publish',
      qos: 1,
      dup: false,
      retain: true,
      topic: `devices/${id}/status`,
      payload: Buffer.from(status),
    });
    devices
      .markOnline(id, status === 'online', new Date(now()))
      .catch((err) => log.error({ err }, 'markOnline failed'));
  };

  aedes.on('clientReady', (c) => {
    const id = deviceOf(c);
    if (id) r.sadd(devicesKey(me), id).catch(quiet('sadd'));
  });
  aedes.on('clientDisconnect', (c) => {
    const id = deviceOf(c);
    const current = handle.client(c.id);
    // A newer connection of the same device on this node: it is still here.
    if (id && !(current && current !== c)) r.srem(devicesKey(me), id).catch(quiet('srem'));
  });

  /** Writes this node's devices again and republishes them `online`. */
  async function announce(why: string): Promise<void> {
    const ids = connected();
    for (let i = 0; i < ids.length; i += CHUNK)
      await r.sadd(devicesKey(me), ...ids.slice(i, i + CHUNK));
    for (const id of ids) setStatus(id, 'online');
    if (ids.length)
      log.warn({ devices: ids.length, why }, 'cluster presence: devices announced again');
  }

  /** Marks `node`'s devices that no live node has offline, then forgets `node`. */
  async function sweep(node: string, live: string[]): Promise<void> {
    const ids = await r.smembers(devicesKey(node));
    let gone = 0;
    for (let i = 0; i < ids.length; i += CHUNK) {
      const chunk = ids.slice(i, i + CHUNK);
      const found = await Promise.all(live.map((n) => r.smismember(devicesKey(n), ...chunk)));
      chunk.forEach((id, k) => {
        if (found.some((f) => f[k] === 1)) return;
        gone++;
        setStatus(id, 'offline');
      });
    }
    await r.del(devicesKey(node));
    await r.srem(NODES, node);
    log.warn(
      { node, devices: ids.length, offline: gone },
      'cluster node gone (no heartbeat): its devices not connected elsewhere marked offline',
    );
  }

  let beats = 0;
  let busy = false;
  let reconnected = false;
  async function beat(): Promise<void> {
    if (busy || r.status !== 'ready') return;
    busy = true;
    try {
      const before = await r.set(aliveKey(me), '1', 'PX', ALIVE_TTL_MS, 'GET');
      await r.sadd(NODES, me);
      if (beats++ > 0 && (before === null || reconnected))
        await announce(before === null ? 'own heartbeat had expired' : 'Redis reconnected');
      reconnected = false;
      const others = (await r.smembers(NODES)).filter((n) => n !== me);
      const alive = await Promise.all(others.map((n) => r.exists(aliveKey(n))));
      const live = [me, ...others.filter((_, i) => alive[i] === 1)];
      for (const [i, node] of others.entries()) {
        if (alive[i] === 1) continue;
        if ((await r.set(sweepKey(node), me, 'PX', SWEEP_LOCK_MS, 'NX')) === 'OK')
          await sweep(node, live);
      }
    } catch (err) {
      log.debug({ err: (err as Error).message }, 'cluster presence: beat failed');
    } finally {
      busy = false;
    }
  }
  r.on('ready', () => {
    reconnected = true;
    void beat();
  });
  await beat();
  const timer = setInterval(() => void beat(), BEAT_MS);
  timer.unref();

  aedes.once('closed', () => {
    clearInterval(timer);
    // A stopping node's devices said `offline` as they went; it leaves the cluster's list now.
    // With Redis down this fails at once: the others sweep it when its key expires.
    void Promise.allSettled([r.del(devicesKey(me), aliveKey(me)), r.srem(NODES, me)]).finally(() =>
      r.disconnect(),
    );
  });
}
