import type { Sql } from '../core/index.ts';

/**
 * Counted tries per key (a client address's failed sign-ins, its sign-ups) in fixed windows,
 * kept in the database (migration 012) so that every node of a cluster sees the same counts:
 * an address cannot spread its guesses over the nodes behind a load balancer. Each update is
 * one atomic statement; between a check and a count another node may slip in a try or two,
 * which a limit of tens per window tolerates.
 */
export class AddressLimits {
  constructor(private readonly sql: Sql) {}

  /**
   * Seconds this key must wait when it has used up `max` tries in its window, else undefined.
   * A try while blocked starts the wait over (and counts), so hammering never shortens it.
   */
  async wait(key: string, max: number, windowMs: number): Promise<number | undefined> {
    const { rows } = await this.sql.query<{ seconds: number | string }>(
      `UPDATE sign_in_limits
          SET tries = tries + 1,
              window_ends = now() + make_interval(secs => $3::double precision / 1000)
        WHERE key = $1 AND window_ends > now() AND tries >= $2
        RETURNING ceil(extract(epoch FROM window_ends - now())) AS seconds`,
      [key, max, windowMs],
    );
    const r = rows[0];
    return r ? Math.max(1, Number(r.seconds)) : undefined;
  }

  /** Counts a try; the first try after a window ended opens a new one of `windowMs`. */
  async count(key: string, windowMs: number): Promise<void> {
    await this.sql.query(
      `INSERT INTO sign_in_limits (key, tries, window_ends)
       VALUES ($1, 1, now() + make_interval(secs => $2::double precision / 1000))
       ON CONFLICT (key) DO UPDATE SET
         tries = CASE WHEN sign_in_limits.window_ends <= now() THEN 1
                      ELSE sign_in_limits.tries + 1 END,
         window_ends = CASE WHEN sign_in_limits.window_ends <= now() THEN EXCLUDED.window_ends
                            ELSE sign_in_limits.window_ends END`,
      [key, windowMs],
    );
  }

  /** Removes the rows whose window has ended (they count as none anyway). */
  async sweep(): Promise<number> {
    const { rows } = await this.sql.query(
      'DELETE FROM sign_in_limits WHERE window_ends <= now() RETURNING 1',
    );
    return rows.length;
  }
}
