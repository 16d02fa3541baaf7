import type { Warning } from './evaluation-schema.ts';
import type { Point, TelemetryStore } from '../ingest/index.ts';
import { parseInstant } from './calendar.ts';

/**
 * Car mileage from the unit's own telemetry (metric `odometer_km`) when it is connected, with
 * odometer rollback detected (issue 5). Mileage decides the CAR21 limits (3,000 / 50,000 /
 * 60,000 km) and the Art. 27 compensation, so a rolled-back reading must not pass silently: the
 * highest reading ever seen is used, and each drop is reported.
 */
export type OdometerSource = Pick<TelemetryStore, 'latest' | 'query'>;

export const ODOMETER_METRIC = 'odometer_km';
const DAY_MS = 86_400_000;

export interface Rollback {
  ts: number;
  fromKm: number;
  toKm: number;
}

/** Drops of more than `toleranceKm` in a series of readings (oldest first). Pure. */
export function detectRollbacks(points: readonly Point[], toleranceKm = 1): Rollback[] {
  const out: Rollback[] = [];
  let high = -Infinity;
  for (const p of points) {
    if (p.value < high - toleranceKm) out.push({ ts: p.ts, fromKm: high, toKm: p.value });
    high = Math.max(high, p.value);
  }
  return out;
}

export interface OdometerReading {
  /** Highest reading up to `untilMs` (the true mileage is at least this). */
  km: number;
  latestKm: number;
  latestTs: number;
  rollbacks: Rollback[];
}

/**
 * Reads the odometer of `deviceId` between `fromMs` and `untilMs` (daily maxima, then the latest
 * value); undefined when the device never reported one.
 */
export async function readOdometer(
  src: OdometerSource,
  deviceId: string,
  fromMs: number,
  untilMs: number,
): Promise<OdometerReading | undefined> {
  const daily = await src.query({
    deviceId,
    metric: ODOMETER_METRIC,
    from: fromMs,
    to: untilMs,
    every: DAY_MS,
    agg: 'max',
    limit: 100_000,
  });
  const latest = (await src.latest(deviceId))[ODOMETER_METRIC];
  // The latest value matters when it is below its own day's maximum (a drop within the last day).
  const lastDaily = daily.at(-1);
  const series =
    latest && latest.ts < untilMs && latest.value !== lastDaily?.value ? [...daily, latest] : daily;
  if (series.length === 0) return undefined;
  const last = series[series.length - 1] as Point;
  return {
    km: Math.max(...series.map((p) => p.value)),
    latestKm: last.value,
    latestTs: last.ts,
    rollbacks: detectRollbacks(series),
  };
}

/** Mileage for an evaluation on `evaluationDate`, with warnings (zh and en) naming where it came from. */
export async function mileageFromTelemetry(
  src: OdometerSource,
  deviceId: string,
  since: string,
  evaluationDate: string,
): Promise<{ km?: number; warnings: Warning[] }> {
  const e = parseInstant(evaluationDate);
  const until = e.precision === 'date' ? e.ms + DAY_MS : e.ms + 1;
  const r = await readOdometer(src, deviceId, parseInstant(since).ms, until);
  if (!r)
    return {
      warnings: [
        {
          code: 'mileage_unknown',
          zh: `设备${deviceId}无${ODOMETER_METRIC}遥测数据：未核对里程限值`,
          en: `no ${ODOMETER_METRIC} telemetry from device ${deviceId}: mileage limits not checked`,
        },
      ],
    };
  const latest = new Date(r.latestTs).toISOString();
  const warnings: Warning[] = [
    {
      code: 'mileage_from_telemetry',
      zh: `里程${r.km}公里取自设备${deviceId}的遥测（最新${r.latestKm}公里，${latest}）`,
      en: `mileage ${r.km} km from device ${deviceId} telemetry (latest ${r.latestKm} km at ${latest})`,
    },
  ];
  for (const b of r.rollbacks) {
    const at = new Date(b.ts).toISOString();
    warnings.push({
      code: 'odometer_rollback',
      zh: `里程倒退：${b.fromKm}公里 → ${b.toKm}公里（${at}）；采用最高读数`,
      en: `odometer rollback: ${b.fromKm} km → ${b.toKm} km at ${at}; the highest reading is used`,
    });
  }
  return { km: r.km, warnings };
}
