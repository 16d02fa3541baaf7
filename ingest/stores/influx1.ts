import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { InfluxDB, type IPoint } from 'influx';
import { z } from 'zod';
import { CategorySchema, type DeviceEvent, type Sample } from '../../core/index.ts';
import type {
  EventQuery,
  LatestValues,
  Point,
  TelemetryQuery,
  TelemetryStore,
} from '../telemetry-store.ts';
import {
  AGG_FN,
  DurationSchema,
  ident,
  ms,
  num,
  rowsOf,
  source,
  str,
  type Row,
} from './influx-ql.ts';
import { ensureRetention, retentionNames, type Influx1Retention } from './influx1-admin.ts';
import {
  EVENTS,
  InfluxErrors,
  TELEMETRY,
  eventPoint,
  fieldKey,
  metricName,
  type InfluxPoint,
} from './influx-schema.ts';
import { ByteWriter } from '../byte-writer.ts';
import { LINE_PROTOCOL, LineEncoder, SampleLineEncoder, fillBody } from './influx-line.ts';

export type { Influx1Retention } from './influx1-admin.ts';

/** How to reach an InfluxDB 1.x server (HTTP API, InfluxQL). */
export interface Influx1StoreOptions {
  /** e.g. `http://127.0.0.1:8086`. */
  url: string;
  database: string;
  username?: string;
  password?: string;
  /**
   * Retention policy raw points (and events, unless `retention` is set) are written to and read
   * from. Unset: the database's default policy, or `raw` when `retention` is set.
   */
  retentionPolicy?: string;
  /** When set, init() creates the raw/rollup/events retention policies and the rollup CQ. */
  retention?: Influx1Retention;
  /** Called with the number of points InfluxDB dropped as older than the raw retention. */
  onExpired?: (points: number) => void;
  /** Per HTTP request, ms. Default 30 000. */
  requestTimeoutMs?: number;
}

const OptionsSchema = z.object({
  url: z.url({ protocol: /^https?$/ }),
  database: z.string().min(1),
  username: z.string().optional(),
  password: z.string().optional(),
  retentionPolicy: z.string().min(1).optional(),
  retention: z
    .object({
      raw: DurationSchema.optional(),
      rollup: DurationSchema.optional(),
      every: DurationSchema.optional(),
      resampleFor: DurationSchema.optional(),
    })
    .optional(),
  requestTimeoutMs: z.number().int().positive().optional(),
});

/** Points per HTTP write: InfluxDB's recommended 5 000–10 000 lines per request. */
const CHUNK = 5000;
/** Bytes per HTTP write of encoded telemetry: about CHUNK lines of a few metrics each. */
const CHUNK_BYTES = 1024 * 1024;

const EventRow = z.object({
  time: z.number(),
  code: z.string(),
  category: CategorySchema,
  model: z.string().nullish(),
  severity: z.enum(['info', 'warning', 'error', 'critical']),
  detail: z.string().nullish(),
});

/**
 * A TelemetryStore on InfluxDB 1.x through the `influx` package. Schema, retention and
 * downsampling: ingest/stores/influx-schema.ts and docs/influxdb.md.
 */
export function createInflux1Store(opts: Influx1StoreOptions): TelemetryStore {
  const o = OptionsSchema.parse(opts);
  const url = new URL(o.url);
  const db = o.database;
  const names = retentionNames(o.retentionPolicy, o.retention);
  const influx = new InfluxDB({
    hosts: [
      {
        host: url.hostname,
        port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
        protocol: url.protocol === 'https:' ? 'https' : 'http',
        path: url.pathname.replace(/\/$/, ''),
      },
    ],
    database: db,
    ...(o.username === undefined ? {} : { username: o.username, password: o.password ?? '' }),
    pool: {
      // No retries and no host back-off inside the client: a failed write must reject at once so
      // the ingest spool keeps the data and replays it, and the host must be usable again the
      // moment influxd is back (the default back-off keeps it disabled for up to 10 s).
      maxRetries: 0,
      backoff: {
        getDelay: () => 0,
        next() {
          return this;
        },
        reset() {
          return this;
        },
      },
      requestTimeout: o.requestTimeoutMs ?? 30_000,
    },
  });

  const query = async (statements: string[], post = false): Promise<Row[][]> => {
    let raw: unknown;
    try {
      raw = await influx.queryRaw(statements.join(';'), {
        precision: 'ms',
        database: db,
        ...(post ? { method: 'POST' as const } : {}),
      });
    } catch (err) {
      // A refused statement (4xx) keeps its message; an unreachable server becomes the coded
      // "unavailable" error, which the HTTP API renders as 503.
      const msg = err instanceof Error ? err.message : String(err);
      if (/^A 4\d\d /.test(msg)) throw err;
      throw new InfluxErrors.Unavailable(o.url, msg);
    }
    return rowsOf(raw);
  };

  const writePoints = async (points: InfluxPoint[], rp: string | undefined): Promise<void> => {
    for (let i = 0; i < points.length; i += CHUNK) {
      const chunk: IPoint[] = points.slice(i, i + CHUNK).map((p) => ({
        measurement: p.measurement,
        tags: p.tags,
        // The package writes a JS number as String(n): never with the `i` suffix, so always a
        // float field, and exactly (shortest round-trip form).
        fields: p.fields,
        timestamp: p.ts,
      }));
      try {
        await influx.writePoints(chunk, {
          precision: 'ms',
          database: db,
          ...(rp === undefined ? {} : { retentionPolicy: rp }),
        });
      } catch (err) {
        handleWriteError(err);
      }
    }
  };

  // Samples (the hot path) are encoded by SampleLineEncoder and POSTed over kept-alive
  // connections; events and queries go through the `influx` package.
  const https = url.protocol === 'https:';
  const agent = https ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
  const encoder = new SampleLineEncoder();
  const body = new ByteWriter(CHUNK_BYTES + 64 * 1024);
  const requestTimeout = o.requestTimeoutMs ?? 30_000;
  /** POST /write: fails like the package's writePoints (handleWriteError reads its texts). */
  const postLines = (body: string | Buffer, rp: string | undefined) =>
    new Promise<void>((resolve, reject) => {
      const q = new URLSearchParams({ db, precision: 'ms' });
      if (rp !== undefined) q.set('rp', rp);
      const req = (https ? httpsRequest : httpRequest)(
        {
          agent,
          hostname: url.hostname,
          port: Number(url.port || (https ? 443 : 80)),
          method: 'POST',
          path: `${url.pathname.replace(/\/$/, '')}/write?${q}`,
          headers: { 'content-length': Buffer.byteLength(body) },
          ...(o.username === undefined ? {} : { auth: `${o.username}:${o.password ?? ''}` }),
          timeout: requestTimeout,
        },
        (res) => {
          const status = res.statusCode ?? 0;
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            if (status >= 300) text += chunk;
          });
          res.on('error', reject);
          res.on('end', () => {
            if (status < 300) resolve();
            else if (status >= 500) reject(new Error(res.statusMessage));
            else reject(new Error(`A ${status} ${res.statusMessage} error occurred: ${text}`));
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error('Request timed out')));
      req.on('error', reject);
      req.end(body);
    });

  const writeSamples = async (samples: readonly Sample[], rp: string | undefined) => {
    // Every chunk is encoded before the first is sent: a bad name refuses the whole batch.
    const bodies: string[] = [];
    for (let i = 0; i < samples.length; i += CHUNK)
      bodies.push(encoder.encode(samples.slice(i, i + CHUNK)));
    await postAll(bodies, rp);
  };

  const postAll = async (bodies: ReadonlyArray<string | Buffer>, rp: string | undefined) => {
    for (const body of bodies) {
      try {
        await postLines(body, rp);
      } catch (err) {
        handleWriteError(err);
      }
    }
  };

  const handleWriteError = (err: unknown): void => {
    const msg = err instanceof Error ? err.message : String(err);
    if (!/^A 4\d\d /.test(msg)) throw new InfluxErrors.Unavailable(o.url, msg);
    // Points older than the retention policy are deleted by policy anyway; refusing the batch
    // would make the spool replay it forever. Any other partial write is a real refusal.
    const expired = /partial write: points beyond retention policy dropped=(\d+)/.exec(msg);
    if (expired && !/field type conflict|invalid|unable to parse/.test(msg)) {
      opts.onExpired?.(Number(expired[1]));
      return;
    }
    throw new InfluxErrors.Rejected(msg);
  };

  const telemetry = source(db, names.raw, TELEMETRY);
  const byDevice = (id: string) => `"device"::tag = ${str(id)}`;

  return {
    name: 'influxdb1',

    async init() {
      const dbs = await query(['SHOW DATABASES']);
      // CREATE DATABASE needs admin rights; skip it when an operator created the database.
      if (!(dbs[0] ?? []).some((r) => r.name === db))
        await query([`CREATE DATABASE ${ident(db)}`], true);
      if (o.retention) await ensureRetention((s) => query(s, true), db, names, o.retention);
    },

    async write(samples: readonly Sample[]) {
      if (samples.length > 0) await writeSamples(samples, names.raw);
    },

    encoding: {
      id: LINE_PROTOCOL,
      encoder: () => new LineEncoder(encoder),
      async write(encoded) {
        // One request body buffer, reused: the drainer writes one batch at a time.
        for (let i = 0; i < encoded.length;) {
          i = fillBody(body, encoded, i, CHUNK_BYTES);
          await postAll([body.buf.subarray(0, body.length)], names.raw);
        }
      },
    },

    async writeEvents(events: readonly DeviceEvent[]) {
      if (events.length > 0) await writePoints(events.map(eventPoint), names.events);
    },

    async query(q: TelemetryQuery): Promise<Point[]> {
      if (q.limit < 1) return []; // InfluxQL reads LIMIT 0 as "no limit"
      const field = `${ident(fieldKey(q.metric))}::field`;
      const where = `WHERE ${byDevice(q.deviceId)} AND time >= ${ms(q.from)} AND time < ${ms(q.to)}`;
      const limit = `LIMIT ${Math.max(0, Math.floor(q.limit))}`;
      let stmt: string;
      if (q.every !== undefined) {
        const fn = AGG_FN[q.agg ?? 'mean'];
        // InfluxQL windows start at multiples of the interval since the epoch (no offset), the
        // alignment the interface asks for; fill(none) leaves empty windows out.
        stmt = `SELECT ${fn}(${field}) AS "v" FROM ${telemetry} ${where} GROUP BY time(${ms(q.every)}) fill(none) ORDER BY time ASC ${limit}`;
      } else {
        stmt = `SELECT ${field} AS "v" FROM ${telemetry} ${where} ORDER BY time ASC ${limit}`;
      }
      const [rows = []] = await query([stmt]);
      return rows.flatMap((r) => {
        const ts = num(r.time);
        const value = num(r.v);
        return ts === undefined || value === undefined ? [] : [{ ts, value }];
      });
    },

    async latest(deviceId: string): Promise<LatestValues> {
      // LAST(*) gives each field's last value but not its time (several selectors in one
      // statement report time 0), so it only tells which fields this device has; one LAST per
      // field, sent in a single request, gives the times.
      const [[all] = []] = await query([
        `SELECT LAST(*) FROM ${telemetry} WHERE ${byDevice(deviceId)}`,
      ]);
      const keys = Object.keys(all ?? {})
        .filter((c) => c.startsWith('last_') && all?.[c] !== null)
        .map((c) => c.slice('last_'.length));
      if (keys.length === 0) return {};
      const results = await query(
        keys.map(
          (k) =>
            `SELECT LAST(${ident(k)}::field) AS "v" FROM ${telemetry} WHERE ${byDevice(deviceId)}`,
        ),
      );
      const out: LatestValues = {};
      keys.forEach((k, i) => {
        const row = results[i]?.[0];
        const ts = num(row?.time);
        const value = num(row?.v);
        if (ts !== undefined && value !== undefined) out[metricName(k)] = { ts, value };
      });
      return out;
    },

    async events(q: EventQuery): Promise<DeviceEvent[]> {
      if (q.limit < 1) return [];
      const src = source(db, names.events, EVENTS);
      const stmt =
        `SELECT "code"::tag, "category"::tag, "model"::tag, "severity"::field, "detail"::field FROM ${src} ` +
        `WHERE ${byDevice(q.deviceId)} AND time >= ${ms(q.from)} AND time < ${ms(q.to)} ORDER BY time ASC LIMIT ${Math.max(0, Math.floor(q.limit))}`;
      const [rows = []] = await query([stmt]);
      return rows
        .map((raw) => {
          const r = EventRow.parse(raw);
          const e: DeviceEvent = {
            deviceId: q.deviceId,
            category: r.category,
            model: r.model ?? '',
            ts: r.time,
            code: r.code,
            severity: r.severity,
          };
          if (r.detail !== null && r.detail !== undefined) e.detail = r.detail;
          return e;
        })
        .sort((a, b) => a.ts - b.ts || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
    },

    async ping() {
      const [host] = await influx.ping(5000);
      if (!host?.online) throw new InfluxErrors.Unavailable(o.url, 'no answer to /ping');
    },

    async close() {
      // The `influx` client keeps no sockets or timers open (no keep-alive agent, back-off off);
      // the sample writer's kept-alive connections are closed here.
      agent.destroy();
    },
  };
}
