import type { Sample } from '../../core/index.ts';
import type { RulStream } from '../models/learner.ts';
import type { ModelEvidence, RulEstimate, Verdict } from '../types.ts';
import { place, readMetric, type Detector } from './detector.ts';

/**
 * Remaining life of one failure mode from an uploaded model (`sanbao diagnose replay --save`,
 * bound to the mode by a `rul-model` catalogue document). The model was trained on rows of
 * sensor values, one row per `rowInterval` of its time unit; live samples are aggregated the
 * same way (the mean of each mapped metric over the row's samples, NaN where it had none) and
 * each finished row is pushed into the model's streaming predictor, whose state sits in the
 * device's array like every other detector's.
 *
 * Rows start at the device's first sample and follow each other every `rowMs`; a row with
 * no qualifying sample (the upload's operating condition, say "working") is not pushed, as
 * the training export leaves such rows out. After each push (at most every 15 minutes of the
 * device's time, for models with shorter rows) the prediction is kept in the state (health
 * reads it without predicting again) and, when the remaining life is within
 * `alertWithinMs`, returned as a verdict: the engine turns it into the mode's candidate with
 * the predicted failure time and the model's evidence.
 */
export interface RulModelConfig {
  modeId: string;
  /** Category metric for each model sensor, in the model's sensor order. */
  metrics: readonly string[];
  /** Length of one row, ms (the model's rowInterval × timeUnitMs). */
  rowMs: number;
  stream: RulStream;
  /** Only samples for which this holds are aggregated (operating condition). */
  when?: (sample: Sample) => boolean;
  /** Name of that condition ('always' when absent). */
  condition: string;
  /** The model's RUL cap (its time unit): a prediction at the cap scores 100. */
  cap: number;
  /** A remaining life at or below this makes a verdict. */
  alertWithinMs: number;
  /** Model facts for the evidence; `rul`, `lower`, `upper` are filled per verdict. */
  model: Omit<ModelEvidence, 'rul' | 'lower' | 'upper'>;
}

export interface RulModelState {
  config: RulModelConfig;
  s: Float64Array;
  o: number;
}

// Header slots, then per-sensor sums and counts of the open row, then the model's own state.
const ROW_START = 0;
const PRED_TS = 1; // end of the row the prediction was made after; 0 = none yet
const RUL = 2; // model time units
const LOWER = 3;
const UPPER = 4;
const HEAD = 5;

/** Least time between two predictions (rows shorter than this are still all pushed). */
export const PREDICT_EVERY_MS = 15 * 60_000;

/** Reused row buffer (no allocation per push). */
let row = new Float64Array(16);

export const rulModelDetector: Detector<RulModelConfig, RulModelState> = {
  name: 'rul-model',
  init(config, at) {
    const { s, o } = place(rulModelDetector.size!(config), at);
    s.fill(0, o, o + HEAD + 2 * config.metrics.length);
    config.stream.init(s, o + HEAD + 2 * config.metrics.length);
    return { config, s, o };
  },
  size: (config) => HEAD + 2 * config.metrics.length + config.stream.stateSize,
  update(st, sample) {
    const c = st.config;
    const s = st.s;
    const o = st.o;
    const n = c.metrics.length;
    let verdict: Verdict | null = null;
    if (s[o + ROW_START] === 0) s[o + ROW_START] = sample.ts;
    else if (sample.ts - s[o + ROW_START]! >= c.rowMs) {
      const end = s[o + ROW_START]! + c.rowMs;
      verdict = closeRow(st, end);
      s[o + ROW_START] =
        s[o + ROW_START]! + Math.floor((sample.ts - s[o + ROW_START]!) / c.rowMs) * c.rowMs;
    }
    if (c.when !== undefined && !c.when(sample)) return verdict;
    for (let k = 0; k < n; k++) {
      const x = readMetric(sample, c.metrics[k]!);
      if (x !== x) continue;
      s[o + HEAD + k] = s[o + HEAD + k]! + x;
      s[o + HEAD + n + k] = s[o + HEAD + n + k]! + 1;
    }
    return verdict;
  },
};

/** Pushes the open row (if it had samples), predicts, and resets the sums. */
function closeRow(st: RulModelState, end: number): Verdict | null {
  const c = st.config;
  const s = st.s;
  const o = st.o;
  const n = c.metrics.length;
  if (row.length < n) row = new Float64Array(2 * n);
  let any = false;
  for (let k = 0; k < n; k++) {
    const count = s[o + HEAD + n + k]!;
    row[k] = count > 0 ? s[o + HEAD + k]! / count : Number.NaN;
    if (count > 0) any = true;
    s[o + HEAD + k] = 0;
    s[o + HEAD + n + k] = 0;
  }
  if (!any) return null;
  const at = o + HEAD + 2 * n;
  c.stream.push(s, at, row.length === n ? row : row.subarray(0, n));
  // A model with rows of a few minutes would predict every few samples: the trees cost a
  // few µs, so a prediction is made at most every PREDICT_EVERY_MS of the device's time.
  const last = s[o + PRED_TS]!;
  if (last !== 0 && end - last < PREDICT_EVERY_MS) return null;
  const p = c.stream.predict(s, at);
  if (!p) return null;
  s[o + PRED_TS] = end;
  s[o + RUL] = p.rul;
  s[o + LOWER] = p.lower;
  s[o + UPPER] = p.upper;
  const rul = rulModelEstimate(st)!;
  if (rul.rulMs > c.alertWithinMs) return null;
  const days = (rul.rulMs / 86_400_000).toFixed(1);
  return {
    detector: 'rul-model',
    severity: 'minor',
    findings: c.metrics.map((metric, k) => ({
      metric,
      value: row[k]!,
      expected: Number.NaN,
      score: 0,
    })),
    windowStart: s[o + ROW_START]!,
    windowEnd: end,
    message: `${c.modeId}: model ${c.model.id} v${c.model.version} predicts failure in ~${days} d${p.reference === 'fleet' ? " (first seen already worn: judged from the training fleet's baseline)" : ''}`,
    modeId: c.modeId,
    rul,
    model: modelEvidence(st)!,
  };
}

/** The latest prediction as a remaining life in ms, measured from the end of its row. */
export function rulModelEstimate(st: RulModelState): RulEstimate | undefined {
  const s = st.s;
  const o = st.o;
  if (s[o + PRED_TS] === 0) return undefined;
  const unit = st.config.model.timeUnitMs;
  return {
    rulMs: s[o + RUL]! * unit,
    lowMs: s[o + LOWER]! * unit,
    highMs: s[o + UPPER]! * unit,
    confidence: st.config.model.cv.level,
  };
}

/** Epoch ms the latest prediction refers to (end of its row); undefined before the first. */
export function rulModelPredictedAt(st: RulModelState): number | undefined {
  const t = st.s[st.o + PRED_TS]!;
  return t === 0 ? undefined : t;
}

/** The model's evidence with its latest prediction; undefined before the first. */
export function modelEvidence(st: RulModelState): ModelEvidence | undefined {
  const s = st.s;
  const o = st.o;
  if (s[o + PRED_TS] === 0) return undefined;
  return { ...st.config.model, rul: s[o + RUL]!, lower: s[o + LOWER]!, upper: s[o + UPPER]! };
}

/** Health score implied by the model: 100 at its cap (as healthy as it can tell), 0 at 0. */
export function rulModelScore(st: RulModelState): number | undefined {
  if (st.s[st.o + PRED_TS] === 0) return undefined;
  return Math.max(0, Math.min(100, (100 * st.s[st.o + RUL]!) / st.config.cap));
}
