import { randomUUID } from 'node:crypto';
import {
  type Sql,
  ownedDeviceSql,
  type Category,
  generateSecret,
  hashSecret,
  VerifiedSecrets,
  verifySecret,
} from '../core/index.ts';
import { RegistryErrors } from './errors.ts';

export interface Device {
  id: string;
  category: Category;
  model: string;
  serial: string;
  disabled: boolean;
  online: boolean;
  createdAt: string;
  lastSeenAt: string | null;
}

export interface DeviceFilter {
  category?: Category;
  model?: string;
  serial?: string;
  online?: boolean;
  /** Only the devices of this manufacturer (core/tenant.ts: linked to one of its warranty units). */
  manufacturer?: string;
  limit: number;
  offset: number;
}

/** What provisioning needs to know of a device. */
export interface DeviceSpec {
  category: Category;
  model: string;
  serial: string;
}

/** What a connect needs of its device (the broker's identity of it). */
export type AuthDevice = Pick<Device, 'id' | 'category' | 'model'>;

export type AuthResult =
  { ok: true; device: AuthDevice } | { ok: false; reason: 'unknown' | 'bad_secret' | 'disabled' };

/** The registry of provisioned devices and their MQTT credentials. */
export interface DeviceRegistry {
  provision(input: DeviceSpec): Promise<{ device: Device; secret: string }>;
  /**
   * Provisions many devices in one statement: the new ones with their secrets, and those whose
   * (category, model, serial) already existed (untouched: rotate their secret to get one).
   */
  provisionMany(
    inputs: readonly DeviceSpec[],
  ): Promise<{ created: Array<{ device: Device; secret: string }>; existing: Device[] }>;
  get(id: string): Promise<Device | undefined>;
  list(filter: DeviceFilter): Promise<{ devices: Device[]; total: number }>;
  setDisabled(id: string, disabled: boolean): Promise<Device>;
  rotateSecret(id: string): Promise<{ device: Device; secret: string }>;
  authenticate(id: string, secret: string): Promise<AuthResult>;
  markOnline(id: string, online: boolean, at: Date): Promise<void>;
  /**
   * Tells of each device disabled, enabled or given a new secret here, once the change is
   * written: in a cluster, the other nodes' caches of verified secrets must drop it (broker/cluster.ts).
   * Returns the function that stops telling.
   */
  onCredentialsChanged(listener: (id: string) => void): () => void;
  /**
   * Drops a device's verified secret (another node changed its credentials), or every one when
   * no id is given (changes may have gone unheard).
   */
  forgetVerified(id?: string): void;
}

interface Row {
  id: string;
  category: string;
  model: string;
  serial: string;
  disabled: boolean;
  online: boolean;
  created_at: Date | string;
  last_seen_at: Date | string | null;
  secret_hash?: string;
}

const toDevice = (r: Row): Device => ({
  id: r.id,
  category: r.category as Category,
  model: r.model,
  serial: r.serial,
  disabled: r.disabled,
  online: r.online,
  createdAt: new Date(r.created_at).toISOString(),
  lastSeenAt: r.last_seen_at === null ? null : new Date(r.last_seen_at).toISOString(),
});

const COLS = 'id, category, model, serial, disabled, online, created_at, last_seen_at';

/**
 * Categories and models as one string each, however many devices share them: every row read
 * brings its own copies, and the cache of verified secrets holds one device per device a node
 * has seen (issue 22: memory per connection). Bounded: beyond INTERNED distinct values they are
 * kept as they come.
 */
const INTERNED = 10_000;
const interned = new Map<string, string>();
function intern(s: string): string {
  const known = interned.get(s);
  if (known !== undefined) return known;
  if (interned.size < INTERNED) interned.set(s, s);
  return s;
}
/** The part of a device the cache of verified secrets keeps: ~60 B, not the whole row's ~400. */
const authDevice = (d: { id: string; category: string; model: string }): AuthDevice => ({
  id: d.id,
  category: intern(d.category) as Category,
  model: intern(d.model),
});

/**
 * Least time between two UPDATEs of online marks: a lone mark is written at once, marks that
 * come while the last UPDATE is recent share the next one.
 */
const ONLINE_SPACING_MS = 50;

/**
 * Connect storms (a fleet starting, or reconnecting after a broker restart) make thousands of
 * identical one-row statements; on PGlite each is a round through one WebAssembly PostgreSQL
 * (~1 ms here) and each UPDATE a commit. Reads asked for while one is queued or running share
 * the next statement, so the batch grows with the backlog and costs no latency when idle.
 */
function batchedReads(sql: Sql): (id: string) => Promise<Row | undefined> {
  type Waiter = { ok(r: Row | undefined): void; fail(e: unknown): void };
  let pending = new Map<string, Waiter[]>();
  let running = false;
  const drain = async () => {
    await new Promise(setImmediate); // gather this turn of the event loop
    while (pending.size > 0) {
      const batch = pending;
      pending = new Map();
      try {
        const { rows } = await sql.query<Row>(
          `SELECT ${COLS}, secret_hash FROM devices WHERE id = ANY($1::text[])`,
          [[...batch.keys()]],
        );
        const byId = new Map(rows.map((r) => [r.id, r]));
        for (const [id, waiters] of batch) for (const w of waiters) w.ok(byId.get(id));
      } catch (err) {
        for (const waiters of batch.values()) for (const w of waiters) w.fail(err);
      }
    }
    running = false;
  };
  return (id) =>
    new Promise((ok, fail) => {
      const waiters = pending.get(id);
      if (waiters) waiters.push({ ok, fail });
      else pending.set(id, [{ ok, fail }]);
      if (!running) {
        running = true;
        void drain();
      }
    });
}

/**
 * Online marks in one UPDATE at most every `ONLINE_SPACING_MS`; one UPDATE at a time, so a
 * later mark of a device is never overwritten by an earlier one, and within a batch its last
 * mark wins.
 */
function batchedOnlineMarks(sql: Sql): (id: string, online: boolean, at: Date) => Promise<void> {
  let pending = new Map<string, { online: boolean; at: Date }>();
  let waiters: Array<{ ok(): void; fail(e: unknown): void }> = [];
  let running = false;
  let lastStart = -Infinity;
  const drain = async () => {
    while (pending.size > 0) {
      const wait = lastStart + ONLINE_SPACING_MS - performance.now();
      await new Promise((r) => (wait > 0 ? setTimeout(r, wait) : setImmediate(r)));
      lastStart = performance.now();
      const batch = [...pending];
      const settle = waiters;
      pending = new Map();
      waiters = [];
      try {
        await sql.query(
          `UPDATE devices d SET online = v.online, last_seen_at = v.at
           FROM unnest($1::text[], $2::boolean[], $3::timestamptz[]) AS v(id, online, at)
           WHERE d.id = v.id`,
          [
            batch.map(([id]) => id),
            batch.map(([, m]) => m.online),
            batch.map(([, m]) => m.at.toISOString()),
          ],
        );
        for (const w of settle) w.ok();
      } catch (err) {
        for (const w of settle) w.fail(err);
      }
    }
    running = false;
  };
  return (id, online, at) =>
    new Promise((ok, fail) => {
      pending.set(id, { online, at }); // a device's last mark in a batch wins
      waiters.push({ ok, fail });
      if (!running) {
        running = true;
        void drain();
      }
    });
}

/** Short ids fit MQTT 3.1's 23-character client-id limit [MQTT-3.1.3-5]. */
const newDeviceId = () => `d${randomUUID().replace(/-/g, '').slice(0, 20)}`;

/** The form of every device id (newDeviceId): `d` and 20 lowercase hex digits. */
const DEVICE_ID_FORM = /^d[0-9a-f]{20}$/;

/**
 * Whether `id` has the form of a device id. MQTT client ids of this form are reserved for the
 * devices themselves (broker/authenticate.ts), whether such a device exists yet or not.
 */
export function isDeviceIdForm(id: string): boolean {
  return DEVICE_ID_FORM.test(id);
}

/**
 * SQL-backed registry. Secrets are stored as scrypt hashes. A secret verified (or issued) here
 * is remembered in a bounded in-memory cache (`VerifiedSecrets`: an HMAC of the secret and the
 * device), so a reconnect costs neither scrypt nor a database read. This registry is the only
 * writer of `secret_hash` and `disabled` (nothing else updates `devices`), and both writers,
 * `setDisabled` and `rotateSecret`, drop the device from the cache: a disabled device or an old
 * secret is refused at its next connect. Other processes (a cluster's other nodes) hear of it
 * through `onCredentialsChanged` and call `forgetVerified`.
 */
export function createDeviceRegistry(
  sql: Sql,
  opts: { verifiedCacheSize?: number } = {},
): DeviceRegistry {
  const verified = new VerifiedSecrets<AuthDevice>(opts.verifiedCacheSize);
  const changeListeners = new Set<(id: string) => void>();
  const changed = (id: string) => {
    for (const l of changeListeners) l(id);
  };
  const readForAuth = batchedReads(sql);
  const markOnline = batchedOnlineMarks(sql);

  async function mustGet(id: string): Promise<Device> {
    const d = await registry.get(id);
    if (!d) throw new RegistryErrors.UnknownDevice(id);
    return d;
  }

  const registry: DeviceRegistry = {
    async provision({ category, model, serial }) {
      const secret = generateSecret();
      const id = newDeviceId();
      const since = verified.generation;
      const { rows } = await sql.query<Row>(
        `INSERT INTO devices (id, category, model, serial, secret_hash) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (category, model, serial) DO NOTHING RETURNING ${COLS}`,
        [id, category, model, serial, await hashSecret(secret)],
      );
      if (!rows[0]) throw new RegistryErrors.DeviceExists(serial, model);
      const device = toDevice(rows[0]);
      verified.remember(device.id, secret, authDevice(device), since); // its first connect needs no scrypt either
      return { device, secret };
    },
    async provisionMany(inputs) {
      if (inputs.length === 0) return { created: [], existing: [] };
      // scrypt runs in libuv's thread pool: hashing the whole batch at once uses every core.
      const fresh = await Promise.all(
        inputs.map(async (d) => {
          const secret = generateSecret();
          return { ...d, id: newDeviceId(), secret, hash: await hashSecret(secret) };
        }),
      );
      const since = verified.generation;
      const col = (k: 'id' | 'category' | 'model' | 'serial' | 'hash') => fresh.map((f) => f[k]);
      const { rows } = await sql.query<Row>(
        `INSERT INTO devices (id, category, model, serial, secret_hash)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
         ON CONFLICT (category, model, serial) DO NOTHING RETURNING ${COLS}`,
        [col('id'), col('category'), col('model'), col('serial'), col('hash')],
      );
      const byId = new Map(fresh.map((f) => [f.id, f]));
      const created = rows.map((r) => {
        const device = toDevice(r);
        const secret = byId.get(r.id)!.secret;
        verified.remember(device.id, secret, authDevice(device), since);
        return { device, secret };
      });
      const inserted = new Set(rows.map((r) => r.id));
      const missing = fresh.filter((f) => !inserted.has(f.id));
      const existing = missing.length
        ? (
            await sql.query<Row>(
              `SELECT ${COLS} FROM devices d
               WHERE (d.category, d.model, d.serial) IN
                 (SELECT * FROM unnest($1::text[], $2::text[], $3::text[]))`,
              [
                missing.map((f) => f.category),
                missing.map((f) => f.model),
                missing.map((f) => f.serial),
              ],
            )
          ).rows.map(toDevice)
        : [];
      return { created, existing };
    },
    async get(id) {
      const { rows } = await sql.query<Row>(`SELECT ${COLS} FROM devices WHERE id = $1`, [id]);
      return rows[0] ? toDevice(rows[0]) : undefined;
    },
    async list(f) {
      const where: string[] = [];
      const params: unknown[] = [];
      const add = (cond: string, v: unknown) => {
        params.push(v);
        where.push(cond.replace('?', `$${params.length}`));
      };
      if (f.category) add('category = ?', f.category);
      if (f.model) add('model = ?', f.model);
      if (f.serial) add('serial = ?', f.serial);
      if (f.online !== undefined) add('online = ?', f.online);
      if (f.manufacturer !== undefined) {
        params.push(f.manufacturer);
        where.push(ownedDeviceSql('id', params.length));
      }
      const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
      const total =
        (await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM devices ${w}`, params))
          .rows[0]?.n ?? 0;
      const { rows } = await sql.query<Row>(
        `SELECT ${COLS} FROM devices ${w} ORDER BY created_at, id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
        [...params, f.limit, f.offset],
      );
      return { devices: rows.map(toDevice), total };
    },
    async setDisabled(id, disabled) {
      verified.forget(id);
      const { rows } = await sql.query<Row>(
        `UPDATE devices SET disabled = $2 WHERE id = $1 RETURNING ${COLS}`,
        [id, disabled],
      );
      verified.forget(id); // again: a check may have read the row before this update
      if (!rows[0]) throw new RegistryErrors.UnknownDevice(id);
      changed(id);
      return toDevice(rows[0]);
    },
    async rotateSecret(id) {
      await mustGet(id);
      const secret = generateSecret();
      verified.forget(id);
      const { rows } = await sql.query<Row>(
        `UPDATE devices SET secret_hash = $2 WHERE id = $1 RETURNING ${COLS}`,
        [id, await hashSecret(secret)],
      );
      verified.forget(id);
      changed(id);
      return { device: toDevice(rows[0]!), secret };
    },
    async authenticate(id, secret) {
      const cached = verified.get(id, secret);
      if (cached) return { ok: true, device: cached };
      const since = verified.generation;
      const r = await readForAuth(id);
      if (!r?.secret_hash) return { ok: false, reason: 'unknown' };
      if (!(await verifySecret(secret, r.secret_hash))) return { ok: false, reason: 'bad_secret' };
      if (r.disabled) return { ok: false, reason: 'disabled' };
      const device = authDevice(r);
      verified.remember(device.id, secret, device, since);
      return { ok: true, device };
    },
    markOnline,
    onCredentialsChanged(listener) {
      changeListeners.add(listener);
      return () => void changeListeners.delete(listener);
    },
    forgetVerified: (id) => (id === undefined ? verified.forgetAll() : verified.forget(id)),
  };
  return registry;
}
