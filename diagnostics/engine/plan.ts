import type { Category, Sample } from '../../core/index.ts';
import type { CusumConfig } from '../detectors/cusum.ts';
import { metricIdsOf, rawMetricAt, sampleEpoch } from '../detectors/detector.ts';
import type { EwmaConfig } from '../detectors/ewma.ts';
import type { FaultCodeConfig } from '../detectors/fault-code.ts';
import type { GapConfig } from '../detectors/gap.ts';
import type { HardLimit, HardLimitConfig } from '../detectors/hard-limit.ts';
import type { SpikeConfig } from '../detectors/spike.ts';
import type { StepConfig } from '../detectors/step.ts';
import type { StuckConfig } from '../detectors/stuck.ts';
import type { RulModelConfig } from '../detectors/rul-model.ts';
import type { FleetReference, TrendConfig } from '../detectors/trend.ts';
import type { CategoryProfile, ModeProfile } from '../profiles/schema.ts';
import type { EngineCatalog, RulModelSpec } from './catalog.ts';

/**
 * A category profile compiled once into detector configs that every device of the category
 * shares. Per-device state then holds only numbers, and the per-sample loop does no lookups
 * in the profile.
 */
export interface CategoryPlan {
  profile: CategoryProfile;
  modes: ReadonlyMap<string, ModeProfile>;
  ewma: EwmaConfig;
  cusum: CusumConfig;
  stuck: StuckConfig;
  spike: SpikeConfig;
  gap: GapConfig;
  limits: HardLimitConfig;
  codes: FaultCodeConfig;
  trends: readonly TrendConfig[];
  steps: readonly StepConfig[];
  /** Uploaded remaining-life models, one per mode at most (catalogue `rul-model`). */
  rulModels: readonly RulModelConfig[];
  /** Catalogue version this plan was compiled from (EngineCatalog.version). */
  version: string;
  /** Set when the catalogue changed and this plan was recompiled: its devices move on. */
  retired?: boolean;
  /** metric → modes it indicates, with direction and weight share (for anomaly matching). */
  signatures: ReadonlyMap<
    string,
    ReadonlyArray<{ modeId: string; direction: 1 | -1; share: number }>
  >;
  /** metric → sudden mode whose failure is this metric frozen at a rail value. */
  railModes: ReadonlyMap<string, { modeId: string; value: number }>;
  /**
   * mode → sudden modes that move some of the same metrics. While one of those is open, the
   * mode's statistical evidence is the sudden fault's aftermath, not a second fault.
   */
  explainedBy: ReadonlyMap<string, readonly string[]>;
}

const DAY_MS = 86_400_000;
/** Warm-up of the sudden-mode templates, in qualifying operating time. */
const STEP_WARMUP_MS = 2 * 3_600_000;
/** A trend alerts only if it reaches failure within this many of the mode's longest spans. */
const HORIZON_SPANS = 1;

/**
 * Healthy baselines per product model learnt beforehand (from a training fleet: see
 * eval/calibrate-fleet.ts), keyed by {@link referenceKey}. A plan starts its fleet references
 * from these instead of from nothing, so the first units of a model are already judged
 * against their siblings.
 */
export type FleetReferences = ReadonlyMap<string, Readonly<FleetReference>>;

/**
 * Key of one indicator's fleet reference: category, product model, mode, metric, and the
 * operating condition when there is one (a mode may watch a metric while cooling and while
 * heating: two baselines).
 */
export function referenceKey(
  category: string,
  model: string,
  modeId: string,
  metric: string,
  condition = 'always',
) {
  return `${category}/${model}/${modeId}/${metric}${condition === 'always' ? '' : `@${condition}`}`;
}

/** Builds the sample predicate of a named condition; the first alternative present decides. */
export function compileCondition(
  profile: CategoryProfile,
  name: string,
): ((s: Sample) => boolean) | undefined {
  if (name === 'always') return undefined;
  const tests = profile.conditions[name];
  if (!tests) throw new Error(`${profile.category}: unknown condition ${name}`);
  // The metrics' ids (detectors/detector.ts `metricId`): the engine's samples are read by index.
  const ids = tests.map((all) => metricIdsOf(all.map((t) => t.metric)));
  const test = (sample: Sample): boolean => {
    for (let a = 0; a < tests.length; a++) {
      const all = tests[a]!;
      let ok = true;
      for (let j = 0; j < all.length; j++) {
        const t = all[j]!;
        const v = rawMetricAt(sample, t.metric, ids[a]![j]!) as number | undefined;
        if (
          v === undefined ||
          (t.min !== undefined && v < t.min) ||
          (t.max !== undefined && v > t.max)
        ) {
          ok = false;
          break;
        }
      }
      if (ok) return true;
    }
    return false;
  };
  // A plan tests one condition for many indicators, limits and modes of the same sample (an
  // air conditioner's `cooling` some 20 times): the engine's sample is tested once, and its
  // answer kept until the next (`sampleEpoch` is 0 for a sample the engine is not judging).
  let memoEpoch = 0;
  let memo = false;
  return (sample) => {
    const e = sampleEpoch(sample);
    if (e !== 0 && e === memoEpoch) return memo;
    const r = test(sample);
    if (e !== 0) {
      memoEpoch = e;
      memo = r;
    }
    return r;
  };
}

/** How a plan is compiled: see {@link compilePlan}. */
export interface PlanOptions {
  /** Overrides the profile's time-based warm-up with a sample count (tests, replays). */
  warmupSamples?: number;
  /** Product model the plan is for ('*': any). */
  model?: string;
  /**
   * The fleet reference object of an indicator (kept by the plan cache across recompiles,
   * so units of a model share it whichever plan version they run), with its prior set.
   */
  fleetFor?: (key: string, prior: Readonly<FleetReference> | undefined) => FleetReference;
  /** Healthy references known beforehand, by {@link referenceKey}: the fleets' priors. */
  references?: FleetReferences;
  rulModels?: readonly RulModelSpec[];
  version?: string;
}

/**
 * Compiles a validated category profile, once per product model (the trend detectors keep a
 * fleet reference per model).
 */
export function compilePlan(profile: CategoryProfile, opts: PlanOptions = {}): CategoryPlan {
  const { warmupSamples, model = '*', references } = opts;
  const fleetFor =
    opts.fleetFor ??
    ((_key: string, prior: Readonly<FleetReference> | undefined): FleetReference => ({
      n: 0,
      mean: 0,
      m2: 0,
      ...(prior ? { prior } : {}),
    }));
  const interval = profile.expectedIntervalMs;
  const samplesFor = (hours: number) =>
    warmupSamples ??
    (interval ? Math.min(2000, Math.max(20, Math.round((hours * 3_600_000) / interval))) : 50);
  const warmup = samplesFor(profile.warmupHours);
  // A sudden template needs its metrics' operating point and noise, not a day of operation:
  // its samples are counted under its condition, and a purifier makes water an hour a day, so
  // 24 h of it took weeks, during which a failed pump went unseen. Two hours (≥ 30 samples).
  const stepWarmup =
    warmupSamples ??
    (interval ? Math.min(warmup, Math.max(30, Math.round(STEP_WARMUP_MS / interval))) : warmup);
  const watch = profile.watch;
  // One predicate per condition for the whole plan, so its per-sample memo serves every user.
  const conditions = new Map<string, ((s: Sample) => boolean) | undefined>();
  const conditionOf = (name: string) => {
    if (!conditions.has(name)) conditions.set(name, compileCondition(profile, name));
    return conditions.get(name);
  };
  const limits: HardLimit[] = [];
  const trends: TrendConfig[] = [];
  const steps: StepConfig[] = [];
  const signatures = new Map<string, Array<{ modeId: string; direction: 1 | -1; share: number }>>();
  const railModes = new Map<string, { modeId: string; value: number }>();
  for (const mode of profile.modes) {
    for (const l of mode.limits) {
      const when = conditionOf(l.when);
      limits.push({
        metric: l.metric,
        ...(l.above !== undefined ? { above: l.above } : {}),
        ...(l.below !== undefined ? { below: l.below } : {}),
        persist: persistSamples(l.persist, l.persistMinutes, interval),
        modeId: mode.id,
        severity: l.severity ?? mode.severity.instant,
        ...(when ? { when } : {}),
      });
    }
    const wsum = mode.indicators.reduce((a, i) => a + i.weight, 0);
    const indicators = mode.indicators.map((i) => {
      const when = conditionOf(i.when);
      const direction: 1 | -1 = i.direction === 'up' ? 1 : -1;
      const sig = signatures.get(i.metric) ?? [];
      sig.push({ modeId: mode.id, direction, share: i.weight / wsum });
      signatures.set(i.metric, sig);
      if (i.failureValue !== undefined && mode.kind === 'sudden')
        railModes.set(i.metric, { modeId: mode.id, value: i.failureValue });
      return { i, direction, when };
    });
    if (indicators.length === 0) continue;
    if (mode.kind === 'degradation') {
      trends.push({
        modeId: mode.id,
        indicators: indicators.map(({ i, direction, when }) => ({
          metric: i.metric,
          direction,
          weight: i.weight,
          failureDelta: i.failureRel ?? i.failureDelta ?? 1,
          relative: i.failureRel !== undefined,
          // Learnt baselines only (a failureValue mode has none to compare).
          fleet: fleetFor(
            referenceKey(profile.category, model, mode.id, i.metric, i.when),
            priorOf(
              references?.get(referenceKey(profile.category, model, mode.id, i.metric, i.when)),
            ),
          ),
          ...(when ? { when, condition: i.when } : {}),
          ...(i.minus !== undefined ? { minus: i.minus, minusFactor: i.minusFactor } : {}),
          ...(i.per !== undefined ? { per: i.per } : {}),
        })),
        failureThreshold: mode.failureThreshold,
        alertThreshold: mode.alertThreshold,
        minAgreement: mode.minAgreement,
        // A half-life of ~1/8 of the shortest span: the line follows an accelerating curve
        // closely enough, yet averages the day-to-day noise of many samples.
        halfLifeMs: (Math.max(mode.spanDays.min, 1) * DAY_MS) / 8,
        // Households and sites run on a daily rhythm: one regression point per day at least.
        bucketMs: Math.max(DAY_MS, (Math.max(mode.spanDays.min, 1) * DAY_MS) / 128),
        // The mode reaches failure within its longest span; a slower drift is ordinary wear.
        horizonMs: HORIZON_SPANS * mode.spanDays.max * DAY_MS,
        ...(mode.growth === 'accelerating' ? { accelerating: true } : {}),
        warmup: mode.warmupHours !== undefined ? samplesFor(mode.warmupHours) : warmup,
      });
    } else {
      steps.push({
        modeId: mode.id,
        indicators: indicators.map(({ i, direction, when }) => ({
          metric: i.metric,
          direction,
          weight: i.weight,
          ...(i.failureDelta !== undefined ? { failureDelta: i.failureDelta } : {}),
          ...(i.failureRel !== undefined ? { failureRel: i.failureRel } : {}),
          ...(i.failureValue !== undefined ? { failureValue: i.failureValue } : {}),
          ...(when ? { when } : {}),
          ...(i.minus !== undefined ? { minus: i.minus, minusFactor: i.minusFactor } : {}),
          ...(i.per !== undefined ? { per: i.per } : {}),
        })),
        persist: persistSamples(mode.persist, mode.persistMinutes, interval),
        warmup: stepWarmup,
      });
    }
  }
  // A mode whose metrics a sudden fault also moves is that fault's aftermath while the fault
  // is open. Rail modes (a sensor on its open-circuit value) are specific enough to stand.
  const explainedBy = new Map<string, string[]>();
  for (const d of profile.modes) {
    if (d.kind === 'sudden' && d.indicators.some((i) => i.failureValue !== undefined)) continue;
    const metrics = new Set([
      ...d.indicators.map((i) => i.metric),
      ...d.limits.map((l) => l.metric),
    ]);
    const by = profile.modes
      .filter(
        (m) =>
          m.id !== d.id &&
          m.kind === 'sudden' &&
          [...m.indicators, ...m.limits].some((i) => metrics.has(i.metric)),
      )
      .map((m) => m.id);
    if (by.length) explainedBy.set(d.id, by);
  }
  const rulModels: RulModelConfig[] = (opts.rulModels ?? []).map((r) => {
    const when = conditionOf(r.condition);
    return {
      modeId: r.modeId,
      metrics: r.metrics,
      rowMs: r.rowMs,
      stream: r.stream,
      alertWithinMs: r.alertWithinMs,
      cap: r.cap,
      condition: r.condition,
      model: r.model,
      ...(when ? { when } : {}),
    };
  });
  return {
    profile,
    version: opts.version ?? 'static',
    rulModels,
    modes: new Map(profile.modes.map((m) => [m.id, m])),
    explainedBy,
    ewma: { metrics: watch, warmup },
    cusum: { metrics: watch, warmup },
    stuck: { metrics: watch, warmup },
    spike: { metrics: watch, warmup },
    gap: { ...(interval ? { expectedIntervalMs: interval } : {}), factor: profile.gapFactor },
    limits: { limits },
    codes: { codes: codesOf(profile) },
    trends,
    steps,
    signatures,
    railModes,
  };
}

/** A persistence given in minutes becomes samples at the expected interval. */
function persistSamples(samples: number, minutes: number | undefined, intervalMs?: number) {
  if (minutes === undefined || !intervalMs) return samples;
  return Math.max(1, Math.ceil((minutes * 60_000) / intervalMs));
}

/** A reference's statistics as a prior (uploaded or pre-learnt), or undefined when empty. */
function priorOf(r: Readonly<FleetReference> | undefined): FleetReference['prior'] {
  if (!r || !(r.n > 0)) return undefined;
  return { n: r.n, mean: r.mean, m2: r.m2 };
}

/** Fault code → mode (with the code table's severity and text, when a table gave them). */
function codesOf(profile: CategoryProfile): FaultCodeConfig['codes'] {
  const codes: Record<string, FaultCodeConfig['codes'][string]> = {};
  for (const mode of profile.modes) {
    for (const c of mode.faultCodes) {
      const info = profile.codeInfo[c];
      codes[c] = {
        modeId: mode.id,
        ...(info?.severity ? { severity: info.severity } : {}),
        ...(info?.description ? { description: info.description.en } : {}),
      };
    }
  }
  return codes;
}

/** Product models per category with their own plan (and so their own fleet references). */
const MAX_MODELS = 256;

/** Compiled plans by category and product model, recompiled when the catalogue changes. */
export interface PlanCache {
  /** The plan of a product model (compiled on first use); undefined without a profile. */
  planFor(category: Category, model: string): CategoryPlan | undefined;
  /** Switches to another catalogue: plans whose version changed are compiled afresh. */
  reconfigure(catalog: EngineCatalog): void;
  /** The fleet statistics learnt here, by {@link referenceKey} (live objects: read only). */
  fleets(): ReadonlyMap<string, Readonly<FleetReference>>;
}

/**
 * Compiled plans by category and product model, made on first use: units of one model share
 * fleet references. Bounded: past MAX_MODELS models in a category, further ones share one plan
 * (a device reporting garbage model names must not grow memory). Fleet statistics outlive
 * plans: a recompiled plan's indicators keep the fleet their units have joined.
 */
export function createPlanCache(catalog: EngineCatalog, warmupSamples?: number): PlanCache {
  let source = catalog;
  const plans = new Map<string, CategoryPlan>();
  const modelsPerCategory = new Map<Category, Set<string>>();
  const fleets = new Map<string, FleetReference>();
  const fleetFor = (key: string, prior: Readonly<FleetReference> | undefined) => {
    let f = fleets.get(key);
    if (!f) fleets.set(key, (f = { n: 0, mean: 0, m2: 0 }));
    if (prior) f.prior = prior;
    else delete f.prior;
    return f;
  };
  const compile = (category: Category, model: string) => {
    const profile = source.profile(category, model);
    if (!profile) return undefined;
    return compilePlan(profile, {
      ...(warmupSamples !== undefined ? { warmupSamples } : {}),
      model,
      fleetFor,
      references: source.references(category, model),
      rulModels: source.rulModels(category, model),
      version: source.version(category, model),
    });
  };
  return {
    planFor(category, model) {
      const seen = modelsPerCategory.get(category) ?? new Set<string>();
      const own = seen.has(model) || seen.size < MAX_MODELS;
      const m = own ? model : '*';
      const key = `${category}\u0000${m}`;
      let plan = plans.get(key);
      if (plan) return plan;
      plan = compile(category, m);
      if (!plan) return undefined;
      if (own) {
        seen.add(model);
        modelsPerCategory.set(category, seen);
      }
      plans.set(key, plan);
      return plan;
    },
    fleets: () => fleets,
    reconfigure(next) {
      source = next;
      for (const [key, plan] of plans) {
        const [category, model] = key.split('\u0000') as [Category, string];
        if (next.version(category, model) === plan.version) continue;
        plan.retired = true;
        plans.delete(key);
      }
    },
  };
}
