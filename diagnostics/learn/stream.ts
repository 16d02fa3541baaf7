import { predictGbt } from '../numerics/gbt.ts';
import type { RulModelArtefact } from './artefact.ts';
import {
  featureCount,
  HEADER_SLOTS,
  initFeatures,
  pushFeatures,
  readFeatures,
  SLOTS_PER_SENSOR,
  stateSize,
} from './features.ts';
import { intervalFor } from './interval.ts';

/** Remaining life after the last row, with the model's interval (file time units). */
export interface RulEstimate {
  rul: number;
  lower: number;
  upper: number;
  /** Whose baseline the unit is judged from: its own first rows, or the training fleet's. */
  reference: 'unit' | 'fleet';
}

/**
 * A unit whose own baseline sits further than this from the training fleet's (mean |z| over the
 * sensors, in fleet baseline SDs) was already worn when first seen, and is judged from the fleet's
 * baseline instead. On C-MAPSS FD001 no training engine's first 30 cycles reach 1.52; engines
 * first seen 60 cycles before failure reach 2.2 in the median, and judging those from the fleet's
 * baseline took their RMSE from 25.2 to 20.3 cycles (bench/RESULTS.md).
 */
export const WORN_AT_FIRST_SIGHT = 2;

/**
 * A model's row-by-row evaluation on caller-owned state: the service keeps one slice per device
 * in its own arrays; the CLI uses one per unit. One row is the sensors' readings (in
 * `model.sensors` order, NaN when missing) over one `rowInterval` of time.
 */
export interface RulStream {
  /** Float64 slots of per-unit state this model needs. */
  readonly stateSize: number;
  init(state: Float64Array, offset: number): void;
  push(state: Float64Array, offset: number, row: ArrayLike<number>): void;
  /** Rows pushed since `init`. */
  rows(state: Float64Array, offset: number): number;
  /** Null until the unit has `features.window` rows (its baseline). */
  predict(state: Float64Array, offset: number): RulEstimate | null;
}

export function createRulStream(model: RulModelArtefact): RulStream {
  const spec = model.features;
  const x = new Float64Array(featureCount(spec));
  return {
    stateSize: stateSize(spec),
    init: (state, o) => initFeatures(spec, state, o),
    push(state, o, row) {
      pushFeatures(spec, state, o, row);
      if (state[o] === spec.window) judgeBaseline(model, state, o);
    },
    rows: (state, o) => state[o]!,
    predict(state, o) {
      if (state[o]! < spec.window) return null;
      readFeatures(spec, state, o, x);
      const rul = clampRul(predictGbt(model.gbt, x), model.cap);
      return {
        rul,
        ...intervalFor(model.interval, rul),
        reference: state[o + 4] === 1 ? 'fleet' : 'unit',
      };
    },
  };
}

export function clampRul(x: number, cap: number): number {
  return Math.min(cap, Math.max(0, x));
}

/** Once the baseline is complete: a unit first seen already worn takes the fleet's baseline. */
function judgeBaseline(model: RulModelArtefact, state: Float64Array, o: number): void {
  const { mean, sd } = model.fleetBaseline;
  let sum = 0;
  let n = 0;
  for (let k = 0; k < mean.length; k++) {
    if (!(sd[k]! > 0)) continue;
    sum += Math.abs(state[o + HEADER_SLOTS + k * SLOTS_PER_SENSOR + 2]! - mean[k]!) / sd[k]!;
    n++;
  }
  if (n === 0 || sum / n <= WORN_AT_FIRST_SIGHT) return;
  for (let k = 0; k < mean.length; k++)
    state[o + HEADER_SLOTS + k * SLOTS_PER_SENSOR + 2] = mean[k]!;
  state[o + 4] = 1;
}
