import type { Effect, EffectCondition, FaultCode } from '../failure-modes.ts';

/**
 * Short constructors for catalogue rows, so that each failure mode reads as one block of data.
 * They only build plain objects; the catalogue is validated with zod in failure-modes.ts.
 */

/** `metric` goes up by `value` (metric units) at functional failure. */
export const up = (metric: string, value: number, when: EffectCondition = 'always'): Effect => ({
  metric,
  direction: 'up',
  op: 'add',
  value,
  when,
});

/** `metric` goes down by `value` (metric units) at functional failure. */
export const down = (metric: string, value: number, when: EffectCondition = 'always'): Effect => ({
  metric,
  direction: 'down',
  op: 'add',
  value,
  when,
});

/** `metric` grows by the fraction `value` of its healthy reading at functional failure. */
export const upRel = (metric: string, value: number, when: EffectCondition = 'always'): Effect => ({
  metric,
  direction: 'up',
  op: 'mul',
  value,
  when,
});

/** `metric` shrinks by the fraction `value` of its healthy reading at functional failure. */
export const downRel = (
  metric: string,
  value: number,
  when: EffectCondition = 'always',
): Effect => ({ metric, direction: 'down', op: 'mul', value, when });

/** `metric` reads the constant `value` once the fault is active (a rail, a stopped motor). */
export const stuck = (
  metric: string,
  direction: 'up' | 'down',
  value: number,
  when: EffectCondition = 'always',
): Effect => ({ metric, direction, op: 'set', value, when });

/** A fault code; `at` is the progress (0 onset … 1 functional failure) when it trips. */
export const code = (
  c: string,
  severity: FaultCode['severity'],
  at: number,
  source: FaultCode['source'],
  detail: string,
  opts: { delayHours?: number; repeatHours?: number; monitor?: boolean } = {},
): FaultCode => ({
  code: c,
  severity,
  atProgress: at,
  delayHours: opts.delayHours ?? 0,
  source,
  detail,
  monitor: opts.monitor ?? false,
  ...(opts.repeatHours !== undefined ? { repeatHours: opts.repeatHours } : {}),
});

/** `metric` is moved by the product model's own physics (see EffectSchema, op `model`). */
export const shaped = (
  metric: string,
  direction: 'up' | 'down',
  value: number,
  when: EffectCondition = 'always',
): Effect => ({ metric, direction, op: 'model', value, when });

/** Span of a sudden fault: failure at onset. */
export const SUDDEN = { min: 0, max: 0 } as const;
