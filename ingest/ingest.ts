import { appendFile } from 'node:fs/promises';
import type { FastifyBaseLogger } from 'fastify';
import type { Metrics } from '../app/metrics.ts';
import type { DeviceEvent, Sample } from './sample.ts';
import { Spool, SpoolFullError, type SpoolStats } from './spool.ts';
import { hotCounter } from './hot-counter.ts';
import { spoolHead } from './spool-codec.ts';
import type { TelemetryStore } from './telemetry-store.ts';
import {
  decodeEvents,
  decodeTelemetry,
  type DeviceContext,
  type Limits,
  type Rejection,
} from './validate.ts';

export type AcceptResult = { ok: true; items: number; unknownMetrics: string[] } | Rejection;

/** `admit`'s verdict; `durable` settles when the message is on disk (asked-for only). */
export type Admitted =
  { ok: true; items: number; unknownMetrics: string[]; durable?: Promise<void> } | Rejection;

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
 * Ingest: `accept` runs [decode, validate, normalise, spool] and resolves once the message is
 * durable (or refused); a drainer moves the spool into the telemetry store in batches and
 * retries with backoff while the store is down.
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

  constructor(private readonly o: IngestOptions) {
    this.now = o.now ?? Date.now;
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
   * [decode, validate, normalise, spool]: resolves once the message is durable, or refused.
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
   * The hot path under `accept`, synchronous up to the disk: decodes, validates and queues the
   * message for the spool, and returns the verdict at once. A refused message is not spooled.
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
    const decoded =
      kind === 'telemetry'
        ? decodeTelemetry(payload, dev, this.now(), this.o.limits)
        : decodeEvents(payload, dev, this.now(), this.o.limits);
    if (!decoded.ok) return decoded;
    const k = kind === 'telemetry' ? 's' : 'e';
    const head = spoolHead(k, dev);
    try {
      this.o.spool.enqueue(
        k === 's' ? { k, d: decoded.items as Sample[] } : { k, d: decoded.items as DeviceEvent[] },
        head.bytes,
        payload,
        head.crc,
      );
    } catch (err) {
      if (err instanceof SpoolFullError) this.spoolFull(err);
      throw err;
    }
    if (kind === 'telemetry') {
      this.samplesAccepted(decoded.items.length);
      if (decoded.unknownMetrics.length > 0)
        this.o.metrics.unknownMetrics.inc({ category: dev.category }, decoded.items.length);
    }
    // Gauges at most every 100 ms on the hot path; the drainer updates them after each batch.
    const t = Date.now();
    if (t - this.gaugesAt > 100) {
      this.gaugesAt = t;
      this.updateGauges();
    }
    return {
      ok: true,
      items: decoded.items.length,
      unknownMetrics: decoded.unknownMetrics,
      durable: durable ? this.o.spool.durable() : undefined,
    };
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
      if (taken.records.length === 0) continue;
      const samples: Sample[] = [];
      const events: DeviceEvent[] = [];
      for (const r of taken.records) {
        if (r.k === 's') samples.push(...r.d);
        else events.push(...r.d);
      }
      const end = this.o.metrics.storeWriteSeconds.startTimer();
      try {
        if (samples.length) await this.o.store.write(samples);
        if (events.length) await this.o.store.writeEvents(events);
        end();
      } catch (err) {
        this.o.metrics.storeWriteErrors.inc();
        if (isPermanent(err)) {
          await this.deadLetter(samples, events, err as Error);
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
      this.o.metrics.samplesStored.inc(samples.length);
      this.o.metrics.eventsStored.inc(events.length);
      this.updateGauges();
      for (const l of this.listeners) {
        try {
          if (samples.length) l.samples?.(samples);
          if (events.length) l.events?.(events);
        } catch (err) {
          this.o.log.error({ err }, 'stored-sample listener failed');
        }
      }
    }
  }
}
