import type { Sql, DeviceEvent, Sample } from '../../core/index.ts';
import type {
  EventQuery,
  LatestValues,
  Point,
  TelemetryQuery,
  TelemetryStore,
} from '../telemetry-store.ts';

/** Rows per INSERT statement: PostgreSQL allows 65,535 parameters; 4 per row. */
const ROWS_PER_INSERT = 4000;
/** Events per INSERT statement: 7 parameters each. */
const EVENTS_PER_INSERT = 4000;

/** Runs `fn` in one transaction when `several` statements make it up; else on `sql` itself. */
function inOne(sql: Sql, several: boolean, fn: (tx: Sql) => Promise<void>): Promise<void> {
  return several ? sql.transaction(fn) : fn(sql);
}

const AGG_SQL = {
  mean: 'avg(value)',
  min: 'min(value)',
  max: 'max(value)',
  count: 'count(*)',
} as const;

/**
 * Telemetry in the relational database (table `telemetry`, migration 002): the zero-setup
 * default on PGlite, and the choice on PostgreSQL when no InfluxDB is configured.
 */
export function createSqlTelemetryStore(sql: Sql): TelemetryStore {
  return {
    name: `sql:${sql.kind}`,
    async init() {
      // Tables come from migrations (ingest/migrations/002-telemetry.sql).
      await sql.query('SELECT 1 FROM telemetry LIMIT 0');
    },

    async write(samples: readonly Sample[]) {
      const rows: Array<[string, string, number, number]> = [];
      for (const s of samples) {
        for (const [metric, value] of Object.entries(s.metrics))
          rows.push([s.deviceId, metric, s.ts, value]);
      }
      // One transaction when it takes several statements: a write the database refuses leaves
      // nothing behind, so what ingest dead-letters is exactly what was not stored.
      await inOne(sql, rows.length > ROWS_PER_INSERT, async (tx) => {
        for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
          const chunk = dedupe(rows.slice(i, i + ROWS_PER_INSERT));
          const params: unknown[] = [];
          const values = chunk.map((r, j) => {
            params.push(...r);
            const b = j * 4;
            return `($${b + 1}, $${b + 2}, to_timestamp($${b + 3}::double precision / 1000), $${b + 4})`;
          });
          // A replayed sample overwrites itself with the same value: idempotent.
          await tx.query(
            `INSERT INTO telemetry (device_id, metric, ts, value) VALUES ${values.join(',')}
             ON CONFLICT (device_id, metric, ts) DO UPDATE SET value = EXCLUDED.value`,
            params,
          );
        }
      });
    },

    async writeEvents(events: readonly DeviceEvent[]) {
      // One statement per EVENTS_PER_INSERT events (each a message's events, at most 1,000, in
      // one), all in one transaction: refused, nothing of the write is left behind.
      await inOne(sql, events.length > EVENTS_PER_INSERT, async (tx) => {
        for (let i = 0; i < events.length; i += EVENTS_PER_INSERT) {
          const chunk = dedupeEvents(events.slice(i, i + EVENTS_PER_INSERT));
          const params: unknown[] = [];
          const values = chunk.map((e, j) => {
            params.push(
              e.deviceId,
              e.ts,
              e.code,
              e.category,
              e.model,
              e.severity,
              e.detail ?? null,
            );
            const b = j * 7;
            return `($${b + 1}, to_timestamp($${b + 2}::double precision / 1000), $${b + 3}, $${b + 4}, $${b + 5}, $${b + 6}, $${b + 7})`;
          });
          await tx.query(
            `INSERT INTO device_events (device_id, ts, code, category, model, severity, detail)
             VALUES ${values.join(',')}
             ON CONFLICT (device_id, ts, code) DO UPDATE SET severity = EXCLUDED.severity, detail = EXCLUDED.detail`,
            params,
          );
        }
      });
    },

    async query(q: TelemetryQuery): Promise<Point[]> {
      const range = [q.deviceId, q.metric, q.from, q.to, q.limit];
      const where = `device_id = $1 AND metric = $2
        AND ts >= to_timestamp($3::double precision / 1000) AND ts < to_timestamp($4::double precision / 1000)`;
      if (q.every && q.agg) {
        const { rows } = await sql.query<{ w: number; v: number }>(
          `SELECT (floor(extract(epoch from ts) * 1000 / $6) * $6)::float8 AS w, ${AGG_SQL[q.agg]}::float8 AS v
           FROM telemetry WHERE ${where} GROUP BY 1 ORDER BY 1 LIMIT $5`,
          [...range, q.every],
        );
        return rows.map((r) => ({ ts: Number(r.w), value: Number(r.v) }));
      }
      const { rows } = await sql.query<{ t: number; value: number }>(
        `SELECT round(extract(epoch from ts) * 1000)::float8 AS t, value FROM telemetry WHERE ${where} ORDER BY ts LIMIT $5`,
        range,
      );
      return rows.map((r) => ({ ts: Number(r.t), value: r.value }));
    },

    async latest(deviceId: string): Promise<LatestValues> {
      const { rows } = await sql.query<{ metric: string; t: number; value: number }>(
        `SELECT DISTINCT ON (metric) metric, round(extract(epoch from ts) * 1000)::float8 AS t, value
         FROM telemetry WHERE device_id = $1 ORDER BY metric, ts DESC`,
        [deviceId],
      );
      const out: LatestValues = {};
      for (const r of rows) out[r.metric] = { ts: Number(r.t), value: r.value };
      return out;
    },

    async events(q: EventQuery): Promise<DeviceEvent[]> {
      const { rows } = await sql.query<{
        device_id: string;
        t: number;
        code: string;
        category: string;
        model: string;
        severity: string;
        detail: string | null;
      }>(
        `SELECT device_id, round(extract(epoch from ts) * 1000)::float8 AS t, code, category, model, severity, detail
         FROM device_events WHERE device_id = $1
           AND ts >= to_timestamp($2::double precision / 1000) AND ts < to_timestamp($3::double precision / 1000)
         ORDER BY ts, code LIMIT $4`,
        [q.deviceId, q.from, q.to, q.limit],
      );
      return rows.map((r) => ({
        deviceId: r.device_id,
        category: r.category as DeviceEvent['category'],
        model: r.model,
        ts: Number(r.t),
        code: r.code,
        severity: r.severity as DeviceEvent['severity'],
        ...(r.detail === null ? {} : { detail: r.detail }),
      }));
    },

    async ping() {
      await sql.query('SELECT 1');
    },

    async close() {
      // The Sql connection belongs to the caller.
    },
  };
}

/** ON CONFLICT cannot touch one row twice in a statement: keep the last of duplicates. */
function dedupe(
  rows: Array<[string, string, number, number]>,
): Array<[string, string, number, number]> {
  const seen = new Map<string, [string, string, number, number]>();
  for (const r of rows) seen.set(`${r[0]}\u0000${r[1]}\u0000${r[2]}`, r);
  return seen.size === rows.length ? rows : [...seen.values()];
}

/** As dedupe, for events (device, ts, code): a replayed event is the same event. */
function dedupeEvents(events: readonly DeviceEvent[]): readonly DeviceEvent[] {
  const seen = new Map<string, DeviceEvent>();
  for (const e of events) seen.set(`${e.deviceId}\u0000${e.ts}\u0000${e.code}`, e);
  return seen.size === events.length ? events : [...seen.values()];
}
