import type { Category } from '../../ingest/categories.ts';
import { cusumDetector, type CusumState } from '../detectors/cusum.ts';
import { ewmaDetector, type EwmaState } from '../detectors/ewma.ts';
import { faultCodeDetector, type FaultCodeState } from '../detectors/fault-code.ts';
import { gapDetector, type GapState } from '../detectors/gap.ts';
import { hardLimitDetector, type HardLimitState } from '../detectors/hard-limit.ts';
import { spikeDetector, type SpikeState } from '../detectors/spike.ts';
import { stepDetector, type StepState } from '../detectors/step.ts';
import { stuckDetector, type StuckState } from '../detectors/stuck.ts';
import { rulModelDetector, type RulModelState } from '../detectors/rul-model.ts';
import { trendDetector, type TrendState } from '../detectors/trend.ts';
import type { Placement } from '../detectors/detector.ts';
import type { AlertCandidate, Verdict } from '../types.ts';
import type { CategoryPlan } from './plan.ts';

/**
 * Everything the engine keeps about one device. Bounded by construction: a fixed number of
 * detector states sized by the category's metric and mode counts, one open candidate per mode
 * at most, and a single slot for the latest generic anomaly (kept as supporting evidence).
 */
export interface DeviceState {
  plan: CategoryPlan;
  deviceId: string;
  category: Category;
  model: string;
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
  /** Catalogue generation the state was made or migrated for (engine.reconfigure). */
  gen: number;
  /** Created on the first candidate: most devices never have one. */
  open: Map<string, AlertCandidate> | undefined;
  anomaly: Verdict | undefined;
}

/** Numbers each detector of the plan needs, in the order they are placed in the array. */
export function stateSize(plan: CategoryPlan): number {
  return (
    ewmaDetector.size!(plan.ewma) +
    cusumDetector.size!(plan.cusum) +
    stuckDetector.size!(plan.stuck) +
    spikeDetector.size!(plan.spike) +
    hardLimitDetector.size!(plan.limits) +
    faultCodeDetector.size!(plan.codes) +
    plan.trends.reduce((a, c) => a + trendDetector.size!(c), 0) +
    plan.steps.reduce((a, c) => a + stepDetector.size!(c), 0) +
    plan.rulModels.reduce((a, c) => a + rulModelDetector.size!(c), 0)
  );
}

/**
 * Fresh state for a device of the plan's category: every detector's numbers in one
 * Float64Array (one allocation, no per-detector array bookkeeping).
 */
export function createDeviceState(
  plan: CategoryPlan,
  deviceId: string,
  model: string,
  gen = 0,
): DeviceState {
  const buf = new Float64Array(stateSize(plan));
  let offset = 0;
  const at = (n: number): Placement => {
    const p = { buf, offset };
    offset += n;
    return p;
  };
  return {
    plan,
    deviceId,
    category: plan.profile.category,
    model,
    ewma: ewmaDetector.init(plan.ewma, at(ewmaDetector.size!(plan.ewma))),
    cusum: cusumDetector.init(plan.cusum, at(cusumDetector.size!(plan.cusum))),
    stuck: stuckDetector.init(plan.stuck, at(stuckDetector.size!(plan.stuck))),
    spike: spikeDetector.init(plan.spike, at(spikeDetector.size!(plan.spike))),
    gap: gapDetector.init(plan.gap),
    limits: hardLimitDetector.init(plan.limits, at(hardLimitDetector.size!(plan.limits))),
    codes: faultCodeDetector.init(plan.codes, at(faultCodeDetector.size!(plan.codes))),
    trends: plan.trends.map((c) => trendDetector.init(c, at(trendDetector.size!(c)))),
    steps: plan.steps.map((c) => stepDetector.init(c, at(stepDetector.size!(c)))),
    rulModels: plan.rulModels.map((c) => rulModelDetector.init(c, at(rulModelDetector.size!(c)))),
    gen,
    open: undefined,
    anomaly: undefined,
  };
}
