/**
 * Streaming features for remaining-life regression, computed row by row from bounded state, so
 * the CLI's batch learner and the service's live engine compute the very same numbers.
 *
 * Per sensor (z-scored with the training fleet's mean and SD):
 * - two causal EWMAs (short and long span): single readings are noisy (C-MAPSS sensors carry
 *   ~1 SD of noise per cycle) and a prediction may only use the past;
 * - both EWMAs minus the unit's own baseline, the mean of its first `window` rows. Units start
 *   with different initial wear and manufacturing variation (Saxena et al. 2008), so a reading is
 *   informative mostly as a move from where this unit began; on C-MAPSS FD001 this took the
 *   cross-validated RMSE from 14.5 to 12.6 cycles (bench/RESULTS.md);
 * - the slope of an exponentially weighted least-squares line (span `slopeSpan`), kept in the
 *   centred, Welford-style form (West 1979) so it needs no growing sums and stays exact in
 *   long-running state.
 * Plus, when the model uses it, the elapsed time since the unit's first row (rows ×
 * `rowInterval`: rows are evenly spaced by contract).
 *
 * State layout (Float64Array slice): [rows, W, meanT, Ctt, reference (stream.ts)] then per sensor
 * [ewShort, ewLong, baseline, meanX, Ctx]. NaN readings (missing) leave a sensor's state as is.
 */
export interface FeatureSpec {
  /** Per used sensor: training mean and SD (z-scoring). */
  mean: number[];
  sd: number[];
  /** Rows in the baseline (also the least rows a unit needs before it is predicted). */
  window: number;
  spans: [number, number];
  slopeSpan: number;
  elapsed: boolean;
  /** Time between two rows (file units): the elapsed-time feature is rows × this. */
  rowInterval: number;
}

export const HEADER_SLOTS = 5;
export const SLOTS_PER_SENSOR = 5;

export function stateSize(spec: FeatureSpec): number {
  return HEADER_SLOTS + SLOTS_PER_SENSOR * spec.mean.length;
}

export function featureCount(spec: FeatureSpec): number {
  return spec.mean.length * 5 + (spec.elapsed ? 1 : 0);
}

/** Names of the features, in vector order (for importance reports). */
export function featureNames(spec: FeatureSpec, sensors: readonly string[]): string[] {
  const names: string[] = [];
  for (const s of sensors) {
    names.push(`${s}:ewma${spec.spans[0]}`, `${s}:ewma${spec.spans[1]}`);
    names.push(
      `${s}:dev${spec.spans[0]}`,
      `${s}:dev${spec.spans[1]}`,
      `${s}:slope${spec.slopeSpan}`,
    );
  }
  if (spec.elapsed) names.push('elapsed');
  return names;
}

export function initFeatures(spec: FeatureSpec, state: Float64Array, o: number): void {
  state.fill(0, o, o + stateSize(spec));
}

/** Takes one row: `row[k]` is used sensor k's reading (NaN when missing). */
export function pushFeatures(
  spec: FeatureSpec,
  state: Float64Array,
  o: number,
  row: ArrayLike<number>,
): void {
  const rows = state[o]! + 1;
  state[o] = rows;
  const aS = 2 / (spec.spans[0] + 1);
  const aL = 2 / (spec.spans[1] + 1);
  const lambda = 1 - 2 / (spec.slopeSpan + 1);
  // Shared weighted mean of the row index and its weighted variance (rows are the time axis:
  // evenly spaced by contract, see RulModelArtefact.rowInterval).
  const t = rows - 1;
  const w = lambda * state[o + 1]! + 1;
  const dt = t - state[o + 2]!;
  const meanT = state[o + 2]! + dt / w;
  state[o + 1] = w;
  state[o + 2] = meanT;
  state[o + 3] = lambda * state[o + 3]! + dt * (t - meanT);
  const n = spec.mean.length;
  for (let k = 0; k < n; k++) {
    const x = row[k]!;
    if (!Number.isFinite(x)) continue;
    const z = (x - spec.mean[k]!) / spec.sd[k]!;
    const s = o + HEADER_SLOTS + k * SLOTS_PER_SENSOR;
    if (rows === 1) {
      state[s] = z;
      state[s + 1] = z;
      state[s + 2] = z;
      state[s + 3] = z;
      state[s + 4] = 0;
      continue;
    }
    state[s] = state[s]! + aS * (z - state[s]!);
    state[s + 1] = state[s + 1]! + aL * (z - state[s + 1]!);
    if (rows <= spec.window) state[s + 2] = state[s + 2]! + (z - state[s + 2]!) / rows;
    const meanX = state[s + 3]! + (z - state[s + 3]!) / w;
    state[s + 4] = lambda * state[s + 4]! + dt * (z - meanX);
    state[s + 3] = meanX;
  }
}

/** Writes the feature vector of the state's current row into `out`. */
export function readFeatures(
  spec: FeatureSpec,
  state: Float64Array,
  o: number,
  out: Float64Array,
): void {
  const ctt = state[o + 3]!;
  const n = spec.mean.length;
  let c = 0;
  for (let k = 0; k < n; k++) {
    const s = o + HEADER_SLOTS + k * SLOTS_PER_SENSOR;
    const short = state[s]!;
    const long = state[s + 1]!;
    const base = state[s + 2]!;
    out[c++] = short;
    out[c++] = long;
    out[c++] = short - base;
    out[c++] = long - base;
    out[c++] = ctt > 1e-9 ? state[s + 4]! / ctt : 0;
  }
  if (spec.elapsed) out[c++] = (state[o]! - 1) * spec.rowInterval;
}
