import type { Category } from '../ingest/categories.ts';
import type { DeviceEvent, Sample } from '../ingest/sample.ts';
import { cusumDetector } from './detectors/cusum.ts';
import { ewmaDetector } from './detectors/ewma.ts';
import { faultCodeDetector } from './detectors/fault-code.ts';
import { gapDetector } from './detectors/gap.ts';
import { hardLimitDetector } from './detectors/hard-limit.ts';
import { spikeDetector } from './detectors/spike.ts';
import { stepDetector } from './detectors/step.ts';
import { stuckDetector } from './detectors/stuck.ts';
import {
  trendAgreement,
  trendBaselines,
  trendDetector,
  trendLevel,
  trendRul,
} from './detectors/trend.ts';
import {
  maxSeverity,
  openCandidate,
  severityFromRul,
  updateCandidate,
} from './engine/candidates.ts';
import { stepModeHealth, trendModeHealth } from './engine/health.ts';
import { createPlanCache, type FleetReferences } from './engine/plan.ts';
import { createDeviceState, type DeviceState } from './engine/device-state.ts';
import { BUILTIN_MODE_IDS, BUILTIN_MODES } from './profiles/builtin.ts';
import { CategoryProfileSchema, type CategoryProfileInput } from './profiles/schema.ts';
import type {
  AlertCandidate,
  HealthReport,
  ModeHealth,
  RulEstimate,
  Severity,
  Verdict,
} from './types.ts';

/** Options of {@link createDiagnosticsEngine}. */
export interface DiagnosticsEngineOptions {
  /** Category profiles (validated here; pass the raw data or already parsed profiles). */
  profiles: readonly CategoryProfileInput[];
  /** Time source for `tick()` without an argument (tests inject one); samples carry their own. */
  clock?: () => number;
  /** Overrides the profile's time-based warm-up with a sample count (tests, replays). */
  warmupSamples?: number;
  /** Healthy baselines per product model learnt from a training fleet (plan.ts). */
  references?: FleetReferences;
}

/** Streaming detection over every sample: per-device bounded state, candidates out. */
export interface DiagnosticsEngine {
  /** Folds one sample in; returns candidates that opened or escalated because of it. */
  process(sample: Sample): readonly AlertCandidate[];
  /** Folds a device-reported fault code in. */
  processEvent(event: DeviceEvent): readonly AlertCandidate[];
  /** Checks every device for missing data as of `now` (default: the clock). */
  tick(now?: number): readonly AlertCandidate[];
  /** Health score of a device, per mode with per-sensor contributions. */
  health(deviceId: string): HealthReport | undefined;
  /**
   * Baselines the device's degradation indicators learnt at warm-up (only those whose warm-up
   * is complete): what a training fleet contributes to its model's references.
   */
  baselines(
    deviceId: string,
  ): Array<{ modeId: string; metric: string; condition: string; baseline: number }>;
  /** Open candidates of a device (one per mode at most). */
  openCandidates(deviceId: string): AlertCandidate[];
  /** Closes the open candidate of a mode (resolved or dismissed by the alert lifecycle). */
  close(deviceId: string, modeId: string): boolean;
  /** Number of devices with state. */
  readonly size: number;
}

// Returned when nothing happened (almost always): no allocation per sample, and frozen so a
// caller cannot fill it for everyone.
const NONE: readonly AlertCandidate[] = Object.freeze([]);

function kindRank(dev: DeviceState, modeId: string): number {
  return dev.plan.modes.get(modeId)?.kind === 'sudden' ? 0 : 1;
}

/**
 * Creates the engine. Profiles are parsed with zod here, so a bad profile fails at start-up.
 * Samples of categories without a profile are ignored (counted in `ignored`).
 */
export function createDiagnosticsEngine(
  opts: DiagnosticsEngineOptions,
): DiagnosticsEngine & { ignored: number } {
  const planFor = createPlanCache(
    opts.profiles.map((raw) => CategoryProfileSchema.parse(raw)),
    opts.warmupSamples,
    opts.references,
  );
  const devices = new Map<string, DeviceState>();
  const clock = opts.clock ?? (() => Date.now());

  function stateFor(ref: {
    deviceId: string;
    category: Category;
    model: string;
  }): DeviceState | undefined {
    let dev = devices.get(ref.deviceId);
    if (dev && dev.category === ref.category) return dev;
    const plan = planFor(ref.category, ref.model);
    if (!plan) return undefined;
    dev = createDeviceState(plan, ref.deviceId, ref.model);
    devices.set(ref.deviceId, dev);
    return dev;
  }

  /** Opens, refreshes or escalates the candidate of `modeId`; pushes what must be reported. */
  function raise(
    dev: DeviceState,
    modeId: string,
    v: Verdict,
    severity: Severity,
    out: AlertCandidate[],
    rul?: RulEstimate,
  ): void {
    const mode = dev.plan.modes.get(modeId) ?? BUILTIN_MODES.get(modeId);
    if (!mode) return;
    // Statistical evidence for a mode while a sudden fault on the same metrics is open is that
    // fault's aftermath (plan.explainedBy); the device's own fault code still counts.
    if (v.detector !== 'fault-code' && dev.open) {
      for (const by of dev.plan.explainedBy.get(modeId) ?? []) if (dev.open.has(by)) return;
    }
    const health = modeHealth(dev, modeId);
    const contributions = health?.contributions.filter((c) => c.points > 0) ?? [];
    const prediction = rul ?? health?.rul;
    const existing = dev.open?.get(modeId);
    if (existing) {
      const { next, escalated } = updateCandidate(existing, v, severity, contributions, prediction);
      dev.open!.set(modeId, next);
      if (escalated) out.push(next);
      return;
    }
    const anomaly =
      dev.anomaly && dev.anomaly !== v && dev.anomaly.windowEnd >= v.windowStart
        ? dev.anomaly
        : undefined;
    const c = openCandidate(dev, mode, v, severity, contributions, prediction, anomaly);
    (dev.open ??= new Map()).set(modeId, c);
    out.push(c);
  }

  function modeHealth(dev: DeviceState, modeId: string): ModeHealth | undefined {
    const t = dev.trends.find((s) => s.config.modeId === modeId);
    if (t) return trendModeHealth(t);
    const s = dev.steps.find((x) => x.config.modeId === modeId);
    return s ? stepModeHealth(s) : undefined;
  }

  /** Generic anomalies name a mode only when its signature matches and its own HI agrees. */
  function onAnomaly(dev: DeviceState, v: Verdict, out: AlertCandidate[]): void {
    dev.anomaly = v;
    const share = new Map<string, number>();
    for (const f of v.findings) {
      for (const sig of dev.plan.signatures.get(f.metric) ?? []) {
        if (Math.sign(f.score) === sig.direction)
          share.set(sig.modeId, (share.get(sig.modeId) ?? 0) + sig.share);
      }
    }
    // Sudden modes first, so that their aftermath is not read as a degradation below.
    const ranked = [...share].sort((a, b) => kindRank(dev, a[0]) - kindRank(dev, b[0]));
    for (const [modeId, s] of ranked) {
      const mode = dev.plan.modes.get(modeId)!;
      if (s < mode.minAgreement || dev.open?.has(modeId)) continue;
      // The mode's own detector must already see most of the move: the anomaly only saves
      // the wait for the sudden signature's persistence or the trend's significance.
      const sudden = mode.kind === 'sudden';
      const trend = sudden ? undefined : dev.trends.find((t) => t.config.modeId === modeId);
      const level = trend ? trendLevel(trend) : modeHealth(dev, modeId)?.indicator;
      // …and for a degradation, most of its indicators must agree: a mode that shares one
      // metric with another (vibration: swing bearing and hydraulic pump) is not named by it.
      if (trend && level !== undefined && trendAgreement(trend, level) < mode.minAgreement)
        continue;
      // …and reach failure within the mode's horizon, as the trend's own verdict must.
      const horizon = trend?.config.horizonMs;
      if (
        trend &&
        horizon !== undefined &&
        !((trendRul(trend, true)?.rulMs ?? Infinity) <= horizon)
      )
        continue;
      if (level !== undefined && level >= (sudden ? 0.5 : mode.alertThreshold))
        raise(dev, modeId, v, sudden ? mode.severity.instant : mode.severity.otherwise, out);
    }
  }

  function onStuck(dev: DeviceState, v: Verdict, out: AlertCandidate[]): void {
    for (const f of v.findings) {
      const rail = dev.plan.railModes.get(f.metric);
      // A sensor frozen on its open/short-circuit rail is that sensor mode, not a generic freeze.
      if (rail && Math.abs(f.value - rail.value) <= 1e-6 * Math.max(1, Math.abs(rail.value))) {
        raise(dev, rail.modeId, v, dev.plan.modes.get(rail.modeId)!.severity.instant, out);
        return;
      }
    }
    raise(
      dev,
      BUILTIN_MODE_IDS.sensorStuck,
      v,
      BUILTIN_MODES.get(BUILTIN_MODE_IDS.sensorStuck)!.severity.instant,
      out,
    );
  }

  return {
    ignored: 0,
    get size() {
      return devices.size;
    },
    process(sample) {
      const dev = stateFor(sample);
      if (!dev) {
        this.ignored++;
        return NONE;
      }
      const out: AlertCandidate[] = [];
      let v = gapDetector.update(dev.gap, sample);
      dev.gap.arrivedAt = clock(); // even for an old reading: the device is not silent
      if (v) raise(dev, BUILTIN_MODE_IDS.dataMissing, v, 'minor', out);
      else if (dev.open?.has(BUILTIN_MODE_IDS.dataMissing))
        dev.open.delete(BUILTIN_MODE_IDS.dataMissing); // data resumed
      v = hardLimitDetector.update(dev.limits, sample);
      if (v?.modeId) raise(dev, v.modeId, v, v.severity, out);
      for (const st of dev.steps) {
        v = stepDetector.update(st, sample);
        if (v)
          raise(
            dev,
            st.config.modeId,
            v,
            dev.plan.modes.get(st.config.modeId)!.severity.instant,
            out,
          );
      }
      for (const st of dev.trends) {
        v = trendDetector.update(st, sample);
        if (v)
          raise(
            dev,
            st.config.modeId,
            v,
            severityFromRul(dev.plan.modes.get(st.config.modeId)!, v.rul),
            out,
            v.rul,
          );
      }
      v = ewmaDetector.update(dev.ewma, sample);
      if (v) onAnomaly(dev, v, out);
      v = cusumDetector.update(dev.cusum, sample);
      if (v) onAnomaly(dev, v, out);
      v = stuckDetector.update(dev.stuck, sample);
      if (v) onStuck(dev, v, out);
      v = spikeDetector.update(dev.spike, sample);
      if (v) dev.anomaly = v; // spikes revert: evidence for later, never an alert alone
      return out.length ? out : NONE;
    },
    processEvent(event) {
      const dev = stateFor(event);
      if (!dev) return NONE;
      const v = faultCodeDetector.update(dev.codes, event);
      if (!v) return NONE;
      const out: AlertCandidate[] = [];
      const modeId = v.modeId ?? BUILTIN_MODE_IDS.unmappedCode;
      const trend = dev.trends.find((t) => t.config.modeId === modeId);
      const rul = trend ? trendRul(trend) : undefined;
      const mode = dev.plan.modes.get(modeId);
      const severity = mode ? maxSeverity(v.severity, severityFromRul(mode, rul)) : v.severity;
      raise(dev, modeId, v, maxSeverity(severity, 'minor'), out, rul);
      return out;
    },
    tick(now = clock()) {
      const out: AlertCandidate[] = [];
      for (const dev of devices.values()) {
        const v = gapDetector.tick(dev.gap, now);
        if (v) raise(dev, BUILTIN_MODE_IDS.dataMissing, v, 'minor', out);
      }
      return out;
    },
    health(deviceId) {
      const dev = devices.get(deviceId);
      if (!dev) return undefined;
      const modes = [...dev.trends.map(trendModeHealth), ...dev.steps.map(stepModeHealth)];
      for (const m of modes)
        if (dev.open?.has(m.modeId) && dev.plan.modes.get(m.modeId)?.kind === 'sudden') m.score = 0;
      return {
        deviceId,
        category: dev.category,
        ts: dev.gap.lastTs,
        score: modes.reduce((a, m) => Math.min(a, m.score), 100),
        modes,
      };
    },
    baselines(deviceId) {
      return (devices.get(deviceId)?.trends ?? []).flatMap((t) =>
        trendBaselines(t).map((b) => ({ modeId: t.config.modeId, ...b })),
      );
    },
    openCandidates(deviceId) {
      return [...(devices.get(deviceId)?.open?.values() ?? [])];
    },
    close(deviceId, modeId) {
      return devices.get(deviceId)?.open?.delete(modeId) ?? false;
    },
  };
}
