import { randomUUID } from 'node:crypto';
import type { Sql } from '../app/db.ts';
import { ownedDeviceSql } from '../app/tenant.ts';
import type { Category } from '../ingest/categories.ts';
import { BrokerErrors } from './errors.ts';
import { generateSecret, hashSecret, sha256, verifySecret } from './secrets.ts';

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
  /** Only the devices of this manufacturer (app/tenant.ts: linked to one of its warranty units). */
  manufacturer?: string;
  limit: number;
  offset: number;
}

export type AuthResult =
  { ok: true; device: Device } | { ok: false; reason: 'unknown' | 'bad_secret' | 'disabled' };

/** The registry of provisioned devices and their MQTT credentials. */
export interface DeviceRegistry {
  provision(input: {
    category: Category;
    model: string;
    serial: string;
  }): Promise<{ device: Device; secret: string }>;
  get(id: string): Promise<Device | undefined>;
  list(filter: DeviceFilter): Promise<{ devices: Device[]; total: number }>;
  setDisabled(id: string, disabled: boolean): Promise<Device>;
  rotateSecret(id: string): Promise<{ device: Device; secret: string }>;
  authenticate(id: string, secret: string): Promise<AuthResult>;
  markOnline(id: string, online: boolean, at: Date): Promise<void>;
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
 * SQL-backed registry. Successful scrypt verifications are remembered in memory as a SHA-256
 * of the secret, so a reconnect storm of 10,000 devices costs 10,000 hashes, not 10,000
 * scrypt runs (each ~50 ms of CPU). `disabled` is read from the database on every connect.
 */
export function createDeviceRegistry(sql: Sql): DeviceRegistry {
  const verified = new Map<string, string>();

  async function mustGet(id: string): Promise<Device> {
    const d = await registry.get(id);
    if (!d) throw new BrokerErrors.UnknownDevice(id);
    return d;
  }

  const registry: DeviceRegistry = {
    async provision({ category, model, serial }) {
      const secret = generateSecret();
      // Short ids fit MQTT 3.1's 23-character client-id limit [MQTT-3.1.3-5].
      const id = `d${randomUUID().replace(/-/g, '').slice(0, 20)}`;
      const { rows } = await sql.query<Row>(
        `INSERT INTO devices (id, category, model, serial, secret_hash) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (category, model, serial) DO NOTHING RETURNING ${COLS}`,
        [id, category, model, serial, await hashSecret(secret)],
      );
      if (!rows[0]) throw new BrokerErrors.DeviceExists(serial, model);
      return { device: toDevice(rows[0]), secret };
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
      const { rows } = await sql.query<Row>(
        `UPDATE devices SET disabled = $2 WHERE id = $1 RETURNING ${COLS}`,
        [id, disabled],
      );
      if (!rows[0]) throw new BrokerErrors.UnknownDevice(id);
      return toDevice(rows[0]);
    },
    async rotateSecret(id) {
      await mustGet(id);
      const secret = generateSecret();
      const { rows } = await sql.query<Row>(
        `UPDATE devices SET secret_hash = $2 WHERE id = $1 RETURNING ${COLS}`,
        [id, await hashSecret(secret)],
      );
      return { device: toDevice(rows[0]!), secret };
    },
    async authenticate(id, secret) {
      const { rows } = await sql.query<Row>(
        `SELECT ${COLS}, secret_hash FROM devices WHERE id = $1`,
        [id],
      );
      const r = rows[0];
      if (!r) return { ok: false, reason: 'unknown' };
      // The cache entry is bound to the stored hash it was verified against, so a rotation
      // (new hash) invalidates it even if a verification was in flight meanwhile.
      const fast = `${sha256(secret)}|${r.secret_hash}`;
      const ok = verified.get(id) === fast || (await verifySecret(secret, r.secret_hash!));
      if (!ok) return { ok: false, reason: 'bad_secret' };
      if (r.disabled) return { ok: false, reason: 'disabled' };
      verified.set(id, fast);
      return { ok: true, device: toDevice(r) };
    },
    async markOnline(id, online, at) {
      await sql.query('UPDATE devices SET online = $2, last_seen_at = $3 WHERE id = $1', [
        id,
        online,
        at,
      ]);
    },
  };
  return registry;
}
