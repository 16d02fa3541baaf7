import type { Sample } from '../../core/index.ts';
import type { Finding, Severity } from '../types.ts';
import { metricIdsOf, place, readMetricAt, type Detector } from './detector.ts';

/**
 * Hard limits: a metric beyond a physical or safety limit named by a failure-mode profile
 * (coolant above 115 °C, CO above 100 ppm). No learning and no warm-up: these fire on the
 * first sample (or the first `persist` samples, for limits that a single noisy reading may
 * touch), which is what sudden faults and safety limits need.
 */
export interface HardLimit {
  metric: string;
  /** Fires when value > above. */
  above?: number;
  /** Fires when value < below. */
  below?: number;
  /** Consecutive samples beyond the limit before firing. */
  persist?: number;
  /** Failure mode this limit indicates. */
  modeId?: string;
  severity?: Severity;
  /** Operating condition: samples outside it are not judged (a cold engine is not "low"). */
  when?: (sample: Sample) => boolean;
}

export interface HardLimitConfig {
  limits: readonly HardLimit[];
}

export interface HardLimitState {
  limits: readonly HardLimit[];
  /** The limits' metric ids (detector.ts `metricId`); made when absent. */
  ids?: Int32Array;
  /** Per limit k: s[o + 2k] consecutive samples beyond it, s[o + 2k + 1] ts of the first. */
  s: Float64Array;
  o: number;
}

/** Instant limit checks; one verdict per sample, for the most severe limit crossed. */
export const hardLimitDetector: Detector<HardLimitConfig, HardLimitState> = {
  name: 'hard-limit',
  init(config, at) {
    return {
      limits: config.limits,
      ...place(2 * config.limits.length, at),
      ids: metricIdsOf(config.limits.map((l) => l.metric)),
    };
  },
  size: (config) => 2 * config.limits.length,
  update(st, sample) {
    let hit = -1;
    let finding: Finding | null = null;
    const ids = (st.ids ??= metricIdsOf(st.limits.map((l) => l.metric)));
    for (let i = 0; i < st.limits.length; i++) {
      const lim = st.limits[i]!;
      const x = readMetricAt(sample, lim.metric, ids[i]!);
      if (x !== x) continue;
      const r = st.o + 2 * i;
      if (lim.when !== undefined && !lim.when(sample)) {
        // Out of its operating state the excursion is over: two cold starts on two short
        // drives are not one engine that never warms up.
        st.s[r] = 0;
        continue;
      }
      const beyond =
        (lim.above !== undefined && x > lim.above) || (lim.below !== undefined && x < lim.below);
      if (!beyond) {
        st.s[r] = 0;
        continue;
      }
      if (st.s[r] === 0) st.s[r + 1] = sample.ts;
      const run = ++st.s[r]!;
      // Fire exactly once per excursion, when the run reaches `persist`.
      if (run !== (lim.persist ?? 1)) continue;
      const rankNew = rank(lim.severity);
      if (hit < 0 || rankNew > rank(st.limits[hit]!.severity)) {
        hit = i;
        const expected =
          lim.above !== undefined && x > lim.above ? lim.above : (lim.below ?? Number.NaN);
        finding = { metric: lim.metric, value: x, expected, score: x - expected };
      }
    }
    if (hit < 0 || finding === null) return null;
    const lim = st.limits[hit]!;
    return {
      detector: 'hard-limit',
      severity: lim.severity ?? 'major',
      findings: [finding],
      windowStart: st.s[st.o + 2 * hit + 1]!,
      windowEnd: sample.ts,
      message: `${lim.metric} = ${finding.value} beyond its limit ${finding.expected}`,
      ...(lim.modeId !== undefined ? { modeId: lim.modeId } : {}),
    };
  },
};

function rank(s: Severity | undefined): number {
  return s === 'critical' ? 3 : s === 'major' || s === undefined ? 2 : s === 'minor' ? 1 : 0;
}
