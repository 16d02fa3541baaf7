import { z } from 'zod';

/** Shared HTTP schema pieces. */

/** An instant given as ISO-8601 (with zone) or epoch milliseconds; parsed to epoch ms. */
export const InstantQuery = z.union([
  z.coerce.number().int().min(0).max(8.64e15),
  z.iso.datetime({ offset: true }).transform((s) => Date.parse(s)),
]);

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A duration such as `500ms`, `10s`, `5m`, `1h`, `7d`; parsed to milliseconds. */
export const DurationQuery = z
  .string()
  .regex(/^\d+(ms|s|m|h|d)$/, 'a duration like 10s, 5m, 1h or 1d')
  .transform((s) => {
    const [, n, u] = /^(\d+)(ms|s|m|h|d)$/.exec(s)!;
    return Number(n) * UNIT_MS[u!]!;
  })
  .refine((ms) => ms >= 1, 'must be at least 1ms');

export const Pagination = {
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
};
