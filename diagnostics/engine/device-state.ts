import type { Category } from '../../ingest/categories.ts';
import { cusumDetector, type CusumState } from '../detectors/cusum.ts';
import { ewmaDetector, type EwmaState } from '../detectors/ewma.ts';
import { faultCodeDetector, type FaultCodeState } from '../detectors/fault-code.ts';
import { gapDetector, type GapState } from '../detectors/gap.ts';
import { hardLimitDetector, type HardLimitState } from '../detectors/hard-limit.ts';
import { spikeDetector, type SpikeState } from '../detectors/spike.ts';
import { stepDetector, type StepState } from '../detectors/step.ts';
import { stuckDetector, type StuckState } from '../detectors/stuck.ts';
import { trendDetector, type TrendState } from '../detectors/trend.ts';
import type { AlertCandidate, Verdict } from '../types.ts';
import type { CategoryPlan } from './plan.ts';

/**
 * Everything the engine keeps about one device. Bounded by construction: a fixed number of
 * detector states sized by the category's metric and mode counts, one open candidate per mode
 * at most, and a single slot for the latest generic anomaly (kept as supporting evidence).
 */
export interface DeviceState {
  plan: CategoryPlan;
  ref: { deviceId: string; category: Category; model: string };
  ewma: EwmaState;
  cusum: CusumState;
  stuck: StuckState;
  spike: SpikeState;
  gap: GapState;
  limits: HardLimitState;
  codes: FaultCodeState;
  trends: TrendState[];
  steps: StepState[];
  /** Created on the first candidate: most devices never have one. */
  open: Map<string, AlertCandidate> | undefined;
  anomaly: Verdict | undefined;
}

/** Fresh state for a device of the plan's category. */
export function createDeviceState(plan: CategoryPlan, deviceId: string, model: string): DeviceState {
  return {
    plan,
    ref: { deviceId, category: plan.profile.category, model },
    ewma: ewmaDetector.init(plan.ewma),
    cusum: cusumDetector.init(plan.cusum),
    stuck: stuckDetector.init(plan.stuck),
    spike: spikeDetector.init(plan.spike),
    gap: gapDetector.init(plan.gap),
    limits: hardLimitDetector.init(plan.limits),
    codes: faultCodeDetector.init(plan.codes),
    trends: plan.trends.map((c) => trendDetector.init(c)),
    steps: plan.steps.map((c) => stepDetector.init(c)),
    open: undefined,
    anomaly: undefined,
  };
}
