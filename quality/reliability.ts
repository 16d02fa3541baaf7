import { z } from 'zod';
import type { Sql } from '../core/index.ts';
import { chinaDateSql, chinaToday } from './china-date.ts';
import { unitScopeSql, type FleetScope } from './scope.ts';
import {
  compareWeibull,
  failureRate,
  fitWeibull,
  flagOutlierGroups,
  lifeDataFromGroups,
  mergeLifeData,
  subtractLifeData,
  weibullExposure,
  type LifeData,
  type LifeGroup,
  type WeibullFitResult,
} from './stats/index.ts';

/**
 * Fleet reliability of one component (issue 7): failure rate and MTBF with exact intervals,
 * a Weibull fit of the time to its first quality failure (right-censored: units that have not
 * failed are still running), per production batch, component supplier or model, each group
 * compared with the rest (likelihood-ratio tests), and recall candidates — groups with more
 * failed units than the fleet's hazard gives for their ages (exact conditional Poisson test,
 * exposure = the pooled Weibull's cumulative hazard, Benjamini–Hochberg across groups) — with
 * the statistics behind the flag.
 *
 * Time is days in service since the invoice date (三包 periods start there). A failure on day d
 * counts at d + 0.5 (somewhere within that day; a Weibull needs times > 0); a unit that has not
 * failed is censored at its age today. The rate counts every quality repair of the component
 * (repairable units), the Weibull only the first (time to first failure).
 */
export const GROUP_BY = ['batch', 'supplier', 'model'] as const;

export const ReliabilityQuery = {
  category: z.string().min(1).max(64),
  component: z.string().min(1).max(128),
  model: z.string().min(1).max(128).optional(),
  by: z
    .enum(GROUP_BY)
    .default('batch')
    .describe('split by production batch, component supplier or model'),
  alpha: z.coerce
    .number()
    .gt(0)
    .lt(1)
    .default(0.05)
    .describe('false-discovery rate of the recall flag'),
};

const iv = z.object({ lower: z.number().nullable(), upper: z.number().nullable() });
const WeibullOut = z.union([
  z.object({
    ok: z.literal(true),
    shape: z.number(),
    scale: z.number().describe('days'),
    shapeCi: iv,
    scaleCi: iv,
    b10Days: z.number(),
    b10Ci: iv,
    failures: z.number(),
    censored: z.number(),
  }),
  z.object({ ok: z.literal(false), reason: z.string(), message: z.string() }),
]);
const RateOut = z.object({
  repairs: z.number().int(),
  unitYears: z.number(),
  ratePerUnitYear: z.number().nullable(),
  rateCi: iv.nullable(),
  mtbfDays: z.number().nullable(),
  mtbfDaysCi: iv.nullable(),
});
const GroupOut = z.object({
  id: z.string(),
  units: z.number().int(),
  failedUnits: z.number().int(),
  ...RateOut.shape,
  weibull: WeibullOut,
  vsRest: z
    .object({
      sameDistributionP: z.number(),
      sameShapeP: z.number(),
      restShape: z.number(),
      restScale: z.number(),
    })
    .nullable()
    .describe('likelihood-ratio tests of this group against all the others'),
  outlier: z.object({
    expected: z.number(),
    rateRatio: z.number().nullable(),
    rateRatioCi: iv.nullable(),
    pValue: z.number(),
    adjustedP: z.number(),
    threshold: z.number(),
    flagged: z.boolean(),
  }),
});
export const ReliabilitySchema = z
  .object({
    asOf: z.string(),
    category: z.string(),
    component: z.string(),
    model: z.string().nullable(),
    by: z.enum(GROUP_BY),
    scope: z.object({ manufacturer: z.string().nullable() }),
    overall: z.object({
      units: z.number().int(),
      failedUnits: z.number().int(),
      ...RateOut.shape,
      weibull: WeibullOut,
    }),
    groups: z.array(GroupOut),
    recallCandidates: z.array(
      z.object({
        id: z.string(),
        why: z.string(),
        failedUnits: z.number().int(),
        expected: z.number(),
        rateRatio: z.number().nullable(),
        adjustedP: z.number(),
      }),
    ),
    method: z.object({ alpha: z.number(), correction: z.string(), test: z.string() }),
  })
  .meta({ id: 'FleetReliability' });
export type Reliability = z.infer<typeof ReliabilitySchema>;

const fin = (x: number | null | undefined) =>
  x === null || x === undefined || !Number.isFinite(x) ? null : x;
const interval = (i: { lower: number; upper: number | null } | null) =>
  i && { lower: fin(i.lower), upper: fin(i.upper) };

function weibullOut(r: WeibullFitResult): z.infer<typeof WeibullOut> {
  if (!r.ok) return { ok: false, reason: r.reason, message: r.message };
  const f = r.fit;
  return {
    ok: true,
    shape: f.shape,
    scale: f.scale,
    shapeCi: interval(f.shapeCi)!,
    scaleCi: interval(f.scaleCi)!,
    b10Days: f.b10.value,
    b10Ci: interval(f.b10)!,
    failures: f.failures,
    censored: f.censored,
  };
}

function rateOut(repairs: number, unitDays: number) {
  const unitYears = unitDays / 365.25;
  const r = failureRate(repairs, unitYears);
  return {
    repairs,
    unitYears,
    ratePerUnitYear: r.rate,
    rateCi: interval(r.rateCi),
    mtbfDays: r.mtbf === null ? null : r.mtbf * 365.25,
    mtbfDaysCi: r.mtbfCi && {
      lower: r.mtbfCi.lower * 365.25,
      upper: r.mtbfCi.upper === null ? null : r.mtbfCi.upper * 365.25,
    },
  };
}

const GROUP_SQL: Record<(typeof GROUP_BY)[number], string> = {
  batch: `coalesce(u.production_batch, '(unknown)')`,
  model: 'u.model',
  supplier: `coalesce((SELECT c ->> 'supplier' FROM jsonb_array_elements(u.components) c
                        WHERE c ->> 'component' = $2 LIMIT 1), '(unknown)')`,
};

export interface ComponentLifeQuery {
  category: string;
  component: string;
  model?: string | undefined;
  by: (typeof GROUP_BY)[number];
}

export interface GroupLife {
  life: LifeGroup[];
  units: number;
  failed: number;
  repairs: number;
  unitDays: number;
}

/**
 * Life data of one component per group, aggregated by the database: (group, time, censored)
 * with unit counts, quality repairs and unit-days of exposure.
 */
export async function componentLife(
  sql: Sql,
  scope: FleetScope,
  q: ComponentLifeQuery,
  today: string,
): Promise<Map<string, GroupLife>> {
  const us = unitScopeSql({ ...scope, category: q.category }, 4);
  const modelClause = q.model ? `AND u.model = $3` : `AND $3::text IS NULL`;
  // Per unit: its group, age, first failure of the component and how many repairs of it.
  const rows = await sql.query<{
    grp: string;
    time: number;
    censored: boolean;
    units: number;
    repairs: number;
    unit_days: number;
  }>(
    `WITH units AS (
       SELECT u.serial, ${chinaDateSql('u.invoice_date')} AS sold, ${GROUP_SQL[q.by]} AS grp
         FROM warranty_units_v u
        WHERE ${us.where} ${modelClause} AND ${chinaDateSql('u.invoice_date')} <= $1::date),
     rep AS (
       SELECT e.serial, min(${chinaDateSql('e.dropped_off_at')}) AS first, count(*)::int AS n
         FROM warranty_records_in_force e
        WHERE e.cause = 'quality' AND e.component = $2 AND e.serial IN (SELECT serial FROM units)
        GROUP BY e.serial)
     SELECT units.grp,
            CASE WHEN rep.first IS NULL THEN ($1::date - units.sold)::float8
                 ELSE greatest(rep.first - units.sold, 0)::float8 + 0.5 END AS time,
            rep.first IS NULL AS censored, count(*)::int AS units,
            coalesce(sum(rep.n), 0)::int AS repairs,
            sum($1::date - units.sold)::float8 AS unit_days
       FROM units LEFT JOIN rep ON rep.serial = units.serial
      GROUP BY 1, 2, 3`,
    [today, q.component, q.model ?? null, ...us.params],
  );
  // Exposure for the rate: all of each unit's time in service (repairable units).
  const byGroup = new Map<string, GroupLife>();
  for (const r of rows.rows) {
    const g = byGroup.get(r.grp) ?? { life: [], units: 0, failed: 0, repairs: 0, unitDays: 0 };
    byGroup.set(r.grp, g);
    g.life.push({ time: r.time, count: r.units, censored: r.censored });
    g.units += r.units;
    g.repairs += r.repairs;
    g.unitDays += r.unit_days;
    if (!r.censored) g.failed += r.units;
  }
  return byGroup;
}

export async function reliability(
  sql: Sql,
  scope: FleetScope,
  q: ComponentLifeQuery & { alpha: number },
  now: Date,
): Promise<Reliability> {
  const today = chinaToday(now);
  const byGroup = await componentLife(sql, scope, q, today);
  const ids = [...byGroup.keys()].sort();
  const life = new Map<string, LifeData>(
    ids.map((id) => [id, lifeDataFromGroups(byGroup.get(id)!.life)]),
  );
  const all = ids.length
    ? mergeLifeData(...ids.map((id) => life.get(id)!))
    : lifeDataFromGroups([]);
  // Recall test on first failures (a unit that keeps failing is one bad unit, not many), with
  // each group's exposure measured by the pooled Weibull's cumulative hazard Σ(t/η)^β — the
  // first failures it would have had at the fleet's hazard, which is fair to old and young
  // batches of a wearing part alike; unit-years (a constant hazard) when no pooled fit exists.
  const pooled = fitWeibull(all);
  const exposureOf = (id: string) =>
    pooled.ok ? weibullExposure(life.get(id)!, pooled.fit) : byGroup.get(id)!.unitDays / 365.25;
  const outliers = flagOutlierGroups(
    ids.map((id) => ({ id, failures: byGroup.get(id)!.failed, exposure: exposureOf(id) })),
    { alpha: q.alpha },
  );
  const fits = new Map(ids.map((id) => [id, fitWeibull(life.get(id)!)]));
  const groups = ids.map((id, i) => {
    const g = byGroup.get(id)!;
    const cmp =
      ids.length > 1
        ? compareWeibull(life.get(id)!, subtractLifeData(all, life.get(id)!), {
            fits: { a: fits.get(id)!, pooled },
          })
        : undefined;
    const o = outliers.groups[i]!;
    return {
      id,
      units: g.units,
      failedUnits: g.failed,
      ...rateOut(g.repairs, g.unitDays),
      weibull: weibullOut(fits.get(id)!),
      vsRest:
        cmp && cmp.ok
          ? {
              sameDistributionP: cmp.sameDistribution.pValue,
              sameShapeP: cmp.sameShape.pValue,
              restShape: cmp.b.shape,
              restScale: cmp.b.scale,
            }
          : null,
      outlier: {
        expected: o.expected,
        rateRatio: fin(o.rateRatio),
        rateRatioCi: o.rateRatioCi && {
          lower: fin(o.rateRatioCi.lower),
          upper: fin(o.rateRatioCi.upper),
        },
        pValue: o.pValue,
        adjustedP: o.adjustedP,
        threshold: o.threshold,
        flagged: o.flagged,
      },
    };
  });
  const totals = ids.reduce(
    (s, id) => {
      const g = byGroup.get(id)!;
      return {
        units: s.units + g.units,
        failed: s.failed + g.failed,
        repairs: s.repairs + g.repairs,
        unitDays: s.unitDays + g.unitDays,
      };
    },
    { units: 0, failed: 0, repairs: 0, unitDays: 0 },
  );
  return {
    asOf: today,
    category: q.category,
    component: q.component,
    model: q.model ?? null,
    by: q.by,
    scope: { manufacturer: scope.manufacturer },
    overall: {
      units: totals.units,
      failedUnits: totals.failed,
      ...rateOut(totals.repairs, totals.unitDays),
      weibull: weibullOut(pooled),
    },
    groups,
    recallCandidates: outliers.flagged.map((id) => {
      const g = groups.find((x) => x.id === id)!;
      return {
        id,
        why:
          `${g.failedUnits} units with a ${q.component} failure where ${g.outlier.expected.toFixed(1)} were expected at the fleet's hazard ` +
          `(rate ratio ${g.outlier.rateRatio?.toFixed(2) ?? '∞'}, adjusted p = ${g.outlier.adjustedP.toExponential(2)} < ${q.alpha})`,
        failedUnits: g.failedUnits,
        expected: g.outlier.expected,
        rateRatio: g.outlier.rateRatio,
        adjustedP: g.outlier.adjustedP,
      };
    }),
    method: {
      alpha: q.alpha,
      correction: outliers.correction,
      test: pooled.ok
        ? "exact conditional Poisson test of each group's first failures against the others, exposure = the pooled Weibull's cumulative hazard, one-sided (higher hazard)"
        : "exact conditional Poisson test of each group's first failures against the others, exposure = unit-years, one-sided (higher rate)",
    },
  };
}
