import { daysBetween, periodEnd, type Length } from './calendar.ts';
import { warn, type CaseContext } from './case-context.ts';
import type { Amount } from './evaluation-schema.ts';
import { cny } from './outcome.ts';
import type { Policy, Term } from './policy-schema.ts';

/**
 * Numbers behind goods remedies: the free-repair clause per regime, the P95 Art. 8 extension by
 * repair days, and the P95 Art. 13 depreciation charged on a return.
 */
/** The clause granting free repair within the period, per regime. */
export const FREE_REPAIR: Partial<
  Record<string, { clause: string; source: Term['source']; uncertain: boolean }>
> = {
  P95: { clause: 'P95 Art. 15', source: 'R', uncertain: false },
  PC: { clause: 'PC Art. 10', source: 'S', uncertain: true },
  PHONE: {
    clause: 'PHONE 三包有效期 (free repair; article NOT FOUND)',
    source: 'S',
    uncertain: true,
  },
};

/** The free-repair grant of a policy: its own clause (a maker's terms), else its regime's. */
export function freeRepairGrant(
  policy: Pick<Policy, 'freeRepair' | 'regime'>,
): { clause: string; source: Term['source']; uncertain: boolean } | undefined {
  return policy.freeRepair ?? FREE_REPAIR[policy.regime];
}

/** Extension days (P95 Art. 8): quality-repair days that fall inside the (growing) period. */
export function extension(ctx: CaseContext, length: Length): number {
  if (!ctx.policy.extendsByRepairDays.value) return 0;
  let ext = 0;
  for (let i = 0; i < 20; i++) {
    const end = periodEnd(ctx.start, length, ext, ctx.calendar).end;
    const next = ctx.repairs
      .filter((r) => r.quality && daysBetween(r.start.date, end) >= 0)
      .reduce((s, r) => s + r.occupiedDays, 0);
    if (next === ext) break;
    ext = next;
  }
  return ext;
}

/** P95 Art. 13: 折旧费 = 日折旧率 × 使用天数 × 价格; days from the start minus repair/waiting days. */
export function depreciation(ctx: CaseContext): { owed: number | null; basis?: Amount } {
  const rate = ctx.policy.terms.depreciationPerDay;
  const price = ctx.facts.priceCNY;
  if (!rate) {
    warn(
      ctx,
      'no_depreciation_rate',
      '本规定未载明日折旧率：无法计算退货折旧费',
      'no daily depreciation rate in this policy: the return amount cannot be computed',
    );
    return { owed: null };
  }
  // "折旧费的计算日期自开具发票之日起至退货之日止，其中应当扣除修理占用和待修的时间" (P95 Art. 13).
  const repairDays = ctx.repairs.filter((r) => r.quality).reduce((s, r) => s + r.occupiedDays, 0);
  const from = ctx.facts.exchangeDate ? ctx.start : ctx.saleDate;
  const days = Math.max(0, daysBetween(from, ctx.evalDate) - repairDays);
  if (price === undefined) return { owed: null };
  return {
    owed: cny(price * rate.value * days),
    basis: {
      formula: 'depreciationPerDay × usedDays × priceCNY',
      clause: rate.clause,
      inputs: { depreciationPerDay: rate.value, usedDays: days, priceCNY: price },
      uncertain: rate.uncertain,
    },
  };
}
