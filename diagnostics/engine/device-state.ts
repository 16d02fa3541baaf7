import { cusumDetector, type CusumState } from '../detectors/cusum.ts';
import { ewmaDetector, type EwmaState } from '../detectors/ewma.ts';
import { faultCodeDetector, type FaultCodeState } from '../detectors/fault-code.ts';
import { gapDetector, type GapState } from '../detectors/gap.ts';
import { hardLimitDetector, type HardLimitState } from '../detectors/hard-limit.ts';
import { rulModelDetector, type RulModelState } from '../detectors/rul-model.ts';
import { spikeDetector, type SpikeState } from '../detectors/spike.ts';
import { stepDetector, type StepState } from '../detectors/step.ts';
import { stuckDetector, type StuckState } from '../detectors/stuck.ts';
import { trendDetector, type TrendState } from '../detectors/trend.ts';
import type { Placement } from '../detectors/detector.ts';
import type { AlertCandidate, Verdict } from '../types.ts';
import type { CategoryPlan } from './plan.ts';

/**
 * Everything the engine keeps about one device. Bounded by construction: one Float64Array with
 * every detector's numbers (laid out the same for every device of a plan), one open candidate
 * per mode at most, and a single slot for the latest generic anomaly (kept as supporting
 * evidence). A device costs its numbers and this object, nothing per detector: the detector
 * state objects (which say where each detector's numbers are) are the plan's, shared, and
 * pointed at a device's array when it is judged (`bind`).
 */
export interface DeviceState {
  plan: CategoryPlan;
  deviceId: string;
  model: string;
  buf: Float64Array;
  /** Created on the first candidate: most devices never have one. */
  open: Map<string, AlertCandidate> | undefined;
  anomaly: Verdict | undefined;
  /** Changed since the engine's last `takeChanged()` (cluster mode saves only those). */
  changed?: boolean;
}

/** The detector states of a plan, pointed at one device's numbers at a time. */
export interface DetectorStates {
  ewma: EwmaState;
  cusum: CusumState;
  stuck: StuckState;
  spike: SpikeState;
  gap: GapState;
  limits: HardLimitState;
  codes: FaultCodeState;
  trends: TrendState[];
  steps: StepState[];
  rulModels: RulModelState[];
}

interface Layout {
  states: DetectorStates;
  /** Every detector's initial numbers: a new device's array is a copy. */
  template: Float64Array;
  /** The array the states point at now. */
  bound: Float64Array;
}

const layouts = new WeakMap<CategoryPlan, Layout>();

/** Numbers each detector of the plan needs, in the order they are placed in the array. */
export function stateSize(plan: CategoryPlan): number {
  return (
    ewmaDetector.size!(plan.ewma) +
    cusumDetector.size!(plan.cusum) +
    stuckDetector.size!(plan.stuck) +
    spikeDetector.size!(plan.spike) +
    gapDetector.size!(plan.gap) +
    hardLimitDetector.size!(plan.limits) +
    faultCodeDetector.size!(plan.codes) +
    plan.trends.reduce((a, c) => a + trendDetector.size!(c), 0) +
    plan.steps.reduce((a, c) => a + stepDetector.size!(c), 0) +
    plan.rulModels.reduce((a, c) => a + rulModelDetector.size!(c), 0)
  );
}

/** The plan's detector states and initial numbers, made once per plan. */
function layoutOf(plan: CategoryPlan): Layout {
  let l = layouts.get(plan);
  if (l) return l;
  const buf = new Float64Array(stateSize(plan));
  let offset = 0;
  const at = (n: number): Placement => {
    const p = { buf, offset };
    offset += n;
    return p;
  };
  const states: DetectorStates = {
    ewma: ewmaDetector.init(plan.ewma, at(ewmaDetector.size!(plan.ewma))),
    cusum: cusumDetector.init(plan.cusum, at(cusumDetector.size!(plan.cusum))),
    stuck: stuckDetector.init(plan.stuck, at(stuckDetector.size!(plan.stuck))),
    spike: spikeDetector.init(plan.spike, at(spikeDetector.size!(plan.spike))),
    gap: gapDetector.init(plan.gap, at(gapDetector.size!(plan.gap))),
    limits: hardLimitDetector.init(plan.limits, at(hardLimitDetector.size!(plan.limits))),
    codes: faultCodeDetector.init(plan.codes, at(faultCodeDetector.size!(plan.codes))),
    trends: plan.trends.map((c) => trendDetector.init(c, at(trendDetector.size!(c)))),
    steps: plan.steps.map((c) => stepDetector.init(c, at(stepDetector.size!(c)))),
    rulModels: plan.rulModels.map((c) => rulModelDetector.init(c, at(rulModelDetector.size!(c)))),
  };
  l = { states, template: buf.slice(), bound: buf };
  layouts.set(plan, l);
  return l;
}

/** Fresh state for a device of the plan: a copy of the plan's initial numbers. */
export function createDeviceState(
  plan: CategoryPlan,
  deviceId: string,
  model: string,
): DeviceState {
  return {
    plan,
    deviceId,
    model,
    buf: layoutOf(plan).template.slice(),
    open: undefined,
    anomaly: undefined,
  };
}

/**
 * The plan's detector states pointed at this device's numbers. Valid until another device of
 * the plan is bound: use them at once (the engine is synchronous).
 */
export function bind(dev: DeviceState): DetectorStates {
  const l = layoutOf(dev.plan);
  if (l.bound === dev.buf) return l.states;
  const b = dev.buf;
  const st = l.states;
  st.ewma.s = b;
  st.cusum.s = b;
  st.stuck.s = b;
  st.spike.s = b;
  st.gap.s = b;
  st.limits.s = b;
  st.codes.s = b;
  for (const t of st.trends) t.s = b;
  for (const t of st.steps) t.s = b;
  for (const t of st.rulModels) t.s = b;
  l.bound = b;
  return st;
}
