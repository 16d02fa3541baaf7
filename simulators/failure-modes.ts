import { z } from 'zod';
import { CategorySchema, type Category } from '../core/index.ts';
import { APPLIANCE_MODES } from './failure-modes/appliances.ts';
import { ELECTRONICS_MODES } from './failure-modes/electronics.ts';
import { HOUSEHOLD_MODES } from './failure-modes/household.ts';
import { MACHINE_MODES } from './failure-modes/machines.ts';

const snake = z.string().regex(/^[a-z][a-z0-9]*(_[a-z0-9]+)*$/, 'snake_case');

/**
 * Operating condition under which an effect shows. Models report these flags per sample
 * (`running` = the main load is on; `cooling`/`heating` = the refrigeration or heating
 * function is active; `spinning` = washer spin phase; `working` = excavator digging).
 */
export const EffectConditionSchema = z.enum([
  'always',
  'running',
  'cooling',
  'heating',
  'spinning',
  'working',
]);
export type EffectCondition = z.infer<typeof EffectConditionSchema>;

/**
 * How a failure mode moves one metric. `value` is the size of the change at functional
 * failure (progress 1):
 * - `add`: reading + value × severity, in the metric's unit (sign from `direction`);
 * - `mul`: reading × (1 ± value × severity), value a fraction of the healthy reading;
 * - `set`: reading replaced by `value` once the fault is active (open/short circuit rails,
 *   stopped motors); no noise on top;
 * - `model`: the product model computes the faulty reading in its own physics (it gets the
 *   active fault in `step`), because the fault changes the shape of the signal, not its level:
 *   a thermostat stuck open slows the engine's warm-up and lowers its plateau. `value` is the
 *   typical size of the move once the fault has settled in.
 */
export const EffectSchema = z
  .object({
    metric: snake,
    direction: z.enum(['up', 'down']),
    op: z.enum(['add', 'mul', 'set', 'model']),
    value: z.number(),
    when: EffectConditionSchema.default('always'),
  })
  .refine((e) => e.op === 'set' || e.value > 0, { message: 'add/mul/model value must be > 0' })
  .refine((e) => e.op !== 'mul' || e.direction === 'up' || e.value < 1, {
    message: 'mul down value must be < 1',
  });
export type Effect = z.infer<typeof EffectSchema>;

/**
 * A fault code the device reports itself. `atProgress` is the degradation progress (0 = onset,
 * 1 = functional failure) at which a real device's own check trips; `delayHours` adds the time
 * the check needs (a drive cycle, a timeout). `repeatHours` re-reports while the fault stays.
 */
export const FaultCodeSchema = z.object({
  code: z.string().min(1).max(32),
  severity: z.enum(['info', 'warning', 'error', 'critical']),
  atProgress: z.number().min(0).max(1),
  delayHours: z.number().min(0).default(0),
  repeatHours: z.number().positive().optional(),
  /**
   * Set by the product model's own check (an ECU monitor that compares the reading with what
   * a healthy unit would read by now), reported at the first sample after it trips, once;
   * `atProgress` and `delayHours` are then not used.
   */
  monitor: z.boolean().default(false),
  /** `obd2` SAE J2012 DTC; `j1939` SPN-FMI; `vendor` a manufacturer's appliance code. */
  source: z.enum(['obd2', 'j1939', 'vendor']),
  detail: z.string(),
});
export type FaultCode = z.infer<typeof FaultCodeSchema>;

/** One way a product of a category fails: what it damages, what it moves, what it reports. */
export const FailureModeSchema = z
  .object({
    id: snake,
    category: CategorySchema,
    kind: z.enum(['degradation', 'sudden']),
    /** Damaged component, snake_case; the 三包 main part where the category has a list. */
    component: snake,
    /** The component is a 三包 main part (主要零部件/主要部件) per docs/sanbao-rules.md. */
    mainPart: z.boolean(),
    description: z.string(),
    /** Onset → functional failure, days; 0 for sudden faults (failure at onset). */
    spanDays: z.object({ min: z.number().min(0), max: z.number().min(0) }),
    /** Degradation curve: `linear`, or `accelerating` (slow start, fast end: wear-out). */
    curve: z.enum(['linear', 'accelerating', 'step']),
    effects: z.array(EffectSchema).min(1),
    /** What counts as functional failure, in words; numerically: every effect at full value. */
    failureCriterion: z.string(),
    codes: z.array(FaultCodeSchema),
    /**
     * Sudden faults whose effect is hidden in some operating states (a thermostat stuck open
     * is not told from a cold engine until a healthy one would be warm): the fault counts as
     * observable only at samples where the fault-free twin reads `metric` ≥ `healthyMin` and
     * the faulty unit reads it < `faultyBelow`. Ground truth for scoring (samples to detection
     * are counted from there), never seen by diagnostics.
     */
    observable: z
      .object({ metric: snake, healthyMin: z.number(), faultyBelow: z.number() })
      .optional(),
  })
  .refine((m) => m.spanDays.max >= m.spanDays.min, { message: 'spanDays.max < spanDays.min' })
  .refine(
    (m) =>
      m.kind === 'sudden'
        ? m.spanDays.max === 0 && m.curve === 'step'
        : m.spanDays.min > 0 && m.curve !== 'step',
    { message: 'sudden ⇔ span 0 and step curve' },
  );
export type FailureMode = z.infer<typeof FailureModeSchema>;
/** Input shape of a catalogue row (defaults not yet applied). */
export type FailureModeInput = z.input<typeof FailureModeSchema>;

/** The whole catalogue, validated at import: a bad row fails loudly, never silently. */
export const FAILURE_MODES: readonly FailureMode[] = Object.freeze(
  z
    .array(FailureModeSchema)
    .parse([...MACHINE_MODES, ...APPLIANCE_MODES, ...HOUSEHOLD_MODES, ...ELECTRONICS_MODES]),
);

/** Failure modes of one category, in catalogue order. */
export function failureModesFor(category: Category): FailureMode[] {
  return FAILURE_MODES.filter((m) => m.category === category);
}

/** One failure mode by category and id; throws on an unknown pair. */
export function getFailureMode(category: Category, id: string): FailureMode {
  const mode = FAILURE_MODES.find((m) => m.category === category && m.id === id);
  if (!mode) throw new Error(`unknown failure mode ${category}/${id}`);
  return mode;
}

/**
 * Severity of a mode's effects at `progress` (0 at onset, 1 at functional failure). Grows a
 * little past failure (a failed part keeps getting worse) and then holds.
 */
export function severityAt(mode: Pick<FailureMode, 'curve'>, progress: number): number {
  if (progress <= 0) return 0;
  if (mode.curve === 'step') return 1;
  // Past failure: +25 % over the next span, then constant.
  if (progress > 1) return 1 + 0.25 * Math.min(progress - 1, 1);
  if (mode.curve === 'linear') return progress;
  // accelerating: (e^{kp} − 1)/(e^k − 1), k = 3: 18 % of the damage by half-way.
  const k = 3;
  return (Math.exp(k * progress) - 1) / (Math.exp(k) - 1);
}
