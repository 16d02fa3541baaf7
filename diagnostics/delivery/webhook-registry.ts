import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { type Sql, generateSecret } from '../../core/index.ts';
import { SeveritySchema } from '../alert-schemas.ts';
import type { Severity } from '../types.ts';

export const WebhookSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    minSeverity: SeveritySchema,
    createdAt: z.string(),
    deliveries: z.number().int().describe('deliveries the receiver accepted (2xx)'),
    failures: z.number().int().describe('deliveries given up after every retry'),
    lastDeliveredAt: z.string().nullable(),
    lastError: z.string().nullable(),
    lastErrorAt: z.string().nullable(),
  })
  .meta({ id: 'Webhook' });
export type Webhook = z.infer<typeof WebhookSchema>;

/** What the dispatcher needs to deliver to a webhook. */
export interface WebhookTarget {
  id: string;
  url: string;
  secret: string;
  minSeverity: Severity;
}

/** Webhook subscriptions and their delivery record, in SQL (migration 200). */
export interface WebhookRegistry {
  /** Registers a webhook; the secret (generated when not given) is returned this once. */
  create(input: {
    url: string;
    secret?: string;
    minSeverity?: Severity;
  }): Promise<Webhook & { secret: string }>;
  list(): Promise<Webhook[]>;
  remove(id: string): Promise<boolean>;
  targets(): Promise<WebhookTarget[]>;
  recordDelivered(id: string, at: number): Promise<void>;
  /** Records a failed attempt; `gaveUp` when no retry follows (counted in `failures`). */
  recordFailure(id: string, at: number, error: string, gaveUp: boolean): Promise<void>;
}

type Stamp = Date | string | null;
interface Row {
  id: string;
  url: string;
  secret: string;
  min_severity: Severity;
  created_at: Stamp;
  deliveries: number;
  failures: number;
  last_delivered_at: Stamp;
  last_error: string | null;
  last_error_at: Stamp;
}
const ts = (v: Stamp) => (v === null ? null : new Date(v).toISOString());
const toWebhook = (r: Row): Webhook => ({
  id: r.id,
  url: r.url,
  minSeverity: r.min_severity,
  createdAt: ts(r.created_at)!,
  deliveries: Number(r.deliveries),
  failures: Number(r.failures),
  lastDeliveredAt: ts(r.last_delivered_at),
  lastError: r.last_error,
  lastErrorAt: ts(r.last_error_at),
});

/** The webhook registry on the `Sql` interface. */
export function createSqlWebhookRegistry(sql: Sql): WebhookRegistry {
  return {
    async create({ url, secret = generateSecret(24), minSeverity = 'info' }) {
      const { rows } = await sql.query<Row>(
        `INSERT INTO alert_webhooks (id, url, secret, min_severity) VALUES ($1, $2, $3, $4) RETURNING *`,
        [`wh_${randomUUID().slice(0, 8)}`, url, secret, minSeverity],
      );
      return { ...toWebhook(rows[0]!), secret };
    },
    async list() {
      const { rows } = await sql.query<Row>('SELECT * FROM alert_webhooks ORDER BY created_at, id');
      return rows.map(toWebhook);
    },
    async remove(id) {
      const { rows } = await sql.query('DELETE FROM alert_webhooks WHERE id = $1 RETURNING id', [
        id,
      ]);
      return rows.length > 0;
    },
    async targets() {
      const { rows } = await sql.query<Row>('SELECT * FROM alert_webhooks');
      return rows.map((r) => ({
        id: r.id,
        url: r.url,
        secret: r.secret,
        minSeverity: r.min_severity,
      }));
    },
    async recordDelivered(id, at) {
      await sql.query(
        'UPDATE alert_webhooks SET deliveries = deliveries + 1, last_delivered_at = $2 WHERE id = $1',
        [id, new Date(at).toISOString()],
      );
    },
    async recordFailure(id, at, error, gaveUp) {
      await sql.query(
        `UPDATE alert_webhooks SET last_error = $2, last_error_at = $3,
           failures = failures + $4 WHERE id = $1`,
        [id, error.slice(0, 500), new Date(at).toISOString(), gaveUp ? 1 : 0],
      );
    },
  };
}
