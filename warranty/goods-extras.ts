import { inside, t, type CaseContext, type NormRepair } from './case-context.ts';
import type { Counter, Deadline, Note } from './evaluation-schema.ts';
import { counter } from './outcome.ts';
import { partName } from './vocabulary.ts';

/**
 * Counters and duty notes for P95 / PHONE / PC / CPL cases: repairs toward the "repaired twice"
 * exchange, the longest parts wait, accessory exchanges, loaner phones, period extensions.
 */
/** Quality repairs counted toward "repaired twice" (P95 Art. 11; PHONE Art. 13; PC). */
export function countedRepairs(ctx: CaseContext, whole: Deadline | undefined): NormRepair[] {
  const accessories = ctx.policy.accessories.map((a) => a.name);
  return ctx.repairs.filter(
    (r) =>
      r.quality &&
      !r.ongoing && // "修理两次": repairs done, not one still under way
      !accessories.includes(r.component) &&
      (whole === undefined || inside(whole, r.start.date)) &&
      (ctx.policy.repairCountBasis === 'any_quality_repair' ||
        ctx.fault === undefined ||
        r.faultKey === ctx.fault.faultKey),
  );
}

export function goodsCounters(ctx: CaseContext, whole: Deadline | undefined): Counter[] {
  const terms = ctx.policy.terms;
  const out: Counter[] = [];
  if (terms.repairCountLimit) {
    const repairs = countedRepairs(ctx, whole).length;
    const limit = terms.repairCountLimit.value;
    const same = ctx.policy.repairCountBasis === 'same_fault';
    out.push(
      counter(
        'repairs_toward_exchange',
        terms.repairCountLimit,
        repairs,
        'at_least',
        t(
          `三包有效期内${same ? '同一故障' : ''}已修理${repairs}次，共${limit}次；修理${limit}次后仍不能正常使用的可换货`,
          `${same ? 'same fault ' : ''}repaired ${repairs} of ${limit} times within the period; exchange if still not usable after ${limit}`,
        ),
      ),
    );
  }
  const wait = terms.partsWaitingLimitDays;
  const waiting = ctx.repairs.filter((r) => r.quality && r.waitingForParts);
  if (wait && waiting.length) {
    const longest = Math.max(...waiting.map((r) => r.occupiedDays));
    out.push(
      counter(
        'parts_waiting_days',
        wait,
        longest,
        'more_than',
        t(
          `等待生产者供应零配件${longest}日，超过${wait.value}日可免费换货`,
          `waiting ${longest} days for parts from the producer; free exchange once more than ${wait.value}`,
        ),
      ),
    );
  }
  const delay = terms.repairerDelayLimitDays;
  const delayed = ctx.repairs.filter((r) => r.quality && r.delayCause === 'repairer');
  if (delay && delayed.length) {
    const longest = Math.max(...delayed.map((r) => r.occupiedDays));
    out.push(
      counter(
        'repairer_delay_days',
        delay,
        longest,
        'more_than',
        t(
          `因修理者原因修理${longest}日，超过${delay.value}日可免费换货`,
          `repair delayed by the repairer ${longest} days; free exchange once more than ${delay.value}`,
        ),
      ),
    );
  }
  const fault = ctx.fault;
  const exchangeLimit = terms.accessoryExchangeLimit;
  if (exchangeLimit && fault && ctx.policy.accessories.some((a) => a.name === fault.component)) {
    const exchanges = ctx.repairs.filter(
      (r) => r.quality && r.component === fault.component && r.index !== fault.fromRepair,
    ).length;
    out.push(
      counter(
        'accessory_exchanges',
        exchangeLimit,
        exchanges,
        'at_least',
        t(
          `配件（${partName(ctx.policy.category, fault.component).zh}）已更换${exchanges}次，共${exchangeLimit.value}次；仍有故障可退货`,
          `accessory (${partName(ctx.policy.category, fault.component).en}) exchanged ${exchanges} of ${exchangeLimit.value} times; return if it still fails`,
        ),
      ),
    );
  }
  return out;
}

export function goodsNotes(ctx: CaseContext, whole: Deadline | undefined): Note[] {
  const terms = ctx.policy.terms;
  const out: Note[] = [];
  if (whole && whole.extendedByDays > 0)
    out.push({
      clause: ctx.policy.extendsByRepairDays.clause,
      explanation: t(
        `三包有效期已扣除修理占用和待修时间${whole.extendedByDays}日，顺延至${whole.end}`,
        `the period is extended by ${whole.extendedByDays} repair and waiting days, to ${whole.end}`,
      ),
    });
  const loaner = terms.loanerAfterDays;
  const slow = ctx.repairs.filter((r) => r.quality && loaner && r.occupiedDays > loaner.value);
  if (loaner && slow.length)
    out.push({
      clause: loaner.clause,
      explanation: t(
        `主机${loaner.value}日内未修好（${slow.map((r) => `${r.start.date}: ${r.occupiedDays}日`).join('，')}），应免费提供备用机`,
        `host not repaired within ${loaner.value} days (${slow.map((r) => `${r.start.date}: ${r.occupiedDays} d`).join(', ')}): a free loaner phone is owed`,
      ),
    });
  if (ctx.policy.regime === 'P95' || ctx.policy.regime === 'PC')
    out.push({
      clause: ctx.policy.regime === 'P95' ? 'P95 Art. 3' : 'PC Art. 3',
      explanation: t('谁经销谁负责三包：销售者承担三包责任', 'the seller is responsible for 三包'),
    });
  if (ctx.policy.regime === 'CPL')
    out.push({
      clause: '消法 Art. 24',
      explanation: t(
        '经营者应承担运输等必要费用',
        'the business pays transport and other necessary costs',
      ),
    });
  return out;
}
