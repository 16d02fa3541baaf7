import { appendFile } from 'node:fs/promises';
import type { FastifyBaseLogger } from 'fastify';
import type { Metrics } from '../app/metrics.ts';
import type { DeviceEvent, Sample } from './sample.ts';
import { recordBodies, Spool, SpoolFullError, type SpoolStats } from './spool.ts';
import { hotCounter } from './hot-counter.ts';
import { ByteWriter } from './byte-writer.ts';
import {
  decodeSpoolBody,
  encodedPart,
  readRecordParts,
  spoolHead,
  writeTrailer,
} from './spool-codec.ts';
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
 * Store errors that retrying cannot fix (the store refused the data itself, e.g. a field type
 * another writer fixed differently). Anything else (connection refused, timeouts, 5xx) is
 * transient: the batch stays in the spool and is retried.
 */
const PERMANENT = new Set([
  'INGEST_ERR_INFLUX_BAD_NAME',
  'INGEST_ERR_INFLUX_BAD_VALUE',
  'INGEST_ERR_INFLUX_REJECTED',
]);
const isPermanent = (err: unknown) => {
  const code = (err as { code?: unknown }).code;
  // SQLSTATE class 22 (data exception) is the SQL equivalent.
  return typeof code === 'string' && (PERMANENT.has(code) || /^22[0-9A-Z]{3}$/.test(code));
};

/** Listeners get samples and events after they are stored, in spool order. */
export interface StoredListener {
  samples?(samples: readonly Sample[]): void;
  events?(events: readonly DeviceEvent[]): void;
}

/**
 * Ingest: `accept` runs [check, spool] and resolves once the message is durable (or refused);
 * a drainer reads the spool back, decodes it into samples and events and moves them into the
 * telemetry store in batches, retrying with backoff while the store is down.
 */
export class Ingest {
  private readonly listeners: StoredListener[] = [];
  private running = false;
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

  onStored(l: StoredListener): void {
    this.listeners.push(l);
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
  }

  /** Resolves when everything spooled so far is stored (tests, graceful shutdown). */
  async flushed(timeoutMs = 30_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const s = this.o.spool.stats();
      if (s.depthRecords === 0 && s.pendingRecords === 0) return;
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

  private async deadLetter(samples: Sample[], events: DeviceEvent[], err: Error): Promise<void> {
    this.o.metrics.deadLettered.inc(samples.length + events.length);
    this.o.log.error(
      {
        err: err.message,
        samples: samples.length,
        events: events.length,
        file: this.o.deadLetterFile,
      },
      'telemetry store refused a batch for good: kept in the dead-letter file, not retried',
    );
    const line = JSON.stringify({
      at: new Date(this.now()).toISOString(),
      error: err.message,
      samples,
      events,
    });
    await appendFile(this.o.deadLetterFile, `${line}\n`);
  }

  private updateGauges(): void {
    const s = this.o.spool.stats();
    this.o.metrics.spoolDepthBytes.set(s.depthBytes);
    this.o.metrics.spoolDepthRecords.set(s.depthRecords);
  }

  private async drain(): Promise<void> {
    let backoff = 100;
    while (this.running) {
      await this.o.spool.wait(1000);
      if (!this.running) break;
      if (this.o.flushMs && this.o.spool.stats().depthRecords < this.o.batchSize) {
        await new Promise((r) => setTimeout(r, this.o.flushMs));
      }
      const taken = await this.o.spool.take(this.o.batchSize);
      if (taken.count === 0) continue;
      // Telemetry spooled with the store's encoding goes to the store as those bytes; samples
      // are decoded only for listeners (diagnostics) and for records without the encoding.
      const encoding = this.o.store.encoding;
      const listening = this.listeners.some((l) => l.samples);
      const encoded: Buffer[] = [];
      let stored = 0;
      /** Samples the store gets through write(), and all samples, in spool order, for listeners. */
      const toWrite: Sample[] = [];
      const heard: Sample[] = [];
      const events: DeviceEvent[] = [];
      for (const body of recordBodies(taken)) {
        const parts = readRecordParts(body);
        const asEncoded =
          parts?.kind === 's' && parts.encoding !== 0 && parts.encoding === encoding?.id;
        if (asEncoded) {
          encoded.push(encodedPart(body, parts));
          stored += parts.items;
          if (!listening) continue;
        }
        const r = decodeSpoolBody(body, parts);
        if (r.k === 'e') {
          for (const x of r.d) events.push(x);
          continue;
        }
        for (const x of r.d) {
          if (listening) heard.push(x);
          if (!asEncoded) toWrite.push(x);
        }
      }
      stored += toWrite.length;
      const end = this.o.metrics.storeWriteSeconds.startTimer();
      try {
        if (encoded.length) await encoding!.write(encoded);
        if (toWrite.length) await this.o.store.write(toWrite);
        if (events.length) await this.o.store.writeEvents(events);
        end();
      } catch (err) {
        this.o.metrics.storeWriteErrors.inc();
        if (isPermanent(err)) {
          const lost: Sample[] = [];
          for (const b of recordBodies(taken)) {
            const r = decodeSpoolBody(b);
            if (r.k === 's') lost.push(...r.d);
          }
          await this.deadLetter(lost, events, err as Error);
          await this.o.spool.commit(taken);
          this.releaseCaughtUp();
          this.updateGauges();
          continue;
        }
        if (this.storeUp)
          this.o.log.error(
            { err: (err as Error).message, store: this.o.store.name },
            'telemetry store write failed: spooling until it is back',
          );
        this.storeUp = false;
        this.releaseCaughtUp();
        this.o.metrics.storeUp.set(0);
        await new Promise((r) => setTimeout(r, backoff));
        backoff = Math.min(backoff * 2, 5000);
        continue;
      }
      if (!this.storeUp)
        this.o.log.info(
          { store: this.o.store.name, spooled: this.o.spool.stats().depthRecords },
          'telemetry store is back: replaying the spool',
        );
      this.storeUp = true;
      this.o.metrics.storeUp.set(1);
      backoff = 100;
      await this.o.spool.commit(taken);
      this.releaseCaughtUp();
      this.o.metrics.samplesStored.inc(stored);
      this.o.metrics.eventsStored.inc(events.length);
      this.updateGauges();
      for (const l of this.listeners) {
        try {
          if (heard.length) l.samples?.(heard);
          if (events.length) l.events?.(events);
        } catch (err) {
          this.o.log.error({ err }, 'stored-sample listener failed');
        }
      }
    }
  }
}
