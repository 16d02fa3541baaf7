import { predictGbt } from '../numerics/gbt.ts';
import type { RulModelArtefact } from './artefact.ts';
import { featureCount, initFeatures, pushFeatures, readFeatures, stateSize } from './features.ts';
import { intervalFor } from './interval.ts';

/** Remaining life after the last row, with the model's interval (file time units). */
export interface RulEstimate {
  rul: number;
  lower: number;
  upper: number;
}

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
    push: (state, o, row) => pushFeatures(spec, state, o, row),
    rows: (state, o) => state[o]!,
    predict(state, o) {
      if (state[o]! < spec.window) return null;
      readFeatures(spec, state, o, x);
      const rul = clampRul(predictGbt(model.gbt, x), model.cap);
      return { rul, ...intervalFor(model.interval, rul) };
    },
  };
}

export function clampRul(x: number, cap: number): number {
  return Math.min(cap, Math.max(0, x));
}
