import { Readable } from 'node:stream';
import type { Redis } from 'ioredis';
import { hasWildcard } from './cluster-routing.ts';

/** What this needs of a retained message: aedes's packet has more. */
interface RetainedPacket {
  cmd?: string;
  topic: string;
  payload: Buffer | string;
  qos?: number;
  properties?: unknown;
  messageExpiry?: unknown;
}
/** The two methods of aedes-persistence-redis (CallBackPersistence) this wraps. */
interface RetainedStore {
  storeRetained(packet: RetainedPacket, cb?: (err: Error | null) => void): Promise<void> | void;
  createRetainedStreamCombi(patterns: string[]): Readable;
}

/**
 * Every retained topic, in one sorted set whose members all score 0, so Redis keeps them in
 * lexicographic order: the topics of a bucket are one ZRANGEBYLEX range. A set per bucket (the
 * first version) cost Redis ~310 B per device (a key each, for its retained status); a member
 * of this one ~155 B.
 */
const INDEX_KEY = 'retained-index:topics';
/** Set once every retained message present has been indexed (an upgrade indexes the old ones). */
const BUILT_KEY = 'retained-index:sorted-built';
/** Set once the status topics an earlier version indexed have been taken out of the index. */
const NO_STATUS_KEY = 'retained-index:no-status';
/** The per-bucket sets of the first version, `retained-index:{bucket}`: removed by the build. */
const OLD_INDEX = 'retained-index:*';

/**
 * The ZRANGEBYLEX bounds of a bucket's topics: the bucket itself and everything after it up to
 * `{bucket}0` (`0` follows `/`). Topics like `{bucket}-x` fall in between; the caller's
 * matching drops them.
 */
const range = (bucket: string): [string, string] => [`[${bucket}`, `(${bucket}0`];

/**
 * The bucket every topic matching `filter` falls in, when the filter's first two levels hold no
 * wildcard; otherwise undefined (the filter may match topics in any bucket).
 */
function filterBucket(filter: string): string | undefined {
  const levels = filter.split('/');
  if (levels.length < 2) return undefined;
  const head = levels.slice(0, 2);
  if (head.some((l) => l === '+' || l === '#')) return undefined;
  return head.join('/');
}

/**
 * A device's status topic, `devices/{id}/status` (retained by the broker for every device that
 * ever connected): not in the index. A lookup whose bucket is `devices/{id}` reads it by name
 * instead when the filter matches it, so the index holds no member per device (~140 B of Redis
 * per device, bench/idle-heap.ts) for the one retained topic every device has.
 */
export function isStatusTopic(topic: string): boolean {
  if (!topic.startsWith('devices/') || !topic.endsWith('/status')) return false;
  const id = topic.indexOf('/', 8);
  return id > 8 && id === topic.length - 7;
}

/** The status topic a bucket (`{level}/{level}`) holds, if it is a device's. */
const statusOf = (bucket: string): string | undefined => {
  const topic = `${bucket}/status`;
  return isStatusTopic(topic) ? topic : undefined;
};

/** MQTT topic matching (3.1.1 §4.7) for filters whose first level is literal. */
function matches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true; // also the parent level itself [MQTT-4.7.1-2]
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

/**
 * aedes-persistence-redis answers a wildcard subscription's retained lookup by scanning its whole
 * hash of retained messages (HSCAN with a prefix MATCH, ten entries a round trip): every device
 * subscribing to `devices/{id}/commands/#` at connect walked every device's retained status —
 * O(retained topics) round trips per connect, so a reconnect storm of n devices cost O(n²)
 * (bench/cluster.ts: 20,000 devices took minutes to connect, Redis busy scanning).
 *
 * This keeps, beside the persistence's own hash, the retained topics in lexicographic order
 * (INDEX_KEY), and answers a filter whose first two levels are literal (`devices/{id}/…`) from
 * the range of topics starting with them: the topics that match are then read one by one
 * through the persistence itself (exact topics: HGET, its own decoding). Filters with a
 * wildcard in their first two levels (a service's `devices/+/status`) still go to the
 * persistence's scan.
 *
 * Devices' status topics are left out of the index (`isStatusTopic`): a lookup reads the one of
 * its bucket by name.
 *
 * The index is kept a superset of the hash's other topics: a topic is added before its message is stored and
 * removed after its message is deleted, so a failure between the two leaves a topic the lookup
 * reads and finds empty, never a retained message the lookup misses.
 */
export async function indexRetained(persistence: RetainedStore, conn: Redis): Promise<void> {
  await buildIndex(conn);
  // Without a callback it returns its promise.
  const storeRetained = persistence.storeRetained.bind(persistence) as (
    packet: RetainedPacket,
  ) => Promise<void>;
  const combi = persistence.createRetainedStreamCombi.bind(persistence);

  const store = async (whole: RetainedPacket) => {
    // What aedes reads of a retained message when it sends it (its subscribe handler: cmd, qos,
    // topic, payload; retain is set again there). Its packet's brokerId, brokerCounter,
    // messageId and dup cost the persistence's msgpack ~80 B of Redis per device's status.
    // (aedes-packet's own copy of a packet keeps `properties` and `messageExpiry`: so does this.)
    const packet: RetainedPacket & { retain: true } = {
      cmd: whole.cmd ?? 'publish',
      topic: whole.topic,
      payload: whole.payload,
      qos: whole.qos ?? 0,
      retain: true,
    };
    // MQTT 5's properties and their expiry, when a packet has them, are kept as they were.
    for (const name of ['properties', 'messageExpiry'] as const)
      if (Object.prototype.hasOwnProperty.call(whole, name)) packet[name] = whole[name];
    if (isStatusTopic(packet.topic)) await storeRetained(packet);
    else if (packet.payload.length === 0) {
      await storeRetained(packet);
      await conn.zrem(INDEX_KEY, packet.topic);
    } else {
      await conn.zadd(INDEX_KEY, 0, packet.topic);
      await storeRetained(packet);
    }
  };
  // aedes 1.x calls it without a callback and awaits the promise; older callers pass one.
  persistence.storeRetained = (packet: RetainedPacket, cb?: (err: Error | null) => void) => {
    const done = store(packet);
    if (!cb) return done;
    done.then(() => cb(null), cb);
  };

  persistence.createRetainedStreamCombi = (patterns: string[]) => {
    const scanned = patterns.filter((p) => hasWildcard(p) && !filterBucket(p));
    if (scanned.length > 0) return combi(patterns); // the persistence's own scan covers all
    const exact = patterns.filter((p) => !hasWildcard(p));
    const indexed = patterns.filter(hasWildcard);
    return Readable.from(
      (async function* () {
        const topics = new Set(exact);
        for (const filter of indexed) {
          const bucket = filterBucket(filter)!;
          const status = statusOf(bucket);
          // Read by name: the persistence finds nothing for a device that has none.
          if (status !== undefined && matches(filter, status)) topics.add(status);
          const [from, to] = range(bucket);
          for (const topic of await conn.zrangebylex(INDEX_KEY, from, to))
            if (matches(filter, topic)) topics.add(topic);
        }
        if (topics.size === 0) return;
        // Exact topics only: the persistence reads each with HGET and decodes it itself.
        for await (const packet of combi([...topics])) yield packet as RetainedPacket;
      })(),
      { objectMode: true },
    );
  };
}

/**
 * Indexes the retained messages stored before the index existed, once per Redis database, and
 * removes the first version's sets. Stop every node of the older version before starting one of
 * this: a retained message an older node stores after the build is in its set only, and is found
 * only by a wildcard subscription's scan.
 */
async function buildIndex(conn: Redis): Promise<void> {
  if ((await conn.exists(BUILT_KEY)) === 1) return dropStatus(conn);
  let cursor = '0';
  do {
    const [next, keys] = await conn.scan(cursor, 'MATCH', OLD_INDEX, 'COUNT', 1000, 'TYPE', 'set');
    cursor = next;
    if (keys.length > 0) await conn.unlink(...keys);
  } while (cursor !== '0');
  do {
    const [next, entries] = await conn.hscan('retained', cursor, 'COUNT', 1000);
    cursor = next;
    const members: Array<number | string> = [];
    for (let i = 0; i < entries.length; i += 2)
      if (!isStatusTopic(entries[i]!)) members.push(0, entries[i]!);
    if (members.length > 0) await conn.zadd(INDEX_KEY, ...members);
  } while (cursor !== '0');
  await conn.set(BUILT_KEY, '1');
  await conn.set(NO_STATUS_KEY, '1');
}

/**
 * Takes the devices' status topics out of an index built by an earlier version, once per Redis
 * database (they are read by name now). Harmless if one is left or added back by a node of the
 * earlier version: a lookup reads it by name and reads it once (a set of topics).
 */
async function dropStatus(conn: Redis): Promise<void> {
  if ((await conn.exists(NO_STATUS_KEY)) === 1) return;
  let cursor = '0';
  do {
    const [next, entries] = await conn.zscan(
      INDEX_KEY,
      cursor,
      'MATCH',
      'devices/*/status',
      'COUNT',
      1000,
    );
    cursor = next;
    const status: string[] = [];
    for (let i = 0; i < entries.length; i += 2)
      if (isStatusTopic(entries[i]!)) status.push(entries[i]!);
    if (status.length > 0) await conn.zrem(INDEX_KEY, ...status);
  } while (cursor !== '0');
  await conn.set(NO_STATUS_KEY, '1');
}
