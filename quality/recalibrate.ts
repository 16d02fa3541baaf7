import { z } from 'zod';
import { type Sql, METRICS, type Category } from '../core/index.ts';
import { calibrateMode, type CategoryProfile } from '../diagnostics/index.ts';
import type { TelemetryStore } from '../ingest/index.ts';
import { QualityErrors } from './errors.ts';
import { unitScopeSql, type FleetScope } from './scope.ts';

/**
 * Recalibration of a failure mode from the fleet's own confirmed failures (issue 7): every
 * confirmed failure of the mode on a connected unit (an effective quality repair record that
 * closed a repair order for the mode, or — without an order — repaired the mode's component)
 * gives a run to failure: the device's readings over `lookbackDays` before the drop-off. The
 * diagnostics calibration (diagnostics/calibrate.ts, the same one `sanbao diagnose replay`
 * uses on exported runs) then measures how far each indicator really moved by failure on
 * these units and proposes the profile's new failure moves.
 *
 * The answer is the calibrated mode (validated by the profile schema) and, per indicator, the
 * value before and after and on how many units, measured against the profile in force (built-in
 * or as the diagnostics catalogue makes it). With `apply`, the route also puts it in force as a
 * `calibration` document of the diagnostics catalogue: versioned, audited, rolled back with
 * `POST /diagnostics/data/rollback`. With `model`, only that product model's units are used and
 * the calibration applies to that model (what a manufacturer token confined to its own models
 * may apply).
 */
export const RecalibrateBodySchema = z
  .object({
    category: z.string().min(1).max(64),
    mode: z.string().min(1).max(128),
    lookbackDays: z.number().int().min(7).max(730).default(180),
    maxUnits: z.number().int().min(1).max(2_000).default(200),
    model: z.string().min(1).max(128).nullish().describe('one product model (null: the category)'),
    apply: z
      .boolean()
      .default(false)
      .describe(
        'put the calibration in force (a catalogue version, audited, rolled back like any)',
      ),
    note: z.string().max(2000).nullish(),
  })
  .meta({ id: 'RecalibrateRequest' });

export const RecalibrationSchema = z
  .object({
    category: z.string(),
    mode: z.string(),
    failures: z.number().int().describe('confirmed failures of the mode on connected units'),
    runs: z.number().int().describe('of them, with readings in the look-back window'),
    indicators: z.array(
      z.object({
        metric: z.string(),
        field: z.string(),
        before: z.number().nullable(),
        after: z.number().nullable(),
        units: z.number().int(),
        note: z.string().optional(),
      }),
    ),
    proposedMode: z.record(z.string(), z.unknown()).describe('the calibrated mode profile'),
    applied: z
      .object({
        kind: z.literal('calibration'),
        key: z.string(),
        version: z.number().int(),
        replaced: z.number().int().nullable(),
      })
      .nullable()
      .describe('the catalogue version put in force (apply), null when not applied'),
  })
  .meta({ id: 'Recalibration' });
export type Recalibration = z.infer<typeof RecalibrationSchema>;

const DAY = 86_400_000;
const POINTS_PER_METRIC = 20_000;

/** The calibration measured from the fleet (not yet applied: see the route). */
export async function recalibrateMode(
  sql: Sql,
  telemetry: TelemetryStore,
  scope: FleetScope,
  q: z.infer<typeof RecalibrateBodySchema>,
  profile: CategoryProfile | undefined,
): Promise<Omit<Recalibration, 'applied'>> {
  const mode = profile?.modes.find((m) => m.id === q.mode);
  if (!profile || !mode) throw new QualityErrors.UnknownMode(q.category, q.mode);
  const us = unitScopeSql({ ...scope, category: q.category }, q.model ? 5 : 4);
  const failures = await sql.query<{ device_id: string; dropped_off_at: string }>(
    `SELECT u.device_id, e.dropped_off_at
       FROM warranty_records_in_force e
       JOIN warranty_units_v u ON u.serial = e.serial
       LEFT JOIN repair_orders o ON o.serial = e.serial AND o.record_seq = e.origin
      WHERE e.cause = 'quality' AND u.device_id IS NOT NULL AND ${us.where}
        AND (o.mode_ids ? $1 OR (o.id IS NULL AND e.component = $2))
        ${q.model ? 'AND u.model = $4' : ''}
      ORDER BY e.dropped_off_at DESC
      LIMIT $3`,
    [q.mode, mode.component, q.maxUnits, ...(q.model ? [q.model] : []), ...us.params],
  );
  const metrics = Object.keys(METRICS[q.category as Category] ?? {});
  const units = [];
  for (const f of failures.rows) {
    const end = Date.parse(
      f.dropped_off_at.length === 10 ? `${f.dropped_off_at}T00:00:00+08:00` : f.dropped_off_at,
    );
    const from = end - q.lookbackDays * DAY;
    const series = await Promise.all(
      metrics.map((metric) =>
        telemetry.query({ deviceId: f.device_id, metric, from, to: end, limit: POINTS_PER_METRIC }),
      ),
    );
    // Rows at the instants of the first metric that has readings; others joined by timestamp.
    const byTs = series.map((pts) => new Map(pts.map((p) => [p.ts, p.value])));
    const times = [...new Set(series.flatMap((pts) => pts.map((p) => p.ts)))].sort((a, b) => a - b);
    if (!times.length) continue;
    units.push({
      unit: `${f.device_id}@${f.dropped_off_at}`,
      time: Float64Array.from(times),
      values: byTs.map((m) => Float64Array.from(times, (t) => m.get(t) ?? Number.NaN)),
    });
  }
  const { mode: calibrated, rows } = calibrateMode(profile, q.mode, { sensors: metrics, units });
  const num = (x: number) => (Number.isFinite(x) ? x : null);
  return {
    category: q.category,
    mode: q.mode,
    failures: failures.rows.length,
    runs: units.length,
    indicators: rows.map((r) => ({
      metric: r.metric,
      field: r.field,
      before: num(r.before),
      after: num(r.after),
      units: r.units,
      ...(r.note ? { note: r.note } : {}),
    })),
    proposedMode: calibrated as unknown as Record<string, unknown>,
  };
}
