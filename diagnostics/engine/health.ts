import { stepHealth, type StepState } from '../detectors/step.ts';
import { trendHealth, trendRul, type TrendState } from '../detectors/trend.ts';
import type { Contribution, ModeHealth } from '../types.ts';

/**
 * Health scores, 0 (failed) … 100 (as new), computed on demand from the detector states: a
 * degradation mode's score is 100·(1 − HI/failure threshold); a sudden mode's is 100·(1 −
 * signature score), and 0 while its alarm stands. The points each metric takes away are its
 * weighted term, so the contributions add up to what is missing from 100 (before clamping).
 */
export function trendModeHealth(st: TrendState): ModeHealth {
  const thr = st.config.failureThreshold ?? 1;
  const { indicator, contributions } = trendHealth(st);
  const rul = trendRul(st);
  return {
    modeId: st.config.modeId,
    score: clampScore(100 * (1 - indicator / thr)),
    indicator: indicator / thr,
    contributions: sortContributions(contributions),
    ...(rul && indicator > 0 ? { rul } : {}),
  };
}

/** Health of a sudden mode from its signature detector. */
export function stepModeHealth(st: StepState): ModeHealth {
  const h = stepHealth(st);
  const wsum = h.terms.reduce((a, t) => a + t.weight, 0) || 1;
  const contributions: Contribution[] = h.terms.map((t) => ({
    metric: t.metric,
    points: Math.max(0, (100 * t.weight * t.term) / wsum),
    value: Number.NaN,
    baseline: t.baseline,
  }));
  return {
    modeId: st.config.modeId,
    score: h.alarmed ? 0 : clampScore(100 * (1 - h.score)),
    indicator: h.alarmed ? Math.max(1, h.score) : Math.max(0, h.score),
    contributions: sortContributions(contributions),
  };
}

function clampScore(x: number): number {
  return Math.round(Math.max(0, Math.min(100, x)) * 10) / 10;
}

function sortContributions(c: Contribution[]): Contribution[] {
  return c.sort((a, b) => b.points - a.points);
}
