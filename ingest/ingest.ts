import { appendFile } from 'node:fs/promises';
import type { FastifyBaseLogger } from 'fastify';
import { hotCounter, type Metrics, type DeviceEvent, type Sample } from '../core/index.ts';
import {
  recordBodies,
  Spool,
  SpoolFullError,
  type Position,
  type SpoolStats,
  type Taken,
} from './spool.ts';
import { ByteWriter } from './byte-writer.ts';
import { memoOf } from './device-memo.ts';
import { spoolHead, writeTrailer } from './spool-codec.ts';
import {
  isPermanent,
  readBatch,
  writeBatch,
  writeBisecting,
  type Batch,
  type RefusedRecord,
} from './store-batch.ts';
import type { TelemetryEncoder, TelemetryStore } from './telemetry-store.ts';
import {
  checkEvents,
  checkTelemetry,
  type Checked,
  type DeviceContext,
  type Limits,
  type Rejection,
} from './validate.ts';

export type AcceptResult =
  { ok: true; items: number; unknownMetrics: readonly string[] } | Rejection;

/** `admit`'s verdict; `durable` settles when the message is on disk (asked-for only). */
export type Admitted =
  | { ok: true; items: number; unknownMetrics: readonly string[]; durable?: Promise<void> }
  | Rejection;

export interface IngestOptions {
  store: TelemetryStore;
  spool: Spool;
  metrics: Metrics;
  limits: Limits;
  batchSize: number;
  /** How long the drainer lingers for a fuller batch, ms (fewer, larger store writes). */
  flushMs?: number;
  log: FastifyBaseLogger;
  /** Where batches the store refuses for good are kept (JSON lines), instead of blocking the spool. */
  deadLetterFile: string;
  now?: () => number;
}

/**
 * Listeners (diagnostics) get every accepted sample and event once the spool has written it, in
 * spool order, before the store write and whether or not the store is up; each exactly once
 * however often the store write is retried or replayed (see `Ingest`).
 */
export interface DurableListener {
  samples?(samples: readonly Sample[]): void;
  events?(events: readonly DeviceEvent[]): void;
}

/** A device's message the store refused for good (dead-lettered): its device should know. */
export interface StoreRefusal {
  deviceId: string;
  kind: 'telemetry' | 'events';
  /** Samples or events of the message. */
  items: number;
  /** The store's error code (SQLSTATE, INGEST_ERR_…), if it gave one. */
  code?: string;
}

/**
 * Ingest: `accept` runs [check, spool] and resolves once the message is durable (or refused);
 * a drainer reads the spool back, decodes it into samples and events and moves them into the
 * telemetry store in batches, retrying with backoff while the store is down.
 *
 * Listeners (`onDurable`) hear each record from the spool before its store write; while the
 * store is down the drainer, between retries, reads ahead and hands them what arrived meanwhile,
 * so a device that keeps publishing during an outage is not silent to diagnostics. The spool's
 * `heard` cursor keeps them from hearing a record twice: a retried batch and the replay when the
 * store returns skip what was heard, and the cursor is saved with the spool's checkpoint, so a
 * clean restart does not hand them again what the previous run heard. After a crash, what was
 * heard in the last ≤ 200 ms before it (the checkpoint interval) is heard again, by an engine that
 * started empty (diagnostics keeps its state in memory): no detector sees a sample twice, and
 * an alert it raises again is the same open alert (alerts are one per device and mode).
 * Records the store later refuses for good (dead letter) were heard all the same.
 */
export class Ingest {
  private readonly listeners: DurableListener[] = [];
  private readonly refusalListeners: Array<(r: StoreRefusal) => void> = [];
  private running = false;
  /** A batch taken from the spool is being stored and handed to listeners. */
  private busy = false;
  private loop?: Promise<void>;
  private storeUp = true;
  private gaugesAt = 0;
  private spoolFullLoggedAt = 0;
  private readonly now: () => number;
  private readonly samplesAccepted: (n: number) => void;
  private catchUp?: { promise: Promise<void>; resolve: () => void };
  /** The store's encoder (TelemetryEncoding), reused for every message. */
  private readonly encoder?: TelemetryEncoder;
  /** A message's encoding and trailer, written before the spool copies them (spool-codec.ts). */
  private readonly tail = new ByteWriter();

  constructor(private readonly o: IngestOptions) {
    this.now = o.now ?? Date.now;
    this.encoder = o.store.encoding?.encoder();
    this.samplesAccepted = hotCounter(o.metrics.samplesAccepted);
    o.metrics.spoolMaxBytes.set(o.spool.stats().maxBytes);
    o.metrics.storeUp.set(1);
    o.spool.onWriteError = (err, records) =>
      o.log.error(
        { err: err.message, unacknowledgedRecordsLost: records },
        'ingest spool write failed: QoS 1 messages of the group are not acknowledged',
      );
  }

  /** Hands `l` every accepted sample and event once spooled, before the store write (see above). */
  onDurable(l: DurableListener): void {
    this.listeners.push(l);
  }

  /** Called for each message the store refused for good, after it is dead-lettered. */
  onRefused(l: (r: StoreRefusal) => void): void {
    this.refusalListeners.push(l);
  }

  /**
   * [check, spool]: resolves once the message is durable, or refused.
   * @throws SpoolFullError when the spool cannot take the message (do not acknowledge it).
   */
  async accept(
    kind: 'telemetry' | 'events',
    dev: DeviceContext,
    payload: Buffer,
  ): Promise<AcceptResult> {
    const r = this.admit(kind, dev, payload, true);
    if (!r.ok) return r;
    await r.durable;
    return { ok: true, items: r.items, unknownMetrics: r.unknownMetrics };
  }

  /**
   * The hot path under `accept`, synchronous up to the disk: checks the message (validate.ts;
   * nothing is decoded into objects here) and queues its bytes for the spool, and returns the
   * verdict at once. A refused message is not spooled.
   * With `durable` (QoS 1: acknowledge only once on disk) an accepted result carries the promise
   * of its group commit, shared by every message in the group; without it (QoS 0 promises
   * nothing) the message is written with the next group and nobody waits.
   * @throws SpoolFullError when the spool cannot take the message (do not acknowledge it).
   */
  admit(
    kind: 'telemetry' | 'events',
    dev: DeviceContext,
    payload: Buffer,
    durable: boolean,
  ): Admitted {
    const tail = this.tail;
    tail.length = 0;
    const telemetry = kind === 'telemetry';
    const encoder = telemetry ? this.startEncoder(dev) : undefined;
    let checked: Checked;
    try {
      checked = telemetry
        ? checkTelemetry(payload, dev, this.now(), this.o.limits, encoder)
        : checkEvents(payload, dev, this.now(), this.o.limits);
    } catch (err) {
      // The store's encoder refused what the checks accepted: spooled without the encoding,
      // the drainer decodes it and the store's write says why (dead letter).
      if (!encoder) throw err;
      checked = checkTelemetry(payload, dev, this.now(), this.o.limits);
      tail.length = 0;
    }
    if (!checked.ok) return checked;
    const encoding = encoder && tail.length > 0 ? this.o.store.encoding!.id : 0;
    if (encoding === 0) tail.length = 0;
    writeTrailer(tail, checked.items, encoding);
    // The message goes to the spool as it came, after the device's head (spool-codec.ts).
    try {
      this.o.spool.enqueue(spoolHead(telemetry ? 's' : 'e', dev), payload, tail.buf, tail.length);
    } catch (err) {
      if (err instanceof SpoolFullError) this.spoolFull(err);
      throw err;
    }
    if (telemetry) {
      this.samplesAccepted(checked.items);
      if (checked.unknownMetrics.length > 0)
        this.o.metrics.unknownMetrics.inc({ category: dev.category }, checked.items);
    }
    // Gauges at most every 100 ms on the hot path; the drainer updates them after each batch.
    const t = Date.now();
    if (t - this.gaugesAt > 100) {
      this.gaugesAt = t;
      this.updateGauges();
    }
    return durable ? { ...checked, durable: this.o.spool.durable() } : checked;
  }

  /** Whether `err`, thrown by `admit` or `accept`, means the spool has no room for the message. */
  isFull(err: unknown): boolean {
    return err instanceof SpoolFullError;
  }

  /**
   * Makes `dev`'s per-device caches (device-memo.ts) now, before its first message: the broker
   * calls it when a device connects, so every device's context has the same layout.
   */
  prepareDevice(dev: DeviceContext): void {
    memoOf(dev);
  }

  /** The store's encoder started for a message of `dev`, or none (no encoding, or it refused). */
  private startEncoder(dev: DeviceContext): TelemetryEncoder | undefined {
    if (!this.encoder) return undefined;
    try {
      this.encoder.start(dev, this.tail);
      return this.encoder;
    } catch {
      this.tail.length = 0;
      return undefined; // a device the store cannot name: its write will say why
    }
  }

  private spoolFull(err: SpoolFullError): void {
    this.o.metrics.spoolFull.inc();
    const t = Date.now();
    if (t - this.spoolFullLoggedAt > 10_000) {
      // Loud, but once every 10 s: the counter has the exact number.
      this.spoolFullLoggedAt = t;
      void this.o.metrics.spoolFull
        .get()
        .then((m) =>
          this.o.log.error(
            { err: err.message, refusedSoFar: m.values[0]?.value },
            'ingest spool full: QoS 1 messages are not being acknowledged, QoS 0 is dropped',
          ),
        );
    }
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.drain();
  }

  /** Stops after the batch in flight; what is left stays in the spool for the next start. */
  async stop(): Promise<void> {
    this.running = false;
    // Nobody will drain any more: paced publishers go on (their messages stay spooled).
    this.catchUp?.resolve();
    this.catchUp = undefined;
    await this.o.spool.close();
    await this.loop;
    // The batch in flight may have been committed after the spool closed: save where the store
    // and the listeners are, so the next start replays and hears nothing it need not.
    await this.o.spool.checkpoint();
  }

  /** Resolves when everything spooled so far is stored (tests, graceful shutdown). */
  async flushed(timeoutMs = 30_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const s = this.o.spool.stats();
      // The spool counts a batch gone once committed; its listeners are told just after.
      if (s.depthRecords === 0 && s.pendingRecords === 0 && !this.busy) return;
      if (Date.now() > until) throw new Error(`spool not drained within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** The spool's depth and mode, for health checks and tests. */
  spoolStats(): SpoolStats {
    return this.o.spool.stats();
  }

  /**
   * True when the store is up but the spool holds more than two store batches not yet stored:
   * the drainer (its share of the CPU, or the store) is not keeping up, and publishers should
   * be paced. While the store is down the spool takes everything, up to its bound.
   */
  get behind(): boolean {
    return this.storeUp && this.o.spool.backlog > 2 * this.o.batchSize;
  }

  /** Resolves once `behind` is false again: the drainer caught up, or the store went down. */
  caughtUp(): Promise<void> {
    if (!this.behind) return Promise.resolve();
    if (!this.catchUp) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.catchUp = { promise, resolve };
    }
    return this.catchUp.promise;
  }

  private releaseCaughtUp(): void {
    if (this.catchUp && !this.behind) {
      this.catchUp.resolve();
      this.catchUp = undefined;
    }
  }

  get healthy(): boolean {
    return this.storeUp;
  }

  /** Keeps a message the store refused for good in the dead-letter file, and says so. */
  private async deadLetter(r: RefusedRecord): Promise<void> {
    const items = r.samples.length + r.events.length;
    const code = (r.err as { code?: unknown }).code;
    this.o.metrics.deadLettered.inc(items);
    this.o.log.error(
      {
        err: r.err.message,
        code,
        device: r.deviceId,
        kind: r.kind,
        items,
        file: this.o.deadLetterFile,
      },
      "telemetry store refused a device's message for good: kept in the dead-letter file, not retried",
    );
    const line = JSON.stringify({
      at: new Date(this.now()).toISOString(),
      error: r.err.message,
      ...(typeof code === 'string' ? { code } : {}),
      deviceId: r.deviceId,
      samples: r.samples,
      events: r.events,
    });
    await appendFile(this.o.deadLetterFile, `${line}\n`);
    const refusal: StoreRefusal = {
      deviceId: r.deviceId,
      kind: r.kind,
      items,
      ...(typeof code === 'string' ? { code } : {}),
    };
    for (const l of this.refusalListeners) {
      try {
        l(refusal);
      } catch (err) {
        this.o.log.error({ err }, 'store-refusal listener failed');
      }
    }
  }

  private updateGauges(): void {
    const s = this.o.spool.stats();
    this.o.metrics.spoolDepthBytes.set(s.depthBytes);
    this.o.metrics.spoolDepthRecords.set(s.depthRecords);
  }

  /** Wait before retrying a batch the store failed to take, ms (doubles up to 5 s). */
  private backoff = 100;

  private async drain(): Promise<void> {
    while (this.running) {
      await this.o.spool.wait(1000);
      if (!this.running) break;
      if (this.o.flushMs && this.o.spool.stats().depthRecords < this.o.batchSize) {
        await new Promise((r) => setTimeout(r, this.o.flushMs));
      }
      const taken = await this.o.spool.take(this.o.batchSize);
      if (taken.count === 0) continue;
      this.busy = true;
      try {
        await this.store(taken);
      } finally {
        this.busy = false;
      }
    }
  }

  private get listening(): boolean {
    return this.listeners.length > 0;
  }

  /** Hands the samples and events of a batch's unheard records to the listeners. */
  private tell(samples: readonly Sample[], events: readonly DeviceEvent[], end: Position): void {
    this.o.spool.markHeard(end);
    if (samples.length === 0 && events.length === 0) return;
    this.o.metrics.samplesHeard.inc(samples.length);
    for (const l of this.listeners) {
      try {
        if (samples.length) l.samples?.(samples);
        if (events.length) l.events?.(events);
      } catch (err) {
        this.o.log.error({ err }, 'durable-sample listener failed');
      }
    }
  }

  /**
   * While the store is down, for `ms` (the retry's backoff): hands the listeners what the spool
   * takes meanwhile, as soon as it is written, reading ahead of the batch the store refused.
   */
  private async hearAhead(ms: number): Promise<void> {
    const until = Date.now() + ms;
    if (!this.listening) {
      await new Promise((r) => setTimeout(r, ms));
      return;
    }
    for (let left = ms; left > 0 && this.running; left = until - Date.now()) {
      await this.o.spool.waitUnheard(left);
      if (!this.running) return;
      const t = await this.o.spool.takeUnheard(this.o.batchSize);
      if (t.count === 0) continue;
      const b = readBatch(recordBodies(t), undefined, 0);
      this.tell(b.heard, b.heardEvents, t.end);
    }
  }

  /**
   * Writes a batch taken from the spool, bisecting it when the store refuses it for good, and
   * commits it once stored. Returns after a transient failure's backoff without committing: the
   * same records are taken again.
   */
  private async store(taken: Taken): Promise<void> {
    // Telemetry spooled with the store's encoding goes to the store as those bytes; samples
    // are decoded only for listeners (diagnostics), from the records they have not heard (all
    // of them, unless the store was down), and for records without the encoding.
    const bodies = recordBodies(taken);
    const unheard = this.listening ? this.o.spool.unheardCount(taken) : 0;
    const batch = readBatch(bodies, this.o.store.encoding?.id, bodies.length - unheard);
    this.tell(batch.heard, batch.heardEvents, taken.end);
    let stored: Batch[] = [batch];
    let refused: RefusedRecord[] = [];
    const end = this.o.metrics.storeWriteSeconds.startTimer();
    try {
      try {
        await writeBatch(this.o.store, batch);
      } catch (err) {
        if (!isPermanent(err)) throw err;
        this.o.metrics.storeWriteErrors.inc();
        // Refused for good: only the records the store refuses are, not the whole batch.
        ({ stored, refused } = await writeBisecting(this.o.store, bodies, err as Error));
      }
      end();
    } catch (err) {
      this.o.metrics.storeWriteErrors.inc();
      if (this.storeUp)
        this.o.log.error(
          { err: (err as Error).message, store: this.o.store.name },
          'telemetry store write failed: spooling until it is back',
        );
      this.storeUp = false;
      this.releaseCaughtUp();
      this.o.metrics.storeUp.set(0);
      await this.hearAhead(this.backoff);
      this.backoff = Math.min(this.backoff * 2, 5000);
      return;
    }
    for (const r of refused) await this.deadLetter(r);
    if (!this.storeUp)
      this.o.log.info(
        { store: this.o.store.name, spooled: this.o.spool.stats().depthRecords },
        'telemetry store is back: replaying the spool',
      );
    this.storeUp = true;
    this.o.metrics.storeUp.set(1);
    this.backoff = 100;
    await this.o.spool.commit(taken);
    this.releaseCaughtUp();
    for (const b of stored) {
      this.o.metrics.samplesStored.inc(b.items - b.events.length);
      this.o.metrics.eventsStored.inc(b.events.length);
    }
    this.updateGauges();
  }
}
