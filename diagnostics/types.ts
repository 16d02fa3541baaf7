import type { Category } from '../core/index.ts';
import type { RulModelArtefact } from './models/learner.ts';

/**
 * Shared vocabulary of the detection engine: what a detector says (Verdict), what the engine
 * hands to the alert lifecycle (AlertCandidate), and how health is explained (HealthReport).
 * Only plain data here, so candidates can be stored, published and compared in tests.
 */

/** Ordered from least to most urgent; `SEVERITY_RANK` gives the order. */
export type Severity = 'info' | 'minor' | 'major' | 'critical';

export const SEVERITY_RANK: Readonly<Record<Severity, number>> = {
  info: 0,
  minor: 1,
  major: 2,
  critical: 3,
};

/** Names of the detectors; each lives in `detectors/<name>.ts`. */
export type DetectorName =
  | 'fault-code'
  | 'hard-limit'
  | 'ewma'
  | 'cusum'
  | 'stuck'
  | 'spike'
  | 'gap'
  | 'trend'
  | 'step'
  | 'rul-model';

/**
 * The uploaded remaining-life model behind a prediction (diagnostics/catalog, `rul-model`
 * documents): which artefact and version, what it was trained on and how well it
 * cross-validated, and what it predicts now, in its own time unit.
 */
export interface ModelEvidence {
  /** Artefact id (content hash) and the catalogue version that bound it to this mode. */
  id: string;
  version: number;
  createdAt: string;
  /** What it was trained on, as the learner recorded it. */
  training: RulModelArtefact['training'];
  /** Its cross-validated scores (learn/validation.ts): RMSE, PHM08, interval coverage at `level`. */
  cv: RulModelArtefact['cv'];
  /** Milliseconds per model time unit (the upload's `timeUnit`). */
  timeUnitMs: number;
  /** Latest prediction (model time units) and its interval at `cv.level`. */
  rul: number;
  lower: number;
  upper: number;
}

/** One metric's part in a verdict. */
export interface Finding {
  metric: string;
  /** Last observed value (NaN when the metric is missing, e.g. a gap). */
  value: number;
  /** What the detector expected: baseline mean, limit, or last good value. */
  expected: number;
  /**
   * Signed deviation in the detector's own unit (σ for EWMA/CUSUM, robust scale for spikes,
   * normalised progress towards failure for trends). The sign gives the direction.
   */
  score: number;
}

/** Remaining useful life with a confidence band, all in milliseconds. */
export interface RulEstimate {
  /** Point estimate of the time left until the failure threshold is crossed. */
  rulMs: number;
  /** Lower/upper bound of the band (upper may be Infinity when the slope is not significant). */
  lowMs: number;
  highMs: number;
  /** Two-sided confidence level of the band, e.g. 0.9. */
  confidence: number;
}

/** What a detector reports when one sample (or tick) makes it fire. */
export interface Verdict {
  detector: DetectorName;
  severity: Severity;
  findings: Finding[];
  /** Epoch ms of the first sample of the evidence window and of the sample that fired. */
  windowStart: number;
  windowEnd: number;
  message: string;
  /** Failure mode the detector is bound to (trend, hard limits and fault codes know it). */
  modeId?: string;
  /** Reported fault code (fault-code detector). */
  code?: string;
  rul?: RulEstimate;
  /** The uploaded model that made this verdict (rul-model detector). */
  model?: ModelEvidence;
}

/** Per-sensor part of a health score: how many points of the 100 this metric takes away. */
export interface Contribution {
  metric: string;
  /** Points removed from 100 by this metric (≥ 0). */
  points: number;
  value: number;
  baseline: number;
}

/** Health of one failure mode of one device. */
export interface ModeHealth {
  modeId: string;
  /** 0 (failed) … 100 (as new). */
  score: number;
  /** Health indicator 0 (healthy) … 1 (failure threshold); may exceed 1. */
  indicator: number;
  contributions: Contribution[];
  rul?: RulEstimate;
}

/** Health of one device: the worst mode decides the device score. */
export interface HealthReport {
  deviceId: string;
  category: Category;
  ts: number;
  score: number;
  modes: ModeHealth[];
}

/** Evidence attached to an alert candidate: enough for an engineer to check the reasoning. */
export interface Evidence {
  detector: DetectorName;
  metrics: string[];
  windowStart: number;
  windowEnd: number;
  findings: Finding[];
  contributions: Contribution[];
  message: string;
  /** The uploaded model whose remaining life the candidate carries. */
  model?: ModelEvidence;
}

/** Recommended action in both languages the service speaks. */
export interface Action {
  zh: string;
  en: string;
}

/**
 * What the engine proposes to the alert lifecycle (phase 2 stores and delivers it).
 * At most one open candidate per device and failure mode: `key` = `${deviceId}/${modeId}`.
 */
export interface AlertCandidate {
  key: string;
  deviceId: string;
  category: Category;
  model: string;
  modeId: string;
  modeName: string;
  component: string;
  severity: Severity;
  /** Epoch ms of the sample or event that opened (or escalated) the candidate. */
  ts: number;
  /** 1 when opened, incremented when the same open candidate escalates. */
  revision: number;
  /** Predicted failure time (epoch ms) with its band; absent for instant faults. */
  predictedFailure?: { at: number; earliest: number; latest: number; confidence: number };
  evidence: Evidence[];
  action: Action;
  /** Parts to bring, as their (English) identifiers: repair orders carry these. */
  parts: string[];
  /** What the pages show, in both languages: mode, component and parts. */
  names: { mode: Action; component: Action; parts: Action[] };
}
