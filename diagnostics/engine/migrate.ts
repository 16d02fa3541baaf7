import { cusumDetector } from '../detectors/cusum.ts';
import { ewmaDetector } from '../detectors/ewma.ts';
import { gapDetector } from '../detectors/gap.ts';
import { hardLimitDetector } from '../detectors/hard-limit.ts';
import { rulModelDetector } from '../detectors/rul-model.ts';
import { spikeDetector } from '../detectors/spike.ts';
import { stepDetector } from '../detectors/step.ts';
import { stuckDetector } from '../detectors/stuck.ts';
import { carryTrendState, leaveFleet, rejoinFleet } from '../detectors/trend.ts';
import { bind, createDeviceState, type DeviceState } from './device-state.ts';
import type { CategoryPlan } from './plan.ts';

/**
 * Moves a device onto a recompiled plan (the diagnostics catalogue changed: a fault-code
 * table, a calibration, a profile or model version) without forgetting what it learnt: every
 * detector whose configuration is unchanged keeps its numbers, a trend whose indicators read
 * the same keeps its warm-up baselines (trend.ts `carryTrendState`), an uploaded model keeps
 * its rows when the same artefact is still bound. Open candidates stay open. What changed
 * starts afresh, as on a new device.
 */
export function migrateDeviceState(old: DeviceState, plan: CategoryPlan): DeviceState {
  const next = createDeviceState(plan, old.deviceId, old.model);
  const was = old.plan;
  // Two plans, two layouts: each bound to its own device's array at the same time.
  const a = bind(old);
  const b = bind(next);
  // Conditions are compiled to functions: configs that name the same condition compare equal
  // only while the definitions are the same.
  const conditions = same(was.profile.conditions, plan.profile.conditions);
  const copy = (from: Slice, to: Slice, n: number) =>
    to.s.set(from.s.subarray(from.o, from.o + n), to.o);
  if (same(was.ewma, plan.ewma)) copy(a.ewma, b.ewma, ewmaDetector.size!(plan.ewma));
  if (same(was.cusum, plan.cusum)) copy(a.cusum, b.cusum, cusumDetector.size!(plan.cusum));
  if (same(was.stuck, plan.stuck)) copy(a.stuck, b.stuck, stuckDetector.size!(plan.stuck));
  if (same(was.spike, plan.spike)) copy(a.spike, b.spike, spikeDetector.size!(plan.spike));
  // The gap detector's numbers (last sample, learnt interval) stay: a config change (a new
  // expected interval) takes effect from its next comparison.
  copy(a.gap, b.gap, gapDetector.size!(plan.gap));
  if (conditions && same(was.limits, plan.limits))
    copy(a.limits, b.limits, hardLimitDetector.size!(plan.limits));
  // Fault codes: the last time each code was seen, by code (the repeat window survives).
  for (const [code, i] of b.codes.table.index) {
    const j = a.codes.table.index.get(code);
    if (j !== undefined) b.codes.s[b.codes.o + i] = a.codes.s[a.codes.o + j]!;
  }
  // The unit's fleet memberships move with its baselines: out of the fleets it joined, into
  // those of what was kept (the same fleet objects when their keys are unchanged, plan.ts), so
  // a baseline not kept leaves and is not counted again when the unit warms up anew.
  for (const t of a.trends) leaveFleet(t);
  if (conditions) {
    for (const t of b.trends) {
      const from = a.trends.find((x) => x.config.modeId === t.config.modeId);
      if (from) carryTrendState(from, t);
    }
    for (const t of b.trends) rejoinFleet(t);
    for (const st of b.steps) {
      const from = a.steps.find((x) => x.config.modeId === st.config.modeId);
      if (from && same(from.config, st.config)) copy(from, st, stepDetector.size!(st.config));
    }
    for (const r of b.rulModels) {
      const from = a.rulModels.find((x) => x.config.modeId === r.config.modeId);
      const c = r.config;
      if (
        from &&
        from.config.model.id === c.model.id &&
        from.config.rowMs === c.rowMs &&
        from.config.condition === c.condition &&
        same(from.config.metrics, c.metrics)
      )
        copy(from, r, rulModelDetector.size!(c));
    }
  }
  next.open = old.open;
  next.anomaly = old.anomaly;
  return next;
}

/** Where a detector's numbers live in its device's array. */
interface Slice {
  s: Float64Array;
  o: number;
}

/** Structural equality of plain config data (functions and shared fleet objects left out). */
function same(a: unknown, b: unknown): boolean {
  const plain = (_k: string, v: unknown) =>
    typeof v === 'function' || _k === 'fleet' || _k === 'stream' ? undefined : v;
  return JSON.stringify(a, plain) === JSON.stringify(b, plain);
}
