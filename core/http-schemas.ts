import { z } from 'zod';

/** Shared HTTP schema pieces. */

/**
 * The dates Sanbao accepts anywhere (issue 24, finding 8): a sale, a repair, an outlet's
 * authorization or a query reaches from 1970 to the end of 2199. Year 9999 is a typo or a
 * probe; refused with 400 rather than stored, and never fed to date arithmetic that overflows.
 */
export const DATE_MIN = '1970-01-01';
export const DATE_MAX = '2199-12-31';
const INSTANT_MAX_MS = Date.UTC(2200, 0, 1);
const RANGE_MESSAGE = `outside the accepted dates ${DATE_MIN} … ${DATE_MAX}`;

/**
 * Whether a date or date-time string (YYYY-MM-DD…) lies in the accepted range, by its date. A
 * string of another shape is left to the format check (one issue per field, not two).
 */
export function inDateRange(s: string): boolean {
  const d = s.slice(0, 10);
  return !/^\d{4}-\d{2}-\d{2}$/.test(d) || (d >= DATE_MIN && d <= DATE_MAX);
}

/** A refinement message for dates outside the range. */
export const dateRangeIssue = { message: RANGE_MESSAGE };

/** An instant given as ISO-8601 (with zone) or epoch milliseconds; parsed to epoch ms. */
export const InstantQuery = z.union([
  z.coerce
    .number()
    .int()
    .min(0)
    .max(INSTANT_MAX_MS - 1, RANGE_MESSAGE),
  z.iso
    .datetime({ offset: true })
    .transform((s) => Date.parse(s))
    .refine((ms) => ms >= 0 && ms < INSTANT_MAX_MS, RANGE_MESSAGE),
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
