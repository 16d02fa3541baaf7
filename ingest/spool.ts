import {
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  writeFile,
  type FileHandle,
} from 'node:fs/promises';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import type { DeviceEvent, Sample } from '../core/index.ts';

/** What a spooled record holds once decoded (spool-codec.ts): one message's samples or events. */
export type SpoolRecord = { k: 's'; d: Sample[] } | { k: 'e'; d: DeviceEvent[] };

export class SpoolFullError extends Error {
  readonly code = 'INGEST_ERR_SPOOL_FULL';
  constructor(depth: number, max: number) {
    super(
      `ingest spool is full (${depth} of ${max} bytes): not accepting QoS 1 messages until the telemetry store catches up`,
    );
  }
}

export interface Position {
  seg: number;
  off: number;
}

/** Whether position `a` comes before `b` in the spool. */
const before = (a: Position, b: Position): boolean =>
  a.seg < b.seg || (a.seg === b.seg && a.off < b.off);

/** What the checkpoint file holds: the store's position and, since issue 21, the listeners'. */
interface Checkpoint extends Position {
  heard?: Position;
}

/** Records read by `take`, to be passed to `commit` once stored. */
export interface Taken {
  /** The records as on disk, back to back: u32 length, u32 CRC-32 of the body, body. */
  data: Buffer;
  /** How many records `data` holds. */
  count: number;
  /** Where the first record starts and where the last one ends. */
  start: Position;
  end: Position;
  bytes: number;
}

/** Length of a record's header on disk: u32 length, u32 crc32 of the body. */
export const RECORD_HEADER = 8;

/** The bodies of the records `take` returned, in order (views into `t.data`). */
export function recordBodies(t: Taken): Buffer[] {
  const out: Buffer[] = [];
  for (let off = 0; off < t.data.length;) {
    const start = off + RECORD_HEADER;
    off = start + t.data.readUInt32LE(off);
    out.push(t.data.subarray(start, off));
  }
  return out;
}

export interface SpoolStats {
  depthBytes: number;
  depthRecords: number;
  /** Queued for the next group write, not on disk yet. */
  pendingRecords: number;
  maxBytes: number;
  segments: number;
}

export interface SpoolOptions {
  dir: string;
  maxBytes: number;
  /** Start a new segment file past this size. */
  segmentBytes?: number;
  /** Least time between two group writes, ms: the most an acknowledgement waits for company. */
  commitIntervalMs?: number;
}

const HEADER = RECORD_HEADER;
/** Initial size of a group's buffer; one that grew past MAX_SPARE_BYTES is not kept for reuse. */
const BATCH_BYTES = 64 * 1024;
const MAX_SPARE_BYTES = 1024 * 1024;
/** Most bytes one `take` reads: a batch stays bounded whatever its records hold. */
const READ_WINDOW = 8 * 1024 * 1024;
/** Least time between two writes of groups nobody waits for (QoS 0 only): fewer syscalls. */
const LAZY_WRITE_MS = 50;
/** Longest a queued-only (QoS 0) record stays written but not fdatasync'd. */
const LAZY_SYNC_MS = 1000;
const name = (seg: number) => `${String(seg).padStart(12, '0')}.seg`;

/** A segment kept open for reading, and the buffer records are read into. */
interface Reader {
  seg?: number;
  fh?: FileHandle;
  buf: Buffer;
}

/**
 * A bounded, append-only write-ahead log on disk. `append` resolves once the record is on disk
 * (fdatasync, group-committed), which is when ingest may acknowledge a QoS 1 message. The
 * drainer reads records in order (`take`) and `commit`s what the store accepted; a crash
 * replays from the last commit, and the stores' idempotent writes make replay exactly-once.
 * Records are bytes only, in memory as on disk: the drainer reads them back from the segment
 * (the page cache has it), so nothing the broker's hot path made stays on the JS heap while
 * it waits for the store (objects held that long were promoted at every scavenge).
 *
 * A second cursor, `heard`, marks what ingest's listeners (diagnostics) were handed: they hear
 * records once written, before and independently of the store, so while the store is down they
 * read ahead (`takeUnheard`) and the store's replay later does not hand the records to them
 * again. It is never behind the store's position (`commit` moves it along), so the store's
 * position alone decides what the spool keeps. It is saved in the checkpoint file with the
 * store's (at most every 200 ms, and at `close`): a clean restart hears nothing twice.
 */
export class Spool {
  private fh?: FileHandle;
  private writePos: Position = { seg: 1, off: 0 };
  private readPos: Position = { seg: 1, off: 0 };
  private committed: Position = { seg: 1, off: 0 };
  /** End of the last record handed to listeners; never before `committed`. */
  private heardPos: Position = { seg: 1, off: 0 };
  private depthBytes = 0;
  private depthRecords = 0;
  private lastWriteAt = 0;
  /** When the oldest write not yet fdatasync'd happened (0: everything written is synced). */
  private unsyncedSince = 0;
  private readonly commitIntervalMs: number;
  /**
   * The group being filled: records encoded back to back into one buffer (written with one
   * write), and the one promise everyone who asked for durability waits on.
   */
  private batch: Buffer = Buffer.allocUnsafe(BATCH_BYTES);
  private batchLen = 0;
  /** Records in the group being filled. */
  private batchCount = 0;
  private batchDurable?: {
    promise: Promise<void>;
    resolve: () => void;
    reject: (e: Error) => void;
  };
  /** The previous group's buffer, reused once its write is done. */
  private spare?: Buffer;
  private flushing = false;
  private syncTimer?: NodeJS.Timeout;
  /** Ends the flush loop's wait early (a durable group waits less than a lazy one). */
  private wakeFlush?: () => void;
  private waiters: Array<() => void> = [];
  /** The segment `take` reads from, kept open between takes, and the buffer it reads into. */
  private reader: Reader = { buf: Buffer.alloc(0) };
  /** The same for `takeUnheard`, which reads ahead of the store while it is down. */
  private aheadReader: Reader = { buf: Buffer.alloc(0) };
  /** Checkpoint writes, one after another. */
  private checkpointing: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly segmentBytes: number;
  /** Records of the group being written now. */
  private writing = 0;
  /**
   * Told when a group write or sync fails: those waiting on `durable()` get the error, but
   * records only queued (QoS 0) are lost, `records` of them (0 for a failed sync).
   */
  onWriteError?: (err: Error, records: number) => void;

  constructor(private readonly opts: SpoolOptions) {
    this.segmentBytes = opts.segmentBytes ?? 64 * 1024 * 1024;
    this.commitIntervalMs = opts.commitIntervalMs ?? 0;
  }

  /** Opens the spool, recovering what a previous run left: those records are drained first. */
  async open(): Promise<{ recoveredRecords: number; truncatedBytes: number }> {
    await mkdir(this.opts.dir, { recursive: true });
    const cp = await readFile(path.join(this.opts.dir, 'checkpoint'), 'utf8').then(
      (t) => JSON.parse(t) as Checkpoint,
      () => undefined,
    );
    const segs = (await readdir(this.opts.dir))
      .filter((f) => f.endsWith('.seg'))
      .map((f) => Number.parseInt(f, 10))
      .sort((a, b) => a - b);
    this.committed = cp ? { seg: cp.seg, off: cp.off } : { seg: segs[0] ?? 1, off: 0 };
    // Segments before the checkpoint were drained; a crash between checkpoint and delete leaves them.
    for (const seg of segs.filter((s) => s < this.committed.seg))
      await rm(path.join(this.opts.dir, name(seg)), { force: true });
    let recovered = 0;
    let truncated = 0;
    let pos = { ...this.committed };
    for (const seg of segs.filter((s) => s >= this.committed.seg)) {
      const buf = await readFile(path.join(this.opts.dir, name(seg)));
      let off = seg === this.committed.seg ? this.committed.off : 0;
      while (off + HEADER <= buf.length) {
        const len = buf.readUInt32LE(off);
        const body = buf.subarray(off + HEADER, off + HEADER + len);
        if (body.length < len || crc32(body) !== buf.readUInt32LE(off + 4)) break;
        off += HEADER + len;
        recovered++;
        this.depthBytes += HEADER + len;
      }
      if (off < buf.length) {
        // A torn write from a crash: nothing after it was acknowledged, so cut it off.
        truncated += buf.length - off;
        const h = await open(path.join(this.opts.dir, name(seg)), 'r+');
        await h.truncate(off);
        await h.close();
      }
      pos = { seg, off };
    }
    this.depthRecords = recovered;
    this.readPos = { ...this.committed };
    this.writePos = pos.seg >= this.committed.seg ? pos : { ...this.committed };
    // What the listeners heard before the stop, within what is on disk now (a torn or lost
    // tail, unsynced records only queued at QoS 0, is heard again if it is sent again).
    const heard = cp?.heard;
    this.heardPos =
      heard && before(this.committed, heard)
        ? before(this.writePos, heard)
          ? { ...this.writePos }
          : { seg: heard.seg, off: heard.off }
        : { ...this.committed };
    this.fh = await open(path.join(this.opts.dir, name(this.writePos.seg)), 'a');
    return { recoveredRecords: recovered, truncatedBytes: truncated };
  }

  /** Records not yet stored: on disk or queued for the next group write. */
  get backlog(): number {
    return this.depthRecords + this.batchCount + this.writing;
  }

  stats(): SpoolStats {
    return {
      depthBytes: this.depthBytes,
      depthRecords: this.depthRecords,
      pendingRecords: this.batchCount + this.writing,
      maxBytes: this.opts.maxBytes,
      segments: this.writePos.seg - this.committed.seg + 1,
    };
  }

  /**
   * Queues a record for the next group write and returns at once; nothing waits for the disk
   * (what QoS 0 needs). The record's body is its parts back to back: `head`, `payload`, and the
   * first `tailLength` bytes of `tail` (for ingest: the device head, the payload, the store's
   * encoding and a trailer, spool-codec.ts), copied straight into the group's buffer. Records
   * only queued are written within LAZY_WRITE_MS (50 ms) and fdatasync'd with the next durable
   * group or a second later: a process crash loses at most the last 50 ms of them, a power cut
   * the last second.
   * @throws SpoolFullError when the record would not fit.
   */
  enqueue(
    head: Uint8Array,
    payload?: Uint8Array,
    tail?: Uint8Array,
    tailLength = tail?.length ?? 0,
  ): void {
    if (this.closed) throw new Error('spool is closed');
    const len = head.length + (payload?.length ?? 0) + tailLength;
    const size = HEADER + len;
    if (this.depthBytes + this.batchLen + size > this.opts.maxBytes)
      throw new SpoolFullError(this.depthBytes + this.batchLen, this.opts.maxBytes);
    if (this.batchLen + size > this.batch.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.batch.length * 2, this.batchLen + size));
      this.batch.copy(grown, 0, 0, this.batchLen);
      this.batch = grown;
    }
    const b = this.batch;
    const off = this.batchLen;
    let at = off + HEADER;
    // TypedArray#set: Buffer#copy takes a slower JS path for small buffers.
    b.set(head, at);
    at += head.length;
    if (payload) {
      b.set(payload, at);
      at += payload.length;
    }
    if (tailLength > 0) {
      b.set(tailLength === tail!.length ? tail! : tail!.subarray(0, tailLength), at);
      at += tailLength;
    }
    b.writeUInt32LE(len, off);
    // One CRC over the body as it lies in the group buffer (one native call, not one per part).
    b.writeUInt32LE(crc32(b.subarray(off + HEADER, at)), off + 4);
    this.batchLen += size;
    this.batchCount++;
    if (!this.flushing) {
      // Started after the current synchronous run: a `durable()` that follows this call, and
      // whatever else is queued meanwhile, joins this group.
      this.flushing = true;
      queueMicrotask(() => void this.flush());
    }
  }

  /**
   * Resolves once everything queued so far is on disk (fdatasync, group-committed): one promise
   * per group, shared by all who wait on it. Rejects when the group could not be written.
   */
  durable(): Promise<void> {
    if (!this.batchDurable) {
      let resolve!: () => void;
      let reject!: (e: Error) => void;
      const promise = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      this.batchDurable = { promise, resolve, reject };
      this.wakeFlush?.();
    }
    return this.batchDurable.promise;
  }

  /**
   * `enqueue` and `durable` in one: resolves when the record is durable, which is when ingest
   * may acknowledge a QoS 1 message; rejects with SpoolFullError when it would not fit.
   */
  append(head: Uint8Array, payload?: Uint8Array, tail?: Uint8Array): Promise<void> {
    try {
      this.enqueue(head, payload, tail);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    return this.durable();
  }

  /** Group commit: one write (and one fdatasync if anyone waits for it) for everything queued meanwhile. */
  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.batchLen > 0) {
        // An fdatasync costs ~120 µs of CPU here whatever it carries: at most one per
        // commitIntervalMs, so a busy spool writes dozens of records per sync, not a few. A
        // group nobody waits for is written at most every LAZY_WRITE_MS; a `durable()` call
        // meanwhile wakes the loop to the shorter interval.
        for (;;) {
          const interval = this.batchDurable
            ? this.commitIntervalMs
            : Math.max(this.commitIntervalMs, LAZY_WRITE_MS);
          const wait = this.lastWriteAt + interval - Date.now();
          if (wait <= 0 || this.closed) break;
          await new Promise<void>((resolve) => {
            const t = setTimeout(resolve, wait);
            this.wakeFlush = () => {
              clearTimeout(t);
              resolve();
            };
          });
          this.wakeFlush = undefined;
        }
        const full = this.batch;
        const buf = full.subarray(0, this.batchLen);
        const count = this.batchCount;
        const durable = this.batchDurable;
        const sync =
          durable !== undefined ||
          (this.unsyncedSince !== 0 && Date.now() - this.unsyncedSince >= LAZY_SYNC_MS);
        this.batch = this.spare ?? Buffer.allocUnsafe(BATCH_BYTES);
        this.spare = undefined;
        this.batchLen = 0;
        this.batchCount = 0;
        this.batchDurable = undefined;
        this.writing = count;
        const reuse = () => {
          if (full.length <= MAX_SPARE_BYTES) this.spare = full;
        };
        try {
          if (this.writePos.off >= this.segmentBytes) await this.roll();
          for (let done = 0; done < buf.length;) {
            const { bytesWritten } = await this.fh!.write(buf, done, buf.length - done);
            done += bytesWritten;
          }
          if (sync) {
            await this.fh!.datasync();
            this.unsyncedSince = 0;
          } else if (this.unsyncedSince === 0) {
            this.unsyncedSince = Date.now();
            this.syncTimer ??= setTimeout(() => this.lazySync(), LAZY_SYNC_MS).unref();
          }
          this.lastWriteAt = Date.now();
        } catch (err) {
          durable?.reject(err as Error);
          this.onWriteError?.(err as Error, count);
          // A partial write must not stay in front of later records: cut it off, or start a
          // new segment if even that fails.
          await this.fh!.truncate(this.writePos.off).catch(() =>
            this.roll().catch(() => undefined),
          );
          reuse();
          this.writing = 0;
          continue;
        }
        reuse();
        this.writing = 0;
        this.writePos = { seg: this.writePos.seg, off: this.writePos.off + buf.length };
        this.depthBytes += buf.length;
        this.depthRecords += count;
        durable?.resolve();
        this.wake();
      }
    } finally {
      this.flushing = false;
    }
  }

  /** fdatasyncs queued-only records that no durable group came to carry within LAZY_SYNC_MS. */
  private lazySync(): void {
    this.syncTimer = undefined;
    if (this.unsyncedSince === 0) return;
    if (this.flushing) {
      // The group being written syncs them if LAZY_SYNC_MS has passed; otherwise look again.
      this.syncTimer = setTimeout(() => this.lazySync(), LAZY_SYNC_MS).unref();
      return;
    }
    this.flushing = true;
    this.fh!.datasync().then(
      () => {
        this.unsyncedSince = 0;
        this.flushing = false;
        if (this.batchLen > 0) void this.flush();
      },
      (err: unknown) => {
        this.flushing = false;
        this.onWriteError?.(err as Error, 0);
        if (this.batchLen > 0) void this.flush();
      },
    );
  }

  private async roll(): Promise<void> {
    // Records only queued (QoS 0) may still be unsynced in the segment being closed.
    if (this.unsyncedSince !== 0) {
      await this.fh!.datasync();
      this.unsyncedSince = 0;
    }
    await this.fh!.close();
    this.writePos = { seg: this.writePos.seg + 1, off: 0 };
    this.fh = await open(path.join(this.opts.dir, name(this.writePos.seg)), 'a');
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Waits until there is something to take (or `ms` passes, or the spool closes). */
  async wait(ms: number): Promise<void> {
    if (this.hasUnread() || this.closed) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      this.waiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  private hasUnread(): boolean {
    return this.readPos.seg !== this.writePos.seg || this.readPos.off !== this.writePos.off;
  }

  /**
   * The next records in order, up to `maxRecords` of them and READ_WINDOW bytes, without
   * consuming them: `commit` does that once the store has them. Records are re-read after a
   * failure. Only records written to the segment are read; a batch never spans two segments.
   * The records are read into a buffer the spool reuses: `data` is valid until the next take.
   */
  take(maxRecords: number): Promise<Taken> {
    return this.read(this.readPos, maxRecords, this.reader);
  }

  /**
   * The next records the listeners have not heard, as `take` reads them (up to `maxRecords`
   * and READ_WINDOW bytes, one segment at a time), for `markHeard`. Ahead of `take` while the
   * store is down; `data` is valid until the next `takeUnheard`.
   */
  takeUnheard(maxRecords: number): Promise<Taken> {
    return this.read(this.heardPos, maxRecords, this.aheadReader);
  }

  /** The records of `t` (from `take`) the listeners have not heard yet: their bodies, in order. */
  unheard(t: Taken): Buffer[] {
    if (!before(this.heardPos, t.end)) return [];
    const bodies = recordBodies(t);
    if (!before(t.start, this.heardPos)) return bodies;
    // The batch straddles the heard position (always within one segment): skip what it covers.
    let off = t.start.off;
    let skip = 0;
    while (off < this.heardPos.off) off += bodies[skip++]!.length + HEADER;
    return bodies.slice(skip);
  }

  /**
   * How many records of `t` (from `take`) the listeners have not heard yet: the last ones, as
   * `unheard(t)` returns them, counted without slicing a view of each (the drainer's per-batch
   * question).
   */
  unheardCount(t: Taken): number {
    if (!before(this.heardPos, t.end)) return 0;
    if (!before(t.start, this.heardPos)) return t.count;
    // The batch straddles the heard position (always within one segment): skip what it covers.
    let skip = 0;
    for (let off = 0, at = t.start.off; at < this.heardPos.off; skip++) {
      const len = HEADER + t.data.readUInt32LE(off);
      off += len;
      at += len;
    }
    return t.count - skip;
  }

  /** Records up to `end` were handed to the listeners (saved with the next checkpoint). */
  markHeard(end: Position): void {
    if (!before(this.heardPos, end)) return;
    this.heardPos = { seg: end.seg, off: end.off };
    // A failed write costs at most hearing again after a restart; the next one tries again.
    if (Date.now() - this.lastCheckpointAt >= 200) this.checkpoint().catch(() => undefined);
  }

  /** Waits until there is something the listeners have not heard (or `ms` passes, or close). */
  async waitUnheard(ms: number): Promise<void> {
    if (before(this.heardPos, this.writePos) || this.closed) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      this.waiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  private async read(from: Position, maxRecords: number, r: Reader): Promise<Taken> {
    let pos = { ...from };
    for (;;) {
      if (pos.seg === this.writePos.seg && pos.off >= this.writePos.off)
        return { data: Buffer.alloc(0), count: 0, start: pos, end: pos, bytes: 0 };
      const file = path.join(this.opts.dir, name(pos.seg));
      const limit = pos.seg === this.writePos.seg ? this.writePos.off : (await stat(file)).size;
      if (pos.off >= limit) {
        pos = { seg: pos.seg + 1, off: 0 };
        continue;
      }
      if (r.seg !== pos.seg || !r.fh) {
        await r.fh?.close();
        r.fh = undefined;
        r.fh = await open(file, 'r');
        r.seg = pos.seg;
      }
      const want = Math.min(limit - pos.off, READ_WINDOW);
      // One buffer for every batch, grown as needed: a new one per batch was fresh memory to
      // fault in and to pull through the caches, several times a second.
      if (r.buf.length < want) r.buf = Buffer.allocUnsafe(Math.max(want, 256 * 1024));
      const buf = r.buf;
      const { bytesRead } = await r.fh.read(buf, 0, want, pos.off);
      let off = 0;
      let count = 0;
      while (off + HEADER <= bytesRead && count < maxRecords) {
        const len = buf.readUInt32LE(off);
        if (off + HEADER + len > bytesRead) {
          if (off === 0)
            throw new Error(
              `spool record at ${name(pos.seg)}:${pos.off} is larger than the read window`,
            );
          break;
        }
        off += HEADER + len;
        count++;
      }
      return {
        data: buf.subarray(0, off),
        count,
        start: pos,
        end: { seg: pos.seg, off: pos.off + off },
        bytes: off,
      };
    }
  }

  /** Marks what `take` returned as stored; removes segments no longer needed. */
  async commit(t: Taken): Promise<void> {
    const { end } = t;
    this.readPos = end;
    this.depthBytes -= t.bytes;
    this.depthRecords -= t.count;
    const oldSeg = this.committed.seg;
    this.committed = end;
    // Listeners hear a record before it is stored; one stored unheard (nobody listening) is
    // not heard later either.
    if (before(this.heardPos, end)) this.heardPos = { seg: end.seg, off: end.off };
    // The checkpoint only bounds how much a restart replays (replays are idempotent), so it is
    // persisted at most every 200 ms, and always before a drained segment is deleted.
    if (end.seg === oldSeg && Date.now() - this.lastCheckpointAt < 200) return;
    await this.checkpoint();
    for (let s = oldSeg; s < end.seg; s++) {
      for (const r of [this.reader, this.aheadReader]) {
        if (r.seg === s && r.fh) {
          await r.fh.close();
          r.fh = undefined;
        }
      }
      await rm(path.join(this.opts.dir, name(s)), { force: true });
    }
  }
  private lastCheckpointAt = 0;

  /**
   * Saves the store's and the listeners' positions (write, then rename: a crash leaves the old
   * file or the new one). Writes run one after another, each saving the positions as they are
   * when it starts.
   */
  checkpoint(): Promise<void> {
    this.lastCheckpointAt = Date.now();
    const run = async () => {
      const cp: Checkpoint = { ...this.committed, heard: this.heardPos };
      const tmp = path.join(this.opts.dir, 'checkpoint.tmp');
      await writeFile(tmp, JSON.stringify(cp));
      await rename(tmp, path.join(this.opts.dir, 'checkpoint'));
    };
    const p = this.checkpointing.then(run);
    this.checkpointing = p.catch(() => undefined);
    return p;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.syncTimer);
    this.wakeFlush?.();
    while (this.flushing) await new Promise((r) => setTimeout(r, 5));
    this.wake();
    if (this.unsyncedSince !== 0) await this.fh?.datasync().catch(() => undefined);
    await this.fh?.close();
    for (const r of [this.reader, this.aheadReader]) {
      await r.fh?.close();
      r.fh = undefined;
    }
    // Where the listeners and the store are, exactly: a restart hears nothing twice.
    await this.checkpoint().catch(() => undefined);
  }
}
