import { createRequire } from 'node:module';
import type { Aedes, AedesOptions } from 'aedes';
import type { FastifyBaseLogger } from 'fastify';
import { Redis } from 'ioredis';
import { indexRetained } from './cluster-retained.ts';
import { BucketRouting } from './cluster-routing.ts';
import { addCleanIncoming } from './persistence.ts';
import type { DeviceDirectory } from './ports.ts';

const require = createRequire(import.meta.url);

// CommonJS; aedes-persistence-redis ships no typings. Loaded as what it is, typed by what this
// module uses.
type Persistence = NonNullable<AedesOptions['persistence']> & { destroy(): Promise<void> };
const redisPersistence = require('aedes-persistence-redis') as (opts: {
  conn: Redis;
}) => Persistence;

/** How long a starting node waits for Redis before it gives up. */
const CONNECT_TIMEOUT_MS = 5000;
/** How long a stopping node waits for Redis to take its last writes before it drops them. */
export const CLOSE_GRACE_MS = 3000;
/** At most one warning this often about messages not routed while Redis is down. */
const DROP_WARN_MS = 10_000;

/** ioredis's queues, which it does not declare: commands waiting for Redis, and sent ones. */
type Queued = { command: { name: string } };
const queues = (c: Redis) =>
  c as unknown as {
    offlineQueue: { toArray(): Queued[] };
    commandQueue: { toArray(): Queued[] };
    options: { enableOfflineQueue: boolean };
    flushQueue(err: Error): void;
  };

/**
 * Cluster mode (REDIS_URL): aedes on Redis. Every message some node subscribes to goes through
 * Redis pub/sub to the nodes with a subscriber for it (so a subscriber on one node hears a device
 * on another, and a command published on one reaches a device on another), routed by topic bucket
 * (broker/cluster-routing.ts; what no node listens to is not sent, broker/cluster-interest.ts);
 * `aedes-persistence-redis` keeps sessions, subscriptions, retained messages (indexed by bucket,
 * broker/cluster-retained.ts) and QoS 1 queues in Redis.
 *
 * Redis pub/sub ignores the db index, so channels carry the prefix `sanbao/{db}/`: nodes on the
 * same Redis and db index form one cluster, and clusters on other indexes do not hear it.
 */
export interface ClusterBackends {
  mq: BucketRouting;
  persistence: Persistence;
  /** After aedes.close (which closes `mq`): the persistence's Redis connection. */
  close(): Promise<void>;
  /** 'up' while all three connections to Redis are ready; 'down' while any reconnects. */
  redis(): 'up' | 'down';
  /**
   * Gives up on Redis (a stop that Redis does not answer): stops reconnecting, fails every
   * command still waiting for it and every later one. Returns what was dropped: commands by
   * connection and name (`publish`: messages not routed; `hset`, `rpush` …: sessions,
   * retained messages and queues not written; `unsubscribe`: routing not undone).
   */
  abort(): Record<string, Record<string, number>>;
}

export async function connectCluster(
  redisUrl: string,
  opts: { log: FastifyBaseLogger },
): Promise<ClusterBackends> {
  const db = Number(new URL(redisUrl).pathname.slice(1) || 0);
  const open = (role: string) => {
    const conn = new Redis(redisUrl, { lazyConnect: true, enableAutoPipelining: true });
    // ioredis reconnects by itself; without a listener an error event would end the process.
    conn.on('error', (err: Error) => opts.log.warn({ err: err.message, role }, 'Redis error'));
    return conn;
  };
  const conns = { pub: open('publish'), sub: open('subscribe'), store: open('persistence') };
  const all = Object.values(conns);
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      Promise.all(all.map((c) => c.connect())),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${CONNECT_TIMEOUT_MS} ms`)),
          CONNECT_TIMEOUT_MS,
        );
      }),
    ]);
  } catch (err) {
    all.forEach((c) => c.disconnect());
    const where = new URL(redisUrl);
    where.password = where.password ? '***' : '';
    throw new Error(`REDIS_URL: cannot reach Redis at ${where.href}: ${(err as Error).message}`);
  } finally {
    clearTimeout(timer);
  }
  // Routing by bucket (broker/cluster-routing.ts), not mqemitter-redis: its pattern
  // subscription per device made every PUBLISH cost Redis O(connected devices). Local delivery
  // has no concurrency bound, as before: with one, messages beyond it wait in mqemitter's queue
  // and a slow delivery's release drains them recursively (at 1,000 devices, 10,000 msg/s,
  // QoS 1, mqemitter-redis with a bound overflowed the stack). The backlog is memory either way.
  const mq = new BucketRouting(`sanbao/${db}/`, conns.pub, conns.sub);
  // The cluster's interest, read before this node routes anything (broker/cluster-interest.ts).
  await mq.start();
  mq.state.on('error', (err: Error) => opts.log.warn({ err: err.message }, 'Redis routing error'));
  routeBestEffort(mq, opts.log);
  // 11.2.2 lacks cleanIncoming (QoS 2 dedup table of a clean session, broker/persistence.ts).
  const persistence = addCleanIncoming(redisPersistence({ conn: conns.store }), conns.store);
  await indexRetained(persistence, conns.store);
  quietStreams(persistence, opts.log);
  return {
    mq,
    persistence,
    redis: () => (all.every((c) => c.status === 'ready') ? 'up' : 'down'),
    close: () =>
      persistence
        .destroy()
        .catch(() => undefined)
        .finally(() => conns.store.disconnect()),
    abort: () => {
      const dropped: Record<string, Record<string, number>> = {};
      for (const [role, c] of Object.entries(conns)) {
        const q = queues(c);
        const count: Record<string, number> = {};
        for (const item of [...q.offlineQueue.toArray(), ...q.commandQueue.toArray()])
          count[item.command.name] = (count[item.command.name] ?? 0) + 1;
        if (Object.keys(count).length) dropped[role] = count;
        // Later commands fail at once instead of waiting in the offline queue.
        q.options.enableOfflineQueue = false;
        c.disconnect();
        q.flushQueue(new Error('the node stopped without Redis'));
      }
      return dropped;
    },
  };
}

/** The persistence's methods that answer with a stream read from Redis. */
const STREAMS = [
  'createRetainedStream',
  'createRetainedStreamCombi',
  'outgoingStream',
  'streamWill',
  'getClientList',
] as const;

/**
 * aedes reads some of these streams without an error listener (`createRetainedStreamCombi(…)
 * .pipe(…)` for a SUBSCRIBE's retained messages; the will sweep's stream): one that fails
 * because Redis is down would end the process. Each gets a listener that logs the failure;
 * readers that listen themselves still hear it.
 */
function quietStreams(persistence: Persistence, log: FastifyBaseLogger): void {
  const p = persistence as unknown as Record<string, (...args: unknown[]) => NodeJS.EventEmitter>;
  for (const name of STREAMS) {
    const open = p[name];
    if (typeof open !== 'function') continue;
    p[name] = (...args: unknown[]) =>
      open
        .apply(persistence, args)
        .on('error', (err: Error) =>
          log.warn({ err: err.message, read: name }, 'MQTT persistence read failed (Redis)'),
        );
  }
}

/**
 * Routing while Redis is down is best effort. A device's QoS 1 message is acknowledged once
 * ingest has it on disk (broker/ingest-handoff.ts), before aedes routes it; the routing waits
 * in ioredis's offline queue, and ioredis fails it after its retries (about 10 s). Handed to
 * aedes, that failure would be taken for the publishing client's error (aedes's client.js,
 * nextBatch), which ends its connection, and the device could not connect again until Redis is
 * back (sessions live there). Here it only costs the live subscribers that message (pub/sub
 * promises no more): it is counted and logged, at most one warning per DROP_WARN_MS.
 */
function routeBestEffort(mq: BucketRouting, log: FastifyBaseLogger): void {
  const emit = mq.emit.bind(mq);
  let dropped = 0;
  let warnedAt = 0;
  mq.emit = (message, cb) =>
    emit(message, (err) => {
      if (err && !mq.closed) {
        dropped++;
        const now = Date.now();
        if (now - warnedAt >= DROP_WARN_MS) {
          warnedAt = now;
          log.warn(
            { err: err.message, dropped, topic: message.topic },
            'Redis unreachable: messages not routed to other nodes and subscribers (stored all the same)',
          );
          dropped = 0;
        }
      }
      cb?.();
    });
}

/**
 * Ties the backends' end to the broker's: aedes.close ends the clients, emits `closed`, then
 * closes `mq`; the persistence unsubscribes through `mq`, so it goes at `closed`, and close's
 * callback waits for it.
 *
 * Bounded: with Redis down every step of that waits for Redis (each client's unsubscribes,
 * its will, the quits), so when Redis is still down after CLOSE_GRACE_MS the node gives up on it, logs what it drops
 * (commands by name: see ClusterBackends.abort) and ends within a moment more. What devices
 * sent is not among it: acknowledged messages are in the spool.
 */
export function closeWithBroker(
  aedes: Aedes,
  backends: ClusterBackends,
  log: FastifyBaseLogger,
): void {
  let done: Promise<void> = Promise.resolve();
  aedes.once('closed', () => (done = backends.close()));
  const close = aedes.close.bind(aedes);
  aedes.close = (cb?: () => void) => {
    let ended = false;
    let after: NodeJS.Timeout | undefined;
    const end = () => {
      if (ended) return;
      ended = true;
      clearTimeout(grace);
      clearTimeout(after);
      cb?.();
    };
    const giveUp = () => {
      // Redis answering, the stop is slow for another reason (many clients): it goes on.
      if (backends.redis() === 'up') return void (grace = setTimeout(giveUp, CLOSE_GRACE_MS));
      const dropped = backends.abort();
      log.warn(
        { dropped },
        `Redis did not answer within ${CLOSE_GRACE_MS} ms of stopping: stopping without it`,
      );
      // The failed commands let aedes finish; whatever still waits is not waited for.
      after = setTimeout(end, 500);
    };
    let grace = setTimeout(giveUp, CLOSE_GRACE_MS);
    return close(() => void done.finally(end));
  };
}

/** Where a node tells the others that a device's credentials changed (payload: its id). */
const CREDENTIALS_TOPIC = '$SYS/sanbao/devices/credentials-changed';

/**
 * Disabling a device or rotating its secret on any node reaches every node's cache of verified
 * secrets: the registry tells of the change once it is written, this node publishes the device
 * id through the cluster's routing (Redis pub/sub), and every node, this one included, forgets
 * it. Redis pub/sub delivers at most once: a node whose subscription connection to Redis
 * dropped may have missed changes, so when it reconnects it forgets every verified secret (its
 * devices pay one full check each at their next connect).
 */
export async function shareCredentialChanges(
  aedes: Aedes,
  mq: ClusterBackends['mq'],
  devices: DeviceDirectory,
  log: FastifyBaseLogger,
): Promise<void> {
  const { onCredentialsChanged, forgetVerified } = devices;
  if (!onCredentialsChanged || !forgetVerified) {
    log.warn('cluster mode: the device directory cannot share credential changes between nodes');
    return;
  }
  await new Promise<void>((resolve) =>
    aedes.subscribe(
      CREDENTIALS_TOPIC,
      (packet, cb) => {
        forgetVerified(packet.payload.toString());
        cb();
      },
      resolve,
    ),
  );
  const stop = onCredentialsChanged((id) =>
    aedes.publish(
      {
        cmd: 'publish',
        qos: 0,
        dup: false,
        retain: false,
        topic: CREDENTIALS_TOPIC,
        payload: Buffer.from(id),
      },
      (err) =>
        err && log.error({ err, device: id }, 'could not tell the cluster of a credentials change'),
    ),
  );
  // Connected before this: every `subConnect` from now on is a reconnect.
  const onReconnect = () => forgetVerified();
  mq.state.on('subConnect', onReconnect);
  aedes.once('closed', () => {
    stop();
    mq.state.off('subConnect', onReconnect);
  });
}
