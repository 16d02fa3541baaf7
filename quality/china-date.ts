/**
 * China civil date (UTC+8, no daylight saving) of an instant, as YYYY-MM-DD. Invoice, purchase
 * and repair dates are China dates, so exposure and warranty days count to this "today", not
 * UTC's: between 16:00 and 24:00 UTC the two differ by a day.
 */
export const chinaToday = (now: Date): string =>
  new Date(now.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);

/**
 * SQL for the China civil date of a stored date or date-time text column, as parseInstant
 * (warranty/calendar.ts) computes it: a date is itself; a date-time with an offset (Z, ±hh:mm)
 * is moved to UTC+8; one without an offset is China time already. `left(col, 10)` alone read
 * the UTC date of "…Z" stamps (what the service writes by default): a day early from 16:00 to
 * 24:00 UTC. `col` is a trusted SQL expression, never user input.
 */
export const chinaDateSql = (col: string): string =>
  `(CASE WHEN length(${col}) > 10 AND ${col} ~* '(Z|[+-][0-9]{2}:?[0-9]{2})$' ` +
  `THEN (((${col})::timestamptz AT TIME ZONE 'UTC') + interval '8 hours')::date ` +
  `ELSE left(${col}, 10)::date END)`;

/** `chinaDateSql` as YYYY-MM-DD text, for comparing with date parameters passed as text. */
export const chinaDateText = (col: string): string => `to_char(${chinaDateSql(col)}, 'YYYY-MM-DD')`;
