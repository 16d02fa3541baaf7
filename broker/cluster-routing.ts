import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Redis } from 'ioredis';
import type { MQEmitter, Message } from 'mqemitter';
import { BucketListeners } from './bucket-listeners.ts';

const require = createRequire(import.meta.url);
// aedes's own in-process emitter (CommonJS): it matches topics to this node's subscribers.
const mqemitter = require('mqemitter') as (opts?: { concurrency?: number }) => MQEmitter;

type Listener = (message: Message, done: () => void) => void;

/**
 * How many leading levels name a bucket: three, `devices/{id}/commands`, so that a device's
 * commands subscription (`devices/{id}/commands/#`) does not also hear the device's own
 * telemetry (`devices/{id}/telemetry`), which would come back from Redis to its node only to be
 * dropped.
 */
const BUCKET_LEVELS = 3;

/** A topic's bucket: its first three levels, or undefined for a shorter topic. */
export function bucketOf(topic: string): string | undefined {
  const levels = topic.split('/', BUCKET_LEVELS);
  return levels.length === BUCKET_LEVELS ? levels.join('/') : undefined;
}

/**
 * The bucket of every topic a filter matches, when its first three levels hold no wildcard
 * (`devices/{id}/commands/#`, `devices/{id}/errors`); undefined when it may match topics in many
 * buckets (`devices/+/telemetry`, `$SYS/+/new/clients`, `devices/{id}/#`) or is shorter.
 */
export function filterBucket(filter: string): string | undefined {
  const levels = filter.split('/', BUCKET_LEVELS);
  if (levels.length < BUCKET_LEVELS) return undefined;
  if (levels.some((l) => l === '+' || l === '#')) return undefined;
  return levels.join('/');
}

export const hasWildcard = (filter: string) => filter.includes('+') || filter.includes('#');
/** A filter as a Redis glob: `+` and `#` become `*`; the glob's own specials are escaped. */
const glob = (filter: string) =>
  filter
    .split('/')
    .map((l) => (l === '+' || l === '#' ? '*' : l.replace(/[*?[\]\\]/g, '\\$&')))
    .join('/')
    // `a/#` also matches `a` itself [MQTT-4.7.1-2]: `a/*` would not, `a*` does (and `ab`, which
    // the local matcher then drops).
    .replace(/\/\*$/, '*');

/**
 * A routed message: a 4-byte length, the message id and the packet's fields but its payload as
 * JSON, then the payload's bytes. node:v8's serialize did the same work at ~3× the CPU and
 * garbage per message (bench/cluster.ts with --cpu-prof, flood).
 */
function encode(id: string, message: Message): Buffer {
  const { payload, ...fields } = message as Message & { payload?: Buffer | string };
  const head = Buffer.from(
    JSON.stringify({
      id,
      fields,
      text: typeof payload === 'string' ? true : undefined,
      none: payload === undefined ? true : undefined,
    }),
  );
  const body =
    payload === undefined ? EMPTY : Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
  const out = Buffer.allocUnsafe(4 + head.length + body.length);
  out.writeUInt32BE(head.length, 0);
  head.copy(out, 4);
  body.copy(out, 4 + head.length);
  return out;
}
const EMPTY = Buffer.alloc(0);

function decode(buf: Buffer): { id: string; message: Message } {
  const n = buf.readUInt32BE(0);
  const head = JSON.parse(buf.toString('utf8', 4, 4 + n)) as {
    id: string;
    fields: Message;
    text?: boolean;
    none?: boolean;
  };
  const bytes = buf.subarray(4 + n);
  const message = head.fields;
  if (!head.none)
    (message as { payload?: Buffer | string }).payload = head.text
      ? bytes.toString()
      : Buffer.from(bytes);
  return { id: head.id, message };
}

/**
 * The cluster's message routing through Redis pub/sub, in place of mqemitter-redis.
 *
 * mqemitter-redis turns every subscription with a wildcard into a Redis pattern subscription
 * (PSUBSCRIBE). Every device subscribes to `devices/{id}/commands/#`, so a cluster with n
 * connected devices held n patterns, and Redis matches every PUBLISH against every pattern: at
 * 14,000 connected devices one PUBLISH took 6.3 ms of Redis's one thread (bench/cluster.ts,
 * INFO commandstats), so the cluster's whole throughput fell as its fleet grew.
 *
 * Here a filter whose first three levels are literal is routed by its bucket (those three
 * levels, `devices/{id}/commands`): the node SUBSCRIBEs to the exact channel
 * `{prefix}b/{bucket}` once, however many of its clients share the bucket — an exact channel
 * costs Redis one hash lookup per PUBLISH whatever their number. Other filters (a service's
 * `devices/+/telemetry`, aedes's own `$SYS/+/new/clients`) keep a channel or pattern of their
 * own under `{prefix}t/`, as mqemitter-redis does; there are few of them. Every message is
 * published on both its bucket's channel and its topic's (a topic of fewer than three levels on
 * its topic's only). A device's telemetry has no bucket subscriber (its node subscribes to
 * `devices/{id}/commands`), so it comes back from Redis only to nodes with a service
 * subscribed to it.
 *
 * Each local subscriber hears from one of the two only (bucket filters from the bucket channel,
 * the others from topic channels), so no message reaches a subscriber twice; a node whose
 * topic patterns overlap gets one copy per pattern from Redis and keeps the first (by message
 * id). As with mqemitter-redis, a node's own messages reach its subscribers through Redis too,
 * so every subscriber sees one order per publisher.
 *
 * Messages are encoded by `encode` below: the packet's fields as JSON, then its payload bytes.
 */
export class BucketRouting {
  readonly state = new EventEmitter();
  closed = false;
  /** mqemitter's typings name this (its concurrency bound); none here, as before. */
  readonly concurrent = 0;
  /**
   * Subscribers whose filters have a bucket; fed from bucket channels. A map by bucket, not an
   * mqemitter: its topic trie cost ~650 B per connected device (broker/bucket-listeners.ts).
   */
  private readonly byBucket = new BucketListeners();
  /** The other subscribers; fed from topic channels and patterns. */
  private readonly byTopic = mqemitter({ concurrency: 0 });
  /** Redis channel or pattern → how many local filters need it. */
  private readonly refs = new Map<string, number>();
  /** Ids of messages heard on topic channels lately: the first copy of each is delivered. */
  private readonly heard = new Set<string>();
  private readonly node = randomBytes(6).toString('base64url');
  private counter = 0;
  /** Emitted, not yet sent: the next flush's batch. */
  private pending: Array<{ message: Message; done?: (err?: Error) => void }> = [];

  constructor(
    private readonly prefix: string,
    private readonly pub: Redis,
    private readonly sub: Redis,
  ) {
    sub.on('messageBuffer', (channel: Buffer, message: Buffer) => this.receive(channel, message));
    sub.on('pmessageBuffer', (_p: Buffer, channel: Buffer, message: Buffer) =>
      this.receive(channel, message),
    );
    sub.on('connect', () => this.state.emit('subConnect'));
    pub.on('connect', () => this.state.emit('pubConnect'));
    for (const conn of [sub, pub])
      conn.on('error', (err: Error) => !this.closed && this.state.emit('error', err));
  }

  /** The Redis channel, or pattern, that feeds a filter's local subscribers. */
  private channelOf(filter: string, bucket: string | undefined): [string, boolean] {
    if (bucket !== undefined) return [`${this.prefix}b/${bucket}`, false];
    if (hasWildcard(filter)) return [`${this.prefix}t/${glob(filter)}`, true];
    return [`${this.prefix}t/${filter}`, false];
  }

  /** Messages being delivered to this node's subscribers now. */
  get current(): number {
    return this.byBucket.current + this.byTopic.current;
  }

  on(topic: string, listener: Listener, done?: () => void): this {
    const bucket = filterBucket(topic);
    if (bucket === undefined) this.byTopic.on(topic, listener);
    else this.byBucket.on(topic, bucket, listener);
    const [key, pattern] = this.channelOf(topic, bucket);
    const n = this.refs.get(key) ?? 0;
    this.refs.set(key, n + 1);
    if (n > 0) {
      if (done) setImmediate(done);
      return this;
    }
    const subscribed = pattern ? this.sub.psubscribe(key) : this.sub.subscribe(key);
    subscribed.then(
      () => done && setImmediate(done),
      (err: Error) => {
        this.state.emit('error', err);
        if (done) setImmediate(done);
      },
    );
    return this;
  }

  removeListener(topic: string, listener: Listener, done?: () => void): this {
    const bucket = filterBucket(topic);
    if (bucket === undefined) this.byTopic.removeListener(topic, listener);
    else this.byBucket.removeListener(topic, bucket, listener);
    const [key, pattern] = this.channelOf(topic, bucket);
    const n = (this.refs.get(key) ?? 1) - 1;
    if (n > 0) {
      this.refs.set(key, n);
      if (done) setImmediate(done);
      return this;
    }
    this.refs.delete(key);
    // Done at once: the local listener is gone, so a message Redis still sends for the channel
    // is dropped here. Waiting for the UNSUBSCRIBE would hold a client's end (and a stopping
    // node) until ioredis gives up while Redis is down.
    if (done) setImmediate(done);
    (pattern ? this.sub.punsubscribe(key) : this.sub.unsubscribe(key)).catch(
      () => undefined, // reconnecting: ioredis resubscribes only what is left
    );
    return this;
  }

  emit(message: Message, done?: (err?: Error) => void): void {
    if (this.closed) {
      done?.(new Error('cluster routing is closed'));
      return;
    }
    this.pending.push({ message, done });
    if (this.pending.length === 1) setImmediate(() => this.flush());
  }

  /**
   * Sends what was emitted since the last flush in one pipeline: one write to Redis for all the
   * messages this event-loop turn parsed from every connection. Published one by one (ioredis's
   * auto-pipelining groups only one turn's commands, and each device's packets arrive in their
   * own), a write per message was the dearest part of a clustered node's work per message
   * (bench/cluster.ts with --cpu-prof: writeBuffer 1.06 s of 11 s busy, against 0.19 s on a
   * node alone). Order is kept: a pipeline is written in order, after the previous one.
   */
  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    const pipeline = this.pub.pipeline();
    const counts: number[] = [];
    for (const { message } of batch) {
      const body = encode(`${this.node}:${this.counter++}`, message);
      const bucket = bucketOf(message.topic);
      if (bucket !== undefined) pipeline.publish(`${this.prefix}b/${bucket}`, body);
      pipeline.publish(`${this.prefix}t/${message.topic}`, body);
      counts.push(bucket === undefined ? 1 : 2);
    }
    const fail = (done: ((err?: Error) => void) | undefined, err: Error) =>
      done ? done(err) : this.state.emit('error', err);
    pipeline.exec().then(
      (results) => {
        let i = 0;
        batch.forEach(({ done }, k) => {
          const err = results?.slice(i, i + counts[k]!).find(([e]) => e)?.[0];
          i += counts[k]!;
          if (err) fail(done, err);
          else done?.();
        });
      },
      (err: Error) => batch.forEach(({ done }) => fail(done, err)),
    );
  }

  private receive(channel: Buffer, body: Buffer) {
    // `{prefix}b/` or `{prefix}t/`: the character after the prefix says which.
    const kind = channel[Buffer.byteLength(this.prefix)];
    let decoded: { id: string; message: Message };
    try {
      decoded = decode(body);
    } catch (err) {
      this.state.emit('error', err as Error);
      return;
    }
    if (kind === 0x62 /* b */) {
      this.byBucket.emit(decoded.message);
      return;
    }
    if (this.heard.has(decoded.id)) return;
    this.heard.add(decoded.id);
    // Overlapping patterns deliver their copies together: a short memory is enough.
    if (this.heard.size > 10_000) this.heard.delete(this.heard.values().next().value!);
    this.byTopic.emit(decoded.message);
  }

  close(cb?: () => void): void {
    if (this.closed) {
      if (cb) setImmediate(cb);
      return;
    }
    this.closed = true;
    // A failed quit (Redis down: the stopping node gives up on Redis after its grace period,
    // broker/cluster.ts closeWithBroker, failing what waits) ends the connection all the same.
    const quit = (c: Redis) =>
      c.quit().then(
        () => undefined,
        () => c.disconnect(),
      );
    void Promise.all([quit(this.sub), quit(this.pub)]).finally(() =>
      this.byBucket.close(() => this.byTopic.close(() => cb?.())),
    );
  }
}
