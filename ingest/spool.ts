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
import type { DeviceEvent, Sample } from './sample.ts';
import { decodeSpoolBody } from './spool-codec.ts';

/** What the spool carries: one accepted MQTT message's samples or events. */
export type SpoolRecord = { k: 's'; d: Sample[] } | { k: 'e'; d: DeviceEvent[] };

export class SpoolFullError extends Error {
  readonly code = 'INGEST_ERR_SPOOL_FULL';
  constructor(depth: number, max: number) {
    super(
      `ingest spool is full (${depth} of ${max} bytes): not accepting QoS 1 messages until the telemetry store catches up`,
    );
  }
}

interface Position {
  seg: number;
  off: number;
}

/** Records read by `take`, to be passed to `commit` once stored. */
export interface Taken {
  records: SpoolRecord[];
  end: Position;
  bytes: number;
  fromMemory: boolean;
}

export interface SpoolStats {
  depthBytes: number;
  depthRecords: number;
  /** Queued for the next group write, not on disk yet. */
  pendingRecords: number;
  maxBytes: number;
  segments: number;
  mode: 'memory' | 'disk';
}

export interface SpoolOptions {
  dir: string;
  maxBytes: number;
  /** Start a new segment file past this size. */
  segmentBytes?: number;
  /** Records kept in memory for the drainer; beyond it the drainer reads from disk. */
  memoryBytes?: number;
  /** Least time between two group writes, ms: the most an acknowledgement waits for company. */
  commitIntervalMs?: number;
}

const HEADER = 8; // u32 length, u32 crc32 of the body
/** Initial size of a group's buffer; one that grew past MAX_SPARE_BYTES is not kept for reuse. */
const BATCH_BYTES = 64 * 1024;
const MAX_SPARE_BYTES = 1024 * 1024;
/** Least time between two writes of groups nobody waits for (QoS 0 only): fewer syscalls. */
const LAZY_WRITE_MS = 50;
/** Longest a queued-only (QoS 0) record stays written but not fdatasync'd. */
const LAZY_SYNC_MS = 1000;
const name = (seg: number) => `${String(seg).padStart(12, '0')}.seg`;

/**
 * A bounded, append-only write-ahead log on disk. `append` resolves once the record is on disk
 * (fdatasync, group-committed), which is when ingest may acknowledge a QoS 1 message. The
 * drainer reads records in order (`take`) and `commit`s what the store accepted; a crash
 * replays from the last commit, and the stores' idempotent writes make replay exactly-once.
 */
export class Spool {
  private fh?: FileHandle;
  private writePos: Position = { seg: 1, off: 0 };
  private readPos: Position = { seg: 1, off: 0 };
  private committed: Position = { seg: 1, off: 0 };
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
  private batchRecs: SpoolRecord[] = [];
  private batchSizes: number[] = [];
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
  private mem: Array<{ rec: SpoolRecord; bytes: number; seg: number; off: number }> = [];
  private memHead = 0;
  private memBytes = 0;
  /** memory mode: `mem` holds every record from readPos to writePos. */
  private memoryMode = true;
  private waiters: Array<() => void> = [];
  private closed = false;
  private readonly segmentBytes: number;
  private readonly memoryBytes: number;
  /** Records of the group being written now. */
  private writing = 0;
  /**
   * Told when a group write or sync fails: those waiting on `durable()` get the error, but
   * records only queued (QoS 0) are lost, `records` of them (0 for a failed sync).
   */
  onWriteError?: (err: Error, records: number) => void;

  constructor(private readonly opts: SpoolOptions) {
    this.segmentBytes = opts.segmentBytes ?? 64 * 1024 * 1024;
    this.memoryBytes = opts.memoryBytes ?? 32 * 1024 * 1024;
    this.commitIntervalMs = opts.commitIntervalMs ?? 0;
  }

  /** Opens the spool, recovering what a previous run left: those records are drained first. */
  async open(): Promise<{ recoveredRecords: number; truncatedBytes: number }> {
    await mkdir(this.opts.dir, { recursive: true });
    const cp = await readFile(path.join(this.opts.dir, 'checkpoint'), 'utf8').then(
      (t) => JSON.parse(t) as Position,
      () => undefined,
    );
    const segs = (await readdir(this.opts.dir))
      .filter((f) => f.endsWith('.seg'))
      .map((f) => Number.parseInt(f, 10))
      .sort((a, b) => a - b);
    this.committed = cp ?? { seg: segs[0] ?? 1, off: 0 };
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
    this.memoryMode = recovered === 0;
    this.fh = await open(path.join(this.opts.dir, name(this.writePos.seg)), 'a');
    return { recoveredRecords: recovered, truncatedBytes: truncated };
  }

  /** Records not yet stored: on disk or queued for the next group write. */
  get backlog(): number {
    return this.depthRecords + this.batchRecs.length + this.writing;
  }

  stats(): SpoolStats {
    return {
      depthBytes: this.depthBytes,
      depthRecords: this.depthRecords,
      pendingRecords: this.batchRecs.length + this.writing,
      maxBytes: this.opts.maxBytes,
      segments: this.writePos.seg - this.committed.seg + 1,
      mode: this.memoryMode ? 'memory' : 'disk',
    };
  }

  /**
   * Queues a record for the next group write and returns at once; nothing waits for the disk
   * (what QoS 0 needs). `body` followed by `tail` is the record's on-disk form (see
   * spool-codec.ts), copied straight into the group's buffer; without them the record is stored
   * as JSON; `bodyCrc`, the CRC-32 of `body`, when the caller keeps it (a device head is reused
   * for every message). `rec` itself is what the drainer gets while the spool is in memory mode. Records
   * only queued are written within LAZY_WRITE_MS (50 ms) and fdatasync'd with the next durable
   * group or a second later: a process crash loses at most the last 50 ms of them, a power cut
   * the last second.
   * @throws SpoolFullError when the record would not fit.
   */
  enqueue(rec: SpoolRecord, body?: Buffer, tail?: Buffer, bodyCrc?: number): void {
    if (this.closed) throw new Error('spool is closed');
    if (!body) body = Buffer.from(JSON.stringify(rec));
    const len = body.length + (tail ? tail.length : 0);
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
    b.writeUInt32LE(len, off);
    const headCrc = bodyCrc ?? crc32(body);
    b.writeUInt32LE(tail ? crc32(tail, headCrc) : headCrc, off + 4);
    // TypedArray#set: Buffer#copy takes a slower JS path for small buffers.
    b.set(body, off + HEADER);
    if (tail) b.set(tail, off + HEADER + body.length);
    this.batchLen += size;
    this.batchRecs.push(rec);
    this.batchSizes.push(size);
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
  append(rec: SpoolRecord, body?: Buffer, tail?: Buffer, bodyCrc?: number): Promise<void> {
    try {
      this.enqueue(rec, body, tail, bodyCrc);
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
        const recs = this.batchRecs;
        const sizes = this.batchSizes;
        const durable = this.batchDurable;
        const sync =
          durable !== undefined ||
          (this.unsyncedSince !== 0 && Date.now() - this.unsyncedSince >= LAZY_SYNC_MS);
        this.batch = this.spare ?? Buffer.allocUnsafe(BATCH_BYTES);
        this.spare = undefined;
        this.batchLen = 0;
        this.batchRecs = [];
        this.batchSizes = [];
        this.batchDurable = undefined;
        this.writing = recs.length;
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
          this.onWriteError?.(err as Error, recs.length);
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
        const seg = this.writePos.seg;
        let off = this.writePos.off;
        for (let i = 0; i < recs.length; i++) {
          const bytes = sizes[i]!;
          off += bytes;
          if (this.memoryMode) {
            this.mem.push({ rec: recs[i]!, bytes, seg, off });
            this.memBytes += bytes;
          }
        }
        this.writePos = { seg, off };
        this.depthBytes += buf.length;
        this.depthRecords += recs.length;
        durable?.resolve();
        if (this.memBytes > this.memoryBytes) {
          // The store is behind: let the drainer read from disk instead of holding it all.
          this.mem = [];
          this.memHead = 0;
          this.memBytes = 0;
          this.memoryMode = false;
        }
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
   * The next records in order, up to about `maxItems` samples/events, without consuming them:
   * `commit(end)` does that once the store has them. Records are re-read after a failure.
   */
  async take(maxItems: number): Promise<Taken> {
    const records: SpoolRecord[] = [];
    let items = 0;
    let bytes = 0;
    let end = { ...this.readPos };
    if (this.memoryMode) {
      let last: { seg: number; off: number } | undefined;
      for (let i = this.memHead; i < this.mem.length && items < maxItems; i++) {
        const m = this.mem[i]!;
        records.push(m.rec);
        items += m.rec.d.length;
        bytes += m.bytes;
        last = m;
      }
      if (last) end = { seg: last.seg, off: last.off };
      return { records, end, bytes, fromMemory: true };
    }
    // Disk mode: read from the segment at readPos up to what is durable.
    while (items < maxItems && (end.seg < this.writePos.seg || end.off < this.writePos.off)) {
      const limit =
        end.seg === this.writePos.seg
          ? this.writePos.off
          : (await stat(path.join(this.opts.dir, name(end.seg)))).size;
      if (end.off >= limit) {
        end = { seg: end.seg + 1, off: 0 };
        continue;
      }
      const fh = await open(path.join(this.opts.dir, name(end.seg)), 'r');
      try {
        const want = Math.min(limit - end.off, 8 * 1024 * 1024);
        const buf = Buffer.allocUnsafe(want);
        const { bytesRead } = await fh.read(buf, 0, want, end.off);
        let off = 0;
        while (off + HEADER <= bytesRead && items < maxItems) {
          const len = buf.readUInt32LE(off);
          if (off + HEADER + len > bytesRead) {
            if (off === 0)
              throw new Error(
                `spool record at ${name(end.seg)}:${end.off} is larger than the read window`,
              );
            break;
          }
          const rec = decodeSpoolBody(buf.subarray(off + HEADER, off + HEADER + len));
          records.push(rec);
          items += rec.d.length;
          off += HEADER + len;
          bytes += HEADER + len;
        }
        end = { seg: end.seg, off: end.off + off };
      } finally {
        await fh.close();
      }
    }
    return { records, end, bytes, fromMemory: false };
  }

  /** Marks what `take` returned as stored; removes segments no longer needed. */
  async commit(t: Taken): Promise<void> {
    const { end } = t;
    if (this.memoryMode && t.fromMemory) {
      // A moving head instead of shift(): shift() is O(n), quadratic on a long backlog.
      for (let n = t.records.length; n > 0; n--) this.memBytes -= this.mem[this.memHead++]!.bytes;
      if (this.memHead > 1024 && this.memHead * 2 > this.mem.length) {
        this.mem = this.mem.slice(this.memHead);
        this.memHead = 0;
      }
    }
    this.readPos = end;
    this.depthBytes -= t.bytes;
    this.depthRecords -= t.records.length;
    if (!this.memoryMode && !this.hasUnread()) this.memoryMode = true; // caught up
    const oldSeg = this.committed.seg;
    this.committed = end;
    // The checkpoint only bounds how much a restart replays (replays are idempotent), so it is
    // persisted at most every 200 ms, and always before a drained segment is deleted.
    const now = Date.now();
    if (end.seg === oldSeg && now - this.lastCheckpointAt < 200) return;
    this.lastCheckpointAt = now;
    const tmp = path.join(this.opts.dir, 'checkpoint.tmp');
    await writeFile(tmp, JSON.stringify(end));
    await rename(tmp, path.join(this.opts.dir, 'checkpoint'));
    for (let s = oldSeg; s < end.seg; s++)
      await rm(path.join(this.opts.dir, name(s)), { force: true });
  }
  private lastCheckpointAt = 0;

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.syncTimer);
    this.wakeFlush?.();
    while (this.flushing) await new Promise((r) => setTimeout(r, 5));
    this.wake();
    if (this.unsyncedSince !== 0) await this.fh?.datasync().catch(() => undefined);
    await this.fh?.close();
  }
}
