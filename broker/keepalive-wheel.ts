import type { EventEmitter } from 'node:events';
import type { Client } from 'aedes';

/**
 * One timer wheel for every client's keep-alive (issue 22: memory per idle connection). aedes
 * gives each client a `setTimeout` (a Node Timeout, its closure and context: ~0.25 KB) and
 * calls `_keepaliveTimer.refresh()` at every packet; here `_keepaliveTimer` is an entry of ~50 B
 * whose `refresh()` notes the wheel's tick, and one interval timer per broker visits only the
 * clients whose deadline is this tick. A client silent for its whole interval (1.5 × its
 * keep-alive [MQTT-3.1.2-24], aedes's `_keepaliveInterval`) is cut off as aedes does: the
 * broker's `keepaliveTimeout`, then the client's error. A tick late at most: a deadline falls on
 * the first tick after the interval has passed since the last packet's tick ended.
 */
export class KeepaliveWheel {
  /** Ticks since the wheel started. */
  now = 0;
  private readonly due = new Map<number, KeepaliveEntry[]>();
  private readonly timer: NodeJS.Timeout;

  constructor(readonly tickMs = 250) {
    this.timer = setInterval(() => this.advance(), tickMs);
    this.timer.unref();
  }

  /** Watches `client`, silent for `intervalMs` at most: its entry, for `_keepaliveTimer`. */
  add(client: Client, intervalMs: number): KeepaliveEntry {
    const e = new KeepaliveEntry(this, client, Math.ceil(intervalMs / this.tickMs));
    this.schedule(e, this.now + e.ticks + 1);
    return e;
  }

  /** One tick: the entries due now are cut off, or moved to their new deadline. */
  advance(): void {
    const t = ++this.now;
    const due = this.due.get(t);
    if (!due) return;
    this.due.delete(t);
    for (const e of due) {
      const client = e.client;
      if (!client) continue;
      const deadline = e.last + e.ticks + 1;
      if (deadline > t) {
        this.schedule(e, deadline);
        continue;
      }
      e.client = null;
      (client as unknown as { broker: EventEmitter }).broker.emit('keepaliveTimeout', client);
      client.emit('error', new Error('keep alive timeout'));
    }
  }

  close(): void {
    clearInterval(this.timer);
    this.due.clear();
  }

  private schedule(e: KeepaliveEntry, tick: number): void {
    const list = this.due.get(tick);
    if (list) list.push(e);
    else this.due.set(tick, [e]);
  }
}

/** A client's place on the wheel: aedes's `_keepaliveTimer`. */
export class KeepaliveEntry {
  /** The tick of the client's last packet. */
  last: number;
  constructor(
    private readonly wheel: KeepaliveWheel,
    /** Null once the client closed or timed out: the wheel drops the entry at its deadline. */
    public client: Client | null,
    readonly ticks: number,
  ) {
    this.last = wheel.now;
  }

  /** aedes calls this at every packet the client sends. */
  refresh(): this {
    this.last = this.wheel.now;
    return this;
  }
}
