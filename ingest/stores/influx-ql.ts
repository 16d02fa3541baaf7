import { z } from 'zod';
import type { Aggregate } from '../telemetry-store.ts';

/**
 * InfluxQL text for the 1.x backend. Every name that reaches a query passes through `ident` or
 * `str`: device ids and metric names come from devices, so they are untrusted input.
 */

/** A double-quoted identifier: `\` and `"` escaped, as the InfluxQL scanner reads them. */
export function ident(name: string): string {
  return `"${name.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/** A single-quoted string literal. */
export function str(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
}

/** `"db"."rp"."measurement"`, or `"db".."measurement"` for the database's default policy. */
export function source(database: string, rp: string | undefined, measurement: string): string {
  return `${ident(database)}.${rp === undefined ? '' : ident(rp)}.${ident(measurement)}`;
}

/** An epoch-ms time literal; integers only, so a stray float cannot produce invalid InfluxQL. */
export function ms(t: number): string {
  if (!Number.isSafeInteger(t))
    throw new RangeError(`timestamp ${t} is not an integer number of ms`);
  return `${t}ms`;
}

/** InfluxQL duration literal, as accepted by retention policies and GROUP BY time(). */
export const DurationSchema = z
  .string()
  .regex(/^(\d+(ns|u|µ|ms|s|m|h|d|w))+$|^INF$/, 'an InfluxQL duration such as 90d or 1h');

/** InfluxQL function per aggregate; InfluxQL's own names happen to match ours. */
export const AGG_FN: Record<Aggregate, string> = {
  mean: 'MEAN',
  min: 'MIN',
  max: 'MAX',
  count: 'COUNT',
};

/** A raw `/query` response: one result per statement, each possibly with an error. */
const RawResponse = z.object({
  results: z.array(
    z.object({
      statement_id: z.number().optional(),
      error: z.string().optional(),
      series: z
        .array(
          z.object({
            name: z.string().optional(),
            tags: z.record(z.string(), z.string()).optional(),
            columns: z.array(z.string()),
            values: z.array(z.array(z.unknown())).optional(),
          }),
        )
        .optional(),
    }),
  ),
  error: z.string().optional(),
});

/** One row of a statement's result, column name → JSON value. */
export type Row = Record<string, unknown>;

/**
 * Rows per statement from a raw `/query` response requested with `epoch=ms`, so `time` is an
 * integer of ms (the parsed helpers of the `influx` package turn it into a Date and lose nothing,
 * but parsing the raw JSON keeps values exactly as InfluxDB sent them). A statement error throws:
 * InfluxDB reports it with HTTP 200, which the client library does not treat as a failure.
 */
export function rowsOf(raw: unknown): Row[][] {
  const res = RawResponse.parse(raw);
  if (res.error) throw new Error(`InfluxDB query failed: ${res.error}`);
  return res.results.map((r) => {
    if (r.error) throw new Error(`InfluxDB statement ${r.statement_id ?? '?'} failed: ${r.error}`);
    const rows: Row[] = [];
    for (const s of r.series ?? []) {
      for (const values of s.values ?? []) {
        // `$series` (the measurement, or the database for SHOW CONTINUOUS QUERIES) cannot clash
        // with a column: field keys never start with `$` (influx-schema.ts).
        const row: Row = { ...s.tags, $series: s.name };
        s.columns.forEach((c, i) => (row[c] = values[i]));
        rows.push(row);
      }
    }
    return rows;
  });
}

/** A numeric column value, or undefined when null/absent. */
export function num(v: unknown): number | undefined {
  return typeof v === 'number' ? v : undefined;
}
