import { HttpError, InfluxDB, Point } from '@influxdata/influxdb-client';
import { z } from 'zod';
import { CategorySchema, type DeviceEvent, type Sample } from '../../core/index.ts';
import type {
  EventQuery,
  LatestValues,
  Point as TsPoint,
  TelemetryQuery,
  TelemetryStore,
} from '../telemetry-store.ts';
import { eventsFlux, latestFlux, rfc3339ToMs, telemetryFlux } from './influx-flux.ts';
import {
  InfluxErrors,
  eventPoint,
  metricName,
  samplePoint,
  type InfluxPoint,
} from './influx-schema.ts';

/** How to reach an InfluxDB 2.x (or 3.x, for writes) server: token auth, org and bucket. */
export interface Influx2StoreOptions {
  /** e.g. `http://127.0.0.1:8086`. */
  url: string;
  token: string;
  org: string;
  bucket: string;
  /** Called with the number of points the server dropped as older than the bucket's retention. */
  onExpired?: (points: number) => void;
  /** Per HTTP request, ms. Default 30 000. */
  timeoutMs?: number;
}

const OptionsSchema = z.object({
  url: z.url({ protocol: /^https?$/ }),
  token: z.string().min(1),
  org: z.string().min(1),
  bucket: z.string().min(1),
  timeoutMs: z.number().int().positive().optional(),
});

/** Lines per HTTP write, as for 1.x. */
const CHUNK = 5000;

const Row = z.record(z.string(), z.unknown());
const EventRow = z.object({
  _time: z.string(),
  code: z.string(),
  category: CategorySchema,
  model: z.string().nullish(),
  severity: z.enum(['info', 'warning', 'error', 'critical']),
  detail: z.string().nullish(),
});

function toClientPoint(p: InfluxPoint): Point {
  const point = new Point(p.measurement).timestamp(p.ts);
  for (const [k, v] of Object.entries(p.tags)) point.tag(k, v);
  // floatField writes String(n), never the `i` suffix: metrics are always float fields.
  for (const [k, v] of Object.entries(p.fields)) {
    if (typeof v === 'number') point.floatField(k, v);
    else point.stringField(k, v);
  }
  return point;
}

/**
 * A TelemetryStore on InfluxDB 2.x through `@influxdata/influxdb-client`: writes with the
 * WriteApi (line protocol, ms precision), reads with Flux. Same schema as the 1.x backend
 * (influx-schema.ts); retention is the bucket's, set when the bucket is created (docs/influxdb.md).
 */
export function createInflux2Store(opts: Influx2StoreOptions): TelemetryStore {
  const o = OptionsSchema.parse(opts);
  const influx = new InfluxDB({ url: o.url, token: o.token, timeout: o.timeoutMs ?? 30_000 });
  const queryApi = influx.getQueryApi(o.org);

  const writeChunk = async (points: readonly InfluxPoint[]): Promise<void> => {
    // A WriteApi of its own per chunk, sized so it never flushes on its own (its background
    // flushes swallow errors) and without retries: close() then resolves exactly when the server
    // accepted the lines and rejects otherwise, and the ingest spool owns retrying.
    const api = influx.getWriteApi(o.org, o.bucket, 'ms', {
      batchSize: points.length + 1,
      maxBatchBytes: Number.MAX_SAFE_INTEGER,
      flushInterval: 0,
      maxRetries: 0,
      // Returning a promise hands the failure to close() instead of the client's console logger.
      writeFailed: (error: Error) => Promise.reject(error),
    });
    api.writePoints(points.map(toClientPoint));
    try {
      await api.close();
    } catch (err) {
      handleWriteError(err);
    }
  };

  const handleWriteError = (err: unknown): void => {
    const msg = err instanceof Error ? err.message : String(err);
    if (!(err instanceof HttpError) || err.statusCode === 429 || err.statusCode >= 500) {
      throw new InfluxErrors.Unavailable(o.url, msg);
    }
    // Points older than the bucket's retention are deleted by policy anyway (see influx1.ts).
    const expired = /points beyond retention policy dropped=(\d+)/.exec(`${msg} ${err.body ?? ''}`);
    if (expired && err.statusCode === 422) {
      opts.onExpired?.(Number(expired[1]));
      return;
    }
    throw new InfluxErrors.Rejected(`${err.statusCode} ${err.body ?? msg}`);
  };

  const write = async (points: InfluxPoint[]): Promise<void> => {
    for (let i = 0; i < points.length; i += CHUNK) await writeChunk(points.slice(i, i + CHUNK));
  };

  const rows = async (q: Parameters<typeof queryApi.collectRows>[0]) => {
    let out: unknown[];
    try {
      out = await queryApi.collectRows<unknown>(q);
    } catch (err) {
      // As for writes: unreachable or 5xx is "unavailable" (503 in the API), a 4xx keeps its error.
      if (err instanceof HttpError && err.statusCode < 500 && err.statusCode !== 429) throw err;
      throw new InfluxErrors.Unavailable(o.url, err instanceof Error ? err.message : String(err));
    }
    return out.map((r) => Row.parse(r));
  };

  return {
    name: 'influxdb2',

    async init() {
      // The bucket and its retention are created by the operator (`influx bucket create`), as a
      // token for writing usually cannot create buckets; init only checks the server answers.
      await this.ping();
    },

    async write(samples: readonly Sample[]) {
      await write(samples.map(samplePoint));
    },

    async writeEvents(events: readonly DeviceEvent[]) {
      await write(events.map(eventPoint));
    },

    async query(q: TelemetryQuery): Promise<TsPoint[]> {
      const every = q.every;
      return (await rows(telemetryFlux(o.bucket, q))).flatMap((r) => {
        if (typeof r._time !== 'string' || typeof r._value !== 'number') return [];
        let ts = rfc3339ToMs(r._time);
        if (every !== undefined) ts = Math.floor(ts / every) * every; // undo range clipping
        return [{ ts, value: r._value }];
      });
    },

    async latest(deviceId: string): Promise<LatestValues> {
      const out: LatestValues = {};
      for (const r of await rows(latestFlux(o.bucket, deviceId))) {
        if (
          typeof r._field !== 'string' ||
          typeof r._time !== 'string' ||
          typeof r._value !== 'number'
        )
          continue;
        const m = metricName(r._field);
        const ts = rfc3339ToMs(r._time);
        // One row per series: a device whose model tag changed has two; the newer one wins.
        if (!out[m] || out[m].ts < ts) out[m] = { ts, value: r._value };
      }
      return out;
    },

    async events(q: EventQuery): Promise<DeviceEvent[]> {
      return (await rows(eventsFlux(o.bucket, q))).map((raw) => {
        const r = EventRow.parse(raw);
        const e: DeviceEvent = {
          deviceId: q.deviceId,
          category: r.category,
          model: r.model ?? '',
          ts: rfc3339ToMs(r._time),
          code: r.code,
          severity: r.severity,
        };
        // Annotated CSV cannot tell a null from an empty string: an absent detail reads as ''.
        if (r.detail) e.detail = r.detail;
        return e;
      });
    },

    async ping() {
      // /ping answers 204 on InfluxDB 1.8+, 2.x and 3.x without credentials.
      let res: Response;
      try {
        res = await fetch(`${o.url.replace(/\/$/, '')}/ping`, {
          signal: AbortSignal.timeout(5000),
        });
      } catch (err) {
        throw new InfluxErrors.Unavailable(o.url, err instanceof Error ? err.message : String(err));
      }
      await res.body?.cancel();
      if (!res.ok) throw new InfluxErrors.Unavailable(o.url, `/ping answered ${res.status}`);
    },

    async close() {
      // Nothing is held open: each write closes its own WriteApi.
    },
  };
}
