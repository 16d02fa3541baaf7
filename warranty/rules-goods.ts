import type { Length } from './calendar.ts';
import { inside, makeDeadline, t, warn, type CaseContext } from './case-context.ts';
import type { RemedyOption } from './evaluation-schema.ts';
import { depreciation, extension, freeRepairGrant } from './goods-terms.ts';
import { countedRepairs, goodsCounters, goodsNotes } from './goods-extras.ts';
import { emptyOutcome, exclusionFor, paidRepair, remedy, type Outcome } from './outcome.ts';
import type { Term } from './policy-schema.ts';
import { partName } from './vocabulary.ts';

/**
 * Appliances, phones and computers: P95 (1995 rules + catalogue), PHONE (2001), PC (2002) and
 * the consumer-protection-law default (消法 Art. 24). sanbao-rules.md §2–§5. Pure.
 */

const DOC_EFFECT_ZH: Record<string, string> = {
  no_sanbao: '不实行三包，可收费修理',
  repair_only: '仅免费修理',
  no_return: '可修理、换货，不可退货',
};

/** Evaluates a P95 / PHONE / PC / CPL case. */
export function evaluateGoods(ctx: CaseContext): Outcome {
  const out = emptyOutcome();
  const P = ctx.policy;
  const T = P.terms;
  const f = ctx.fault;
  const dl = (
    key: string,
    x: Term | undefined,
    length: (v: number) => Length,
    zh: string,
    en: string,
    ext = false,
    from?: string,
  ) => {
    if (!x) return undefined;
    const d = makeDeadline(ctx, key, x.clause, length(x.value), t(zh, en), {
      extensionDays: ext ? extension(ctx, length(x.value)) : 0,
      ...(from ? { from } : {}),
    });
    out.deadlines.push(d);
    return d;
  };
  // P95 Art. 9/10, PHONE Art. 11/12, PC Art. 11/12 count from the sale (自售出之日起), which an
  // exchange or a TV's installation does not move; 消法 Art. 24 from receipt (the period start).
  const windowFrom = P.regime === 'CPL' ? ctx.start : ctx.saleDate;
  const ret = dl(
    'return_window',
    T.returnWindowDays,
    (days) => ({ days }),
    '可退货期限',
    'return window',
    false,
    windowFrom,
  );
  const exw = dl(
    'exchange_window',
    T.exchangeWindowDays,
    (days) => ({ days }),
    '可换货期限',
    'exchange window',
    false,
    windowFrom,
  );
  const whole = dl(
    'whole_unit_period',
    T.wholeUnitMonths,
    (months) => ({ months }),
    '整机三包有效期',
    'whole-unit 三包 period',
    true,
  );
  const main = dl(
    'main_part_period',
    T.mainPartMonths,
    (months) => ({ months }),
    '主要部件三包有效期',
    'main-part 三包 period',
    true,
  );
  const accDl = P.accessories.map((a) => ({
    a,
    d: dl(
      `accessory_${a.name}`,
      a.months,
      (months) => ({ months }),
      `配件（${a.name}）三包有效期`,
      `accessory (${a.name}) period`,
      true,
    ),
  }));
  if (!whole)
    warn(
      ctx,
      'no_statutory_period',
      `${P.title}：无法定三包有效期；七日后按消法第二十四条更换、修理，以经营者的约定为准——可通过 policy.terms.wholeUnitMonths 提供约定期限`,
      `${P.title}: no statutory 三包 period; exchange or repair follow 消法 Art. 24 and the maker’s promise — give policy.terms.wholeUnitMonths`,
    );

  const missingDocs = ctx.facts.hasInvoice === false && ctx.facts.hasWarrantyCertificate === false;
  const docEffect = missingDocs ? P.missingDocuments.effect : 'none';
  if (docEffect !== 'none' && P.missingDocuments.note)
    warn(
      ctx,
      'no_documents',
      `无有效发票也无三包凭证（${P.missingDocuments.clause}）：${DOC_EFFECT_ZH[docEffect] ?? docEffect}`,
      `no invoice and no 三包凭证: ${P.missingDocuments.clause} — ${P.missingDocuments.note}`,
    );
  if (docEffect !== 'none')
    out.exclusions.push({
      reason: 'no_invoice_no_certificate',
      clause: P.missingDocuments.clause,
      explanation: t('无有效发票且无三包凭证', 'neither a valid invoice nor a 三包凭证'),
    });
  if (f && !f.quality) {
    const x = exclusionFor(ctx, f.cause);
    if (x) out.exclusions.push(x);
  }
  const rs: RemedyOption[] = [];
  const unitExchange = (
    grant: Term | { clause: string; source: Term['source']; uncertain: boolean },
    zh: string,
    en: string,
  ) => {
    rs.push(
      remedy(
        'exchange',
        grant,
        t(`免费换货（同型号同规格）：${zh}`, `free exchange (same model and specification): ${en}`),
      ),
    );
    const r13 = P.returnInsteadOfExchange;
    const noSame =
      ctx.facts.sellerHasSameModel === false && ctx.facts.consumerAcceptsOtherModel !== true;
    if (r13.effect !== 'no' && noSame)
      rs.push(
        remedy(
          'return',
          r13,
          t(
            `销售者无同型号同规格产品且消费者不愿调换其他型号，按发票价格一次退清：${zh}`,
            `no same model and other models declined: refund of the invoice price: ${en}`,
          ),
        ),
      );
    else if (r13.effect === 'with_depreciation')
      rs.push(
        remedy(
          'return',
          r13,
          t(
            `销售者有同型号产品而消费者要求退货，应收取折旧费：${zh}`,
            `the seller has the same model but the owner prefers a return: depreciation is charged: ${en}`,
          ),
          { amount: depreciation(ctx) },
        ),
      );
  };

  const inWhole = (d: string) => (whole ? inside(whole, d) : true);
  if (f && f.quality && docEffect !== 'no_sanbao') {
    const acc = accDl.find((x) => x.a.name === f.component);
    if (acc?.d) {
      if (inside(acc.d, f.date)) {
        // PHONE Art. 14: accessory failure → free exchange; after 2 exchanges → free return.
        const exchanges = ctx.repairs.filter(
          (r) => r.quality && r.component === f.component && r.index !== f.fromRepair,
        ).length;
        const lim = T.accessoryExchangeLimit;
        rs.push(
          remedy(
            'exchange',
            lim ?? acc.a.months,
            t(
              `配件（${partName(P.category, f.component).zh}）免费更换同品牌同型号`,
              `free exchange of the accessory (${partName(P.category, f.component).en})`,
            ),
            { scope: 'accessory', target: f.component },
          ),
        );
        if (lim && exchanges >= lim.value)
          rs.push(
            remedy(
              'return',
              lim,
              t(
                `配件已更换${exchanges}次仍有故障，免费退货`,
                `accessory exchanged ${exchanges} times and still failing: free return`,
              ),
              { scope: 'accessory', target: f.component },
            ),
          );
      }
    } else {
      if (ret && T.returnWindowDays && inside(ret, f.date)) {
        rs.push(
          remedy(
            'return',
            T.returnWindowDays,
            t(
              `${T.returnWindowDays.value}日内出现性能故障，可选择退货，按发票价格一次退清`,
              `performance failure within ${T.returnWindowDays.value} days: return, refund of the invoice price`,
            ),
          ),
        );
        rs.push(
          remedy('exchange', T.returnWindowDays, t('7日内可选择换货', 'within 7 days: exchange')),
        );
      } else if (exw && T.exchangeWindowDays && inside(exw, f.date)) {
        rs.push(
          remedy(
            'exchange',
            T.exchangeWindowDays,
            t(
              `${T.exchangeWindowDays.value}日内出现性能故障，可选择免费换货`,
              `performance failure within ${T.exchangeWindowDays.value} days: free exchange`,
            ),
          ),
        );
        // P95 Art. 13 / PHONE Art. 18: exchange due, no same model, other models declined → return.
        if (
          P.returnInsteadOfExchange.effect !== 'no' &&
          ctx.facts.sellerHasSameModel === false &&
          ctx.facts.consumerAcceptsOtherModel !== true
        )
          rs.push(
            remedy(
              'return',
              P.returnInsteadOfExchange,
              t(
                '符合换货条件，销售者无同型号同规格产品且消费者不愿调换其他型号，按发票价格一次退清',
                'exchange due, no same model and other models declined: refund of the invoice price',
              ),
            ),
          );
      } else if (!whole && T.returnWindowDays) {
        rs.push(
          remedy(
            'exchange',
            { clause: '消法 Art. 24', source: 'P', uncertain: true },
            t(
              '7日后不符合质量要求的，可要求更换或修理',
              'after 7 days, goods failing quality requirements may be exchanged or repaired',
            ),
          ),
        );
      }
      if (inWhole(f.date)) {
        const n = countedRepairs(ctx, whole).length;
        const lim = T.repairCountLimit;
        if (lim && n >= lim.value)
          unitExchange(
            lim,
            `三包有效期内修理${n}次仍不能正常使用`,
            `repaired ${n} times within the period and still not usable`,
          );
        rs.push(
          remedy(
            'free_repair',
            freeRepairGrant(P) ?? { clause: '消法 Art. 24', source: 'P', uncertain: !whole },
            t(
              '三包有效期内免费修理（材料费和工时费）',
              'free repair within the period (materials and labour)',
            ),
          ),
        );
      } else if (main && f.mainPartFlag && inside(main, f.date) && T.mainPartMonths) {
        const target = f.mainPart ?? f.component;
        const name = partName(P.category, target);
        // P95 Art. 11 "在三包有效期内，修理两次，仍不能正常使用": the 主要部件三包有效期 is a 三包有效期
        // too (P95 Art. 8 释义), so a main part repaired twice within it → exchange.
        const lim = T.repairCountLimit;
        const mainRepairs = ctx.repairs.filter(
          (r) => r.quality && !r.ongoing && r.isMainPart && inside(main, r.start.date),
        ).length;
        if (lim && mainRepairs >= lim.value)
          unitExchange(
            lim,
            `主要部件三包有效期内主要部件修理${mainRepairs}次仍不能正常使用`,
            `a main part repaired ${mainRepairs} times within the main-part period and still not usable`,
          );
        rs.push(
          remedy(
            'free_repair',
            {
              ...(freeRepairGrant(P) ?? T.mainPartMonths),
              clause: `${freeRepairGrant(P)?.clause ?? ''}; ${T.mainPartMonths.clause}`,
            },
            t(
              `主要部件（${name.zh}）三包有效期内免费修理或更换新部件`,
              `main part (${name.en}) within its period: free repair or a new part`,
            ),
            { scope: 'part', target },
          ),
        );
      }
    }
  }
  // P95 Art. 12 / PHONE Art. 16: repairs over the parts-waiting or repairer-delay limit.
  for (const r of ctx.repairs) {
    if (!r.quality || !inWhole(r.start.date) || docEffect === 'no_sanbao') continue;
    const wait = T.partsWaitingLimitDays;
    const delay = T.repairerDelayLimitDays;
    if (
      wait &&
      r.waitingForParts &&
      r.occupiedDays > wait.value &&
      !rs.some((x) => x.kind === 'exchange' && x.scope === 'unit')
    )
      unitExchange(
        wait,
        `生产者未供应零配件，送修${r.occupiedDays}日未修好`,
        `producer did not supply parts: not repaired ${r.occupiedDays} days after drop-off`,
      );
    if (
      delay &&
      r.delayCause === 'repairer' &&
      r.occupiedDays > delay.value &&
      !rs.some((x) => x.kind === 'exchange' && x.scope === 'unit')
    )
      unitExchange(
        delay,
        `因修理者自身原因修理超过${delay.value}日，费用由修理者承担`,
        `repair over ${delay.value} days for the repairer’s own reasons; the repairer bears the cost`,
      );
  }
  const kept = rs.filter((r) =>
    docEffect === 'repair_only'
      ? r.kind === 'free_repair'
      : docEffect === 'no_return'
        ? r.kind !== 'return'
        : true,
  );
  out.remedies.push(...kept);
  if (
    f &&
    !kept.some(
      (r) => r.kind === 'free_repair' || (r.kind === 'exchange' && r.scope === 'accessory'),
    )
  )
    out.offers.push(
      paidRepair(
        out.exclusions[0]?.clause ?? T.wholeUnitMonths?.clause ?? '消法 Art. 24',
        out.exclusions.length
          ? t('不实行三包，可实行收费修理', 'no 三包; paid repair may be offered')
          : t('已超出三包有效期，收费修理', 'outside the 三包 periods: paid repair'),
      ),
    );
  out.counters.push(...goodsCounters(ctx, whole));
  out.notes.push(...goodsNotes(ctx, whole));
  return out;
}
