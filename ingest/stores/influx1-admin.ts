import { ident, source, type Row } from './influx-ql.ts';
import { TELEMETRY } from './influx-schema.ts';

/**
 * Retention and downsampling for the 1.x backend (docs/influxdb.md, "Retention and
 * downsampling"). All durations are InfluxQL duration literals.
 */
export interface Influx1Retention {
  /** How long raw points live. Default `90d`. */
  raw?: string;
  /** How long the rollup (and device events) live. Default `260w` (5 years). */
  rollup?: string;
  /** Rollup window. Default `1h`. */
  every?: string;
  /**
   * How far back each CQ run recomputes. Default `3h`: points the spool replays up to two
   * windows late still reach the rollup. Older late data needs a manual backfill (see docs).
   */
  resampleFor?: string;
}

/** Which retention policy each kind of data lives in; undefined = the database default. */
export interface RetentionNames {
  raw: string | undefined;
  events: string | undefined;
  rollup: string | undefined;
  cq: string | undefined;
}

/** Retention policy and CQ names, derived from the options. */
export function retentionNames(
  rp: string | undefined,
  r: Influx1Retention | undefined,
): RetentionNames {
  if (!r) return { raw: rp, events: rp, rollup: undefined, cq: undefined };
  const every = r.every ?? '1h';
  return {
    raw: rp ?? 'raw',
    events: 'events',
    rollup: `rollup_${every}`,
    cq: `${TELEMETRY}_rollup_${every}`,
  };
}

/**
 * The CQ body: mean/min/max/count of every field per window, written to the rollup policy under
 * the same measurement name as `mean_<field>`, `min_<field>`… with the tags kept (GROUP BY *).
 * Exported so a backfill after a long outage can run the same SELECT with a time range.
 */
export function rollupSelect(db: string, names: RetentionNames, every: string): string {
  return (
    `SELECT MEAN(*), MIN(*), MAX(*), COUNT(*) INTO ${source(db, names.rollup, TELEMETRY)} ` +
    `FROM ${source(db, names.raw, TELEMETRY)} GROUP BY time(${every}), *`
  );
}

/**
 * Creates or updates the raw (default), rollup and events retention policies and (re)creates the
 * rollup continuous query. Idempotent: ALTER brings an existing policy to the configured
 * duration; the CQ is dropped and created again because InfluxDB 1.x cannot alter one.
 */
export async function ensureRetention(
  exec: (statements: string[]) => Promise<Row[][]>,
  db: string,
  names: RetentionNames,
  r: Influx1Retention,
): Promise<void> {
  const every = r.every ?? '1h';
  const policies: Array<[string | undefined, string, boolean]> = [
    [names.raw, r.raw ?? '90d', true],
    [names.rollup, r.rollup ?? '260w', false],
    [names.events, r.rollup ?? '260w', false],
  ];
  const [existing = []] = await exec([`SHOW RETENTION POLICIES ON ${ident(db)}`]);
  const have = new Set(existing.map((row) => row.name));
  const stmts: string[] = [];
  for (const [name, duration, isDefault] of policies) {
    if (name === undefined) continue;
    const verb = have.has(name) ? 'ALTER' : 'CREATE';
    stmts.push(
      `${verb} RETENTION POLICY ${ident(name)} ON ${ident(db)} DURATION ${duration} REPLICATION 1${isDefault ? ' DEFAULT' : ''}`,
    );
  }
  await exec(stmts);

  if (names.cq === undefined) return;
  const [cqs = []] = await exec(['SHOW CONTINUOUS QUERIES']);
  // SHOW CONTINUOUS QUERIES returns one series per database, named after it.
  const ours = cqs.some((row) => row.name === names.cq && row.$series === db);
  const create =
    `CREATE CONTINUOUS QUERY ${ident(names.cq)} ON ${ident(db)} RESAMPLE EVERY ${every} FOR ${r.resampleFor ?? '3h'} ` +
    `BEGIN ${rollupSelect(db, names, every)} END`;
  await exec(
    ours ? [`DROP CONTINUOUS QUERY ${ident(names.cq)} ON ${ident(db)}`, create] : [create],
  );
}
