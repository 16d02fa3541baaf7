import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import type { AedesMemoryPersistence } from 'aedes-persistence';
import { topicMatches } from './acl.ts';

// A CommonJS module whose typings declare an ES default export: load it as what it is.
const memory = createRequire(import.meta.url)('aedes-persistence') as () => AedesMemoryPersistence;

interface RetainedPacket {
  topic: string;
  payload: Buffer | string;
  [key: string]: unknown;
}

/** The part of aedes-persistence's interface this module replaces. */
interface RetainedMethods {
  storeRetained(packet: RetainedPacket, cb?: (err: Error | null) => void): Promise<void> | void;
  createRetainedStream(pattern: string): Readable;
  createRetainedStreamCombi(patterns: string[]): Readable;
}

/** Index key of a topic: its first two levels (`devices/{id}`), where every device's topics sit. */
const bucketOf = (topic: string): string => {
  const first = topic.indexOf('/');
  if (first < 0) return topic;
  const second = topic.indexOf('/', first + 1);
  return second < 0 ? topic : topic.slice(0, second);
};

/** The bucket a subscription pattern can match, or undefined when a wildcard sits in its first two levels. */
const bucketOfPattern = (pattern: string): string | undefined => {
  const levels = pattern.split('/', 3);
  if (levels.slice(0, 2).some((l) => l === '+' || l === '#')) return undefined;
  return levels.length === 1 ? pattern : `${levels[0]}/${levels[1]}`;
};

/**
 * aedes' in-memory persistence with an indexed retained store. The stock one tests every
 * retained topic against each new subscription, and every device has a retained status, so
 * connecting N devices cost O(N²): 2.5 ms per SUBSCRIBE at 10,000 devices. Here retained
 * messages are bucketed by their first two levels, and a device's `devices/{id}/commands/#`
 * looks at its own bucket only. Patterns with a wildcard in the first two levels still scan.
 */
export function createPersistence(): AedesMemoryPersistence {
  const persistence = memory();
  const buckets = new Map<string, Map<string, RetainedPacket>>();

  function* matching(patterns: string[]): Generator<RetainedPacket> {
    for (const pattern of patterns) {
      const key = bucketOfPattern(pattern);
      const candidates = key === undefined ? buckets.values() : [buckets.get(key) ?? new Map()];
      // A leading wildcard does not match topics starting with $ [MQTT-4.7.2-1].
      const skipDollar = pattern.startsWith('+') || pattern.startsWith('#');
      for (const bucket of candidates) {
        for (const [topic, packet] of bucket) {
          if (skipDollar && topic.startsWith('$')) continue;
          if (topicMatches(pattern, topic)) yield packet;
        }
      }
    }
  }

  const methods: RetainedMethods = {
    storeRetained(pkt, cb) {
      const packet = { ...pkt };
      const key = bucketOf(packet.topic);
      if (packet.payload.length === 0) {
        // An empty retained payload clears the topic [MQTT-3.3.1-10].
        buckets.get(key)?.delete(packet.topic);
        if (buckets.get(key)?.size === 0) buckets.delete(key);
      } else {
        let bucket = buckets.get(key);
        if (!bucket) buckets.set(key, (bucket = new Map()));
        bucket.set(packet.topic, packet);
      }
      if (cb) return void process.nextTick(cb, null);
      return Promise.resolve();
    },
    createRetainedStream: (pattern) => Readable.from(matching([pattern])),
    createRetainedStreamCombi: (patterns) => Readable.from(matching(patterns)),
  };
  return Object.assign(persistence, methods);
}

type Done = (err: Error | null) => void;
interface IncomingClient {
  id: string;
}
interface IncomingPacket {
  messageId?: number;
}

/**
 * What {@link addCleanIncoming} replaces of aedes-persistence's callback layer
 * (callBackPersistence.js): each method answers with a promise, or through `cb` when one is given.
 */
interface IncomingMethods {
  incomingStorePacket(client: IncomingClient, packet: IncomingPacket, cb?: Done): unknown;
  incomingDelPacket(client: IncomingClient, packet: IncomingPacket, cb?: Done): unknown;
  cleanIncoming?(client: IncomingClient, cb?: Done): unknown;
}

/** What {@link addCleanIncoming} needs of the persistence's Redis connection (ioredis). */
export interface IncomingIndexRedis {
  sadd(key: string, member: string): Promise<unknown>;
  srem(key: string, member: string): Promise<unknown>;
  eval(script: string, numKeys: number, ...args: string[]): Promise<unknown>;
}

// aedes-persistence-redis 11.2.2's key of an inbound QoS 2 packet (asyncPersistence.js,
// incomingKey): `incoming:{encodeURIComponent(clientId)}:{messageId}`.
const incomingPrefix = (clientId: string) => `incoming:${encodeURIComponent(clientId)}:`;
/** Ours: the message ids a client has in that table, so a clean session finds them in one read. */
const incomingIdsKey = (clientId: string) => `sanbao:incoming-ids:${encodeURIComponent(clientId)}`;

/** Deletes every listed packet key and the list, atomically (KEYS[1]: the list, ARGV[1]: the packets' prefix). */
const CLEAN_INCOMING = `
local ids = redis.call('SMEMBERS', KEYS[1])
for _, id in ipairs(ids) do redis.call('DEL', ARGV[1] .. id) end
redis.call('DEL', KEYS[1])
return #ids`;

/** `work`'s outcome through `cb` when there is one (the callback layer's form), else as a promise. */
const answer = (work: Promise<unknown>, cb?: Done): Promise<void> | undefined => {
  const done = work.then(() => undefined);
  if (!cb) return done;
  done.then(() => process.nextTick(cb, null), cb);
  return undefined;
};

/**
 * Gives aedes-persistence-redis the `cleanIncoming(client)` that 11.2.2 (the line aedes 1.2
 * accepts) lacks: on a clean-session CONNECT, and when a clean session ends, aedes asks the
 * persistence to drop the client's inbound QoS 2 dedup table [MQTT-3.1.2-6]
 * (GHSA-p8r9-qf8w-p73r; aedes's MIGRATION.md). Without it a packet id left between PUBREC and
 * PUBREL made the next clean session's first QoS 2 PUBLISH with that id a "duplicate":
 * acknowledged and dropped.
 *
 * Redis holds no index of a client's packet keys, and a SCAN of the keyspace on every clean
 * connect would cost O(all keys). So each stored packet's id also goes in a set of the client's
 * (`sanbao:incoming-ids:{clientId}`: SADD after the library's SET, SREM after its DEL, on the
 * same connection, so in that order), and `cleanIncoming` deletes the listed keys and the set in
 * one script. Packets stored before this index existed (a node upgraded from an earlier
 * version) are not listed: each still goes at its PUBREL.
 */
export function addCleanIncoming<P extends object>(persistence: P, redis: IncomingIndexRedis): P {
  const p = persistence as unknown as Required<IncomingMethods>;
  const store = p.incomingStorePacket.bind(p);
  const del = p.incomingDelPacket.bind(p);
  const methods: Required<IncomingMethods> = {
    // Without a callback the library's SET is sent before it returns: SADD goes after it.
    incomingStorePacket: (client, packet, cb) =>
      answer(
        Promise.all([
          store(client, packet),
          redis.sadd(incomingIdsKey(client.id), String(packet.messageId)),
        ]),
        cb,
      ),
    incomingDelPacket: (client, packet, cb) =>
      answer(
        Promise.all([
          del(client, packet),
          redis.srem(incomingIdsKey(client.id), String(packet.messageId)),
        ]),
        cb,
      ),
    cleanIncoming: (client, cb) =>
      answer(
        redis.eval(CLEAN_INCOMING, 1, incomingIdsKey(client.id), incomingPrefix(client.id)),
        cb,
      ),
  };
  return Object.assign(persistence, methods);
}
