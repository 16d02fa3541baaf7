import { z } from 'zod';
import { CategorySchema } from '../core/index.ts';
import { type Effect, type FailureMode, severityAt } from './failure-modes.ts';
import type { Flags, ModelFault } from './model.ts';

/** One fault injected into one device: which mode, when it starts, when the part fails. */
export interface FaultPlan {
  mode: FailureMode;
  /** Epoch ms; may lie before the simulation start (the unit arrives already degrading). */
  onset: number;
  /** Epoch ms of functional failure; equals onset for sudden faults. */
  failureAt: number;
}

/** Ground-truth record, one JSONL line per injected fault (ISO-8601 times). */
export const GroundTruthSchema = z.object({
  deviceId: z.string(),
  serial: z.string(),
  category: CategorySchema,
  model: z.string(),
  mode: z.string(),
  component: z.string(),
  kind: z.enum(['degradation', 'sudden']),
  onset: z.iso.datetime(),
  failureAt: z.iso.datetime(),
});
export type GroundTruth = z.infer<typeof GroundTruthSchema>;

/** Progress of a fault at t: 0 before onset, 1 at functional failure, > 1 after. */
export function progressAt(plan: FaultPlan, t: number): number {
  if (t < plan.onset) return 0;
  if (plan.failureAt <= plan.onset) return t >= plan.onset ? 1 : 0;
  return (t - plan.onset) / (plan.failureAt - plan.onset);
}

function applies(e: Effect, flags: Flags): boolean {
  return e.when === 'always' || flags[e.when] === true;
}

/**
 * Applies a fault's effects to a sample's metrics in place. `stage` 'physics' applies the
 * add/mul shifts before sensor noise; 'sensor' applies the stuck readings after noise (a rail
 * or a stopped motor reads a clean constant).
 */
export function applyFault(
  metrics: Record<string, number>,
  flags: Flags,
  plan: FaultPlan,
  t: number,
  stage: 'physics' | 'sensor',
): void {
  const progress = progressAt(plan, t);
  if (progress <= 0) return;
  const severity = severityAt(plan.mode, progress);
  for (const e of plan.mode.effects) {
    const v = metrics[e.metric];
    // `model` effects are the product model's physics, already in the readings.
    if (v === undefined || e.op === 'model' || !applies(e, flags)) continue;
    if (stage === 'sensor') {
      if (e.op === 'set') metrics[e.metric] = e.value;
      continue;
    }
    const sign = e.direction === 'up' ? 1 : -1;
    if (e.op === 'add') metrics[e.metric] = v + sign * e.value * severity;
    else if (e.op === 'mul') metrics[e.metric] = v * (1 + sign * e.value * severity);
  }
}

/**
 * When each of a fault's codes is first due (epoch ms), in the mode's code order; NaN for a
 * code the model's monitor sets (due when it trips, see `monitorCodes`).
 */
export function firstDue(plan: FaultPlan): number[] {
  const span = plan.failureAt - plan.onset;
  return plan.mode.codes.map((c) =>
    c.monitor ? Number.NaN : plan.onset + c.atProgress * span + c.delayHours * 3_600_000,
  );
}

/** The fault as the product model sees it, if its physics carries it (an effect with op `model`). */
export function modelFault(plan: FaultPlan | undefined): ModelFault | undefined {
  if (!plan || !plan.mode.effects.some((e) => e.op === 'model')) return undefined;
  return { mode: plan.mode.id, onset: plan.onset };
}

/**
 * The monitor codes the model set at sample time t that were not reported yet; marks them
 * reported in `due` (Infinity: once per fault, as a stored DTC is read once).
 */
export function monitorCodes(
  plan: FaultPlan,
  due: number[],
  t: number,
  set: readonly string[] | undefined,
): SimEvent[] {
  if (!set || set.length === 0) return [];
  const events: SimEvent[] = [];
  plan.mode.codes.forEach((c, i) => {
    if (!c.monitor || due[i] === Infinity || !set.includes(c.code)) return;
    events.push({ ts: t, code: c.code, severity: c.severity, detail: c.detail });
    due[i] = Infinity;
  });
  return events;
}

/** A code report the device emits. */
export interface SimEvent {
  ts: number;
  code: string;
  severity: 'info' | 'warning' | 'error' | 'critical';
  detail?: string;
}

/**
 * The codes due at sample time t; advances `due` in place (to the next repeat, or to
 * Infinity for a one-off code). A device checks at its samples, so the event carries t.
 */
export function dueCodes(plan: FaultPlan, due: number[], t: number): SimEvent[] {
  const events: SimEvent[] = [];
  plan.mode.codes.forEach((c, i) => {
    const at = due[i];
    if (at === undefined || !(t >= at)) return; // NaN: a monitor code, not on a schedule
    events.push({ ts: t, code: c.code, severity: c.severity, detail: c.detail });
    if (c.repeatHours === undefined) {
      due[i] = Infinity;
    } else {
      const step = c.repeatHours * 3_600_000;
      due[i] = at + Math.ceil((t - at + 1) / step) * step;
    }
  });
  return events;
}

/** The ground-truth record of a fault. */
export function groundTruthOf(
  device: { deviceId: string; serial: string; category: GroundTruth['category']; model: string },
  plan: FaultPlan,
): GroundTruth {
  return {
    ...device,
    mode: plan.mode.id,
    component: plan.mode.component,
    kind: plan.mode.kind,
    onset: new Date(plan.onset).toISOString(),
    failureAt: new Date(plan.failureAt).toISOString(),
  };
}

/** Ground truth as JSONL text (one record per line, newline-terminated). */
export function toJsonl(records: readonly GroundTruth[]): string {
  return records.map((r) => JSON.stringify(r) + '\n').join('');
}

/** Parses ground-truth JSONL (for evaluation code); throws on a malformed line. */
export function parseGroundTruth(text: string): GroundTruth[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => GroundTruthSchema.parse(JSON.parse(l)));
}
