import { createHash } from 'node:crypto';
import { leaveFleet, rejoinFleet } from '../detectors/trend.ts';
import type { AlertCandidate, Verdict } from '../types.ts';
import { bind, createDeviceState, stateSize, type DeviceState } from './device-state.ts';
import type { CategoryPlan } from './plan.ts';

/**
 * A device's detector state as it is saved and loaded (cluster mode, issue 22): its numbers, its
 * open candidates and latest generic anomaly, and the fingerprint of the plan the numbers were
 * laid out by.
 */
export interface DeviceSnapshot {
  deviceId: string;
  category: string;
  model: string;
  /** {@link planFingerprint} of the plan the numbers belong to. */
  fingerprint: string;
  /** Newest sample folded in (device time, epoch ms; 0 before any). */
  lastTs: number;
  numbers: Float64Array;
  open: AlertCandidate[];
  anomaly: Verdict | null;
}

const fingerprints = new WeakMap<CategoryPlan, string>();

/**
 * What a device's numbers mean under a plan: a hash of the compiled plan (the profile with its
 * conditions, every detector's configuration, uploaded models) and its state size. Two plans
 * with the same fingerprint lay out and read the numbers the same way; the catalogue's version
 * label is left out, so a re-upload of the same content keeps the state. Computed once per plan.
 */
export function planFingerprint(plan: CategoryPlan): string {
  let f = fingerprints.get(plan);
  if (f) return f;
  const skip = new Set(['fleet', 'stream', 'version', 'retired']);
  const text = JSON.stringify(plan, (k, v: unknown) => {
    if (typeof v === 'function' || skip.has(k)) return undefined;
    if (v instanceof Map) return [...v];
    return v;
  });
  f = `${stateSize(plan)}:${createHash('sha256').update(text).digest('hex').slice(0, 32)}`;
  fingerprints.set(plan, f);
  return f;
}

/** The device's state as a snapshot (copies: the engine goes on changing its own). */
export function snapshotOf(dev: DeviceState, lastTs: number): DeviceSnapshot {
  return {
    deviceId: dev.deviceId,
    category: dev.plan.profile.category,
    model: dev.model,
    fingerprint: planFingerprint(dev.plan),
    lastTs,
    numbers: dev.buf.slice(),
    open: [...(dev.open?.values() ?? [])],
    anomaly: dev.anomaly ?? null,
  };
}

/**
 * A device's state from a snapshot on `plan`, or undefined when the snapshot belongs to another
 * plan (a changed profile, calibration or model: the device starts afresh rather than read
 * numbers laid out for something else). Indicators that joined their fleet on the node that
 * saved it join this node's fleet (unless `join` is false: a read-only look).
 */
export function restoreDevice(
  plan: CategoryPlan,
  s: DeviceSnapshot,
  join = true,
): DeviceState | undefined {
  if (s.fingerprint !== planFingerprint(plan) || s.numbers.length !== stateSize(plan))
    return undefined;
  const dev = createDeviceState(plan, s.deviceId, s.model);
  dev.buf.set(s.numbers);
  if (s.open.length) dev.open = new Map(s.open.map((c) => [c.modeId, c]));
  if (s.anomaly) dev.anomaly = s.anomaly;
  if (join) for (const t of bind(dev).trends) rejoinFleet(t);
  return dev;
}

/**
 * A device's state leaves the engine (forgotten, replaced by a restored or migrated one): its
 * indicators leave their fleets, so that a unit is counted at most once in a node's fleet
 * statistics however often its state comes back (issue 22).
 */
export function releaseDevice(dev: DeviceState): void {
  for (const t of bind(dev).trends) leaveFleet(t);
}
