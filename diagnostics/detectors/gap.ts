import type { Verdict } from '../types.ts';
import type { TickingDetector } from './detector.ts';

/**
 * Missing data: a gap longer than `factor` expected sampling intervals. Judged when the next
 * sample arrives (its timestamp tells how long the silence was) or by `tick(state, now)`,
 * which the engine's clock calls so that a device that went silent is noticed while it is
 * still silent. Each gap is reported once, by whichever comes first.
 *
 * The expected interval comes from the profile when known, else it is learnt as an EWMA of
 * the observed intervals (gaps excluded, so a flaky link does not teach itself as normal).
 * Samples older than the newest one (a batched upload after a reconnection) are ignored here.
 *
 * `tick` judges silence on two clocks and needs both to agree: the samples' own time (how long
 * since the newest reading was taken) and the receiving side's (`arrivedAt`, when a reading last
 * arrived, which the engine records). A device uploading a backlog, or a simulated fleet
 * replaying past months, sends readings whose timestamps lag the wall clock; it is not silent,
 * and judged by timestamps alone every such device was reported missing at the first tick.
 */
export interface GapConfig {
  /** Expected sampling interval in ms; learnt from the data when absent. */
  expectedIntervalMs?: number;
  /** Number of missed intervals that makes a gap. */
  factor?: number;
  /** Intervals to observe before a learnt interval is trusted. */
  warmup?: number;
}

export interface GapState {
  lastTs: number;
  interval: number;
  fixed: boolean;
  n: number;
  factor: number;
  warmup: number;
  /** The current silence was already reported by tick. */
  reported: boolean;
  /** Receiver's clock (ms) when the last reading arrived, newest or not; 0 = not recorded. */
  arrivedAt: number;
}

function gapVerdict(st: GapState, end: number, open: boolean, silentMs = end - st.lastTs): Verdict {
  const missed = Math.floor(silentMs / st.interval) - (open ? 0 : 1);
  return {
    detector: 'gap',
    severity: 'minor',
    findings: [{ metric: '*', value: Number.NaN, expected: st.interval, score: missed }],
    windowStart: end - silentMs,
    windowEnd: end,
    message: open
      ? `no data for ${Math.round(silentMs / 1000)} s (${missed} expected samples missing)`
      : `data gap of ${Math.round(silentMs / 1000)} s (${missed} expected samples missing)`,
  };
}

function armed(st: GapState): boolean {
  return st.lastTs > 0 && st.interval > 0 && (st.fixed || st.n >= st.warmup);
}

/** Missing-data detector (on the next sample, or by tick). */
export const gapDetector: TickingDetector<GapConfig, GapState> = {
  name: 'gap',
  init(config) {
    return {
      lastTs: 0,
      interval: config.expectedIntervalMs ?? 0,
      fixed: config.expectedIntervalMs !== undefined,
      n: 0,
      factor: config.factor ?? 5,
      warmup: config.warmup ?? 10,
      reported: false,
      arrivedAt: 0,
    };
  },
  update(st, sample) {
    const ts = sample.ts;
    if (st.lastTs > 0 && ts <= st.lastTs) return null; // late or duplicate sample
    let verdict: Verdict | null = null;
    if (st.lastTs > 0) {
      const dt = ts - st.lastTs;
      const isGap = armed(st) && dt > st.factor * st.interval;
      if (isGap && !st.reported) verdict = gapVerdict(st, ts, false);
      if (!isGap && !st.fixed) {
        st.n++;
        // Running mean first, then a slow EWMA: the interval may change with firmware.
        st.interval += (dt - st.interval) / Math.min(st.n, 50);
      }
    }
    st.lastTs = ts;
    st.reported = false;
    return verdict;
  },
  tick(st, now) {
    if (st.reported || !armed(st)) return null;
    // Silent by the samples' time and by the arrivals' (see the top of this file).
    const silentMs = Math.min(now - st.lastTs, st.arrivedAt > 0 ? now - st.arrivedAt : Infinity);
    if (silentMs <= st.factor * st.interval) return null;
    st.reported = true;
    return gapVerdict(st, now, true, silentMs);
  },
};
