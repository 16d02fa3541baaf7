import { addWorkingDays } from './calendar.ts';
import { carCounts } from './car-counters.ts';
import { inside, makeDeadline, t, warn, type CaseContext } from './case-context.ts';
import type { Amount } from './evaluation-schema.ts';
import { cny, emptyOutcome, exclusionFor, paidRepair, remedy, type Outcome } from './outcome.ts';
import type { Term } from './policy-schema.ts';
import { partName } from './vocabulary.ts';

/**
 * Household cars under CAR21 (SAMR Order 43), sanbao-rules.md §1. Pure: every input comes from
 * the case context.
 */
function term(ctx: CaseContext, k: keyof CaseContext['policy']['terms']): Term {
  const x = ctx.policy.terms[k];
  if (!x) throw new Error(`policy ${ctx.policy.id} lacks ${k}`);
  return x;
}

/** CAR21 Art. 27: 补偿费 = 车价款 × 行驶里程/1000 × n, n ≤ 0.5 %. */
function usageCompensation(ctx: CaseContext): { owed: number | null; basis?: Amount } {
  const max = term(ctx, 'usageCoefficientMax');
  const given = ctx.facts.usageCompensationCoefficient;
  let n = given ?? max.value;
  if (given === undefined)
    warn(
      ctx,
      'usage_coefficient_default',
      `未提供使用补偿系数n：采用上限${max.value}（${max.clause}）；请以三包凭证所载为准`,
      `usage coefficient n not given: the policy's ${max.value} (${max.clause}) is used; take n from the 三包凭证`,
    );
  else if (given >= 0.01) {
    // n is at most 0.5 %: 0.3 is a percentage written without the sign.
    n = given / 100;
    warn(
      ctx,
      'usage_coefficient_percent',
      `使用补偿系数${given}按百分数读作${n}`,
      `usage coefficient ${given} read as a percentage: ${n}`,
    );
  }
  if (n > max.value) {
    warn(
      ctx,
      'usage_coefficient_capped',
      `使用补偿系数${n}超过${max.value}（${max.clause}）：按上限计算`,
      `usage coefficient ${n} exceeds ${max.value} (${max.clause}): capped`,
    );
    n = max.value;
  }
  const price = ctx.facts.priceCNY;
  const km = ctx.mileageNow;
  if (price === undefined || km === undefined) return { owed: null };
  return {
    owed: cny((price * km * n) / 1000),
    basis: {
      formula: 'priceCNY × mileageKm / 1000 × n',
      clause: max.clause,
      inputs: { priceCNY: price, mileageKm: km, n },
      uncertain: false,
    },
  };
}

/** Remedies, deadlines, counters and notes for a car case. */
export function evaluateCar(ctx: CaseContext): Outcome {
  const out = emptyOutcome();
  const T = (k: Parameters<typeof term>[1]) => term(ctx, k);
  const km = ctx.mileageNow;
  const sanbao = makeDeadline(
    ctx,
    'sanbao_period',
    T('wholeUnitMonths').clause,
    { months: T('wholeUnitMonths').value },
    t('三包有效期（换货、退货）', '三包 period (exchange, return)'),
    { limitKm: T('wholeUnitKm').value, ...(km !== undefined ? { km } : {}) },
  );
  const repairP = makeDeadline(
    ctx,
    'repair_period',
    T('repairMonths').clause,
    { months: T('repairMonths').value },
    t('包修期（免费修理）', 'repair period (free repair)'),
    { limitKm: T('repairKm').value, ...(km !== undefined ? { km } : {}) },
  );
  const d7 = makeDeadline(
    ctx,
    'return_or_exchange_7_days',
    T('returnWindowDays').clause,
    { days: T('returnWindowDays').value },
    t(
      '7日内需更换发动机、变速器、动力蓄电池、行驶驱动电机或其主要零部件的，可选择换货或退货',
      'within 7 days: exchange or return if the engine, transmission, power battery, drive motor or a main part of them must be replaced',
    ),
  );
  const d60 = makeDeadline(
    ctx,
    'safety_failure_60_days',
    T('safetyWindowDays').clause,
    { days: T('safetyWindowDays').value },
    t(
      '60日或3000公里内转向、制动失效、车身开裂、燃油泄漏、动力蓄电池起火可换货或退货',
      'within 60 days or 3,000 km: exchange or return for steering/brake failure, body cracking, fuel leak, battery fire',
    ),
    { limitKm: T('safetyWindowKm').value, ...(km !== undefined ? { km } : {}) },
  );
  const swap = makeDeadline(
    ctx,
    'assembly_swap_60_days',
    T('assemblySwapDays').clause,
    { days: T('assemblySwapDays').value },
    t(
      '60日或3000公里内主要零部件质量问题可免费更换总成',
      'within 60 days or 3,000 km: free replacement of the whole assembly for a main-part quality problem',
    ),
    { limitKm: T('assemblySwapKm').value, ...(km !== undefined ? { km } : {}) },
  );
  out.deadlines.push(d7, d60, swap, sanbao, repairP);
  if (km === undefined)
    warn(
      ctx,
      'mileage_unknown',
      '未提供里程：未核对3000、50000、60000公里限值',
      'mileageKm not given: mileage limits (3,000 / 50,000 / 60,000 km) were not checked',
    );
  const docs = ctx.policy.missingDocuments;
  if (ctx.facts.hasInvoice === false && ctx.facts.hasWarrantyCertificate === false)
    warn(
      ctx,
      'no_documents',
      `无购车发票也无三包凭证（${docs.clause}）：修理者能通过信息系统核实购买信息的，仍应免费修理；换货、退货须凭购车发票和三包凭证（销售者应免费补办三包凭证，第十四条）`,
      `no invoice and no 三包凭证: ${docs.clause} — ${docs.note ?? docs.effect}`,
    );

  const c = carCounts(ctx, sanbao);
  out.counters.push(...c.counters);
  const f = ctx.fault;
  const q = f !== undefined && f.quality;
  const asm = f?.assembly;
  const asmName = asm ? partName('household_car', asm) : { zh: '', en: '' };
  if (f?.failureType === undefined && f && ctx.facts.currentFault?.failureType)
    warn(
      ctx,
      'not_art23_type',
      `“${ctx.facts.currentFault.failureType}”不属于第二十三条所列五类故障；${f.seriousSafety ? '按第四十条定义属严重安全性能故障，计入第二十四条第一款第（一）项' : '按第四十条定义不属严重安全性能故障'}`,
      `"${ctx.facts.currentFault.failureType}" is not one of the five CAR21 Art. 23 failures; ${f.seriousSafety ? 'by the Art. 40 definition it is a serious safety failure (counts for Art. 24 ¶1(1))' : 'by the Art. 40 definition it is not a serious safety failure'}`,
    );
  if (f && !f.quality) {
    const x = exclusionFor(ctx, f.cause);
    if (x) out.exclusions.push(x);
  }
  const both = (
    grant: Term,
    zh: string,
    en: string,
    amount?: { owed: number | null; basis?: Amount },
  ) => {
    out.remedies.push(
      remedy(
        'return',
        grant,
        t(`可选择退货：${zh}`, `return available: ${en}`),
        amount ? { amount } : {},
      ),
    );
    out.remedies.push(
      remedy(
        'exchange',
        grant,
        t(`可选择换货：${zh}`, `exchange available: ${en}`),
        amount ? { amount } : {},
      ),
    );
  };

  // Art. 22: 7 days, assembly (or its main part) needs replacement → free exchange or return.
  if (q && asm && f.requiresReplacement && inside(d7, f.date))
    both(
      T('returnWindowDays'),
      `三包有效期起7日内${asmName.zh}或其主要零部件需要更换，销售者应免费更换或退货`,
      `within 7 days the ${asmName.en} or a main part of it needs replacement; the seller must exchange or take back free`,
    );
  // Art. 23: 60 days / 3,000 km, listed serious failures → free exchange or return.
  if (q && f.failureType && inside(d60, f.date, f.km))
    both(
      T('safetyWindowDays'),
      `60日或3000公里内出现${f.failureType}，免费`,
      `within 60 days / 3,000 km: ${f.failureType}, free`,
    );
  // Art. 20: 60 days / 3,000 km, main part of an assembly → free whole-assembly swap.
  if (q && asm && (f.mainPartFlag || f.requiresReplacement) && inside(swap, f.date, f.km))
    out.remedies.push(
      remedy(
        'assembly_swap',
        T('assemblySwapDays'),
        t(
          `60日或3000公里内${asmName.zh}主要零部件出现质量问题，可选择免费更换${asmName.zh}`,
          `within 60 days / 3,000 km a main part of the ${asmName.en} failed: free replacement of the whole ${asmName.en}`,
        ),
        { scope: 'assembly', target: asm },
      ),
    );

  // Art. 24 ¶1: within 三包有效期, exchange or return with usage compensation (Art. 27).
  const faultInSanbao = f !== undefined && inside(sanbao, f.date, f.km);
  // Item (4) needs no current fault, but the demand must be made within the 三包有效期.
  const claimInSanbao = faultInSanbao || !sanbao.passed;
  const comp = () => usageCompensation(ctx);
  const a24: Array<[boolean, Term, string, string]> = [
    [
      q && faultInSanbao && f.seriousSafety && c.serious >= T('seriousSafetyRepairLimit').value,
      T('seriousSafetyRepairLimit'),
      `严重安全性能故障累计修理${c.serious}次后仍出现严重安全性能故障`,
      `serious safety failure after ${c.serious} repairs`,
    ],
    [
      q &&
        faultInSanbao &&
        asm !== undefined &&
        c.assemblyReplacements >= T('assemblyReplacementLimit').value,
      T('assemblyReplacementLimit'),
      `发动机、变速器、动力蓄电池、行驶驱动电机累计更换${c.assemblyReplacements}次后仍不能正常使用`,
      `assemblies replaced ${c.assemblyReplacements} times and still not usable`,
    ],
    [
      q && faultInSanbao && c.mainPart.count >= T('mainPartReplacementLimit').value,
      T('mainPartReplacementLimit'),
      `同一主要零部件（${c.mainPart.label?.zh ?? c.mainPart.part}）更换${c.mainPart.count}次后仍不能正常使用`,
      `same main part (${c.mainPart.label?.en ?? c.mainPart.part}) replaced ${c.mainPart.count} times and still not usable`,
    ],
    [
      claimInSanbao && c.countedDays > T('cumulativeRepairDaysLimit').value,
      T('cumulativeRepairDaysLimit'),
      `累计修理时间${c.countedDays}日，超过${T('cumulativeRepairDaysLimit').value}日`,
      `cumulative repair time ${c.countedDays} days, more than ${T('cumulativeRepairDaysLimit').value}`,
    ],
    [
      claimInSanbao && c.maxSameProblem.count > T('sameProblemRepairLimit').value,
      T('sameProblemRepairLimit'),
      `同一质量问题（${c.maxSameProblem.key}）累计修理${c.maxSameProblem.count}次，超过${T('sameProblemRepairLimit').value}次`,
      `same problem (${c.maxSameProblem.key}) repaired ${c.maxSameProblem.count} times, more than ${T('sameProblemRepairLimit').value}`,
    ],
  ];
  for (const [ok, grant, zh, en] of a24) {
    if (!ok) continue;
    both(
      grant,
      `${zh}；需支付使用补偿费`,
      `${en}; usage compensation is due (CAR21 Art. 27)`,
      comp(),
    );
    break; // one ground suffices; the others give the same remedy
  }

  // Art. 19: free repair within 包修期 (labour and materials).
  if (q && inside(repairP, f.date, f.km))
    out.remedies.push(
      remedy(
        'free_repair',
        { clause: 'CAR21 Art. 19 ¶1', source: 'P', uncertain: false },
        t(
          '包修期内质量问题免费修理（工时费和材料费全免）',
          'quality problem within the repair period: free repair, labour and materials',
        ),
      ),
    );
  if (f && !out.remedies.some((r) => r.kind === 'free_repair' || r.kind === 'assembly_swap'))
    out.offers.push(
      paidRepair(
        f.quality ? 'CAR21 Art. 18 ¶1, 19' : (out.exclusions[0]?.clause ?? 'CAR21 Art. 32'),
        f.quality
          ? t('已超出包修期，收费修理', 'outside the repair period: paid repair')
          : t('不属三包责任，收费修理', 'not covered by 三包: paid repair'),
      ),
    );
  if (ctx.facts.hasInvoice === false && ctx.facts.hasWarrantyCertificate === false) {
    const kept = out.remedies.filter((r) => r.kind === 'free_repair');
    if (kept.length < out.remedies.length)
      out.exclusions.push({
        reason: 'no_invoice_no_certificate',
        clause: docs.clause,
        explanation: t(
          '无购车发票和三包凭证：换货、退货、更换总成须凭购车发票、三包凭证，仅可免费修理（可向销售者免费补办三包凭证）',
          'no invoice and no 三包凭证: exchange, return and the assembly swap need them; free repair only (the seller re-issues a lost 三包凭证 free)',
        ),
      });
    out.remedies = kept;
  }
  carNotes(ctx, out, repairP);
  return out;
}

function carNotes(ctx: CaseContext, out: Outcome, repairP: ReturnType<typeof makeDeadline>): void {
  const courtesy = ctx.policy.terms.courtesyCarAfterDays;
  const long = ctx.repairs.filter(
    (r) => r.quality && courtesy && r.days > courtesy.value && inside(repairP, r.start.date),
  );
  if (courtesy && long.length)
    out.notes.push({
      clause: courtesy.clause,
      explanation: t(
        `单次修理超过${courtesy.value}日（${long.map((r) => `${r.start.date}: ${r.days}日`).join('，')}），自第${courtesy.value + 1}日起应提供备用车或交通费用补偿`,
        `single repair over ${courtesy.value} days (${long.map((r) => `${r.start.date}: ${r.days} d`).join(', ')}): courtesy car or transport compensation from day ${courtesy.value + 1}`,
      ),
    });
  const answer = ctx.policy.terms.sellerAnswerWorkingDays;
  const done = ctx.policy.terms.exchangeCompletionWorkingDays;
  if (answer && done && out.remedies.some((r) => r.kind === 'return' || r.kind === 'exchange')) {
    const a = addWorkingDays(ctx.evalDate, answer.value, ctx.calendar);
    const d = addWorkingDays(ctx.evalDate, done.value, ctx.calendar);
    if (!a.calendarCovered || !d.calendarCovered)
      warn(
        ctx,
        'calendar_not_covered',
        '第二十八条工作日期限超出已载入的节假日安排',
        'CAR21 Art. 28 working-day deadlines reach beyond the holiday calendar',
      );
    out.notes.push({
      clause: answer.clause,
      explanation: t(
        `若今日（${ctx.evalDate}）提出，销售者应于${a.date}前答复，符合条件的应于${d.date}前完成换货或退货；20个工作日内未完成换货的可要求退货`,
        `if requested today (${ctx.evalDate}) the seller must answer by ${a.date} and complete a qualifying exchange or return by ${d.date}; an exchange not done in 20 working days may be turned into a return`,
      ),
    });
    out.notes.push({
      clause: 'CAR21 Art. 26',
      explanation: t(
        '退换车时销售者还应赔偿车辆登记费、加装装饰费（扣除折旧）及销售者收取的服务费',
        'on exchange or return the seller also refunds the registration fee, add-on fees (less depreciation) and its service fees',
      ),
    });
    if (ctx.facts.sellerHasSameModel === false)
      out.notes.push({
        clause: 'CAR21 Art. 25',
        explanation: t(
          '无同品牌同型号车辆的，应更换不低于原车配置的车辆；仍无的，消费者可选择退货',
          'no car of the same brand and model: exchange for one of at least the original configuration; failing that, the owner may return the car',
        ),
      });
  }
}
