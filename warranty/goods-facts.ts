import type { CivilDate, Length } from './calendar.ts';
import { inside, makeDeadline, t, type CaseContext } from './case-context.ts';
import type { Deadline, Text } from './evaluation-schema.ts';
import { countedRepairs } from './goods-extras.ts';
import { extension } from './goods-terms.ts';
import type { Policy, Term } from './policy-schema.ts';

/**
 * What the goods rules (rules-goods.ts) read, gathered once per case: the windows and periods of
 * the policy as deadline rows, what the missing documents cost, and the repairs each remedy
 * counts. Pure, except that a period ending beyond the holiday calendar adds a warning to `ctx`.
 */
export interface GoodsFacts {
  periods: GoodsPeriods;
  /** What the owner loses for having neither a valid invoice nor a 三包凭证 ('none' if not). */
  missingDocuments: MissingDocumentsEffect;
  repairs: RepairCounts;
}

export type MissingDocumentsEffect = Policy['missingDocuments']['effect'];
export type Accessory = Policy['accessories'][number];

/** The windows and periods of a goods policy; absent where the policy has no such term. */
export interface GoodsPeriods {
  /** Return (or exchange) window: 7 days from the sale, or from receipt under 消法. */
  returnWindow?: Deadline;
  /** Exchange window: 15 days from the sale. */
  exchangeWindow?: Deadline;
  /** 整机三包有效期, extended by repair days. */
  wholeUnit?: Deadline;
  /** 主要部件三包有效期, extended by repair days. */
  mainPart?: Deadline;
  /** Each accessory's own period (《移动电话机商品修理更换退货责任规定》附录1). */
  accessories: { accessory: Accessory; period: Deadline }[];
}

/** Repairs counted toward a remedy. */
export interface RepairCounts {
  /** Repairs done within the whole-unit period toward "修理两次" (goods-extras.ts `countedRepairs`). */
  withinWholeUnitPeriod: number;
  /** Quality repairs of a main part, done, that began within the main-part period. */
  ofMainPartsWithinTheirPeriod: number;
  /** Earlier quality repairs (for an accessory: exchanges) of the faulty component. */
  ofFaultyComponent: number;
}

export function gatherGoodsFacts(ctx: CaseContext): GoodsFacts {
  const periods = goodsPeriods(ctx);
  return {
    periods,
    missingDocuments: missingDocumentsEffect(ctx),
    repairs: repairCounts(ctx, periods),
  };
}

/** The deadline rows of the periods, in the order a decision lists them. */
export function deadlineRows(periods: GoodsPeriods): Deadline[] {
  const { returnWindow, exchangeWindow, wholeUnit, mainPart, accessories } = periods;
  return [
    ...[returnWindow, exchangeWindow, wholeUnit, mainPart].filter(
      (d): d is Deadline => d !== undefined,
    ),
    ...accessories.map((a) => a.period),
  ];
}

/** Whether `date` is within the whole-unit period; with no statutory period, always. */
export function inWholeUnitPeriod(periods: GoodsPeriods, date: CivilDate): boolean {
  return periods.wholeUnit ? inside(periods.wholeUnit, date) : true;
}

const days = (value: number): Length => ({ days: value });
const months = (value: number): Length => ({ months: value });

/**
 * The return and exchange windows count from the sale ("自售出之日起":
 * 《部分商品修理更换退货责任规定》第九条、第十条; 《移动电话机商品修理更换退货责任规定》第十一条、第十二条;
 * 《微型计算机商品修理更换退货责任规定》第十一条、第十二条), which an exchange or a TV's installation
 * does not move; under 《消费者权益保护法》第二十四条 from receipt, the start of the period. The
 * periods count from their start and are extended by the days the unit spent in repair or
 * waiting for parts (《部分商品修理更换退货责任规定》第八条).
 */
function goodsPeriods(ctx: CaseContext): GoodsPeriods {
  const { terms } = ctx.policy;
  const windowsFrom = ctx.policy.regime === 'CPL' ? ctx.start : ctx.saleDate;
  const window = (key: string, term: Term | undefined, label: Text) =>
    term && deadline(ctx, key, term, days, label, { from: windowsFrom });
  const period = (key: string, term: Term | undefined, label: Text) =>
    term && deadline(ctx, key, term, months, label, { extendedByRepairs: true });
  const returnWindow = window(
    'return_window',
    terms.returnWindowDays,
    t('可退货期限', 'return window'),
  );
  const exchangeWindow = window(
    'exchange_window',
    terms.exchangeWindowDays,
    t('可换货期限', 'exchange window'),
  );
  const wholeUnit = period(
    'whole_unit_period',
    terms.wholeUnitMonths,
    t('整机三包有效期', 'whole-unit 三包 period'),
  );
  const mainPart = period(
    'main_part_period',
    terms.mainPartMonths,
    t('主要部件三包有效期', 'main-part 三包 period'),
  );
  const accessories = ctx.policy.accessories.map((accessory) => ({
    accessory,
    period: deadline(
      ctx,
      `accessory_${accessory.name}`,
      accessory.months,
      months,
      t(`配件（${accessory.name}）三包有效期`, `accessory (${accessory.name}) period`),
      { extendedByRepairs: true },
    ),
  }));
  return {
    ...(returnWindow ? { returnWindow } : {}),
    ...(exchangeWindow ? { exchangeWindow } : {}),
    ...(wholeUnit ? { wholeUnit } : {}),
    ...(mainPart ? { mainPart } : {}),
    accessories,
  };
}

/** The deadline row of `term`; a period (not a window) is extended by repair days. */
function deadline(
  ctx: CaseContext,
  key: string,
  term: Term,
  length: (value: number) => Length,
  label: Text,
  opts: { from?: CivilDate; extendedByRepairs?: boolean },
): Deadline {
  return makeDeadline(ctx, key, term.clause, length(term.value), label, {
    extensionDays: opts.extendedByRepairs ? extension(ctx, length(term.value)) : 0,
    ...(opts.from ? { from: opts.from } : {}),
  });
}

/**
 * Neither a valid invoice nor a 三包凭证: the policy says what is lost — 三包 altogether under
 * 《部分商品修理更换退货责任规定》 (its exclusions, "不实行三包，但是可以实行收费修理"), the return under
 * 《微型计算机商品修理更换退货责任规定》第九条.
 */
function missingDocumentsEffect(ctx: CaseContext): MissingDocumentsEffect {
  const missing = ctx.facts.hasInvoice === false && ctx.facts.hasWarrantyCertificate === false;
  return missing ? ctx.policy.missingDocuments.effect : 'none';
}

function repairCounts(ctx: CaseContext, periods: GoodsPeriods): RepairCounts {
  const fault = ctx.fault;
  const mainPart = periods.mainPart;
  return {
    withinWholeUnitPeriod: countedRepairs(ctx, periods.wholeUnit).length,
    // "修理两次" counts repairs done, not one still under way (goods-extras.ts).
    ofMainPartsWithinTheirPeriod: mainPart
      ? ctx.repairs.filter(
          (r) => r.quality && !r.ongoing && r.isMainPart && inside(mainPart, r.start.date),
        ).length
      : 0,
    // The repair the current fault was read from is the exchange asked for now, not an earlier one.
    ofFaultyComponent: fault
      ? ctx.repairs.filter(
          (r) => r.quality && r.component === fault.component && r.index !== fault.fromRepair,
        ).length
      : 0,
  };
}
