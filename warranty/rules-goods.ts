import { inside, t, warn, type CaseContext, type NormFault } from './case-context.ts';
import type { Deadline, RemedyOption } from './evaluation-schema.ts';
import {
  deadlineRows,
  gatherGoodsFacts,
  inWholeUnitPeriod,
  type Accessory,
  type GoodsFacts,
  type MissingDocumentsEffect,
} from './goods-facts.ts';
import { depreciation, freeRepairGrant } from './goods-terms.ts';
import { goodsCounters, goodsNotes } from './goods-extras.ts';
import {
  emptyOutcome,
  exclusionFor,
  paidRepair,
  remedy,
  type Exclusion,
  type Outcome,
} from './outcome.ts';
import { partName } from './vocabulary.ts';

/**
 * Appliances, phones and computers: 《部分商品修理更换退货责任规定》 (1995, "P95" in the policy
 * data) with its catalogue, 《移动电话机商品修理更换退货责任规定》 (2001, "PHONE"),
 * 《微型计算机商品修理更换退货责任规定》 (2002, "PC"), and 《消费者权益保护法》第二十四条 ("消法") for
 * goods with no national 三包 rules; docs/sanbao-rules.md §2–§5. The facts are gathered once
 * (goods-facts.ts); each rule below grants what one clause grants, and the clause a remedy cites
 * comes from the policy's terms. Pure.
 */

/** What a remedy rests on: a policy term or flag, or a clause with its source. */
type Grant = Parameters<typeof remedy>[1];

/** A quality fault of a goods case, with the facts of the case. */
interface GoodsCase {
  ctx: CaseContext;
  fault: NormFault;
  facts: GoodsFacts;
}

const DOCUMENTS_EFFECT_ZH: Record<string, string> = {
  no_sanbao: '不实行三包，可收费修理',
  repair_only: '仅免费修理',
  no_return: '可修理、换货，不可退货',
};

/** 《消费者权益保护法》第二十四条, where no national rule or agreement sets a period. */
const CPL_ART_24 = (uncertain: boolean): Grant => ({
  clause: '消法 Art. 24',
  source: 'P',
  uncertain,
});

/** Evaluates a P95 / PHONE / PC / CPL (or maker's own) case. */
export function evaluateGoods(ctx: CaseContext): Outcome {
  const out = emptyOutcome();
  const facts = gatherGoodsFacts(ctx);
  out.deadlines.push(...deadlineRows(facts.periods));
  if (!facts.periods.wholeUnit) warnNoStatutoryPeriod(ctx);
  out.exclusions.push(...missingDocumentsExclusions(ctx, facts.missingDocuments));
  const fault = ctx.fault;
  if (fault && !fault.quality) {
    const exclusion = exclusionFor(ctx, fault.cause);
    if (exclusion) out.exclusions.push(exclusion);
  }
  const granted: RemedyOption[] = [];
  if (facts.missingDocuments !== 'no_sanbao') {
    if (fault?.quality) granted.push(...remediesForTheFault({ ctx, fault, facts }));
    granted.push(...exchangesForSlowRepairs(ctx, facts, granted));
  }
  const kept = granted.filter((r) => keptWithoutDocuments(r, facts.missingDocuments));
  out.remedies.push(...kept);
  if (fault && !kept.some(coversTheFault)) out.offers.push(paidRepairOffer(ctx, out));
  out.counters.push(...goodsCounters(ctx, facts.periods.wholeUnit));
  out.notes.push(...goodsNotes(ctx, facts.periods.wholeUnit));
  return out;
}

function warnNoStatutoryPeriod(ctx: CaseContext): void {
  const title = ctx.policy.title;
  warn(
    ctx,
    'no_statutory_period',
    `${title}：无法定三包有效期；七日后按消法第二十四条更换、修理，以经营者的约定为准——可通过 policy.terms.wholeUnitMonths 提供约定期限`,
    `${title}: no statutory 三包 period; exchange or repair follow 消法 Art. 24 and the maker’s promise — give policy.terms.wholeUnitMonths`,
  );
}

/** The exclusion row (and a warning, where the policy explains it) for missing documents. */
function missingDocumentsExclusions(ctx: CaseContext, effect: MissingDocumentsEffect): Exclusion[] {
  if (effect === 'none') return [];
  const rule = ctx.policy.missingDocuments;
  if (rule.note)
    warn(
      ctx,
      'no_documents',
      `无有效发票也无三包凭证（${rule.clause}）：${DOCUMENTS_EFFECT_ZH[effect] ?? effect}`,
      `no invoice and no 三包凭证: ${rule.clause} — ${rule.note}`,
    );
  return [
    {
      reason: 'no_invoice_no_certificate',
      clause: rule.clause,
      explanation: t('无有效发票且无三包凭证', 'neither a valid invoice nor a 三包凭证'),
    },
  ];
}

/**
 * The remedies for a quality fault: an accessory is judged by its own period alone; the unit or
 * a main part by the window the fault fell in and by the period it fell in.
 */
function remediesForTheFault(c: GoodsCase): RemedyOption[] {
  const accessory = c.facts.periods.accessories.find((a) => a.accessory.name === c.fault.component);
  if (accessory) return accessoryRemedies(c, accessory.accessory, accessory.period);
  return [...windowRemedies(c), ...periodRemedies(c)];
}

/** The first window the fault fell in: 7 days, else 15 days, else after 7 days under 消法. */
function windowRemedies(c: GoodsCase): RemedyOption[] {
  return (
    returnWithinTheReturnWindow(c) ??
    exchangeWithinTheExchangeWindow(c) ??
    exchangeOrRepairAfterSevenDays(c) ??
    []
  );
}

/** The whole-unit period, else (for a main part) the main-part period. */
function periodRemedies(c: GoodsCase): RemedyOption[] {
  return withinTheWholeUnitPeriod(c) ?? withinTheMainPartPeriod(c) ?? [];
}

/**
 * A performance failure within 7 days of the sale: return at the invoice price, or exchange
 * (《部分商品修理更换退货责任规定》第九条; 《移动电话机商品修理更换退货责任规定》第十一条;
 * 《微型计算机商品修理更换退货责任规定》第十一条); within 7 days of receipt under
 * 《消费者权益保护法》第二十四条.
 */
function returnWithinTheReturnWindow(c: GoodsCase): RemedyOption[] | undefined {
  const window = c.facts.periods.returnWindow;
  const term = c.ctx.policy.terms.returnWindowDays;
  if (!window || !term || !inside(window, c.fault.date)) return undefined;
  return [
    remedy(
      'return',
      term,
      t(
        `${term.value}日内出现性能故障，可选择退货，按发票价格一次退清`,
        `performance failure within ${term.value} days: return, refund of the invoice price`,
      ),
    ),
    remedy('exchange', term, t('7日内可选择换货', 'within 7 days: exchange')),
  ];
}

/**
 * A performance failure within 15 days of the sale: free exchange
 * (《部分商品修理更换退货责任规定》第十条; 《移动电话机商品修理更换退货责任规定》第十二条;
 * 《微型计算机商品修理更换退货责任规定》第十二条); with no same model and other models declined, a
 * refund of the invoice price instead (《部分商品修理更换退货责任规定》第十三条;
 * 《移动电话机商品修理更换退货责任规定》第十八条).
 */
function exchangeWithinTheExchangeWindow(c: GoodsCase): RemedyOption[] | undefined {
  const window = c.facts.periods.exchangeWindow;
  const term = c.ctx.policy.terms.exchangeWindowDays;
  if (!window || !term || !inside(window, c.fault.date)) return undefined;
  const remedies = [
    remedy(
      'exchange',
      term,
      t(
        `${term.value}日内出现性能故障，可选择免费换货`,
        `performance failure within ${term.value} days: free exchange`,
      ),
    ),
  ];
  const returnInstead = c.ctx.policy.returnInsteadOfExchange;
  if (returnInstead.effect !== 'no' && noSameModelAndOthersDeclined(c.ctx))
    remedies.push(
      remedy(
        'return',
        returnInstead,
        t(
          '符合换货条件，销售者无同型号同规格产品且消费者不愿调换其他型号，按发票价格一次退清',
          'exchange due, no same model and other models declined: refund of the invoice price',
        ),
      ),
    );
  return remedies;
}

/**
 * No statutory period (goods under 《消费者权益保护法》第二十四条, or a maker's terms without one):
 * after the 7 days, goods that fail quality requirements may be exchanged or repaired.
 */
function exchangeOrRepairAfterSevenDays(c: GoodsCase): RemedyOption[] | undefined {
  if (c.facts.periods.wholeUnit || !c.ctx.policy.terms.returnWindowDays) return undefined;
  return [
    remedy(
      'exchange',
      CPL_ART_24(true),
      t(
        '7日后不符合质量要求的，可要求更换或修理',
        'after 7 days, goods failing quality requirements may be exchanged or repaired',
      ),
    ),
  ];
}

/**
 * Within the whole-unit period (or always, with no statutory period): an exchange once the unit
 * was repaired twice and still fails (`repairedTwiceThenExchange`), and a free repair.
 */
function withinTheWholeUnitPeriod(c: GoodsCase): RemedyOption[] | undefined {
  if (!inWholeUnitPeriod(c.facts.periods, c.fault.date)) return undefined;
  return [...repairedTwiceThenExchange(c), freeRepairWithinThePeriod(c)];
}

/**
 * Repaired twice within the 三包有效期 and still not usable: free exchange, or the return that
 * takes its place (《部分商品修理更换退货责任规定》第十一条; 《移动电话机商品修理更换退货责任规定》第十三条,
 * the host; the microcomputer rule's two repairs within the year).
 */
function repairedTwiceThenExchange(c: GoodsCase): RemedyOption[] {
  const limit = c.ctx.policy.terms.repairCountLimit;
  const repairs = c.facts.repairs.withinWholeUnitPeriod;
  if (!limit || repairs < limit.value) return [];
  return unitExchange(
    c.ctx,
    limit,
    `三包有效期内修理${repairs}次仍不能正常使用`,
    `repaired ${repairs} times within the period and still not usable`,
  );
}

/**
 * Free repair, materials and labour, within the period (《部分商品修理更换退货责任规定》第十五条;
 * 《微型计算机商品修理更换退货责任规定》第十条; the phone rules' 三包有效期), or under
 * 《消费者权益保护法》第二十四条 where the policy names no clause.
 */
function freeRepairWithinThePeriod(c: GoodsCase): RemedyOption {
  return remedy(
    'free_repair',
    freeRepairGrant(c.ctx.policy) ?? CPL_ART_24(!c.facts.periods.wholeUnit),
    t(
      '三包有效期内免费修理（材料费和工时费）',
      'free repair within the period (materials and labour)',
    ),
  );
}

/**
 * A main part failing after the whole-unit period but within its own (the two periods of
 * 《部分商品修理更换退货责任规定》第八条): the part repaired free or replaced by a new one
 * (《微型计算机商品修理更换退货责任规定》第十条), and, since the main-part period is a 三包有效期 too,
 * an exchange once main parts were repaired twice within it (第十一条 "在三包有效期内，修理两次，仍不能
 * 正常使用").
 */
function withinTheMainPartPeriod(c: GoodsCase): RemedyOption[] | undefined {
  const period = c.facts.periods.mainPart;
  const term = c.ctx.policy.terms.mainPartMonths;
  if (!period || !c.fault.mainPartFlag || !inside(period, c.fault.date) || !term) return undefined;
  const { policy } = c.ctx;
  const part = c.fault.mainPart ?? c.fault.component;
  const name = partName(policy.category, part);
  const limit = policy.terms.repairCountLimit;
  const repairs = c.facts.repairs.ofMainPartsWithinTheirPeriod;
  const exchange =
    limit && repairs >= limit.value
      ? unitExchange(
          c.ctx,
          limit,
          `主要部件三包有效期内主要部件修理${repairs}次仍不能正常使用`,
          `a main part repaired ${repairs} times within the main-part period and still not usable`,
        )
      : [];
  const freeRepair = freeRepairGrant(policy);
  return [
    ...exchange,
    remedy(
      'free_repair',
      { ...(freeRepair ?? term), clause: `${freeRepair?.clause ?? ''}; ${term.clause}` },
      t(
        `主要部件（${name.zh}）三包有效期内免费修理或更换新部件`,
        `main part (${name.en}) within its period: free repair or a new part`,
      ),
      { scope: 'part', target: part },
    ),
  ];
}

/**
 * An accessory failing within its own period: free exchange for the same brand and model; after
 * as many exchanges as the limit, a free return (《移动电话机商品修理更换退货责任规定》第十四条).
 */
function accessoryRemedies(c: GoodsCase, accessory: Accessory, period: Deadline): RemedyOption[] {
  if (!inside(period, c.fault.date)) return [];
  const { policy } = c.ctx;
  const target = c.fault.component;
  const name = partName(policy.category, target);
  const limit = policy.terms.accessoryExchangeLimit;
  const exchanges = c.facts.repairs.ofFaultyComponent;
  const remedies = [
    remedy(
      'exchange',
      limit ?? accessory.months,
      t(`配件（${name.zh}）免费更换同品牌同型号`, `free exchange of the accessory (${name.en})`),
      { scope: 'accessory', target },
    ),
  ];
  if (limit && exchanges >= limit.value)
    remedies.push(
      remedy(
        'return',
        limit,
        t(
          `配件已更换${exchanges}次仍有故障，免费退货`,
          `accessory exchanged ${exchanges} times and still failing: free return`,
        ),
        { scope: 'accessory', target },
      ),
    );
  return remedies;
}

/**
 * Repairs that took too long within the whole-unit period, with or without a current fault:
 * the producer did not supply parts for more than 90 days (《部分商品修理更换退货责任规定》第十二条)
 * or 60 days (《移动电话机商品修理更换退货责任规定》第十六条), or the repairer's own delay passed 30
 * days (《部分商品修理更换退货责任规定》第十二条, the repairer bears the cost) → a free exchange,
 * granted once: no second unit exchange on top of `granted` or of one found here.
 */
function exchangesForSlowRepairs(
  ctx: CaseContext,
  facts: GoodsFacts,
  granted: readonly RemedyOption[],
): RemedyOption[] {
  const waitLimit = ctx.policy.terms.partsWaitingLimitDays;
  const delayLimit = ctx.policy.terms.repairerDelayLimitDays;
  const found: RemedyOption[] = [];
  const exchangeGranted = () => [...granted, ...found].some(isUnitExchange);
  for (const r of ctx.repairs) {
    if (!r.quality || !inWholeUnitPeriod(facts.periods, r.start.date)) continue;
    if (waitLimit && r.waitingForParts && r.occupiedDays > waitLimit.value && !exchangeGranted())
      found.push(
        ...unitExchange(
          ctx,
          waitLimit,
          `生产者未供应零配件，送修${r.occupiedDays}日未修好`,
          `producer did not supply parts: not repaired ${r.occupiedDays} days after drop-off`,
        ),
      );
    if (
      delayLimit &&
      r.delayCause === 'repairer' &&
      r.occupiedDays > delayLimit.value &&
      !exchangeGranted()
    )
      found.push(
        ...unitExchange(
          ctx,
          delayLimit,
          `因修理者自身原因修理超过${delayLimit.value}日，费用由修理者承担`,
          `repair over ${delayLimit.value} days for the repairer’s own reasons; the repairer bears the cost`,
        ),
      );
  }
  return found;
}

/**
 * A free exchange of the whole unit for the same model and specification, and the return that
 * may take its place (《部分商品修理更换退货责任规定》第十三条; 《移动电话机商品修理更换退货责任规定》第十八条):
 * with no same model and other models declined, a refund of the invoice price; where the policy
 * allows a return anyway, one with depreciation (第十三条, goods-terms.ts `depreciation`).
 */
function unitExchange(ctx: CaseContext, grant: Grant, zh: string, en: string): RemedyOption[] {
  const remedies = [
    remedy(
      'exchange',
      grant,
      t(`免费换货（同型号同规格）：${zh}`, `free exchange (same model and specification): ${en}`),
    ),
  ];
  const returnInstead = ctx.policy.returnInsteadOfExchange;
  if (returnInstead.effect !== 'no' && noSameModelAndOthersDeclined(ctx))
    remedies.push(
      remedy(
        'return',
        returnInstead,
        t(
          `销售者无同型号同规格产品且消费者不愿调换其他型号，按发票价格一次退清：${zh}`,
          `no same model and other models declined: refund of the invoice price: ${en}`,
        ),
      ),
    );
  else if (returnInstead.effect === 'with_depreciation')
    remedies.push(
      remedy(
        'return',
        returnInstead,
        t(
          `销售者有同型号产品而消费者要求退货，应收取折旧费：${zh}`,
          `the seller has the same model but the owner prefers a return: depreciation is charged: ${en}`,
        ),
        { amount: depreciation(ctx) },
      ),
    );
  return remedies;
}

/** The seller has no same model and specification, and the owner does not take another model. */
function noSameModelAndOthersDeclined(ctx: CaseContext): boolean {
  return ctx.facts.sellerHasSameModel === false && ctx.facts.consumerAcceptsOtherModel !== true;
}

const isUnitExchange = (r: RemedyOption) => r.kind === 'exchange' && r.scope === 'unit';

/** What missing documents leave of a remedy: repair only, no return, or everything. */
function keptWithoutDocuments(r: RemedyOption, effect: MissingDocumentsEffect): boolean {
  if (effect === 'repair_only') return r.kind === 'free_repair';
  if (effect === 'no_return') return r.kind !== 'return';
  return true;
}

/** A free repair, or an accessory exchange, takes care of the fault: no paid repair to offer. */
const coversTheFault = (r: RemedyOption) =>
  r.kind === 'free_repair' || (r.kind === 'exchange' && r.scope === 'accessory');

/**
 * The paid repair left when 三包 covers nothing: "不实行三包，但是可以实行收费修理" under an
 * exclusion (《部分商品修理更换退货责任规定》's exclusions), else because the periods are over.
 */
function paidRepairOffer(ctx: CaseContext, out: Outcome): RemedyOption {
  return paidRepair(
    out.exclusions[0]?.clause ?? ctx.policy.terms.wholeUnitMonths?.clause ?? '消法 Art. 24',
    out.exclusions.length
      ? t('不实行三包，可实行收费修理', 'no 三包; paid repair may be offered')
      : t('已超出三包有效期，收费修理', 'outside the 三包 periods: paid repair'),
  );
}
