import { Redis } from 'ioredis';
import { memoryCapStore, type CapDecision, type CapLimit, type CapStore } from '../cap-store.ts';

/**
 * A device's window as one hash, `start` (epoch ms), `count`, `held`, read and changed in one
 * script: two nodes notifying for the same device at the same moment are counted one after the
 * other (Redis runs a script alone). The same rule as the memory store (cap-store.ts). The hash
 * expires with its window, or a day after its last held-back notification: a held-back count
 * older than that is not told.
 */
const TAKE = `
local w = redis.call('HMGET', KEYS[1], 'start', 'count', 'held')
local at = tonumber(ARGV[1])
local max = tonumber(ARGV[2])
local win = tonumber(ARGV[3])
local start = w[1]
local count = tonumber(w[2]) or 0
local held = tonumber(w[3]) or 0
if not start or at - tonumber(start) >= win then
  start = ARGV[1]
  count = 0
end
if count >= max then
  redis.call('HSET', KEYS[1], 'start', start, 'count', count, 'held', held + 1)
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
  return {0, 0}
end
redis.call('HSET', KEYS[1], 'start', start, 'count', count + 1, 'held', 0)
redis.call('PEXPIRE', KEYS[1], math.max(1, math.floor(tonumber(start) + win - at)))
return {1, held}
`;

/** How long a held-back count waits for a notification that goes out. */
const HELD_KEEP_MS = 86_400_000;
/** A count Redis does not answer within this is taken on this node (see below). */
const COMMAND_TIMEOUT_MS = 1_000;
/** At most one warning this often while Redis is unreachable. */
const WARN_EVERY_MS = 60_000;

type WithTake = Redis & {
  capTake(key: string, at: string, max: string, win: string, keep: string): Promise<unknown>;
};

export interface RedisCapStoreOptions {
  /** REDIS_URL (its database index chooses the cluster, as for the broker). */
  redisUrl: string;
  limit: CapLimit;
  /** Key prefix (default `sanbao:cap:`), then the device id. */
  prefix?: string;
  /** Told, at most once a minute, while counts fall back to this node. */
  onWarn: (err: unknown, what: string) => void;
}

/**
 * Cluster mode: the notification cap counted in Redis, once per device for every node
 * (README "Running a cluster"), so a device whose alerts are opened and escalated through
 * several nodes gets `max` notifications a window, not `max` per node.
 *
 * While Redis does not answer (down, or slower than 1 s) a notification is counted on this
 * node alone, in memory: the cap is then per node, as before cluster-wide counting, rather
 * than none (a flood) or total (alerts nobody hears of). A warning says so, at most once a
 * minute. Counts made on the node meanwhile are not added to Redis's: after an outage a device
 * may get up to `max` more in the window it is in.
 */
export function redisCapStore(o: RedisCapStoreOptions): CapStore & {
  /** Resolves once connected (true) or when the first attempt failed (false). */
  ready(): Promise<boolean>;
} {
  const prefix = o.prefix ?? 'sanbao:cap:';
  // No offline queue: a count waits for no reconnection, it falls back at once.
  const conn = new Redis(o.redisUrl, {
    enableOfflineQueue: false,
    commandTimeout: COMMAND_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
  }) as WithTake;
  conn.defineCommand('capTake', { numberOfKeys: 1, lua: TAKE });
  const local = memoryCapStore(o.limit);
  let warnedAt = -Infinity;
  const warn = (err: unknown) => {
    const now = Date.now();
    if (now - warnedAt < WARN_EVERY_MS) return;
    warnedAt = now;
    o.onWarn(
      err,
      'notification cap: Redis unreachable, devices counted on this node only until it answers',
    );
  };
  // ioredis reconnects by itself; without a listener an error event would end the process.
  conn.on('error', warn);
  const ready = new Promise<boolean>((resolve) => {
    conn.once('ready', () => resolve(true));
    conn.once('error', () => resolve(false));
  });
  const args = (at: number) =>
    [String(Math.round(at)), String(o.limit.max), String(o.limit.windowMs)] as const;
  return {
    ready: () => ready,
    async take(deviceId, at): Promise<CapDecision> {
      try {
        const [allowed, suppressed] = (await conn.capTake(
          prefix + deviceId,
          ...args(at),
          String(Math.max(o.limit.windowMs, HELD_KEEP_MS)),
        )) as [number, number];
        return { allowed: allowed === 1, suppressed };
      } catch (err) {
        warn(err);
        return local.takeNow(deviceId, at);
      }
    },
    prune: (now) => local.prune(now),
    async close() {
      await conn.quit().catch(() => conn.disconnect());
    },
  };
}
