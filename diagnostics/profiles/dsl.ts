import type { z } from 'zod';
import type { IndicatorSchema, LimitSchema, ModeProfileSchema } from './schema.ts';

/**
 * Short constructors so each failure mode reads as one block of data. They only build plain
 * objects; everything is validated by `CategoryProfileSchema` when the engine loads it.
 */
type IndicatorInput = z.input<typeof IndicatorSchema>;
type LimitInput = z.input<typeof LimitSchema>;
export type ModeInput = z.input<typeof ModeProfileSchema>;

type Opts = Pick<IndicatorInput, 'when' | 'weight' | 'minus' | 'minusFactor' | 'per'>;

/** Metric rises by `delta` (metric units) at functional failure. */
export const up = (metric: string, delta: number, opts: Opts = {}): IndicatorInput => ({
  metric,
  direction: 'up',
  failureDelta: delta,
  ...opts,
});

/** Metric falls by `delta` (metric units) at functional failure. */
export const down = (metric: string, delta: number, opts: Opts = {}): IndicatorInput => ({
  metric,
  direction: 'down',
  failureDelta: delta,
  ...opts,
});

/** Metric rises by the fraction `rel` of its healthy value at functional failure. */
export const upRel = (metric: string, rel: number, opts: Opts = {}): IndicatorInput => ({
  metric,
  direction: 'up',
  failureRel: rel,
  ...opts,
});

/** Metric falls by the fraction `rel` of its healthy value at functional failure. */
export const downRel = (metric: string, rel: number, opts: Opts = {}): IndicatorInput => ({
  metric,
  direction: 'down',
  failureRel: rel,
  ...opts,
});

/** Metric reads `value` once failed (an open circuit's rail, a stopped motor). */
export const railAt = (
  metric: string,
  direction: 'up' | 'down',
  value: number,
  opts: Opts = {},
): IndicatorInput => ({
  metric,
  direction,
  failureValue: value,
  ...opts,
});

/** Instant limit. */
export const limit = (
  metric: string,
  bound: { above?: number; below?: number },
  opts: Omit<LimitInput, 'metric' | 'above' | 'below'> = {},
): LimitInput => ({
  metric,
  ...bound,
  ...opts,
});

/** Bilingual text. */
export const t = (zh: string, en: string): { zh: string; en: string } => ({ zh, en });

/** Sudden faults have no degradation span. */
export const SUDDEN = { min: 0, max: 0 } as const;
