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
