/**
 * Gradient-boosted regression trees (squared loss) on histogram-binned features: the method of
 * XGBoost's `hist` and LightGBM (Chen & Guestrin 2016; Ke et al. 2017), reduced to what remaining-
 * life regression needs: depth-wise trees, shrinkage, L2 leaf regularisation, row and column
 * subsampling from a seeded generator (so a fit is deterministic for its seed), at most 255 bins
 * per feature from the training quantiles. No JavaScript library of this kind is maintained today
 * (ml-xgboost is a 2018 emscripten build of XGBoost 0.7), and the fitted trees must be plain data
 * the streaming engine evaluates in a few microseconds, so it is written here; ~200 lines.
 *
 * A fitted model is JSON-serialisable: per tree, parallel arrays of nodes where `f[i] < 0` marks a
 * leaf whose value is `t[i]`, and otherwise `x[f[i]] <= t[i]` goes to `l[i]`, else to `r[i]`.
 */
export interface GbtParams {
  trees: number;
  depth: number;
  /** Shrinkage (learning rate). */
  learningRate: number;
  /** Least training rows in a leaf. */
  minLeaf: number;
  /** L2 regularisation of leaf values. */
  lambda: number;
  /** Share of rows each tree sees. */
  rowSample: number;
  /** Share of features each tree may split on. */
  colSample: number;
  /** Histogram bins per feature (≤ 256). */
  bins: number;
  seed: number;
}

export interface GbtTree {
  f: number[];
  t: number[];
  l: number[];
  r: number[];
}

export interface GbtModel {
  base: number;
  trees: GbtTree[];
}

/** xorshift32 in [0, 1): the seeded generator every learner here uses. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0 || 0x9e3779b9;
  return () => {
    a ^= a << 13;
    a ^= a >>> 17;
    a ^= a << 5;
    return (a >>> 0) / 4294967296;
  };
}

/** Bin edges from the sorted column's quantiles; bin b holds x ≤ edges[b] (last bin: above all). */
function binColumn(col: Float64Array, bins: number): { edges: Float64Array; codes: Uint8Array } {
  const n = col.length;
  const sorted = Float64Array.from(col).sort();
  const edges: number[] = [];
  for (let b = 1; b < bins; b++) {
    const v = sorted[Math.floor((b * n) / bins)]!;
    if (edges.length === 0 || v > edges[edges.length - 1]!) edges.push(v);
  }
  const e = Float64Array.from(edges);
  const codes = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const x = col[i]!;
    let lo = 0;
    let hi = e.length;
    while (lo < hi) {
      const m = (lo + hi) >> 1;
      if (x <= e[m]!) hi = m;
      else lo = m + 1;
    }
    codes[i] = lo;
  }
  return { edges: e, codes };
}

/**
 * Fits the ensemble. `columns[j]` is feature j over all rows (column-major), `y` the targets.
 * `onTree(done, total)` reports progress.
 */
export function fitGbt(
  columns: Float64Array[],
  y: Float64Array,
  params: GbtParams,
  onTree?: (done: number, total: number) => void,
): GbtModel {
  const p = columns.length;
  const n = y.length;
  if (n === 0 || p === 0) throw new Error('fitGbt: no rows or no features');
  const rand = seededRandom(params.seed);
  const nb = Math.min(256, Math.max(2, params.bins));
  const edges: Float64Array[] = [];
  // Bin codes row-major: a histogram pass reads one row's codes together.
  const codes = new Uint8Array(n * p);
  columns.forEach((c, j) => {
    const b = binColumn(c, nb);
    edges.push(b.edges);
    for (let i = 0; i < n; i++) codes[i * p + j] = b.codes[i]!;
  });
  let base = 0;
  for (let i = 0; i < n; i++) base += y[i]!;
  base /= n;
  const pred = new Float64Array(n).fill(base);
  const grad = new Float64Array(n);
  const rows = new Int32Array(n);
  // Histograms (gradient sums and counts, feature-major) for the two children at each depth:
  // the smaller child's is summed from its rows, the larger one's is the parent's minus it
  // (LightGBM's histogram subtraction), which halves the work.
  const levels = params.depth + 1;
  const histG = Array.from({ length: 2 * levels }, () => new Float64Array(p * nb));
  const histC = Array.from({ length: 2 * levels }, () => new Int32Array(p * nb));
  const trees: GbtTree[] = [];

  for (let t = 0; t < params.trees; t++) {
    for (let i = 0; i < n; i++) grad[i] = pred[i]! - y[i]!;
    let m = 0;
    for (let i = 0; i < n; i++)
      if (params.rowSample >= 1 || rand() < params.rowSample) rows[m++] = i;
    const cols: number[] = [];
    for (let j = 0; j < p; j++)
      if (params.colSample >= 1 || rand() < params.colSample) cols.push(j);
    if (cols.length === 0) cols.push(Math.floor(rand() * p));
    const tree: GbtTree = { f: [], t: [], l: [], r: [] };

    const fill = (slot: number, start: number, end: number): void => {
      const G = histG[slot]!;
      const C = histC[slot]!;
      for (const j of cols) {
        G.fill(0, j * nb, j * nb + nb);
        C.fill(0, j * nb, j * nb + nb);
      }
      for (let k = start; k < end; k++) {
        const r = rows[k]!;
        const g = grad[r]!;
        const o = r * p;
        for (const j of cols) {
          const b = j * nb + codes[o + j]!;
          G[b] = G[b]! + g;
          C[b] = C[b]! + 1;
        }
      }
    };
    const subtract = (into: number, parent: number, other: number): void => {
      const G = histG[into]!;
      const C = histC[into]!;
      const PG = histG[parent]!;
      const PC = histC[parent]!;
      const OG = histG[other]!;
      const OC = histC[other]!;
      for (const j of cols) {
        for (let b = j * nb; b < j * nb + nb; b++) {
          G[b] = PG[b]! - OG[b]!;
          C[b] = PC[b]! - OC[b]!;
        }
      }
    };

    /** Grows the node over rows[start, end) whose histogram is in `slot`; returns its id. */
    const grow = (start: number, end: number, depth: number, slot: number): number => {
      const id = tree.f.length;
      let g = 0;
      for (let k = start; k < end; k++) g += grad[rows[k]!]!;
      const h = end - start;
      tree.f.push(-1);
      tree.t.push((-g / (h + params.lambda)) * params.learningRate);
      tree.l.push(-1);
      tree.r.push(-1);
      if (depth >= params.depth || h < 2 * params.minLeaf) return id;
      const parentScore = (g * g) / (h + params.lambda);
      const G = histG[slot]!;
      const C = histC[slot]!;
      let bestGain = 1e-12;
      let bestFeature = -1;
      let bestBin = -1;
      for (const j of cols) {
        const e = edges[j]!;
        let gl = 0;
        let cl = 0;
        for (let b = 0; b < e.length; b++) {
          gl += G[j * nb + b]!;
          cl += C[j * nb + b]!;
          if (cl < params.minLeaf) continue;
          const cr = h - cl;
          if (cr < params.minLeaf) break;
          const gr = g - gl;
          const gain =
            (gl * gl) / (cl + params.lambda) + (gr * gr) / (cr + params.lambda) - parentScore;
          if (gain > bestGain) {
            bestGain = gain;
            bestFeature = j;
            bestBin = b;
          }
        }
      }
      if (bestFeature < 0) return id;
      let i = start;
      let k = end - 1;
      while (i <= k) {
        if (codes[rows[i]! * p + bestFeature]! <= bestBin) i++;
        else {
          const tmp = rows[i]!;
          rows[i] = rows[k]!;
          rows[k] = tmp;
          k--;
        }
      }
      const left = 2 * (depth + 1);
      const right = left + 1;
      if (i - start <= end - i) {
        fill(left, start, i);
        subtract(right, slot, left);
      } else {
        fill(right, i, end);
        subtract(left, slot, right);
      }
      tree.f[id] = bestFeature;
      tree.t[id] = edges[bestFeature]![bestBin]!;
      tree.l[id] = grow(start, i, depth + 1, left);
      tree.r[id] = grow(i, end, depth + 1, right);
      return id;
    };
    fill(0, 0, m);
    grow(0, m, 0, 0);
    trees.push(tree);
    // Every row's prediction moves, sampled or not (the next gradients need them all).
    for (let i = 0; i < n; i++) {
      let node = 0;
      while (tree.f[node]! >= 0)
        node = columns[tree.f[node]!]![i]! <= tree.t[node]! ? tree.l[node]! : tree.r[node]!;
      pred[i] = pred[i]! + tree.t[node]!;
    }
    onTree?.(t + 1, params.trees);
  }
  return { base, trees };
}

/** The ensemble's prediction for one feature vector. */
export function predictGbt(model: GbtModel, x: ArrayLike<number>): number {
  let s = model.base;
  for (const tree of model.trees) {
    let node = 0;
    while (tree.f[node]! >= 0)
      node = x[tree.f[node]!]! <= tree.t[node]! ? tree.l[node]! : tree.r[node]!;
    s += tree.t[node]!;
  }
  return s;
}
