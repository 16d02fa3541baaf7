import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Redis } from 'ioredis';
import type { MQEmitter, Message } from 'mqemitter';
import { ClusterInterest, alwaysPublished } from './cluster-interest.ts';
import { BucketListeners } from './bucket-listeners.ts';
import { ORIGIN_BYTES, decode, encode, idOf, sentBy } from './cluster-codec.ts';

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

/**
 * A topic's bucket: its first three levels, or undefined for a shorter topic. Found in place
 * (split and join were a visible item of a routing node's profile, per message).
 */
export function bucketOf(topic: string): string | undefined {
  let at = -1;
  for (let level = 1; level < BUCKET_LEVELS; level++) {
    at = topic.indexOf('/', at + 1);
    if (at < 0) return undefined;
  }
  const end = topic.indexOf('/', at + 1);
  return end < 0 ? topic : topic.slice(0, end);
}

/**
 * The bucket of every topic a filter matches, when its first three levels hold no wildcard
 * (`devices/{id}/commands/#`, `devices/{id}/errors`); undefined when it may match topics in many
 * buckets (`devices/+/telemetry`, `$SYS/+/new/clients`, `devices/{id}/#`) or is shorter.
 */
export function filterBucket(filter: string): string | undefined {
  const end = bucketOf(filter)?.length;
  if (end === undefined) return undefined;
  for (let i = 0; i < end; i++) {
    const c = filter.charCodeAt(i);
    if (c === 43 /* + */ || c === 35 /* # */) {
      // A wildcard only as a whole level: `a+b` is a literal level.
      const start = i === 0 || filter.charCodeAt(i - 1) === 47;
      const stop = i + 1 === filter.length || filter.charCodeAt(i + 1) === 47;
      if (start && stop) return undefined;
    }
  }
  // A slice of the filter, which its subscription keeps anyway: V8 makes a slice of a long
  // string a reference into it (~20 B), where a joined copy of `devices/{id}/commands` cost
  // ~70 B of every idle device connection (bench/idle-heap.ts).
  return end === filter.length ? filter : filter.slice(0, end);
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
 * own under `{prefix}t/`, as mqemitter-redis does; there are few of them. A message is
 * published on its bucket's channel and on its topic's only where some node listens
 * (broker/cluster-interest.ts: a cluster-wide view of every node's filters but devices'
 * commands and errors, whose buckets are published always): a device's telemetry that no
 * service watches costs no Redis command at all, and one a service watches with
 * `devices/+/telemetry` one PUBLISH (its topic's channel) when that service is on another node.
 * Where it goes is decided when the batch is sent; a SUBACK waits until the node's SUBSCRIBE is
 * in place and its interest announced (the ordering argument is in cluster-interest.ts).
 *
 * A node's own messages reach its own subscribers directly, when emitted, as with aedes alone:
 * not through Redis and back (mqemitter-redis's way, which cost a watched message its encoding,
 * a PUBLISH, hearing it back, decoding and dedupe: 1.6–1.8× one node's CPU per message, bench/
 * RESULTS.md). Redis hears a message only when another node listens (the interest view holds
 * the other nodes' entries only), and what comes back from Redis that this node sent (a device's
 * commands are published always; overlapping interest) is dropped by its origin. Order per
 * publisher: a publisher is connected to one node, whose subscribers get its messages in the
 * order emitted, and the other nodes' in the order Redis got them, which is the same (one
 * connection, one pipeline after another). A client that reconnects to another node may have
 * its last messages from the first overtaken by its first from the second, as before.
 *
 * Each local subscriber hears from one of the two only (bucket filters from the bucket channel,
 * the others from topic channels), so no message reaches a subscriber twice; a node whose
 * topic patterns overlap gets one copy per pattern from Redis and keeps the first (by message
 * id).
 *
 * Messages are encoded by broker/cluster-codec.ts: a binary head, then the payload's bytes.
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
  /**
   * Topic channel or pattern → how many local filters need it. A bucket channel's count is
   * `byBucket.live(bucket)`: no map by channel name per connected device (ioredis keeps the
   * name, in its subscription set; this builds it again when needed).
   */
  private readonly refs = new Map<string, number>();
  /** Ids of messages heard on topic channels lately: the first copy of each is delivered. */
  private readonly heard = new Set<string>();
  /** This node's id: in each message it sends, and its interest's name. */
  private readonly origin = randomBytes(ORIGIN_BYTES);
  private readonly node = this.origin.toString('base64url');
  private counter = 0;
  /** Emitted, not yet sent: the next flush's batch, with each message's bucket. */
  private pending: Array<{
    message: Message;
    bucket: string | undefined;
    done?: (err?: Error) => void;
  }> = [];
  /** Batches sent, not yet answered, and the end of their chain of callbacks. */
  private sending = 0;
  private tail: Promise<unknown> = Promise.resolve();
  /**
   * Redis channel or pattern → its SUBSCRIBE (or PSUBSCRIBE) while it is on its way, for later
   * holders to wait on; removed once it is in place (later holders have nothing to wait for),
   * so that a connected device does not keep a settled promise and an entry here.
   */
  private readonly subscribing = new Map<string, Promise<void>>();
  /** What every node of the cluster listens to (broker/cluster-interest.ts). */
  private readonly interest: ClusterInterest;
  private readonly control: string;
  private started = false;

  constructor(
    private readonly prefix: string,
    private readonly pub: Redis,
    private readonly sub: Redis,
  ) {
    this.interest = new ClusterInterest(prefix, this.node, pub, (err) => this.fail(err));
    this.control = this.interest.channel;
    sub.on('messageBuffer', (channel: Buffer, message: Buffer) => this.receive(channel, message));
    sub.on('pmessageBuffer', (_p: Buffer, channel: Buffer, message: Buffer) =>
      this.receive(channel, message),
    );
    // Back after a break: announcements may have been missed, and Redis may have restarted
    // empty (start() reads it the first time).
    const again = () =>
      this.started && !this.closed && this.interest.refresh(true).catch((err) => this.fail(err));
    sub.on('ready', again);
    pub.on('ready', again);
    sub.on('connect', () => this.state.emit('subConnect'));
    pub.on('connect', () => this.state.emit('pubConnect'));
    for (const conn of [sub, pub]) conn.on('error', (err: Error) => this.fail(err));
  }

  private fail(err: Error): void {
    if (!this.closed) this.state.emit('error', err);
  }

  /**
   * Joins the cluster's interest: listens to the control channel, then reads what every node
   * listens to (in that order, so no announcement falls between the two), then keeps it fresh.
   */
  async start(): Promise<void> {
    await this.sub.subscribe(this.control);
    await this.interest.start();
    this.started = true;
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

  /**
   * The cluster-wide interest entry a local filter holds (broker/cluster-interest.ts), or
   * undefined for a bucket that is published always (a device's commands and errors).
   */
  private entryOf(filter: string, bucket: string | undefined): string | undefined {
    if (bucket === undefined) return `t${filter}`;
    return alwaysPublished(bucket) ? undefined : `b${bucket}`;
  }

  /**
   * Subscribes a local listener. `done` (aedes's SUBACK waits for it) is called once the
   * node's SUBSCRIBE is in place in Redis and, for a filter the cluster must hear of, once the
   * node's interest is announced: see broker/cluster-interest.ts for why a message published
   * after that on any node reaches this listener.
   */
  on(topic: string, listener: Listener, done?: () => void): this {
    const bucket = filterBucket(topic);
    let n: number;
    if (bucket === undefined) {
      this.byTopic.on(topic, listener);
      n = this.refs.get(topic) ?? 0;
      this.refs.set(topic, n + 1);
    } else {
      n = this.byBucket.live(bucket);
      this.byBucket.on(topic, bucket, listener);
    }
    const [key, pattern] = this.channelOf(topic, bucket);
    let ready: Promise<void>;
    if (n > 0) ready = this.subscribing.get(key) ?? Promise.resolve();
    else {
      const subscribed = (pattern ? this.sub.psubscribe(key) : this.sub.subscribe(key)).then(() => {
        if (this.subscribing.get(key) === subscribed) this.subscribing.delete(key);
      });
      ready = subscribed;
      this.subscribing.set(key, subscribed);
    }
    const entry = this.entryOf(topic, bucket);
    if (entry !== undefined) ready = this.interest.hold(entry, ready);
    ready.then(
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
    let n: number;
    if (bucket === undefined) {
      this.byTopic.removeListener(topic, listener);
      n = (this.refs.get(topic) ?? 1) - 1;
      if (n > 0) this.refs.set(topic, n);
      else this.refs.delete(topic);
    } else {
      this.byBucket.removeListener(topic, bucket, listener);
      n = this.byBucket.live(bucket);
    }
    const entry = this.entryOf(topic, bucket);
    if (entry !== undefined) this.interest.release(entry);
    if (n > 0) {
      if (done) setImmediate(done);
      return this;
    }
    const [key, pattern] = this.channelOf(topic, bucket);
    this.subscribing.delete(key);
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
    const bucket = bucketOf(message.topic);
    // To this node's subscribers, now.
    if (bucket !== undefined && this.byBucket.has(bucket)) this.byBucket.emit(message);
    if (this.interest.mineWantTopic(message.topic)) this.byTopic.emit(message);
    this.pending.push({ message, bucket, done });
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
    /** PUBLISH commands per message of the batch: 0, 1 or 2. */
    const counts: number[] = [];
    let commands = 0;
    for (const { message, bucket } of batch) {
      // Where the message goes is decided now, as late as can be (see cluster-interest.ts).
      const topic = message.topic;
      const toBucket = bucket !== undefined && this.interest.othersWantBucket(bucket);
      const toTopic = this.interest.othersWantTopic(topic);
      // No other node listens: no Redis command, not even its encoding.
      const count = (toBucket ? 1 : 0) + (toTopic ? 1 : 0);
      counts.push(count);
      if (count === 0) continue;
      commands += count;
      const body = encode(this.origin, this.counter++, message);
      if (toBucket) pipeline.publish(`${this.prefix}b/${bucket}`, body);
      if (toTopic) pipeline.publish(`${this.prefix}t/${topic}`, body);
    }
    const fail = (done: ((err?: Error) => void) | undefined, err: Error) =>
      done ? done(err) : this.state.emit('error', err);
    const settle = (results: Array<[Error | null, unknown]> | null) => {
      let i = 0;
      batch.forEach(({ done }, k) => {
        const err = results?.slice(i, i + counts[k]!).find(([e]) => e)?.[0];
        i += counts[k]!;
        if (err) fail(done, err);
        else done?.();
      });
    };
    // Callbacks in the order of the messages, batch after batch: a batch with nothing to send
    // waits for the batches still being sent.
    if (commands === 0 && this.sending === 0) return settle(null);
    const sent = commands === 0 ? Promise.resolve(null) : pipeline.exec();
    this.sending++;
    this.tail = this.tail
      .then(() => sent)
      .then(settle, (err: Error) => batch.forEach(({ done }) => fail(done, err)))
      .finally(() => this.sending--);
  }

  private receive(channel: Buffer, body: Buffer) {
    // `{prefix}b/`, `{prefix}t/` or `{prefix}c`: the character after the prefix says which.
    const kind = channel[Buffer.byteLength(this.prefix)];
    if (kind === 0x63 /* c */) {
      this.interest.receive(body);
      return;
    }
    // This node's own: its subscribers had it when it was emitted.
    if (sentBy(body, this.origin)) return;
    if (kind !== 0x62 /* b */) {
      const id = idOf(body);
      if (this.heard.has(id)) return;
      this.heard.add(id);
      // Overlapping patterns deliver their copies together: a short memory is enough.
      if (this.heard.size > 10_000) this.heard.delete(this.heard.values().next().value!);
    }
    let message: Message;
    try {
      message = decode(body);
    } catch (err) {
      this.state.emit('error', err as Error);
      return;
    }
    if (kind === 0x62 /* b */) this.byBucket.emit(message);
    else this.byTopic.emit(message);
  }

  close(cb?: () => void): void {
    if (this.closed) {
      if (cb) setImmediate(cb);
      return;
    }
    this.interest.close();
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
