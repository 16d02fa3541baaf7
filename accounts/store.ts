import { randomBytes, randomUUID } from 'node:crypto';
import { generateSecret, sha256, type Role, type Sql } from '../core/index.ts';
import { AccountErrors } from './errors.ts';

/** A user account as the API shows it (never its password hash). */
export interface User {
  id: string;
  username: string;
  role: Role;
  subject: string | null;
  displayName: string | null;
  /** The outlets an engineer serves (migration 011); empty: not restricted to any. */
  outlets: string[];
  mustChangePassword: boolean;
  disabled: boolean;
  lockedUntil: string | null;
  createdAt: string;
}

interface UserRow {
  id: string;
  username: string;
  role: Role;
  subject: string | null;
  display_name: string | null;
  outlets: string[] | string;
  password_hash: string;
  must_change_password: boolean;
  failed_attempts: number;
  locked_until: Date | string | null;
  disabled_at: Date | string | null;
  created_at: Date | string;
}

const iso = (d: Date | string | null): string | null =>
  d === null ? null : new Date(d).toISOString();

function toUser(r: UserRow): User {
  return {
    id: r.id,
    username: r.username,
    role: r.role,
    subject: r.subject,
    displayName: r.display_name,
    outlets: typeof r.outlets === 'string' ? (JSON.parse(r.outlets) as string[]) : r.outlets,
    mustChangePassword: r.must_change_password,
    disabled: r.disabled_at !== null,
    lockedUntil: iso(r.locked_until),
    createdAt: iso(r.created_at)!,
  };
}

export interface UserWithSecret extends User {
  passwordHash: string;
}

/** A live session: its user, and the CSRF secret kept with it. */
export interface LiveSession {
  user: User;
  csrfSecret: string;
  /** The stored key (SHA-256 of the cookie value). */
  key: string;
  units: string[];
}

const USER_COLUMNS =
  'u.id, u.username, u.role, u.subject, u.display_name, u.outlets, u.password_hash, u.must_change_password, u.failed_attempts, u.locked_until, u.disabled_at, u.created_at';

/** Users, sessions and owners' linked units in PostgreSQL/PGlite (migration 010). */
export class AccountStore {
  constructor(private readonly sql: Sql) {}

  async createUser(input: {
    username: string;
    role: Role;
    subject: string | null;
    displayName: string | null;
    /** An engineer's outlets (default none). */
    outlets?: readonly string[];
    passwordHash: string;
    mustChangePassword: boolean;
    /** Derives the subject from the new id (an owner's own account). */
    subjectFromId?: (id: string) => string;
  }): Promise<User> {
    const id = `u${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    const subject = input.subjectFromId ? input.subjectFromId(id) : input.subject;
    try {
      const { rows } = await this.sql.query<UserRow>(
        `INSERT INTO users AS u (id, username, role, subject, display_name, password_hash, must_change_password, outlets)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb) RETURNING ${USER_COLUMNS}`,
        [
          id,
          input.username,
          input.role,
          subject,
          input.displayName,
          input.passwordHash,
          input.mustChangePassword,
          JSON.stringify(input.outlets ?? []),
        ],
      );
      return toUser(rows[0]!);
    } catch (err) {
      if ((err as { code?: string }).code === '23505')
        throw new AccountErrors.UsernameTaken(input.username);
      throw err;
    }
  }

  async get(id: string): Promise<User | undefined> {
    const { rows } = await this.sql.query<UserRow>(
      `SELECT ${USER_COLUMNS} FROM users u WHERE u.id = $1`,
      [id],
    );
    return rows[0] && toUser(rows[0]);
  }

  async withSecret(
    where: { id: string } | { username: string },
  ): Promise<UserWithSecret | undefined> {
    const { rows } = await this.sql.query<UserRow>(
      'id' in where
        ? `SELECT ${USER_COLUMNS} FROM users u WHERE u.id = $1`
        : `SELECT ${USER_COLUMNS} FROM users u WHERE lower(u.username) = lower($1)`,
      ['id' in where ? where.id : where.username],
    );
    const r = rows[0];
    return r && { ...toUser(r), passwordHash: r.password_hash };
  }

  async list(): Promise<User[]> {
    const { rows } = await this.sql.query<UserRow>(
      `SELECT ${USER_COLUMNS} FROM users u ORDER BY lower(u.username)`,
    );
    return rows.map(toUser);
  }

  /**
   * Counts a wrong password; the `max`-th in a row locks the account for `lockMs` (and starts
   * the count again). Returns the lock's end when this failure set one.
   */
  async recordFailure(id: string, max: number, lockMs: number): Promise<string | null> {
    const { rows } = await this.sql.query<{ locked_until: Date | string | null; locked: boolean }>(
      `UPDATE users SET
         locked_until = CASE WHEN failed_attempts + 1 >= $2
                             THEN now() + make_interval(secs => $3::double precision / 1000)
                             ELSE locked_until END,
         failed_attempts = CASE WHEN failed_attempts + 1 >= $2 THEN 0 ELSE failed_attempts + 1 END
       WHERE id = $1
       RETURNING locked_until, (failed_attempts = 0) AS locked`,
      [id, max, lockMs],
    );
    const r = rows[0];
    return r?.locked ? iso(r.locked_until) : null;
  }

  async recordSuccess(id: string): Promise<void> {
    await this.sql.query(
      'UPDATE users SET failed_attempts = 0, locked_until = NULL WHERE id = $1 AND (failed_attempts > 0 OR locked_until IS NOT NULL)',
      [id],
    );
  }

  /**
   * Sets a new password hash and ends every session of the user, in one transaction. `mustChange`
   * marks a one-time password set by an admin; an admin's reset also lifts a lock.
   */
  async setPassword(id: string, hash: string, mustChange: boolean): Promise<boolean> {
    return this.sql.transaction(async (tx) => {
      const { rows } = await tx.query(
        `UPDATE users SET password_hash = $2, must_change_password = $3, password_changed_at = now(),
           failed_attempts = 0, locked_until = NULL
         WHERE id = $1 RETURNING id`,
        [id, hash, mustChange],
      );
      if (rows.length === 0) return false;
      await tx.query('DELETE FROM user_sessions WHERE user_id = $1', [id]);
      return true;
    });
  }

  /** Sets a user's role and subject (their tenancy) and enables them. */
  async setRole(id: string, role: Role, subject: string | null): Promise<User | undefined> {
    const { rows } = await this.sql.query<UserRow>(
      `UPDATE users u SET role = $2, subject = $3, disabled_at = NULL WHERE u.id = $1
       RETURNING ${USER_COLUMNS}`,
      [id, role, subject],
    );
    return rows[0] && toUser(rows[0]);
  }

  /** Sets the outlets an engineer serves (their sessions carry the new list at once). */
  async setOutlets(id: string, outlets: readonly string[]): Promise<User | undefined> {
    const { rows } = await this.sql.query<UserRow>(
      `UPDATE users u SET outlets = $2::jsonb WHERE u.id = $1 RETURNING ${USER_COLUMNS}`,
      [id, JSON.stringify(outlets)],
    );
    return rows[0] && toUser(rows[0]);
  }

  /**
   * Disables a user: their sessions end and their API tokens are revoked, in one transaction
   * that holds the user's row (a token being issued for them waits, then sees them disabled).
   * Enabling them again does not bring the tokens back.
   */
  async setDisabled(id: string, disabled: boolean): Promise<User | undefined> {
    return this.sql.transaction(async (tx) => {
      const { rows } = await tx.query<UserRow>(
        `UPDATE users u SET disabled_at = CASE WHEN $2 THEN coalesce(disabled_at, now()) ELSE NULL END
         WHERE u.id = $1 RETURNING ${USER_COLUMNS}`,
        [id, disabled],
      );
      if (!rows[0]) return undefined;
      if (disabled) {
        await tx.query('DELETE FROM user_sessions WHERE user_id = $1', [id]);
        await tx.query(
          'UPDATE api_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL',
          [id],
        );
      }
      return toUser(rows[0]);
    });
  }

  /**
   * An API token for a user, with the user's role and subject: issued only while the user is
   * enabled (their row held, see `setDisabled`). Stored as SHA-256, like core/auth.ts's tokens.
   */
  async issueToken(
    userId: string,
    label: string | null,
  ): Promise<{
    id: string;
    token: string;
    role: Role;
    subject: string | null;
    label: string | null;
  }> {
    return this.sql.transaction(async (tx) => {
      const { rows } = await tx.query<{ role: Role; subject: string | null; disabled: boolean }>(
        'SELECT role, subject, disabled_at IS NOT NULL AS disabled FROM users WHERE id = $1 FOR UPDATE',
        [userId],
      );
      const u = rows[0];
      if (!u) throw new AccountErrors.UnknownUser(userId);
      if (u.disabled) throw new AccountErrors.UserDisabled(userId);
      const id = `t${randomUUID().slice(0, 8)}`;
      const token = generateSecret();
      await tx.query(
        'INSERT INTO api_tokens (id, token_hash, role, subject, label, user_id) VALUES ($1, $2, $3, $4, $5, $6)',
        [id, sha256(token), u.role, u.subject, label, userId],
      );
      return { id, token, role: u.role, subject: u.subject, label };
    });
  }

  /** A new session for the user: returns the cookie value (never stored) and its CSRF secret. */
  async createSession(
    userId: string,
    opts: { ttlMs: number; address: string | null },
  ): Promise<{ value: string; csrfSecret: string }> {
    const value = generateSecret();
    const csrfSecret = randomBytes(18).toString('base64url');
    await this.sql.query(
      `INSERT INTO user_sessions (id_hash, user_id, csrf_secret, expires_at, address)
       VALUES ($1, $2, $3, now() + make_interval(secs => $4::double precision / 1000), $5)`,
      [sha256(value), userId, csrfSecret, opts.ttlMs, opts.address],
    );
    return { value, csrfSecret };
  }

  /**
   * The live session a cookie value names: not expired, used within `idleMs`, its user enabled.
   * Marks it used (at most once a minute, so reads stay reads).
   */
  async session(value: string, idleMs: number): Promise<LiveSession | undefined> {
    const key = sha256(value);
    const { rows } = await this.sql.query<UserRow & { csrf_secret: string; stale: boolean }>(
      `SELECT ${USER_COLUMNS}, s.csrf_secret, s.last_seen_at < now() - interval '60 seconds' AS stale
         FROM user_sessions s JOIN users u ON u.id = s.user_id
        WHERE s.id_hash = $1 AND s.expires_at > now()
          AND s.last_seen_at > now() - make_interval(secs => $2::double precision / 1000)
          AND u.disabled_at IS NULL`,
      [key, idleMs],
    );
    const r = rows[0];
    if (!r) return undefined;
    if (r.stale)
      await this.sql.query('UPDATE user_sessions SET last_seen_at = now() WHERE id_hash = $1', [
        key,
      ]);
    return {
      user: toUser(r),
      csrfSecret: r.csrf_secret,
      key,
      units: r.role === 'owner' ? await this.units(r.id) : [],
    };
  }

  async endSession(value: string): Promise<void> {
    await this.sql.query('DELETE FROM user_sessions WHERE id_hash = $1', [sha256(value)]);
  }

  /** Removes sessions past their end or idle for `idleMs` (a sweep; verification ignores them). */
  async sweep(idleMs: number): Promise<number> {
    const { rows } = await this.sql.query(
      `DELETE FROM user_sessions WHERE expires_at <= now()
          OR last_seen_at <= now() - make_interval(secs => $1::double precision / 1000) RETURNING 1`,
      [idleMs],
    );
    return rows.length;
  }

  async linkUnit(userId: string, serial: string): Promise<string> {
    const { rows } = await this.sql.query<{ linked_at: Date | string }>(
      `INSERT INTO owner_units (user_id, serial) VALUES ($1, $2)
       ON CONFLICT (user_id, serial) DO UPDATE SET serial = EXCLUDED.serial RETURNING linked_at`,
      [userId, serial],
    );
    return iso(rows[0]!.linked_at)!;
  }

  /** Unlinks a unit from an owner's account; false when it was not linked. */
  async unlinkUnit(userId: string, serial: string): Promise<boolean> {
    const { rows } = await this.sql.query(
      'DELETE FROM owner_units WHERE user_id = $1 AND serial = $2 RETURNING serial',
      [userId, serial],
    );
    return rows.length > 0;
  }

  async units(userId: string): Promise<string[]> {
    const { rows } = await this.sql.query<{ serial: string }>(
      'SELECT serial FROM owner_units WHERE user_id = $1 ORDER BY linked_at, serial',
      [userId],
    );
    return rows.map((r) => r.serial);
  }

  async unitLinks(userId: string): Promise<Array<{ serial: string; linkedAt: string }>> {
    const { rows } = await this.sql.query<{ serial: string; linked_at: Date | string }>(
      'SELECT serial, linked_at FROM owner_units WHERE user_id = $1 ORDER BY linked_at, serial',
      [userId],
    );
    return rows.map((r) => ({ serial: r.serial, linkedAt: iso(r.linked_at)! }));
  }
}
