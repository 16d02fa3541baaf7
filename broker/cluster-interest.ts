import type { Redis } from 'ioredis';
import { z } from 'zod';

/**
 * The cluster's interest: which routed messages some node has a subscriber for, so that a node
 * publishes a message to Redis only where someone listens (broker/cluster-routing.ts).
 *
 * What is shared, and what is not. A device may subscribe only to its own
 * `devices/{id}/commands/#` and `devices/{id}/errors` (broker/acl.ts): a million devices would
 * be a million entries on every node, and those buckets carry few messages (commands, error
 * reports), so they are published always and not shared. Everything else a node subscribes to
 * is shared as an entry: `b{bucket}` for a filter routed by its bucket (`devices/{id}/telemetry`
 * watched by a service), `t{filter}` for the others (`devices/+/telemetry`, `alerts/#`, aedes's
 * `$SYS/+/new/clients`) — a handful per node, from services and the node itself.
 *
 * How it is shared. Each node keeps its whole list under its id in the Redis hash
 * `{prefix}interest`, with a deadline (`until`, rewritten every HEARTBEAT_MS, valid TTL_MS),
 * and publishes the list on the control channel `{prefix}c` whenever it changes. Every message
 * carries the node's sequence number: a node keeps the highest it has seen of each node, so a
 * late read of the hash cannot undo a newer announcement. Every HEARTBEAT_MS (and when its
 * connections to Redis come back) a node reads the hash again: a node whose entry is gone or
 * past its deadline (it died without saying so) stops costing anything within TTL_MS +
 * HEARTBEAT_MS; until then others publish to it for nothing, which is harmless.
 *
 * Ordering. A subscriber on node A gets its SUBACK only after (1) A's SUBSCRIBE (or PSUBSCRIBE)
 * is in place in Redis and then (2) A's announcement is written and PUBLISHed on `{prefix}c`
 * (BucketRouting.on waits for both). Node B hears the announcement on its subscription
 * connection, and decides where a message goes when it sends it (its batch's flush), so:
 * - anything B receives through Redis after the announcement — on any channel, since Redis
 *   writes one connection's messages in the order it published them — is handled after B
 *   knows A's interest: a message caused through the cluster by the SUBACK (the subscriber
 *   publishes a command, the device answers with telemetry) reaches the subscriber;
 * - a message B sends while the announcement is still on its way to B (a cause outside the
 *   cluster: the subscriber calls the device on the phone) may be sent nowhere. That window is
 *   the delivery time of B's subscription connection (below a millisecond on a LAN), or, when
 *   that connection was down and the announcement lost, until B reconnects (it reads the hash
 *   again then) or its next read, at most HEARTBEAT_MS later.
 * - what B already sent to Redis, A's SUBSCRIBE being in place, reaches A (as before).
 * Losing interest needs no ordering: a node that no longer listens drops what still comes.
 * A node's own interest is not in the view at all: its own messages reach its own subscribers
 * without Redis (broker/cluster-routing.ts), at once, as a local subscription always did.
 *
 * Clocks: `until` is the writer's clock, read by the others: nodes' clocks must agree within
 * TTL_MS − HEARTBEAT_MS (20 s), or a live node's interest is taken for dead (NTP does better).
 */
export const HEARTBEAT_MS = 10_000;
export const TTL_MS = 30_000;
/** A node's entry left in the hash this long past its deadline is deleted by whoever reads it. */
const SWEEP_MS = 10 * TTL_MS;

/** A bucket published always: one a device may subscribe to (broker/acl.ts). */
export function alwaysPublished(bucket: string): boolean {
  return (
    bucket.startsWith('devices/') && (bucket.endsWith('/commands') || bucket.endsWith('/errors'))
  );
}

/** One node's announcement, on the control channel and in the hash. */
const Announcement = z.object({
  /** The node's id. */
  n: z.string().min(1),
  /** Its sequence number: a later announcement has a higher one. */
  s: z.number().int().nonnegative(),
  /** Its deadline, ms since the epoch (its clock): past it, it is taken for dead. */
  u: z.number(),
  /** Its entries (`b{bucket}`, `t{filter}`); none when it is gone. */
  e: z.array(z.string()),
});
type Announcement = z.infer<typeof Announcement>;

/** Filters as a tree of levels, for one question: does any filter match this topic? */
interface Level {
  next?: Map<string, Level>;
  plus?: Level;
  /** A `#` here: everything below matches (and this level itself, [MQTT-4.7.1-2]). */
  hash?: boolean;
  end?: boolean;
}

function insert(root: Level, filter: string): void {
  let at = root;
  for (const l of filter.split('/')) {
    if (l === '#') {
      at.hash = true;
      return;
    }
    if (l === '+') at = at.plus ??= {};
    else {
      at.next ??= new Map();
      let child = at.next.get(l);
      if (!child) at.next.set(l, (child = {}));
      at = child;
    }
  }
  at.end = true;
}

/**
 * Does a filter under `at` match the topic's levels from `start` on? Walks the topic in place
 * (no split, no slices: it is asked for every message a node routes). `$`-topics are matched
 * like any (the MQTT rule that `#` and `+` skip them [MQTT-4.7.2-1] is left to the
 * subscribers' own matching): at worst a message is published that its node then drops.
 */
function matches(at: Level, topic: string, start: number): boolean {
  if (at.hash) return true;
  if (start > topic.length) return at.end === true; // every level matched
  let end = topic.indexOf('/', start);
  if (end < 0) end = topic.length;
  if (at.next)
    for (const [name, child] of at.next)
      if (
        name.length === end - start &&
        topic.startsWith(name, start) &&
        matches(child, topic, end + 1)
      )
        return true;
  return at.plus !== undefined && matches(at.plus, topic, end + 1);
}

export class ClusterInterest {
  /** This node's entries → how many local filters hold each. */
  private readonly mine = new Map<string, number>();
  /** Announcements that include an entry first held here, by entry: later holders wait on it. */
  private readonly announcing = new Map<string, Promise<void>>();
  /** The other nodes' latest announcements, with the tick at which each was taken. */
  private readonly others = new Map<string, { a: Announcement; at: number }>();
  private tick = 0;
  private seq = 0;
  /**
   * The union of the other nodes' entries, as asked per message (this node's own subscribers
   * hear its messages without Redis: broker/cluster-routing.ts).
   */
  private buckets = new Set<string>();
  private filters: Level | undefined;
  /** This node's own `t` entries. */
  private mineFilters: Level | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  readonly key: string;
  readonly channel: string;

  constructor(
    prefix: string,
    private readonly node: string,
    private readonly pub: Redis,
    private readonly onError: (err: Error) => void,
  ) {
    this.key = `${prefix}interest`;
    this.channel = `${prefix}c`;
  }

  /**
   * Does some other node listen to this bucket's channel? A device's commands and errors: maybe
   * (they are not shared), so yes. This node's own subscribers are served without Redis.
   */
  othersWantBucket(bucket: string): boolean {
    return alwaysPublished(bucket) || this.buckets.has(bucket);
  }

  /**
   * Does a filter of this node's own match the topic (a superset of MQTT's matching: `$`
   * topics)? Asked before the local delivery of a message, to spare the exact matcher.
   */
  mineWantTopic(topic: string): boolean {
    return this.mineFilters !== undefined && matches(this.mineFilters, topic, 0);
  }

  /** Does some other node listen to this topic on a topic channel or pattern? */
  othersWantTopic(topic: string): boolean {
    return this.filters !== undefined && matches(this.filters, topic, 0);
  }

  /**
   * A local filter holds an entry. Returns when the cluster has been told of it: `after` (the
   * node's SUBSCRIBE) first, then the announcement; a later holder of the same entry waits for
   * that first announcement.
   */
  hold(entry: string, after: Promise<void>): Promise<void> {
    const n = this.mine.get(entry) ?? 0;
    this.mine.set(entry, n + 1);
    if (n > 0) return this.announcing.get(entry) ?? after;
    this.rebuildMine();
    const told = after.then(() => this.announce());
    this.announcing.set(entry, told);
    return told;
  }

  /** A local filter lets go of an entry; the last one tells the cluster (not waited for). */
  release(entry: string): void {
    const n = (this.mine.get(entry) ?? 1) - 1;
    if (n > 0) {
      this.mine.set(entry, n);
      return;
    }
    this.mine.delete(entry);
    this.announcing.delete(entry);
    this.rebuildMine();
    this.announce().catch(this.onError);
  }

  /** Reads every node's interest, then keeps it fresh; resolves once read. */
  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => {
      if (this.pub.status === 'ready') this.refresh().catch(this.onError);
    }, HEARTBEAT_MS);
    this.timer.unref();
  }

  private mineNow(): Announcement {
    return { n: this.node, s: ++this.seq, u: Date.now() + TTL_MS, e: [...this.mine.keys()] };
  }

  /** Writes this node's entries to the hash and publishes them on the control channel. */
  async announce(): Promise<void> {
    if (this.closed) return;
    const body = JSON.stringify(this.mineNow());
    await this.pub.pipeline().hset(this.key, this.node, body).publish(this.channel, body).exec();
  }

  /**
   * Rewrites this node's entry (its deadline) and reads every node's. Also what a node does
   * when its connections to Redis come back (it may have missed announcements, and Redis may
   * have restarted empty), then telling the others too (`tell`): they may have read the hash
   * before this node wrote to it again.
   */
  async refresh(tell = false): Promise<void> {
    if (this.closed) return;
    const since = this.tick;
    const body = JSON.stringify(this.mineNow());
    const pipeline = this.pub.pipeline().hset(this.key, this.node, body);
    if (tell) pipeline.publish(this.channel, body);
    const results = (await pipeline.hgetall(this.key).exec())!;
    const read = results[results.length - 1];
    if (read?.[0]) throw read[0];
    const all = read?.[1] as Record<string, string>;
    const now = Date.now();
    const seen = new Set<string>();
    for (const [node, body] of Object.entries(all)) {
      if (node === this.node) continue;
      const a = this.parse(body);
      if (!a) continue;
      if (a.u < now) {
        if (a.u < now - SWEEP_MS) this.pub.hdel(this.key, node).catch(() => undefined);
        continue;
      }
      seen.add(node);
      this.take(a);
    }
    // A node absent from the hash is forgotten, unless it announced itself since the read began.
    for (const [node, { at }] of this.others)
      if (!seen.has(node) && at <= since) this.others.delete(node);
    this.rebuild();
  }

  /** An announcement heard on the control channel. */
  receive(body: Buffer): void {
    const a = this.parse(body.toString());
    if (a && a.n !== this.node && this.take(a)) this.rebuild();
  }

  private parse(body: string): Announcement | undefined {
    try {
      return Announcement.parse(JSON.parse(body));
    } catch (err) {
      this.onError(new Error(`cluster interest: unreadable announcement: ${String(err)}`));
      return undefined;
    }
  }

  /** Keeps the newer of what is known of a node and `a`; says whether it changed. */
  private take(a: Announcement): boolean {
    const known = this.others.get(a.n);
    if (known && known.a.s >= a.s) return false;
    this.others.set(a.n, { a, at: ++this.tick });
    return true;
  }

  private rebuildMine(): void {
    let filters: Level | undefined;
    for (const entry of this.mine.keys())
      if (entry.startsWith('t')) insert((filters ??= {}), entry.slice(1));
    this.mineFilters = filters;
  }

  private rebuild(): void {
    const buckets = new Set<string>();
    let filters: Level | undefined;
    const add = (entry: string) => {
      if (entry.startsWith('b')) buckets.add(entry.slice(1));
      else if (entry.startsWith('t')) insert((filters ??= {}), entry.slice(1));
    };
    for (const { a } of this.others.values()) a.e.forEach(add);
    this.buckets = buckets;
    this.filters = filters;
  }

  /**
   * Stops the heartbeat and tells the cluster this node is gone (an empty list, deleted from
   * the hash). Queued before the connection's QUIT, which waits for it.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    const gone = JSON.stringify({ n: this.node, s: ++this.seq, u: 0, e: [] });
    this.pub
      .pipeline()
      .hdel(this.key, this.node)
      .publish(this.channel, gone)
      .exec()
      .catch(() => undefined);
  }
}
