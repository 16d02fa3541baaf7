import type { Message } from 'mqemitter';

type Listener = (message: Message, done: () => void) => void;
interface Entry {
  filter: string;
  listener: Listener;
}

/**
 * End of a topic's bucket (its first three levels, broker/cluster-routing.ts): the index of its
 * third `/`, or its length when it has exactly three levels; -1 when it has fewer.
 */
function bucketEnd(topic: string): number {
  const first = topic.indexOf('/');
  const second = first < 0 ? -1 : topic.indexOf('/', first + 1);
  if (second < 0) return -1;
  const third = topic.indexOf('/', second + 1);
  return third < 0 ? topic.length : third;
}

/**
 * MQTT matching (3.1.1 §4.7) of a filter and a topic that share their first `from` characters,
 * a whole number of levels (both are at a `/` or at their end there). `+` matches one level, an
 * empty one too; `#` matches the rest, and the parent level itself [MQTT-4.7.1-2]. Allocates
 * nothing.
 */
export function matchesFrom(filter: string, topic: string, from: number): boolean {
  let fi = from;
  let ti = from;
  for (;;) {
    if (fi >= filter.length) return ti >= topic.length;
    const fs = fi + 1;
    let fe = filter.indexOf('/', fs);
    if (fe < 0) fe = filter.length;
    const one = fe - fs === 1;
    if (one && filter.charCodeAt(fs) === 35 /* # */) return true;
    if (ti >= topic.length) return false;
    const ts = ti + 1;
    let te = topic.indexOf('/', ts);
    if (te < 0) te = topic.length;
    if (!(one && filter.charCodeAt(fs) === 43) /* + */) {
      if (fe - fs !== te - ts) return false;
      for (let k = 0; k < fe - fs; k++)
        if (filter.charCodeAt(fs + k) !== topic.charCodeAt(ts + k)) return false;
    }
    fi = fe;
    ti = te;
  }
}

/**
 * The local subscribers whose filters have a bucket (`devices/{id}/commands/#`: one per
 * connected device), in place of an mqemitter: a map from bucket to its filters. mqemitter's
 * topic trie (qlobber) held three Maps and an array per such filter, ~650 B of every idle
 * device connection (bench/idle-heap.ts); here it is one entry of one Map and a two-field
 * object. Same contract as mqemitter with no concurrency bound, as broker/cluster-routing.ts
 * used it: listeners of a message are called at once, in the order they were added, each
 * with a `done`; `current` counts messages not yet done by all; a listener added twice is
 * called twice; removing one takes it off at the next turn (mqemitter's setImmediate).
 */
export class BucketListeners {
  private readonly buckets = new Map<string, Entry | Entry[]>();
  /** Bucket → its listeners removed this turn, not yet taken off: empty between turns. */
  private readonly removing = new Map<string, number>();
  /** Messages being delivered: emitted, not yet `done` by every listener. */
  current = 0;
  private closed = false;

  /** `bucket`: the filter's first three levels, none of them a wildcard. */
  on(filter: string, bucket: string, listener: Listener): void {
    const entry = { filter, listener };
    const held = this.buckets.get(bucket);
    if (held === undefined) this.buckets.set(bucket, entry);
    else if (Array.isArray(held)) held.push(entry);
    else this.buckets.set(bucket, [held, entry]);
  }

  /**
   * Whether some listener's filter has this bucket (most messages have none on a node). Added
   * at once, gone at the next turn after its last listener's removal, as the listener itself.
   */
  has(bucket: string): boolean {
    return this.buckets.has(bucket);
  }

  /**
   * How many listeners of a bucket are left once those being removed are gone: what needs the
   * bucket's Redis channel (broker/cluster-routing.ts), counted without a map of its own.
   */
  live(bucket: string): number {
    const held = this.buckets.get(bucket);
    const n = held === undefined ? 0 : Array.isArray(held) ? held.length : 1;
    return Math.max(0, n - (this.removing.get(bucket) ?? 0));
  }

  removeListener(filter: string, bucket: string, listener: Listener): void {
    this.removing.set(bucket, (this.removing.get(bucket) ?? 0) + 1);
    setImmediate(() => {
      const left = (this.removing.get(bucket) ?? 1) - 1;
      if (left > 0) this.removing.set(bucket, left);
      else this.removing.delete(bucket);
      const held = this.buckets.get(bucket);
      if (held === undefined) return;
      const same = (e: Entry) => e.filter === filter && e.listener === listener;
      if (!Array.isArray(held)) {
        if (same(held)) this.buckets.delete(bucket);
        return;
      }
      let k = held.length - 1;
      while (k >= 0 && !same(held[k]!)) k--;
      if (k < 0) return;
      held.splice(k, 1);
      if (held.length === 1) this.buckets.set(bucket, held[0]!);
    });
  }

  emit(message: Message, cb?: (err?: Error) => void): void {
    if (this.closed) return cb?.(new Error('mqemitter is closed'));
    const topic = message.topic;
    const end = bucketEnd(topic);
    const held = end < 0 ? undefined : this.buckets.get(topic.slice(0, end));
    const matched: Listener[] = [];
    if (held !== undefined)
      for (const e of Array.isArray(held) ? held : [held])
        if (matchesFrom(e.filter, topic, end)) matched.push(e.listener);
    this.current++;
    let pending = matched.length;
    const release = () => {
      if (--pending > 0) return;
      this.current--;
      cb?.();
    };
    if (pending === 0) return release();
    for (const listener of matched) listener(message, release);
  }

  close(cb: () => void): void {
    this.closed = true;
    setImmediate(cb);
  }
}
