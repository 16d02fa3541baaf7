import type { Sample } from '../core/index.ts';
import { readDerived } from './detectors/detector.ts';
import { compileCondition } from './engine/plan.ts';
import { ModeProfileSchema, type CategoryProfile, type ModeProfile } from './profiles/schema.ts';
import type { RunData } from './replay/csv.ts';

/**
 * Calibrates a failure mode's indicators from run-to-failure histories (simulator exports now,
 * confirmed repairs later): for each indicator, how far its (normalised) reading really moved
 * between the healthy start of a run and its failure, under the indicator's operating
 * condition. The median over units replaces the profile's failure move, so the health
 * indicator reaches 1 where these units failed. Indicators whose median move is not in the
 * profile's direction (or that the data does not show) keep their value and are reported.
 */
export interface CalibrationRow {
  metric: string;
  field: 'failureDelta' | 'failureRel' | 'failureValue';
  before: number;
  after: number;
  units: number;
  note?: string;
}

/** Share of each unit's qualifying rows that define "healthy" (start) and "failed" (end). */
const HEALTHY_SHARE = 0.2;
const FAILED_SHARE = 0.05;

/** Returns the calibrated mode (validated) and what changed. Throws on an unknown mode. */
export function calibrateMode(
  profile: CategoryProfile,
  modeId: string,
  data: RunData,
): { mode: ModeProfile; rows: CalibrationRow[] } {
  const mode = profile.modes.find((m) => m.id === modeId);
  if (!mode) throw new Error(`${profile.category} has no failure mode "${modeId}"`);
  const rows: CalibrationRow[] = [];
  const indicators = mode.indicators.map((ind) => {
    const field =
      ind.failureValue !== undefined
        ? 'failureValue'
        : ind.failureRel !== undefined
          ? 'failureRel'
          : 'failureDelta';
    const before = ind.failureValue ?? ind.failureRel ?? ind.failureDelta ?? Number.NaN;
    const needed = [ind.metric, ind.minus, ind.per].filter((m): m is string => m !== undefined);
    if (field === 'failureValue' || needed.some((m) => !data.sensors.includes(m))) {
      rows.push({
        metric: ind.metric,
        field,
        before,
        after: before,
        units: 0,
        note: field === 'failureValue' ? 'a rail value is not calibrated' : 'not in the data',
      });
      return ind;
    }
    const when = compileCondition(profile, ind.when);
    const dir = ind.direction === 'up' ? 1 : -1;
    const moves: number[] = [];
    const tstats: number[] = [];
    for (const u of data.units) {
      const xs: number[] = [];
      for (let i = 0; i < u.time.length; i++) {
        const metrics: Record<string, number> = {};
        data.sensors.forEach((s, k) => (metrics[s] = u.values[k]![i]!));
        const sample: Sample = {
          deviceId: u.unit,
          category: profile.category,
          model: '',
          ts: u.time[i]!,
          metrics,
        };
        if (when && !when(sample)) continue;
        const x = readDerived(sample, ind);
        if (Number.isFinite(x)) xs.push(x);
      }
      if (xs.length < 20) continue;
      const head = xs.slice(0, Math.ceil(xs.length * HEALTHY_SHARE));
      const tail = xs.slice(-Math.max(3, Math.ceil(xs.length * FAILED_SHARE)));
      const base = mean(head);
      const move = dir * (mean(tail) - base);
      // Welch-style t of the move: a drift lost in the noise must not become a tiny (and so
      // hair-trigger) failure move.
      tstats.push(
        move / Math.sqrt(variance(head) / head.length + variance(tail) / tail.length || 1e-12),
      );
      moves.push(field === 'failureRel' ? move / Math.abs(base || 1) : move);
    }
    const m = median(moves);
    if (!(m > 0) || !(median(tstats) >= 3)) {
      rows.push({
        metric: ind.metric,
        field,
        before,
        after: before,
        units: moves.length,
        note: moves.length
          ? 'no clear move in the profile direction'
          : 'no unit with enough qualifying rows',
      });
      return ind;
    }
    rows.push({ metric: ind.metric, field, before, after: m, units: moves.length });
    return { ...ind, [field]: m };
  });
  return { mode: ModeProfileSchema.parse({ ...mode, indicators }), rows };
}

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

function variance(xs: number[]): number {
  const m = mean(xs);
  return xs.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, xs.length - 1);
}

function median(xs: number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
}
