import { stepHealth, type StepState } from '../detectors/step.ts';
import { trendHealth, trendRul, type TrendState } from '../detectors/trend.ts';
import type { ModeProfile } from '../profiles/schema.ts';
import type { AlertCandidate, Contribution, ModeHealth, Severity } from '../types.ts';

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

/**
 * Share of the way from the alert threshold to failure that an open alert of each severity
 * stands for: a minor alert means the mode reached its alert threshold, a major one is half
 * way to failure, a critical one (failure within days, or a limit or code that only a failing
 * part trips) is nearly there.
 */
const ALERT_PROGRESS: Readonly<Record<Severity, number>> = {
  info: 0,
  minor: 0,
  major: 0.5,
  critical: 0.9,
};

/**
 * Makes a mode's health agree with its open alert (issue 19): a mode under an open alert is
 * never shown healthy. A sudden mode scores 0 while its alarm stands; a degradation scores at
 * most what the alert's severity implies (the HI at least the alert threshold, more for major
 * and critical), and takes the alert's predicted failure as its remaining life when its own
 * detector has none (a baseline learnt while already degrading sees no trend).
 */
export function agreeWithAlert(
  h: ModeHealth,
  mode: ModeProfile,
  open: AlertCandidate,
  now: number,
): void {
  if (mode.kind === 'sudden') {
    h.score = 0;
    h.indicator = Math.max(1, h.indicator);
    return;
  }
  const a = Math.min(1, mode.alertThreshold / mode.failureThreshold);
  const floor = a + (1 - a) * ALERT_PROGRESS[open.severity];
  if (h.indicator < floor) h.indicator = floor;
  h.score = Math.min(h.score, clampScore(100 * (1 - floor)));
  const p = open.predictedFailure;
  if (!h.rul && p) {
    h.rul = {
      rulMs: Math.max(0, p.at - now),
      lowMs: Math.max(0, p.earliest - now),
      highMs: Number.isFinite(p.latest) ? Math.max(0, p.latest - now) : Infinity,
      confidence: p.confidence,
    };
  }
}
