import type { Verdict } from '../types.ts';
import { place, shared, type TickingDetector } from './detector.ts';

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

/** Parameters shared by every device of a config. */
interface GapParams {
  interval: number;
  fixed: boolean;
  factor: number;
  warmup: number;
}

/** Numbers in the device's array (see detector.ts Placement); params shared per config. */
export interface GapState {
  p: GapParams;
  s: Float64Array;
  o: number;
}

const LAST_TS = 0;
const INTERVAL = 1;
const N = 2;
/** The current silence was already reported by tick (1) or not (0). */
const REPORTED = 3;
/** Receiver's clock (ms) when the last reading arrived, newest or not; 0 = not recorded. */
const ARRIVED = 4;
const SIZE = 5;

const params = new WeakMap<GapConfig, GapParams>();

/** Epoch ms of the newest sample seen (0 = none yet). */
export const gapLastTs = (st: GapState): number => st.s[st.o + LAST_TS]!;

/** Records when a reading arrived by the receiver's clock (the engine's, for `tick`). */
export function gapArrived(st: GapState, now: number): void {
  st.s[st.o + ARRIVED] = now;
}

/** Records that a reading may have arrived as late as `at` (not earlier than one recorded). */
export function gapMayHaveArrived(st: GapState, at: number): void {
  st.s[st.o + ARRIVED] = Math.max(st.s[st.o + ARRIVED]!, at);
}

function gapVerdict(st: GapState, end: number, open: boolean, silentMs: number): Verdict {
  const interval = st.s[st.o + INTERVAL]!;
  const missed = Math.floor(silentMs / interval) - (open ? 0 : 1);
  return {
    detector: 'gap',
    severity: 'minor',
    findings: [{ metric: '*', value: Number.NaN, expected: interval, score: missed }],
    windowStart: end - silentMs,
    windowEnd: end,
    message: open
      ? `no data for ${Math.round(silentMs / 1000)} s (${missed} expected samples missing)`
      : `data gap of ${Math.round(silentMs / 1000)} s (${missed} expected samples missing)`,
  };
}

function armed(st: GapState): boolean {
  const s = st.s;
  const o = st.o;
  return s[o + LAST_TS]! > 0 && s[o + INTERVAL]! > 0 && (st.p.fixed || s[o + N]! >= st.p.warmup);
}

/** Missing-data detector (on the next sample, or by tick). */
export const gapDetector: TickingDetector<GapConfig, GapState> = {
  name: 'gap',
  init(config, at) {
    const p = shared(params, config, (c) => ({
      interval: c.expectedIntervalMs ?? 0,
      fixed: c.expectedIntervalMs !== undefined,
      factor: c.factor ?? 5,
      warmup: c.warmup ?? 10,
    }));
    const { s, o } = place(SIZE, at);
    s.fill(0, o, o + SIZE);
    s[o + INTERVAL] = p.interval;
    return { p, s, o };
  },
  size: () => SIZE,
  update(st, sample) {
    const s = st.s;
    const o = st.o;
    const ts = sample.ts;
    const last = s[o + LAST_TS]!;
    if (last > 0 && ts <= last) return null; // late or duplicate sample
    let verdict: Verdict | null = null;
    if (last > 0) {
      const dt = ts - last;
      const isGap = armed(st) && dt > st.p.factor * s[o + INTERVAL]!;
      if (isGap && s[o + REPORTED] === 0) verdict = gapVerdict(st, ts, false, dt);
      if (!isGap && !st.p.fixed) {
        const n = (s[o + N] = s[o + N]! + 1);
        // Running mean first, then a slow EWMA: the interval may change with firmware.
        s[o + INTERVAL] = s[o + INTERVAL]! + (dt - s[o + INTERVAL]!) / Math.min(n, 50);
      }
    }
    s[o + LAST_TS] = ts;
    s[o + REPORTED] = 0;
    return verdict;
  },
  tick(st, now) {
    const s = st.s;
    const o = st.o;
    if (s[o + REPORTED] === 1 || !armed(st)) return null;
    // Silent by the samples' time and by the arrivals' (see the top of this file).
    const arrived = s[o + ARRIVED]!;
    const silentMs = Math.min(now - s[o + LAST_TS]!, arrived > 0 ? now - arrived : Infinity);
    if (silentMs <= st.p.factor * s[o + INTERVAL]!) return null;
    s[o + REPORTED] = 1;
    return gapVerdict(st, now, true, silentMs);
  },
};
