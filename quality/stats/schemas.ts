import { z } from 'zod';
import { lifeDataFromGroups, lifeDataFromTimes, type LifeData } from './life-data.ts';

/**
 * Zod schemas for the statistics' inputs that come from outside (HTTP bodies, query strings,
 * CLI files): the routes parse with these, then call the pure functions, which only guard
 * against programmer errors with a RangeError.
 */

export const ConfidenceSchema = z
  .number()
  .gt(0, 'confidence must be between 0 and 1 (e.g. 0.95)')
  .lt(1, 'confidence must be between 0 and 1 (e.g. 0.95)')
  .default(0.95)
  .meta({ description: 'confidence level of the intervals', example: 0.95 });

const failureTime = z
  .number()
  .positive('a failure time must be > 0: a failure at time 0 has zero Weibull likelihood');
const censoringTime = z.number().nonnegative('a censoring time must be ≥ 0');

export const LifeGroupSchema = z
  .object({
    time: z.number().nonnegative('time must be ≥ 0'),
    count: z.number().int('count must be an integer').nonnegative('count must be ≥ 0'),
    censored: z.boolean().describe('true: still running at `time`; false: failed at `time`'),
  })
  .superRefine((g, ctx) => {
    if (!g.censored && g.time === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['time'],
        message: 'a failure time must be > 0: a failure at time 0 has zero Weibull likelihood',
      });
    }
  })
  .meta({ description: '`count` units observed to `time`, failed or right-censored' });

/**
 * Life data in either form: raw times (`failures`, `censored`) or aggregated rows (`groups`,
 * e.g. from `GROUP BY time, censored`), not both.
 */
export const LifeDataInputSchema = z
  .object({
    failures: z.array(failureTime).optional().describe('failure times, one per failed unit'),
    censored: z
      .array(censoringTime)
      .optional()
      .describe('censoring times: units still running at the end of observation'),
    groups: z.array(LifeGroupSchema).optional(),
  })
  .superRefine((v, ctx) => {
    const raw = v.failures !== undefined || v.censored !== undefined;
    if (raw && v.groups !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['groups'],
        message: 'give either failures/censored or groups, not both',
      });
    } else if (!raw && v.groups === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: [],
        message: 'give failures (and censored) times or aggregated groups',
      });
    }
  });
export type LifeDataInput = z.infer<typeof LifeDataInputSchema>;

/** LifeData from a parsed `LifeDataInputSchema`. */
export function lifeDataFromInput(input: LifeDataInput): LifeData {
  if (input.groups !== undefined) return lifeDataFromGroups(input.groups);
  return lifeDataFromTimes(input.failures ?? [], input.censored ?? []);
}

export const WeibullFitInputSchema = z.object({
  data: LifeDataInputSchema,
  confidence: ConfidenceSchema,
});

export const WeibayesInputSchema = z.object({
  data: LifeDataInputSchema,
  shape: z.number().positive('shape must be > 0'),
  confidence: ConfidenceSchema,
});

export const FailureRateInputSchema = z.object({
  failures: z.number().int('failures must be an integer').nonnegative('failures must be ≥ 0'),
  exposure: z
    .number()
    .nonnegative('exposure must be ≥ 0')
    .describe('Σ time in service, e.g. unit-years; the rate is per that unit'),
  confidence: ConfidenceSchema,
});

export const GroupCountSchema = z.object({
  id: z.string().min(1, 'id must not be empty'),
  failures: z.number().int('failures must be an integer').nonnegative('failures must be ≥ 0'),
  exposure: z.number().nonnegative('exposure must be ≥ 0'),
});

export const OutlierInputSchema = z.object({
  groups: z
    .array(GroupCountSchema)
    .min(2, 'at least two groups are needed to compare one with the rest')
    .superRefine((groups, ctx) => {
      const seen = new Set<string>();
      groups.forEach((g, i) => {
        if (seen.has(g.id)) {
          ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `duplicate group id ${g.id}` });
        }
        seen.add(g.id);
      });
    }),
  alpha: z.number().gt(0).lt(1).default(0.05),
  correction: z.enum(['benjamini-hochberg', 'holm', 'bonferroni']).default('benjamini-hochberg'),
  alternative: z.enum(['greater', 'two-sided']).default('greater'),
  confidence: ConfidenceSchema,
  minRateRatio: z.number().nonnegative('minRateRatio must be ≥ 0').default(1),
});

export const WeibullCovarianceSchema = z.object({
  shapeShape: z.number().nonnegative(),
  shapeLogScale: z.number(),
  logScaleLogScale: z.number().nonnegative(),
});

export const WeibullParamsSchema = z.object({
  shape: z.number().positive('shape must be > 0'),
  scale: z.number().positive('scale must be > 0'),
  covariance: WeibullCovarianceSchema.optional(),
});

export const UnitWindowSchema = z.object({
  ageDays: z.number().nonnegative('ageDays must be ≥ 0'),
  remainingWindowDays: z.number().nonnegative('remainingWindowDays must be ≥ 0'),
  count: z.number().int('count must be an integer').nonnegative('count must be ≥ 0').optional(),
});

export const ExposureInputSchema = z.object({
  model: WeibullParamsSchema,
  units: z.array(UnitWindowSchema),
  horizonsDays: z.array(z.number().positive('a horizon must be > 0 days')).min(1).default([30, 90]),
  confidence: ConfidenceSchema,
  daysPerTimeUnit: z.number().positive('daysPerTimeUnit must be > 0').default(1),
});
