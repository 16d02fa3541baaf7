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
  /** Least time between two fdatasyncs, ms: the most an acknowledgement waits for company. */
  commitIntervalMs?: number;
}

const HEADER = 8; // u32 length, u32 crc32 of the body
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
  private pendingBytes = 0;
  private lastSyncAt = 0;
  private readonly commitIntervalMs: number;
  private pending: Array<{
    buf: Buffer;
    rec: SpoolRecord;
    resolve: () => void;
    reject: (e: Error) => void;
  }> = [];
  private flushing = false;
  private mem: Array<{ end: Position; rec: SpoolRecord; bytes: number }> = [];
  private memHead = 0;
  private memBytes = 0;
  /** memory mode: `mem` holds every record from readPos to writePos. */
  private memoryMode = true;
  private waiters: Array<() => void> = [];
  private closed = false;
  private readonly segmentBytes: number;
  private readonly memoryBytes: number;

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

  stats(): SpoolStats {
    return {
      depthBytes: this.depthBytes,
      depthRecords: this.depthRecords,
      maxBytes: this.opts.maxBytes,
      segments: this.writePos.seg - this.committed.seg + 1,
      mode: this.memoryMode ? 'memory' : 'disk',
    };
  }

  /** Resolves when the record is durable; rejects with SpoolFullError when it would not fit. */
  /**
   * `body` is the record's on-disk form (see spool-codec.ts); without it the record is stored
   * as JSON. `rec` itself is what the drainer gets while the spool is in memory mode.
   */
  append(rec: SpoolRecord, body: Buffer = Buffer.from(JSON.stringify(rec))): Promise<void> {
    if (this.closed) return Promise.reject(new Error('spool is closed'));
    const buf = Buffer.allocUnsafe(HEADER + body.length);
    buf.writeUInt32LE(body.length, 0);
    buf.writeUInt32LE(crc32(body), 4);
    body.copy(buf, HEADER);
    if (this.depthBytes + this.pendingBytes + buf.length > this.opts.maxBytes) {
      return Promise.reject(
        new SpoolFullError(this.depthBytes + this.pendingBytes, this.opts.maxBytes),
      );
    }
    return new Promise((resolve, reject) => {
      this.pendingBytes += buf.length;
      this.pending.push({ buf, rec, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  /** Group commit: one write and one fdatasync for everything queued meanwhile. */
  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.pending.length > 0) {
        // An fdatasync costs ~120 µs of CPU here whatever it carries: at most one per
        // commitIntervalMs, so a busy spool writes dozens of records per sync, not a few.
        const wait = this.lastSyncAt + this.commitIntervalMs - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const batch = this.pending;
        this.pending = [];
        this.pendingBytes = 0;
        try {
          if (this.writePos.off >= this.segmentBytes) await this.roll();
          const all = Buffer.concat(batch.map((p) => p.buf));
          await this.fh!.write(all);
          await this.fh!.datasync();
          this.lastSyncAt = Date.now();
        } catch (err) {
          for (const p of batch) p.reject(err as Error);
          // A partial write must not stay in front of later records: cut it off, or start a
          // new segment if even that fails.
          await this.fh!.truncate(this.writePos.off).catch(() =>
            this.roll().catch(() => undefined),
          );
          continue;
        }
        for (const p of batch) {
          this.writePos = { seg: this.writePos.seg, off: this.writePos.off + p.buf.length };
          this.depthBytes += p.buf.length;
          this.depthRecords++;
          if (this.memoryMode) {
            this.mem.push({ end: { ...this.writePos }, rec: p.rec, bytes: p.buf.length });
            this.memBytes += p.buf.length;
          }
          p.resolve();
        }
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

  private async roll(): Promise<void> {
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
      for (let i = this.memHead; i < this.mem.length && items < maxItems; i++) {
        const m = this.mem[i]!;
        records.push(m.rec);
        items += m.rec.d.length;
        bytes += m.bytes;
        end = m.end;
      }
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
    while (this.flushing) await new Promise((r) => setTimeout(r, 5));
    this.wake();
    await this.fh?.close();
  }
}
