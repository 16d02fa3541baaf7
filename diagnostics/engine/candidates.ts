import type { Sample } from '../../core/index.ts';
import { componentName, partId, partName } from '../profiles/names.ts';
import type { ModeProfile } from '../profiles/schema.ts';
import {
  SEVERITY_RANK,
  type AlertCandidate,
  type Contribution,
  type RulEstimate,
  type Severity,
  type Verdict,
} from '../types.ts';

/** At most this many evidence items travel with one candidate (bounded state). */
export const MAX_EVIDENCE = 5;

/** The device-side facts a candidate needs. */
export type DeviceRef = Pick<Sample, 'deviceId' | 'category' | 'model'>;

/** Severity of a trend candidate from its RUL, per the mode's policy. */
export function severityFromRul(mode: ModeProfile, rul: RulEstimate | undefined): Severity {
  if (!rul) return mode.severity.otherwise;
  const days = rul.rulMs / 86_400_000;
  if (days <= mode.severity.criticalWithinDays) return 'critical';
  if (days <= mode.severity.majorWithinDays) return 'major';
  return mode.severity.otherwise;
}

/** The more urgent of two severities. */
export function maxSeverity(a: Severity, b: Severity): Severity {
  return SEVERITY_RANK[a] >= SEVERITY_RANK[b] ? a : b;
}

/** Builds a new candidate (revision 1) from a verdict. */
export function openCandidate(
  dev: DeviceRef,
  mode: ModeProfile,
  verdict: Verdict,
  severity: Severity,
  contributions: Contribution[],
  rul: RulEstimate | undefined,
  extra: Verdict | undefined,
): AlertCandidate {
  const evidence = [toEvidence(verdict, contributions)];
  if (extra) evidence.push(toEvidence(extra, []));
  return {
    key: `${dev.deviceId}/${mode.id}`,
    deviceId: dev.deviceId,
    category: dev.category,
    model: dev.model,
    modeId: mode.id,
    modeName: mode.name.en,
    component: mode.component,
    severity,
    ts: verdict.windowEnd,
    revision: 1,
    ...predicted(verdict.windowEnd, rul),
    evidence,
    action: mode.action,
    parts: mode.parts.map(partId),
    names: {
      mode: mode.name,
      component: componentName(mode.component),
      parts: mode.parts.map(partName),
    },
  };
}

/**
 * Folds a new verdict into an open candidate. Returns the escalated candidate when the
 * severity rises (the caller reports it), or undefined when only the prediction was refreshed.
 */
export function updateCandidate(
  open: AlertCandidate,
  verdict: Verdict,
  severity: Severity,
  contributions: Contribution[],
  rul: RulEstimate | undefined,
): { next: AlertCandidate; escalated: boolean } {
  const escalated = SEVERITY_RANK[severity] > SEVERITY_RANK[open.severity];
  const sameDetector = open.evidence.findIndex((e) => e.detector === verdict.detector);
  const evidence = open.evidence.slice();
  if (sameDetector >= 0) evidence[sameDetector] = toEvidence(verdict, contributions);
  else evidence.push(toEvidence(verdict, contributions));
  const next: AlertCandidate = {
    ...open,
    severity: escalated ? severity : open.severity,
    ts: escalated ? verdict.windowEnd : open.ts,
    revision: escalated ? open.revision + 1 : open.revision,
    evidence: evidence.slice(-MAX_EVIDENCE),
  };
  const p = predicted(verdict.windowEnd, rul);
  if (p.predictedFailure) next.predictedFailure = p.predictedFailure;
  return { next, escalated };
}

function predicted(
  now: number,
  rul: RulEstimate | undefined,
): Pick<AlertCandidate, 'predictedFailure'> {
  if (!rul || !Number.isFinite(rul.rulMs)) return {};
  return {
    predictedFailure: {
      at: now + rul.rulMs,
      earliest: now + rul.lowMs,
      latest: Number.isFinite(rul.highMs) ? now + rul.highMs : Number.POSITIVE_INFINITY,
      confidence: rul.confidence,
    },
  };
}

function toEvidence(v: Verdict, contributions: Contribution[]): AlertCandidate['evidence'][number] {
  return {
    detector: v.detector,
    metrics: v.findings.map((f) => f.metric),
    windowStart: v.windowStart,
    windowEnd: v.windowEnd,
    findings: v.findings,
    contributions,
    message: v.message,
    ...(v.model ? { model: v.model } : {}),
  };
}

/**
 * The candidate with `v` as one more piece of evidence (replacing an older one of the same
 * detector): the uploaded model behind a prediction that another detector's verdict raised.
 */
export function withEvidence(c: AlertCandidate, v: Verdict): AlertCandidate {
  const evidence = c.evidence.filter((e) => e.detector !== v.detector);
  evidence.push(toEvidence(v, []));
  return { ...c, evidence: evidence.slice(-MAX_EVIDENCE) };
}
