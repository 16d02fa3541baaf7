import type { Category, DeviceEvent, Sample } from '../core/index.ts';
import { cusumDetector } from './detectors/cusum.ts';
import { beginSample, endSample } from './detectors/detector.ts';
import { ewmaDetector } from './detectors/ewma.ts';
import { faultCodeDetector } from './detectors/fault-code.ts';
import { gapArrived, gapDetector, gapLastTs, gapMayHaveArrived } from './detectors/gap.ts';
import { hardLimitDetector } from './detectors/hard-limit.ts';
import {
  modelEvidence,
  rulModelDetector,
  rulModelEstimate,
  rulModelPredictedAt,
  rulModelScore,
  type RulModelState,
} from './detectors/rul-model.ts';
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
  withEvidence,
} from './engine/candidates.ts';
import { staticCatalog, type EngineCatalog } from './engine/catalog.ts';
import { agreeWithAlert, stepModeHealth, trendModeHealth } from './engine/health.ts';
import { migrateDeviceState } from './engine/migrate.ts';
import { createPlanCache, type FleetReferences } from './engine/plan.ts';
import { bind, createDeviceState, type DeviceState } from './engine/device-state.ts';
import {
  releaseDevice,
  restoreDevice,
  snapshotOf,
  type DeviceSnapshot,
} from './engine/snapshot.ts';
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
  /**
   * What to run per product model instead of `profiles` alone: the diagnostics catalogue's
   * effective profiles, uploaded models and references (catalog/). `reconfigure` swaps it.
   */
  catalog?: EngineCatalog;
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
   * Health of a saved state this engine does not hold (another node's device), read only:
   * undefined when it does not fit the device's plan here.
   */
  healthOfSnapshot(snapshot: DeviceSnapshot): HealthReport | undefined;
  /**
   * Baselines the device's degradation indicators learnt at warm-up (only those whose warm-up
   * is complete): what a training fleet contributes to its model's references.
   */
  baselines(
    deviceId: string,
  ): Array<{ modeId: string; metric: string; condition: string; baseline: number }>;
  /**
   * The fleet references this node learnt for a product model (its units' own baselines,
   * priors left out), one per mode, metric and condition with at least one unit: the units
   * whose states this engine holds, each counted once (cluster mode: per node).
   */
  fleetReferences(
    category: string,
    model: string,
  ): Array<{ key: string; units: number; mean: number; sd: number }>;
  /** Open candidates of a device (one per mode at most). */
  openCandidates(deviceId: string): AlertCandidate[];
  /** Closes the open candidate of a mode (resolved or dismissed by the alert lifecycle). */
  close(deviceId: string, modeId: string): boolean;
  /**
   * Runs another catalogue from now on (an upload or rollback in the diagnostics catalogue):
   * plans whose version changed are recompiled, and each device moves onto its new plan at
   * its next sample, keeping what its unchanged detectors learnt (engine/migrate.ts).
   */
  reconfigure(catalog: EngineCatalog): void;
  /** Number of devices with state. */
  readonly size: number;
  /** Whether the engine holds state for the device. */
  has(deviceId: string): boolean;
  /** The device's state to save (copies), or undefined when the engine has none. */
  snapshot(deviceId: string): DeviceSnapshot | undefined;
  /**
   * Installs a saved state (another node's, or this one's before a restart), replacing any the
   * engine has. False when it does not fit: its category has no profile here, or its plan's
   * fingerprint differs from the device's plan now (the device then starts afresh).
   */
  restore(snapshot: DeviceSnapshot): boolean;
  /** Drops a device's state (another node owns the device now). */
  forget(deviceId: string): boolean;
  /**
   * A reading of the device may have arrived elsewhere as late as `at` (by this engine's
   * clock): its silence is counted from then at the latest (a state taken over from a dead
   * node, whose last save may be older than the device's last reading).
   */
  mayHaveHeard(deviceId: string, at: number): void;
  /**
   * Devices whose state changed since the last call (a sample, an event, a tick verdict, a
   * closed candidate), each once; the marks are cleared.
   */
  takeChanged(): string[];
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
  const cache = createPlanCache(
    opts.catalog ??
      staticCatalog(
        opts.profiles.map((raw) => CategoryProfileSchema.parse(raw)),
        opts.references,
      ),
    opts.warmupSamples,
  );
  const devices = new Map<string, DeviceState>();
  const clock = opts.clock ?? (() => Date.now());
  // Devices changed since takeChanged(): a flag per device, so a sample costs one test.
  let changed: DeviceState[] = [];
  /** Where `process` collects a sample's candidates (see there). */
  let pending: AlertCandidate[] = [];
  const touch = (dev: DeviceState) => {
    if (dev.changed) return;
    dev.changed = true;
    changed.push(dev);
  };

  function stateFor(ref: {
    deviceId: string;
    category: Category;
    model: string;
  }): DeviceState | undefined {
    let dev = devices.get(ref.deviceId);
    if (dev && dev.plan.profile.category === ref.category)
      return dev.plan.retired ? current(dev) : dev;
    const plan = cache.planFor(ref.category, ref.model);
    if (!plan) return undefined;
    if (dev) releaseDevice(dev); // another category now: starts afresh
    dev = createDeviceState(plan, ref.deviceId, ref.model);
    devices.set(ref.deviceId, dev);
    return dev;
  }

  /** The device on its current plan: moved (engine/migrate.ts) when its plan was recompiled. */
  function current(dev: DeviceState): DeviceState {
    if (!dev.plan.retired) return dev;
    // A category that lost its profile keeps running what it had.
    const plan = cache.planFor(dev.plan.profile.category, dev.model);
    if (!plan || plan === dev.plan) return dev;
    const next = migrateDeviceState(dev, plan);
    devices.set(dev.deviceId, next);
    return next;
  }

  function modelOf(dev: DeviceState, modeId: string): RulModelState | undefined {
    for (const r of bind(dev).rulModels) if (r.config.modeId === modeId) return r;
    return undefined;
  }

  /**
   * Remaining life of a mode as of `at`: the uploaded model's when it has a prediction (the
   * model learnt from real runs to failure; the trend line is a generic extrapolation),
   * otherwise the trend's.
   */
  function rulOf(dev: DeviceState, modeId: string, at: number): RulEstimate | undefined {
    const m = modelOf(dev, modeId);
    const est = m && rulModelEstimate(m);
    if (est) {
      const since = Math.max(0, at - rulModelPredictedAt(m!)!);
      return {
        rulMs: Math.max(0, est.rulMs - since),
        lowMs: Math.max(0, est.lowMs - since),
        highMs: Math.max(0, est.highMs - since),
        confidence: est.confidence,
      };
    }
    const t = bind(dev).trends.find((x) => x.config.modeId === modeId);
    return t ? trendRul(t) : undefined;
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
    // The uploaded model behind the prediction, named in the evidence (its own verdict
    // carries it already).
    const m = v.detector === 'rul-model' ? undefined : modelOf(dev, modeId);
    const model = m && modelVerdict(m);
    const existing = dev.open?.get(modeId);
    if (existing) {
      const { next, escalated } = updateCandidate(existing, v, severity, contributions, prediction);
      const c = model ? withEvidence(next, model) : next;
      dev.open!.set(modeId, c);
      if (escalated) out.push(c);
      return;
    }
    const anomaly =
      dev.anomaly && dev.anomaly !== v && dev.anomaly.windowEnd >= v.windowStart
        ? dev.anomaly
        : undefined;
    const ref = { deviceId: dev.deviceId, category: dev.plan.profile.category, model: dev.model };
    const opened = openCandidate(ref, mode, v, severity, contributions, prediction, anomaly);
    const c = model ? withEvidence(opened, model) : opened;
    (dev.open ??= new Map()).set(modeId, c);
    out.push(c);
  }

  /** The model's latest prediction as evidence (undefined before its first). */
  function modelVerdict(m: RulModelState): Verdict | undefined {
    const evidence = modelEvidence(m);
    const at = rulModelPredictedAt(m);
    if (!evidence || at === undefined) return undefined;
    return {
      detector: 'rul-model',
      severity: 'info',
      findings: [],
      windowStart: at - m.config.rowMs,
      windowEnd: at,
      message: `${m.config.modeId}: model ${evidence.id} v${evidence.version} predicts ${evidence.rul.toPrecision(3)} (${evidence.lower.toPrecision(3)}–${evidence.upper.toPrecision(3)}) time units left`,
      modeId: m.config.modeId,
      model: evidence,
    };
  }

  /**
   * Health of one mode: its detector's, with the uploaded model's remaining life (and the
   * score that implies) when it has one, and never healthier than an open alert says.
   */
  function modeHealth(dev: DeviceState, modeId: string): ModeHealth | undefined {
    const states = bind(dev);
    const t = states.trends.find((s) => s.config.modeId === modeId);
    const s = t ? undefined : states.steps.find((x) => x.config.modeId === modeId);
    const h = t ? trendModeHealth(t) : s ? stepModeHealth(s) : undefined;
    if (!h) return undefined;
    const m = modelOf(dev, modeId);
    const score = m && rulModelScore(m);
    if (m && score !== undefined) {
      const rul = rulOf(dev, modeId, gapLastTs(states.gap));
      if (rul) h.rul = rul;
      if (score < h.score) {
        h.score = Math.round(score * 10) / 10;
        h.indicator = Math.max(h.indicator, 1 - score / 100);
      }
    }
    const open = dev.open?.get(modeId);
    const mode = dev.plan.modes.get(modeId);
    if (open && mode) agreeWithAlert(h, mode, open, gapLastTs(states.gap));
    return h;
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
      const trend = sudden ? undefined : bind(dev).trends.find((t) => t.config.modeId === modeId);
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

  function healthOf(dev: DeviceState): HealthReport {
    const st = bind(dev);
    const ids = [...st.trends, ...st.steps].map((x) => x.config.modeId);
    const modes = ids.map((id) => modeHealth(dev, id)!);
    return {
      deviceId: dev.deviceId,
      category: dev.plan.profile.category,
      ts: gapLastTs(st.gap),
      score: modes.reduce((a, m) => Math.min(a, m.score), 100),
      modes,
    };
  }

  /** Every detector of the device on one sample (`process`, between begin/endSample). */
  function judge(dev: DeviceState, sample: Sample): readonly AlertCandidate[] {
    // The array candidates are collected in is kept until a sample has some (almost never),
    // not made per sample; emptied first in case the last call threw midway.
    const out = pending;
    if (out.length !== 0) out.length = 0; // (setting length is a runtime call, even to 0)
    const st = bind(dev);
    let v = gapDetector.update(st.gap, sample);
    gapArrived(st.gap, clock()); // even for an old reading: the device is not silent
    if (v) raise(dev, BUILTIN_MODE_IDS.dataMissing, v, 'minor', out);
    else if (dev.open?.has(BUILTIN_MODE_IDS.dataMissing))
      dev.open.delete(BUILTIN_MODE_IDS.dataMissing); // data resumed
    v = hardLimitDetector.update(st.limits, sample);
    if (v?.modeId) raise(dev, v.modeId, v, v.severity, out);
    for (const x of st.steps) {
      v = stepDetector.update(x, sample);
      if (v)
        raise(dev, x.config.modeId, v, dev.plan.modes.get(x.config.modeId)!.severity.instant, out);
    }
    for (const x of st.trends) {
      v = trendDetector.update(x, sample);
      if (v) {
        const rul = rulOf(dev, x.config.modeId, sample.ts) ?? v.rul;
        const mode = dev.plan.modes.get(x.config.modeId)!;
        raise(dev, x.config.modeId, v, severityFromRul(mode, rul), out, rul);
      }
    }
    for (const x of st.rulModels) {
      v = rulModelDetector.update(x, sample);
      if (v) {
        const mode = dev.plan.modes.get(x.config.modeId)!;
        raise(dev, x.config.modeId, v, severityFromRul(mode, v.rul), out, v.rul);
      }
    }
    v = ewmaDetector.update(st.ewma, sample);
    if (v) onAnomaly(dev, v, out);
    v = cusumDetector.update(st.cusum, sample);
    if (v) onAnomaly(dev, v, out);
    v = stuckDetector.update(st.stuck, sample);
    if (v) onStuck(dev, v, out);
    v = spikeDetector.update(st.spike, sample);
    if (v) dev.anomaly = v; // spikes revert: evidence for later, never an alert alone
    if (out.length === 0) return NONE;
    pending = []; // the caller keeps `out`
    return out;
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
      touch(dev);
      // The sample's metrics read once; the detectors read them by index (detector.ts).
      beginSample(sample);
      try {
        return judge(dev, sample);
      } finally {
        endSample();
      }
    },
    processEvent(event) {
      const dev = stateFor(event);
      if (!dev) return NONE;
      touch(dev);
      const v = faultCodeDetector.update(bind(dev).codes, event);
      if (!v) return NONE;
      const out: AlertCandidate[] = [];
      const modeId = v.modeId ?? BUILTIN_MODE_IDS.unmappedCode;
      const rul = rulOf(dev, modeId, event.ts);
      const mode = dev.plan.modes.get(modeId);
      const severity = mode ? maxSeverity(v.severity, severityFromRul(mode, rul)) : v.severity;
      raise(dev, modeId, v, maxSeverity(severity, 'minor'), out, rul);
      return out;
    },
    tick(now = clock()) {
      const out: AlertCandidate[] = [];
      for (const found of devices.values()) {
        const dev = current(found);
        const v = gapDetector.tick(bind(dev).gap, now);
        if (v) {
          touch(dev);
          raise(dev, BUILTIN_MODE_IDS.dataMissing, v, 'minor', out);
        }
      }
      return out;
    },
    health(deviceId) {
      const found = devices.get(deviceId);
      return found && healthOf(current(found));
    },
    healthOfSnapshot(s) {
      const plan = cache.planFor(s.category as Category, s.model);
      const dev = plan && restoreDevice(plan, s, false);
      return dev && healthOf(dev);
    },

    baselines(deviceId) {
      const dev = devices.get(deviceId);
      return (dev ? bind(current(dev)).trends : []).flatMap((t) =>
        trendBaselines(t).map((b) => ({ modeId: t.config.modeId, ...b })),
      );
    },
    fleetReferences(category, model) {
      const prefix = `${category}/${model}/`;
      return [...cache.fleets()]
        .filter(([key, f]) => key.startsWith(prefix) && f.n > 0)
        .map(([key, f]) => ({
          key,
          units: f.n,
          mean: f.mean,
          sd: f.n > 1 ? Math.sqrt(f.m2 / (f.n - 1)) : 0,
        }));
    },
    openCandidates(deviceId) {
      return [...(devices.get(deviceId)?.open?.values() ?? [])];
    },
    close(deviceId, modeId) {
      const dev = devices.get(deviceId);
      if (!dev?.open?.delete(modeId)) return false;
      touch(dev);
      return true;
    },
    has: (deviceId) => devices.has(deviceId),
    snapshot(deviceId) {
      const found = devices.get(deviceId);
      if (!found) return undefined;
      const dev = current(found);
      return snapshotOf(dev, gapLastTs(bind(dev).gap));
    },
    restore(s) {
      const plan = cache.planFor(s.category as Category, s.model);
      const dev = plan && restoreDevice(plan, s);
      if (!dev) return false;
      const old = devices.get(s.deviceId);
      if (old) {
        old.changed = false; // its mark, if any, is the old state's
        releaseDevice(old);
      }
      devices.set(s.deviceId, dev);
      return true;
    },
    mayHaveHeard(deviceId, at) {
      const found = devices.get(deviceId);
      if (found) gapMayHaveArrived(bind(current(found)).gap, at);
    },
    forget(deviceId) {
      const dev = devices.get(deviceId);
      if (!dev) return false;
      dev.changed = false;
      releaseDevice(dev);
      return devices.delete(deviceId);
    },
    takeChanged() {
      const ids: string[] = [];
      for (const dev of changed) {
        if (!dev.changed) continue; // forgotten or replaced since
        dev.changed = false;
        if (devices.has(dev.deviceId)) ids.push(dev.deviceId);
      }
      changed = [];
      return [...new Set(ids)];
    },
    reconfigure(catalog) {
      cache.reconfigure(catalog);
    },
  };
}
