import type { DiagnosticsEngine } from './engine.ts';
import type { ClaimedState, DetectorStateStore, DeviceSnapshot } from './state-store.ts';

export interface StateSyncOptions {
  engine: DiagnosticsEngine;
  store: DetectorStateStore;
  /** This node's name as an owner (unique per process: a restart is another owner). */
  owner: string;
  clock: () => number;
  /** How often changed states are saved (default 5 min; 0 = only on offline and shutdown). */
  saveMs?: number;
  /**
   * This node says it is alive every `beatMs` and takes over the states of owners that have not
   * said so for `deadAfterMs` (a node killed outright): its tick then reports their devices
   * silent. Absent: neither (tests of one node's behaviour).
   */
  liveness?: { beatMs: number; deadAfterMs: number };
  onError: (err: unknown, what: string) => void;
}

/** What the node did with detector states since start (logs, tests). */
export interface StateSyncStats {
  /** Claims that found a saved state and installed it. */
  restored: number;
  /** Saved states laid out by another plan (a changed profile): the device started afresh. */
  stale: number;
  /** States written. */
  saved: number;
  /** Devices given up because another node owns them now. */
  lost: number;
  /** States taken over from owners that stopped saying they are alive. */
  takenOver: number;
}

/**
 * Moves each device's detector state with its connection (cluster mode, issue 22): the node
 * that first hears a device claims its saved state and installs it before the device's first
 * sample is judged (samples wait meanwhile, in order); changed states are saved in batches
 * every `saveMs` (5 min), when the device goes offline and on shutdown. A save refused because another
 * node claimed the device makes this node forget it. With `liveness`, the states of a node that
 * stopped saying it is alive are taken over (a conditional claim: one live node each), so that
 * their devices are still reported silent; a device that reconnects anywhere is claimed from the
 * taker as from any owner.
 */
export interface StateSync {
  /** True when the device's saved state is in place: judge its samples at once. */
  ready(deviceId: string): boolean;
  /** Runs `work` once the device's saved state is in place (claims it first). */
  later(deviceId: string, work: () => void): void;
  /** The device went offline: its state is saved now and claimed again at its next sample. */
  offline(deviceId: string): Promise<void>;
  /** Whether this node still owns the device (before reporting it silent); forgets it if not. */
  owns(deviceId: string): Promise<boolean>;
  /** Saves every changed state now; returns how many were written. */
  save(): Promise<number>;
  stats(): StateSyncStats;
  /** Stops the timer, waits for claims in flight, saves what changed. */
  close(): Promise<void>;
}

const BATCH = 500;
/**
 * A node running diagnostics on PostgreSQL says it is alive every 5 s; an owner silent for 20 s
 * is dead (the bounds of the broker's presence, broker/cluster-presence.ts): its states are
 * taken over within about 25 s of its death.
 */
export const LIVENESS = { beatMs: 5_000, deadAfterMs: 20_000 } as const;
/** After a failed claim, the device is judged on what the node has for this long. */
const RETRY_MS = 5_000;
/** Samples held per device while its claim is in flight (a slow database must not grow memory). */
const MAX_WAITING = 10_000;

export function createStateSync(o: StateSyncOptions): StateSync {
  const { engine, store, owner, clock, onError } = o;
  const claimed = new Set<string>();
  const waiting = new Map<string, Array<() => void>>();
  const retryAt = new Map<string, number>();
  /** Changed states whose save failed: tried again with the next save. */
  const unsaved = new Set<string>();
  const stats: StateSyncStats = { restored: 0, stale: 0, saved: 0, lost: 0, takenOver: 0 };
  const claims = new Set<Promise<void>>();
  let saving: Promise<number> = Promise.resolve(0);
  let closed = false;
  // Liveness: claims wait for the first beat, so that no row is owned by a node not yet alive.
  const live = o.liveness;
  /** Since when (wall time) this node's beats have gone through without a failure; 0 = not now. */
  let beatingSince = 0;
  const alive = live
    ? store.beat(owner).then(
        () => void (beatingSince = Date.now()),
        (err: unknown) => onError(err, 'detector state owner beat failed'),
      )
    : Promise.resolve();

  const lose = (id: string) => {
    engine.forget(id);
    claimed.delete(id);
    unsaved.delete(id);
    stats.lost++;
  };

  async function claim(id: string): Promise<void> {
    await alive;
    const c = await store.claim(id, owner);
    // Still ours from before (the device went offline and came back): what we hold is newest.
    if (c && !(c.previousOwner === owner && engine.has(id))) install(c);
  }

  function install(c: ClaimedState): void {
    const id = c.snapshot.deviceId;
    const active = new Set(c.activeModes);
    // Candidates whose alert was closed meanwhile (on any node) are closed: the mode may alert again.
    const snapshot: DeviceSnapshot = {
      ...c.snapshot,
      open: c.snapshot.open.filter((x) => active.has(x.modeId)),
    };
    if (engine.restore(snapshot)) stats.restored++;
    else {
      stats.stale++;
      engine.forget(id); // another node's state was newer than ours: start afresh, not from ours
    }
  }

  function later(id: string, work: () => void): void {
    const q = waiting.get(id);
    if (q) {
      if (q.length < MAX_WAITING) q.push(work);
      return;
    }
    const until = retryAt.get(id);
    if (closed || (until !== undefined && clock() < until)) return work();
    retryAt.delete(id);
    const queue = [work];
    waiting.set(id, queue);
    const p = claim(id).then(
      () => {
        claimed.add(id);
      },
      (err: unknown) => {
        retryAt.set(id, clock() + RETRY_MS);
        onError(err, 'detector state claim failed; the device is judged afresh until it works');
      },
    );
    const done = p.finally(() => {
      waiting.delete(id);
      claims.delete(done);
      for (const w of queue) w();
    });
    claims.add(done);
  }

  /** Snapshots of the claimed devices among `ids`, taken now. */
  function snapshots(ids: Iterable<string>): DeviceSnapshot[] {
    const states: DeviceSnapshot[] = [];
    for (const id of ids) {
      if (!claimed.has(id)) continue;
      const s = engine.snapshot(id);
      if (s) states.push(s);
    }
    return states;
  }

  /**
   * Saves `states`, or the states of `ids` snapshotted a batch at a time (a hundred thousand
   * snapshots at once would hold the event loop for seconds; between batches the broker runs).
   */
  async function write(states: DeviceSnapshot[] | { ids: string[] }): Promise<number> {
    let n = 0;
    const total = Array.isArray(states) ? states.length : states.ids.length;
    for (let i = 0; i < total; i += BATCH) {
      const batch = Array.isArray(states)
        ? states.slice(i, i + BATCH)
        : snapshots(states.ids.slice(i, i + BATCH));
      if (batch.length === 0) continue;
      try {
        const refused = await store.save(owner, batch, clock());
        for (const id of refused) lose(id);
        n += batch.length - refused.length;
        for (const s of batch) unsaved.delete(s.deviceId);
      } catch (err) {
        for (const s of batch) unsaved.add(s.deviceId);
        onError(err, 'detector state save failed; tried again with the next save');
      }
    }
    stats.saved += n;
    return n;
  }

  const save = () => {
    saving = saving.then(() => {
      const ids = new Set([...unsaved, ...engine.takeChanged()]);
      return write({ ids: [...ids] });
    });
    return saving;
  };

  const timer = o.saveMs === 0 ? undefined : setInterval(() => void save(), o.saveMs ?? 300_000);
  timer?.unref();

  let watching: Promise<void> = alive;
  /**
   * Says this node is alive and takes over dead owners' states, a batch per beat, once its own
   * beats have gone through for `deadAfterMs`: after the database was out, every live node has
   * said it is alive again before any takes over another's.
   */
  async function watch(deadAfterMs: number): Promise<void> {
    try {
      await store.beat(owner);
      beatingSince ||= Date.now();
      if (Date.now() - beatingSince < deadAfterMs) return;
      const taken = await store.takeOver(owner, deadAfterMs, BATCH);
      for (const c of taken) {
        const id = c.snapshot.deviceId;
        stats.takenOver++;
        // The device is being claimed here right now: that claim installs the same state.
        if (waiting.has(id)) continue;
        install(c);
        claimed.add(id);
        // Its last reading may have reached the dead node after the state was saved, as late as
        // the node's last beat: silence is counted from then (never reported early).
        engine.mayHaveHeard(id, clock() - (c.ownerSilentMs ?? 0));
      }
    } catch (err) {
      beatingSince = 0;
      onError(err, 'detector state owner beat or takeover failed; tried again at the next beat');
    }
  }
  const beater =
    live &&
    setInterval(() => {
      watching = watching.then(() => (closed ? undefined : watch(live.deadAfterMs)));
    }, live.beatMs);
  if (beater) beater.unref();

  return {
    ready: (id) => claimed.has(id),
    later,
    async offline(id) {
      if (!claimed.has(id)) return;
      // Saved now, claimed again at its next sample here (it may come back through another node).
      const states = snapshots([id]);
      claimed.delete(id);
      saving = saving.then(() => write(states));
      await saving;
    },
    async owns(id) {
      const who = await store.ownerOf(id);
      if (who === undefined || who === owner) return true;
      lose(id);
      return false;
    },
    save,
    stats: () => ({ ...stats }),
    async close() {
      closed = true;
      if (timer) clearInterval(timer);
      if (beater) clearInterval(beater);
      await watching;
      await Promise.all([...claims]);
      await save();
    },
  };
}

/**
 * State kept in memory only (PGlite, the single-node default: saving a state there costs ~2 ms
 * in the event loop's own thread, see bench/detector-state.ts): every device is judged at once.
 */
export function memoryOnlyStateSync(): StateSync {
  return {
    ready: () => true,
    later: (_id, work) => work(),
    offline: async () => undefined,
    owns: async () => true,
    save: async () => 0,
    stats: () => ({ restored: 0, stale: 0, saved: 0, lost: 0, takenOver: 0 }),
    close: async () => undefined,
  };
}
