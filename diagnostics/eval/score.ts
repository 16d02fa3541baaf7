/**
 * Scoring of an evaluation run: the alerts the engine opened against the simulator's ground
 * truth. Pure functions on plain records, so the rules below are unit-tested on crafted cases
 * (score.test.ts) apart from any simulation.
 *
 * Rules (one fault per device at most, as the simulator injects them):
 * - A **degradation** fault is detected by the first alert naming its mode at or after its
 *   onset (or the window start, if the unit arrived degrading) and at most `graceMs` after its
 *   failure. Lead time = failure − that alert (negative when it came after the failure);
 *   lead share = lead / the fault's degradation span (failure − onset).
 * - A **sudden** fault is detected by an alert naming its mode at or after the failure and
 *   within `graceMs` after it became observable (`observableAt`, default the failure: a car
 *   whose thermostat sticks on Friday night and that stays parked until Monday shows it on
 *   Monday); its delay is counted in samples: the first sample at or after that is 1.
 * - Every other alert is false (wrong mode, or the right mode before the fault started), except
 *   alerts on a failed unit after its failure + grace: the unit is broken and due for repair;
 *   they are counted as `aftermath`, neither true nor false.
 * - Precision of a mode = alerts that detected a fault / alerts naming the mode.
 * - RUL: each checkpoint is a predicted failure time taken after the fault's detection;
 *   error = predicted − actual; late = predicted after the actual failure.
 */
export interface TruthRecord {
  deviceId: string;
  category: string;
  mode: string;
  kind: 'degradation' | 'sudden';
  onset: number;
  failureAt: number;
  /** The device's sampling interval (ms), for a sudden fault's delay in samples. */
  intervalMs: number;
  /**
   * Sudden faults: the first sample at which the fault shows in the data (it may fail while
   * idle and show at the next use); its delay is counted from here. Default: the failure.
   */
  observableAt?: number;
}

export interface AlertRecord {
  deviceId: string;
  category: string;
  mode: string;
  /** Epoch ms of the sample or event that opened the alert. */
  ts: number;
  /** Detector of the opening evidence (`trend`, `fault-code`, `step`…). */
  detector: string;
  /** Metrics of the opening evidence (to see what a false alarm reacted to). */
  metrics?: string[];
}

export interface RulCheckpoint {
  deviceId: string;
  /** When the prediction was read, and the failure time it predicted (epoch ms). */
  ts: number;
  predictedFailureAt: number;
}

export interface ScoreInput {
  truth: readonly TruthRecord[];
  alerts: readonly AlertRecord[];
  rul: readonly RulCheckpoint[];
  /** Observed window (epoch ms), and the number of devices observed over it. */
  start: number;
  end: number;
  devices: number;
  graceMs: number;
  /**
   * Kind of each mode that may be alerted (`category/mode` → kind), for modes that alerted
   * without any fault of theirs in the fleet; unlisted ones are the built-in modes.
   */
  modeKinds?: ReadonlyMap<string, 'degradation' | 'sudden'>;
}

export interface ModeScore {
  category: string;
  mode: string;
  kind: 'degradation' | 'sudden' | 'builtin';
  faults: number;
  detected: number;
  recall: number | null;
  alerts: number;
  truePositives: number;
  falseAlarms: number;
  precision: number | null;
  /** Days; null without detections. */
  leadMedianDays: number | null;
  leadP10Days: number | null;
  leadShareMedian: number | null;
  leadShareP10: number | null;
  /**
   * Best lead share the window allows: median of min(1, (failure − window start) / span). A
   * unit first seen late in its degradation cannot be warned about earlier than first seen.
   */
  leadShareCeiling: number | null;
  /**
   * Sudden faults: delay of the detecting alert in samples, 1 = the first sample that shows
   * the fault; and (`…FromFailure`) counted from the failure itself.
   */
  delaySamplesMedian: number | null;
  delaySamplesMax: number | null;
  delayFromFailureMax: number | null;
  rulRmseDays: number | null;
  rulLateShare: number | null;
  rulCheckpoints: number;
  /** Detector of each detection's first alert, counted. */
  detectedBy: Record<string, number>;
}

export interface Overall {
  deviceDays: number;
  faults: number;
  detected: number;
  alerts: number;
  falseAlarms: number;
  aftermath: number;
  falseAlarmsPer1000DeviceDays: number;
  precision: number | null;
  degradation: {
    faults: number;
    recall: number | null;
    leadMedianDays: number | null;
    leadP10Days: number | null;
    leadShareMedian: number | null;
    leadShareP10: number | null;
    leadShareCeiling: number | null;
  };
  sudden: {
    faults: number;
    recall: number | null;
    delaySamplesMedian: number | null;
    withinTwoSamples: number | null;
  };
  rulRmseDays: number | null;
  rulLateShare: number | null;
  minModeRecall: number | null;
}

export interface Score {
  modes: ModeScore[];
  overall: Overall;
  /** The false alarms themselves (the first 500), to see what went wrong. */
  falseAlarmList: AlertRecord[];
}

const DAY_MS = 86_400_000;

/** Scores one run; see the module comment for the rules. */
export function scoreRun(input: ScoreInput): Score {
  const truthByDevice = new Map(input.truth.map((t) => [t.deviceId, t]));
  const alerts = [...input.alerts].sort((a, b) => a.ts - b.ts);
  const detection = new Map<string, AlertRecord>(); // deviceId → detecting alert
  const rows = new Map<string, Acc>();
  const row = (category: string, mode: string, kind: ModeScore['kind']): Acc => {
    const key = `${category}/${mode}`;
    let r = rows.get(key);
    if (!r) rows.set(key, (r = newAcc(category, mode, kind)));
    return r;
  };
  for (const t of input.truth) row(t.category, t.mode, t.kind).truth.push(t);
  let aftermath = 0;
  const falseAlarmList: AlertRecord[] = [];
  for (const a of alerts) {
    const t = truthByDevice.get(a.deviceId);
    if (t && a.ts > graceEnd(t, input)) {
      if (a.mode !== t.mode || detection.has(a.deviceId)) {
        aftermath++;
        continue;
      }
    }
    const r = row(a.category, a.mode, t?.mode === a.mode ? t.kind : kindOf(rows, a, input));
    r.alerts++;
    if (t && t.mode === a.mode && !detection.has(a.deviceId) && detects(t, a, input)) {
      detection.set(a.deviceId, a);
      r.tp++;
      r.detectedBy[a.detector] = (r.detectedBy[a.detector] ?? 0) + 1;
    } else if (t && t.mode === a.mode && a.ts > graceEnd(t, input)) {
      aftermath++; // the fault's own mode, too late to count: missed, not false
      r.alerts--;
    } else {
      r.fp++;
      if (falseAlarmList.length < 500) falseAlarmList.push(a);
    }
  }
  const rulByDevice = new Map<string, RulCheckpoint[]>();
  for (const c of input.rul) {
    const list = rulByDevice.get(c.deviceId) ?? [];
    list.push(c);
    rulByDevice.set(c.deviceId, list);
  }
  const modes = [...rows.values()].map((r) => finish(r, detection, rulByDevice, input));
  modes.sort((a, b) => (a.category + a.mode).localeCompare(b.category + b.mode));
  return {
    modes,
    overall: overallOf(modes, input, detection, rulByDevice, aftermath),
    falseAlarmList,
  };
}

interface Acc {
  category: string;
  mode: string;
  kind: ModeScore['kind'];
  truth: TruthRecord[];
  alerts: number;
  tp: number;
  fp: number;
  detectedBy: Record<string, number>;
}

function newAcc(category: string, mode: string, kind: ModeScore['kind']): Acc {
  return { category, mode, kind, truth: [], alerts: 0, tp: 0, fp: 0, detectedBy: {} };
}

/** Kind of a mode seen in a false alert: from its faults, else from the profiles, else built-in. */
function kindOf(rows: Map<string, Acc>, a: AlertRecord, input: ScoreInput): ModeScore['kind'] {
  const key = `${a.category}/${a.mode}`;
  return rows.get(key)?.kind ?? input.modeKinds?.get(key) ?? 'builtin';
}

/**
 * Last moment an alert still detects the fault: `graceMs` after its failure, or for a sudden
 * fault after it became observable (no one can alert on a fault nothing shows yet).
 */
export function graceEnd(t: TruthRecord, input: Pick<ScoreInput, 'graceMs'>): number {
  const from =
    t.kind === 'sudden' ? Math.max(t.failureAt, t.observableAt ?? t.failureAt) : t.failureAt;
  return from + input.graceMs;
}

function detects(t: TruthRecord, a: AlertRecord, input: ScoreInput): boolean {
  if (a.ts > graceEnd(t, input)) return false;
  if (t.kind === 'sudden') return a.ts >= t.failureAt;
  return a.ts >= Math.min(Math.max(t.onset, input.start), t.failureAt);
}

/** Samples from the failure to the alert, the first sample at or after the failure being 1. */
export function delayInSamples(failureAt: number, alertTs: number, intervalMs: number): number {
  return Math.floor(Math.max(0, alertTs - failureAt) / intervalMs) + 1;
}

function suddenDelay(t: TruthRecord, detection: Map<string, AlertRecord>): number {
  return delayInSamples(t.observableAt ?? t.failureAt, detection.get(t.deviceId)!.ts, t.intervalMs);
}

function finish(
  r: Acc,
  detection: Map<string, AlertRecord>,
  rulByDevice: Map<string, RulCheckpoint[]>,
  input: ScoreInput,
): ModeScore {
  const found = r.truth.filter((t) => detection.has(t.deviceId));
  const leads = found.map((t) => t.failureAt - detection.get(t.deviceId)!.ts);
  const shares = found
    .filter((t) => t.failureAt > t.onset)
    .map((t) => (t.failureAt - detection.get(t.deviceId)!.ts) / (t.failureAt - t.onset));
  const ceilings = r.truth
    .filter((t) => t.failureAt > t.onset)
    .map((t) => Math.min(1, (t.failureAt - input.start) / (t.failureAt - t.onset)));
  const delays = r.kind === 'sudden' ? found.map((t) => suddenDelay(t, detection)) : [];
  const fromFailure =
    r.kind === 'sudden'
      ? found.map((t) => delayInSamples(t.failureAt, detection.get(t.deviceId)!.ts, t.intervalMs))
      : [];
  const rul = rulErrors(found, rulByDevice);
  const degradation = r.kind === 'degradation';
  return {
    category: r.category,
    mode: r.mode,
    kind: r.kind,
    faults: r.truth.length,
    detected: found.length,
    recall: r.truth.length ? found.length / r.truth.length : null,
    alerts: r.alerts,
    truePositives: r.tp,
    falseAlarms: r.fp,
    precision: r.alerts ? r.tp / r.alerts : null,
    leadMedianDays: degradation ? days(quantile(leads, 0.5)) : null,
    leadP10Days: degradation ? days(quantile(leads, 0.1)) : null,
    leadShareMedian: degradation ? quantile(shares, 0.5) : null,
    leadShareP10: degradation ? quantile(shares, 0.1) : null,
    leadShareCeiling: degradation ? quantile(ceilings, 0.5) : null,
    delaySamplesMedian: r.kind === 'sudden' ? quantile(delays, 0.5) : null,
    delaySamplesMax: delays.length ? Math.max(...delays) : null,
    delayFromFailureMax: fromFailure.length ? Math.max(...fromFailure) : null,
    rulRmseDays: rul.errors.length ? days(rms(rul.errors)) : null,
    rulLateShare: rul.errors.length ? rul.late / rul.errors.length : null,
    rulCheckpoints: rul.errors.length,
    detectedBy: r.detectedBy,
  };
}

function rulErrors(
  found: readonly TruthRecord[],
  rulByDevice: Map<string, RulCheckpoint[]>,
): { errors: number[]; late: number } {
  const errors: number[] = [];
  let late = 0;
  for (const t of found) {
    if (t.kind !== 'degradation') continue;
    for (const c of rulByDevice.get(t.deviceId) ?? []) {
      if (c.ts > t.failureAt || !Number.isFinite(c.predictedFailureAt)) continue;
      errors.push(c.predictedFailureAt - t.failureAt);
      if (c.predictedFailureAt > t.failureAt) late++;
    }
  }
  return { errors, late };
}

function overallOf(
  modes: ModeScore[],
  input: ScoreInput,
  detection: Map<string, AlertRecord>,
  rulByDevice: Map<string, RulCheckpoint[]>,
  aftermath: number,
): Overall {
  const deviceDays = (input.devices * (input.end - input.start)) / DAY_MS;
  const sum = (f: (m: ModeScore) => number): number => modes.reduce((a, m) => a + f(m), 0);
  const alerts = sum((m) => m.alerts);
  const falseAlarms = sum((m) => m.falseAlarms);
  const deg = input.truth.filter((t) => t.kind === 'degradation');
  const degFound = deg.filter((t) => detection.has(t.deviceId));
  const sud = input.truth.filter((t) => t.kind === 'sudden');
  const sudDelays = sud
    .filter((t) => detection.has(t.deviceId))
    .map((t) => suddenDelay(t, detection));
  const leads = degFound.map((t) => t.failureAt - detection.get(t.deviceId)!.ts);
  const shares = degFound.map(
    (t) => (t.failureAt - detection.get(t.deviceId)!.ts) / (t.failureAt - t.onset),
  );
  const rul = rulErrors(degFound, rulByDevice);
  const recalls = modes.filter((m) => m.recall !== null).map((m) => m.recall!);
  return {
    deviceDays,
    faults: input.truth.length,
    detected: detection.size,
    alerts,
    falseAlarms,
    aftermath,
    falseAlarmsPer1000DeviceDays: deviceDays > 0 ? (1000 * falseAlarms) / deviceDays : 0,
    precision: alerts ? sum((m) => m.truePositives) / alerts : null,
    degradation: {
      faults: deg.length,
      recall: deg.length ? degFound.length / deg.length : null,
      leadMedianDays: days(quantile(leads, 0.5)),
      leadP10Days: days(quantile(leads, 0.1)),
      leadShareMedian: quantile(shares, 0.5),
      leadShareP10: quantile(shares, 0.1),
      leadShareCeiling: quantile(
        deg.map((t) => Math.min(1, (t.failureAt - input.start) / (t.failureAt - t.onset))),
        0.5,
      ),
    },
    sudden: {
      faults: sud.length,
      recall: sud.length ? sudDelays.length / sud.length : null,
      delaySamplesMedian: quantile(sudDelays, 0.5),
      withinTwoSamples: sud.length ? sudDelays.filter((d) => d <= 2).length / sud.length : null,
    },
    rulRmseDays: rul.errors.length ? days(rms(rul.errors)) : null,
    rulLateShare: rul.errors.length ? rul.late / rul.errors.length : null,
    minModeRecall: recalls.length ? Math.min(...recalls) : null,
  };
}

/** Quantile by linear interpolation between order statistics (type 7); null when empty. */
export function quantile(xs: readonly number[], q: number): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const h = (s.length - 1) * q;
  const lo = Math.floor(h);
  return s[lo]! + (h - lo) * (s[Math.min(lo + 1, s.length - 1)]! - s[lo]!);
}

function rms(xs: readonly number[]): number {
  return Math.sqrt(xs.reduce((a, x) => a + x * x, 0) / xs.length);
}

function days(ms: number | null): number | null {
  return ms === null ? null : ms / DAY_MS;
}
