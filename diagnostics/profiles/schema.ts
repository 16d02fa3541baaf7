import { z } from 'zod';
import { CategorySchema } from '../../core/index.ts';

/**
 * Failure-mode profiles are data (docs/design.md "Diagnostics"): which metrics indicate which mode,
 * how far they move by functional failure, limits, fault codes, the component and parts at
 * stake, and what to do. This schema is their single definition; every profile file is parsed
 * with it at import, so a bad row fails loudly at start-up, not silently at 3 a.m.
 */

const snake = z.string().regex(/^[a-z][a-z0-9]*(_[a-z0-9]+)*$/, 'snake_case');

export const SeveritySchema = z.enum(['info', 'minor', 'major', 'critical']);

/** Bilingual text: Chinese for owners and outlets, English for the rest of us. */
export const TextSchema = z.object({ zh: z.string().min(1), en: z.string().min(1) });

/**
 * An operating condition (running, cooling, heating, spinning, working) as a test on the
 * sample's metrics, since devices report readings, not their controller's state: any of the
 * alternatives, each of which needs all of its tests (a missing metric fails its test). So
 * "running" can be "rpm ≥ 300, or speed > 0 for an electric car".
 */
export const ConditionTestSchema = z
  .object({ metric: z.string(), min: z.number().optional(), max: z.number().optional() })
  .refine((t) => t.min !== undefined || t.max !== undefined, {
    message: 'a test needs min or max',
  });
export const ConditionSchema = z.array(z.array(ConditionTestSchema).min(1)).min(1);

/**
 * How a metric moves in a mode. Exactly one of `failureDelta` (metric units), `failureRel`
 * (fraction of the healthy reading) or `failureValue` (the reading at failure: an open
 * circuit's rail, a stopped motor) says where failure is.
 */
export const IndicatorSchema = z
  .object({
    metric: z.string(),
    direction: z.enum(['up', 'down']),
    weight: z.number().positive().default(1),
    failureDelta: z.number().positive().optional(),
    failureRel: z.number().positive().optional(),
    failureValue: z.number().optional(),
    /** Operating condition under which the effect shows; 'always' = every sample. */
    when: z.string().default('always'),
    /**
     * Normalise by another metric before judging: `minus` removes what the environment
     * explains (discharge − outdoor temperature), `per` compares at equal load (current per
     * compressor Hz). The failure move is then of the normalised value.
     */
    minus: z.string().optional(),
    /** Coefficient of `minus` (reading − k·other), for a known linear operating-point effect. */
    minusFactor: z.number().default(1),
    per: z.string().optional(),
  })
  .refine(
    (i) =>
      [i.failureDelta, i.failureRel, i.failureValue].filter((v) => v !== undefined).length === 1,
    {
      message: 'exactly one of failureDelta, failureRel, failureValue',
    },
  );

/** An instant limit that indicates the mode by itself. */
export const LimitSchema = z
  .object({
    metric: z.string(),
    above: z.number().optional(),
    below: z.number().optional(),
    persist: z.number().int().positive().default(1),
    /**
     * Persistence as operating time instead of samples (the criterion is "still below 70 °C
     * after 15 minutes"): samples = ⌈minutes / expected interval⌉, whatever the sampling rate.
     */
    persistMinutes: z.number().positive().optional(),
    when: z.string().default('always'),
    severity: SeveritySchema.optional(),
  })
  .refine((l) => l.above !== undefined || l.below !== undefined, {
    message: 'limit needs above or below',
  });

/** How urgent a candidate of this mode is: instant evidence, or by time left. */
export const SeverityPolicySchema = z.object({
  /** Severity of fault codes, limits and sudden shifts (a code's own severity may raise it). */
  instant: SeveritySchema.default('major'),
  /** Trend candidates: RUL at or below these many days → that severity; above → `otherwise`. */
  criticalWithinDays: z.number().positive().default(3),
  majorWithinDays: z.number().positive().default(14),
  otherwise: SeveritySchema.default('minor'),
});

export const ModeProfileSchema = z
  .object({
    id: snake,
    name: TextSchema,
    kind: z.enum(['degradation', 'sudden']),
    component: snake,
    /** A 三包 main part: the warranty side decides the remedy from it. */
    mainPart: z.boolean(),
    /** English text (translated in names.ts for the built-in ones), or `{ zh, en }`. */
    parts: z.array(z.union([z.string().min(1), TextSchema])).min(1),
    indicators: z.array(IndicatorSchema),
    limits: z.array(LimitSchema).default([]),
    faultCodes: z.array(z.string().min(1)).default([]),
    /** Health-indicator level of functional failure (1 = every indicator at its failure move). */
    failureThreshold: z.number().positive().default(1),
    /** HI level from which a significant rising trend (or a sudden shift) is reported. */
    alertThreshold: z.number().positive().default(0.3),
    /** Share of indicator weight that must agree with the HI before alerting (mode separation). */
    minAgreement: z.number().min(0).max(1).default(0.6),
    /** Sudden modes: consecutive matching samples before the signature fires. */
    persist: z.number().int().positive().default(2),
    /** As `persist`, in minutes of qualifying samples (see LimitSchema.persistMinutes). */
    persistMinutes: z.number().positive().optional(),
    /**
     * Operating time under the indicators' conditions that learns their baselines (default:
     * the category's `warmupHours`). Warm-up counts qualifying samples, so 24 h of a rare
     * condition (a washer's spin: 14 minutes a programme) is months of calendar time.
     */
    warmupHours: z.number().positive().optional(),
    /**
     * How the damage grows towards failure: `accelerating` for wear-out (bearings, fans,
     * sulphation, insulation), whose RUL is extrapolated as exponential growth.
     */
    growth: z.enum(['linear', 'accelerating']).default('linear'),
    /** Degradation onset → failure, days: sizes the trend window. */
    spanDays: z.object({ min: z.number().min(0), max: z.number().min(0) }),
    action: TextSchema,
    severity: SeverityPolicySchema.default({
      instant: 'major',
      criticalWithinDays: 3,
      majorWithinDays: 14,
      otherwise: 'minor',
    }),
  })
  .refine((m) => m.kind === 'sudden' || m.indicators.length > 0, {
    message: 'a degradation mode needs indicators',
  })
  .refine((m) => m.indicators.length > 0 || m.limits.length > 0 || m.faultCodes.length > 0, {
    message: 'a mode needs indicators, limits or fault codes',
  });

/** Code-table systems: a maker's own codes, OBD-II DTCs (SAE J2012), J1939 SPN-FMI pairs. */
export const CodeSystemSchema = z.enum(['vendor', 'obd2', 'j1939']);

/**
 * What a fault-code table says about a code beyond the mode it maps to (catalogue
 * `fault-codes` documents): the severity it warrants and its text in both languages.
 */
export const CodeInfoSchema = z.object({
  system: CodeSystemSchema.optional(),
  severity: SeveritySchema.optional(),
  description: TextSchema.optional(),
});

export const CategoryProfileSchema = z
  .object({
    category: CategorySchema,
    /** Nominal sampling interval, ms; learnt per device when absent. */
    expectedIntervalMs: z.number().positive().optional(),
    /** Missed intervals that make a data gap. */
    gapFactor: z.number().min(2).default(5),
    /** Time used to learn each device's own baseline before judging it. */
    warmupHours: z.number().positive().default(24),
    conditions: z.record(z.string(), ConditionSchema).default({}),
    /** Metrics watched by the statistical detectors (EWMA, CUSUM, stuck, spike). */
    watch: z.array(z.string()).min(1),
    modes: z.array(ModeProfileSchema).min(1),
    /** Per fault code (as listed in a mode's `faultCodes`): severity and text from its table. */
    codeInfo: z.record(z.string(), CodeInfoSchema).default({}),
  })
  .refine((p) => new Set(p.modes.map((m) => m.id)).size === p.modes.length, {
    message: 'duplicate mode id',
  })
  .refine(
    (p) =>
      p.modes.every((m) =>
        [...m.indicators, ...m.limits].every((x) => x.when === 'always' || x.when in p.conditions),
      ),
    { message: 'an indicator or limit names an undefined condition' },
  );

export type Indicator = z.infer<typeof IndicatorSchema>;
export type Limit = z.infer<typeof LimitSchema>;
export type ModeProfile = z.infer<typeof ModeProfileSchema>;
export type CategoryProfile = z.infer<typeof CategoryProfileSchema>;
/** What profile files are written as (defaults not yet applied). */
export type CategoryProfileInput = z.input<typeof CategoryProfileSchema>;
