import type { Sql } from '../../core/index.ts';
import type { AlertCandidate, Verdict } from '../types.ts';
import type {
  ClaimedState,
  DetectorStateStore,
  DeviceSnapshot,
  SavedHealthState,
} from '../state-store.ts';

interface Row {
  device_id: string;
  owner: string;
  category: string;
  model: string;
  fingerprint: string;
  last_ts: number;
  numbers: Uint8Array;
  open: unknown;
  anomaly: unknown;
  was: string;
  silent_ms?: number;
}

// Candidates and verdicts carry NaN (a missing reading) and Infinity (an unbounded band), which
// JSON has not: they are kept as {"$n": "NaN" | "Infinity" | "-Infinity"} and read back.
const encode = (v: unknown) =>
  JSON.stringify(v, (_k, x: unknown) =>
    typeof x === 'number' && !Number.isFinite(x) ? { $n: String(x) } : x,
  );
const revive = (_k: string, x: unknown) =>
  x !== null && typeof x === 'object' && '$n' in x && Object.keys(x).length === 1
    ? Number((x as { $n: string }).$n)
    : x;
const decode = <T>(v: unknown): T => {
  const text = typeof v === 'string' ? v : JSON.stringify(v);
  // The reviver runs once per value: most states have no candidate, or none without NaN.
  return JSON.parse(text, text.includes('"$n"') ? revive : undefined) as T;
};

/** Float64Array ↔ bytea (a copy: the row's bytes need not be 8-byte aligned). */
const toBytes = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
const toNumbers = (b: Uint8Array) => {
  const copy = new Uint8Array(b.byteLength);
  copy.set(b);
  return new Float64Array(copy.buffer, 0, Math.floor(b.byteLength / 8));
};

function toSnapshot(r: Row): DeviceSnapshot {
  return {
    deviceId: r.device_id,
    category: r.category,
    model: r.model,
    fingerprint: r.fingerprint,
    lastTs: Number(r.last_ts),
    numbers: toNumbers(r.numbers),
    open: decode<AlertCandidate[]>(r.open),
    anomaly: r.anomaly === null ? null : decode<Verdict>(r.anomaly),
  };
}

/** Ids per statement of `healthStates`: one array parameter, a few hundred KB of rows back. */
const HEALTH_BATCH = 5_000;

/**
 * DetectorStateStore on the `Sql` interface (PGlite or PostgreSQL), tables of migrations 205
 * and 206.
 */
export function createSqlDetectorStateStore(sql: Sql): DetectorStateStore {
  /** Claimed rows with the modes that have an active alert now, per device. */
  async function withActiveModes(rows: Row[]): Promise<ClaimedState[]> {
    const { rows: active } = await sql.query<{ device_id: string; mode_id: string }>(
      `SELECT device_id, mode_id FROM alerts
        WHERE device_id = ANY($1::text[]) AND status IN ('open', 'acknowledged')`,
      [rows.map((r) => r.device_id)],
    );
    return rows.map((r) => ({
      snapshot: toSnapshot(r),
      previousOwner: r.was,
      activeModes: active.filter((a) => a.device_id === r.device_id).map((a) => a.mode_id),
      ...(r.silent_ms === undefined ? {} : { ownerSilentMs: Number(r.silent_ms) }),
    }));
  }
  return {
    async claim(deviceId, owner): Promise<ClaimedState | undefined> {
      const { rows } = await sql.query<Row>(
        `UPDATE diagnostics_detector_state s SET owner = $2
           FROM (SELECT owner AS was FROM diagnostics_detector_state
                  WHERE device_id = $1 FOR UPDATE) p
          WHERE s.device_id = $1 RETURNING s.*, p.was`,
        [deviceId, owner],
      );
      const r = rows[0];
      return r && (await withActiveModes([r]))[0];
    },
    async save(owner, states, at) {
      if (states.length === 0) return [];
      // One statement per batch: the rows as arrays, unnested. The numbers go as one bytea
      // (sent as binary, not as an array literal's hex) cut per row by start and length. A row
      // whose owner is another node is left alone (the WHERE of DO UPDATE) and so missing from
      // RETURNING.
      const cols = {
        id: [] as string[],
        category: [] as string[],
        model: [] as string[],
        fingerprint: [] as string[],
        lastTs: [] as number[],
        numbers: [] as Buffer[],
        start: [] as number[],
        length: [] as number[],
        open: [] as string[],
        anomaly: [] as Array<string | null>,
      };
      let offset = 0;
      for (const s of states) {
        cols.id.push(s.deviceId);
        cols.category.push(s.category);
        cols.model.push(s.model);
        cols.fingerprint.push(s.fingerprint);
        cols.lastTs.push(Number.isFinite(s.lastTs) ? s.lastTs : 0);
        const b = toBytes(s.numbers);
        cols.start.push(offset + 1);
        cols.length.push(b.byteLength);
        offset += b.byteLength;
        cols.numbers.push(b);
        cols.open.push(encode(s.open));
        cols.anomaly.push(s.anomaly ? encode(s.anomaly) : null);
      }
      const { rows } = await sql.query<{ device_id: string }>(
        `INSERT INTO diagnostics_detector_state AS s
           (device_id, owner, category, model, fingerprint, last_ts, numbers, open, anomaly, saved_at)
         SELECT u.id, $1, u.category, u.model, u.fingerprint, u.last_ts,
                substring($8::bytea from u.start for u.len), u.open::jsonb, u.anomaly::jsonb,
                $2::timestamptz
           FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::float8[], $11::int[],
                       $12::int[], $9::text[], $10::text[])
             AS u(id, category, model, fingerprint, last_ts, start, len, open, anomaly)
         ON CONFLICT (device_id) DO UPDATE SET category = excluded.category,
           model = excluded.model, fingerprint = excluded.fingerprint, last_ts = excluded.last_ts,
           numbers = excluded.numbers, open = excluded.open, anomaly = excluded.anomaly,
           saved_at = excluded.saved_at
         WHERE s.owner = excluded.owner
         RETURNING s.device_id`,
        [
          owner,
          new Date(at).toISOString(),
          cols.id,
          cols.category,
          cols.model,
          cols.fingerprint,
          cols.lastTs,
          Buffer.concat(cols.numbers),
          cols.open,
          cols.anomaly,
          cols.start,
          cols.length,
        ],
      );
      const saved = new Set(rows.map((r) => r.device_id));
      return states.map((s) => s.deviceId).filter((id) => !saved.has(id));
    },
    async peek(deviceId) {
      const { rows } = await sql.query<Row>(
        'SELECT *, owner AS was FROM diagnostics_detector_state WHERE device_id = $1',
        [deviceId],
      );
      return rows[0] && toSnapshot(rows[0]);
    },
    async healthStates(deviceIds) {
      const out: SavedHealthState[] = [];
      for (let i = 0; i < deviceIds.length; i += HEALTH_BATCH) {
        // Only the columns health reads; `open` as text, parsed once here (as jsonb the driver
        // would parse it into objects first). The primary key finds each row.
        const { rows } = await sql.query<Omit<Row, 'owner' | 'anomaly' | 'was'> & { at: number }>(
          `SELECT device_id, category, model, fingerprint, last_ts, numbers, open::text AS open,
                  (extract(epoch FROM saved_at) * 1000)::float8 AS at
             FROM diagnostics_detector_state WHERE device_id = ANY($1::text[])`,
          [deviceIds.slice(i, i + HEALTH_BATCH)],
        );
        for (const r of rows)
          out.push({
            snapshot: {
              deviceId: r.device_id,
              category: r.category,
              model: r.model,
              fingerprint: r.fingerprint,
              lastTs: Number(r.last_ts),
              numbers: toNumbers(r.numbers),
              open: r.open === '[]' ? [] : decode<AlertCandidate[]>(r.open),
              anomaly: null,
            },
            savedAt: Number(r.at),
          });
      }
      return out;
    },
    async ownerOf(deviceId) {
      const { rows } = await sql.query<{ owner: string }>(
        'SELECT owner FROM diagnostics_detector_state WHERE device_id = $1',
        [deviceId],
      );
      return rows[0]?.owner;
    },
    async beat(owner) {
      await sql.query(
        `INSERT INTO diagnostics_state_owners (owner, seen_at) VALUES ($1, now())
         ON CONFLICT (owner) DO UPDATE SET seen_at = now()`,
        [owner],
      );
    },
    async takeOver(owner, deadAfterMs, limit) {
      // Rows locked by another claim are skipped (the other node's), and a row claimed by a live
      // node since this statement began fails the join again once locked (PostgreSQL re-checks
      // an updated row): each state goes to one node.
      const { rows } = await sql.query<Row>(
        `WITH dead AS (
           SELECT s.device_id, s.owner AS was,
                  extract(epoch FROM now() - o.seen_at)::float8 * 1000 AS silent_ms
             FROM diagnostics_state_owners o
             JOIN diagnostics_detector_state s ON s.owner = o.owner
            WHERE o.seen_at < now() - $2::float8 * interval '1 millisecond' AND o.owner <> $1
            LIMIT $3
              FOR UPDATE OF s SKIP LOCKED)
         UPDATE diagnostics_detector_state s SET owner = $1 FROM dead
          WHERE s.device_id = dead.device_id RETURNING s.*, dead.was, dead.silent_ms`,
        [owner, deadAfterMs, limit],
      );
      if (rows.length < limit)
        // Owners dead for a day with nothing left go (one row per node start otherwise stays).
        await sql.query(
          `DELETE FROM diagnostics_state_owners o WHERE o.seen_at < now() - interval '1 day'
              AND NOT EXISTS (SELECT 1 FROM diagnostics_detector_state s WHERE s.owner = o.owner)`,
        );
      return rows.length ? withActiveModes(rows) : [];
    },
    async close() {},
  };
}
