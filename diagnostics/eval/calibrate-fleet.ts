import { createDiagnosticsEngine } from '../engine.ts';
import { referenceKey, type FleetReferences } from '../engine/plan.ts';
import type { FleetReference } from '../detectors/trend.ts';
import {
  CategoryProfileSchema,
  type CategoryProfile,
  type CategoryProfileInput,
} from '../profiles/schema.ts';
import { planRun, simulateDevice, type FleetRun } from './simulate.ts';
import { profilesAt, type Progress } from './run.ts';

/** What a training fleet taught: healthy baselines per product model, mode and metric. */
export interface FleetCalibration {
  references: FleetReferences;
  /** Healthy units that contributed, and samples replayed. */
  units: number;
  samples: number;
}

/**
 * Learns nominal (healthy) baselines per product model from a training fleet with known
 * faults: every unit without a fault runs through an engine, and each degradation indicator's
 * baseline as that unit learnt it at warm-up joins its model's reference (Welford mean and
 * spread). The evaluation engine starts from these references, so a unit that arrives already
 * degrading is recognised against healthy siblings from its first day instead of learning its
 * worn state as normal. Only the training fleet's ground truth is read (to keep faulty units
 * out); the evaluation fleet is never seen.
 */
export function calibrateFromFleet(
  run: FleetRun,
  profiles: readonly CategoryProfileInput[],
  onProgress?: (p: Progress) => void,
): FleetCalibration {
  const { fleet } = planRun(run);
  const healthy = fleet.filter((d) => d.fault === undefined);
  const parsed = profiles.map((p) => CategoryProfileSchema.parse(p));
  const engine = createDiagnosticsEngine({ profiles: profilesAt(profiles, run.intervalS) });
  const refs = new Map<string, FleetReference>();
  let samples = 0;
  healthy.forEach((d, i) => {
    // A unit is done once every indicator its model can show has learnt its baseline (an air
    // conditioner's cooling indicators wait for summer); no need to replay the rest.
    const expected = indicatorsOf(parsed, d.params.category, Object.keys(d.model.metrics));
    let next = 0;
    simulateDevice(run, d, {
      sample(s) {
        engine.process(s);
        if ((++samples & 0xffff) === 0)
          onProgress?.({ devicesDone: i, devices: healthy.length, samples });
        if (s.ts < next) return true;
        next = s.ts + 86_400_000;
        return engine.baselines(s.deviceId).length < expected;
      },
      event(e) {
        engine.processEvent(e);
      },
    });
    const { category, model, serial } = d.params;
    for (const b of engine.baselines(serial)) {
      const key = referenceKey(category, model, b.modeId, b.metric, b.condition);
      const f = refs.get(key) ?? { n: 0, mean: 0, m2: 0 };
      f.n++;
      const delta = b.baseline - f.mean;
      f.mean += delta / f.n;
      f.m2 += delta * (b.baseline - f.mean);
      refs.set(key, f);
    }
  });
  onProgress?.({ devicesDone: healthy.length, devices: healthy.length, samples });
  return { references: refs, units: healthy.length, samples };
}

/** Degradation indicators of a category whose metrics a product model reports. */
function indicatorsOf(profiles: readonly CategoryProfile[], category: string, metrics: string[]) {
  const has = new Set(metrics);
  const profile = profiles.find((p) => p.category === category);
  let n = 0;
  for (const m of profile?.modes ?? []) {
    if (m.kind !== 'degradation') continue;
    for (const i of m.indicators) {
      if ([i.metric, i.minus, i.per].every((x) => x === undefined || has.has(x))) n++;
    }
  }
  return n;
}
