import { addWorkingDays } from './calendar.ts';
import { carCounts, type CarCounts } from './car-counters.ts';
import { inside, makeDeadline, t, warn, type CaseContext, type NormFault } from './case-context.ts';
import type { Amount, Deadline, RemedyOption } from './evaluation-schema.ts';
import { cny, emptyOutcome, exclusionFor, paidRepair, remedy, type Outcome } from './outcome.ts';
import type { Term } from './policy-schema.ts';
import { partName } from './vocabulary.ts';

/**
 * Household cars under 《家用汽车产品修理更换退货责任规定》 (国家市场监督管理总局令第43号, "CAR21" in
 * the policy data), docs/sanbao-rules.md §1. The windows and periods are computed once; each remedy
 * below is granted by one article. Pure: every input comes from the case context.
 */

/** What the owner pays for a remedy, with how it was computed (Art. 27). */
type Owed = { owed: number | null; basis?: Amount };

function term(ctx: CaseContext, k: keyof CaseContext['policy']['terms']): Term {
  const x = ctx.policy.terms[k];
  if (!x) throw new Error(`policy ${ctx.policy.id} lacks ${k}`);
  return x;
}

/** CAR21 Art. 27: 补偿费 = 车价款 × 行驶里程/1000 × n, n ≤ 0.5 %. */
function usageCompensation(ctx: CaseContext): Owed {
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

/** The CAR21 windows and periods, as deadline rows. */
interface CarPeriods {
  /** 三包有效期 (Art. 18): exchange and return. */
  sanbao: Deadline;
  /** 包修期 (Art. 18): free repair. */
  repair: Deadline;
  /** Art. 22: 7 days. */
  replacementWithin7Days: Deadline;
  /** Art. 23: 60 days or 3,000 km. */
  safetyFailureWithin60Days: Deadline;
  /** Art. 20: 60 days or 3,000 km. */
  assemblySwapWithin60Days: Deadline;
}

/** Remedies, deadlines, counters and notes for a car case. */
export function evaluateCar(ctx: CaseContext): Outcome {
  const out = emptyOutcome();
  const periods = carPeriods(ctx);
  out.deadlines.push(
    periods.replacementWithin7Days,
    periods.safetyFailureWithin60Days,
    periods.assemblySwapWithin60Days,
    periods.sanbao,
    periods.repair,
  );
  if (ctx.mileageNow === undefined)
    warn(
      ctx,
      'mileage_unknown',
      '未提供里程：未核对3000、50000、60000公里限值',
      'mileageKm not given: mileage limits (3,000 / 50,000 / 60,000 km) were not checked',
    );
  const documents = ctx.policy.missingDocuments;
  if (documentsMissing(ctx))
    warn(
      ctx,
      'no_documents',
      `无购车发票也无三包凭证（${documents.clause}）：修理者能通过信息系统核实购买信息的，仍应免费修理；换货、退货须凭购车发票和三包凭证（销售者应免费补办三包凭证，第十四条）`,
      `no invoice and no 三包凭证: ${documents.clause} — ${documents.note ?? documents.effect}`,
    );

  const counts = carCounts(ctx, periods.sanbao);
  out.counters.push(...counts.counters);
  const fault = ctx.fault;
  if (fault) warnNotAnArt23Type(ctx, fault);
  if (fault && !fault.quality) {
    const exclusion = exclusionFor(ctx, fault.cause);
    if (exclusion) out.exclusions.push(exclusion);
  }
  const qualityFault = fault?.quality ? fault : undefined;
  if (qualityFault)
    out.remedies.push(
      ...returnOrExchangeWithin7Days(ctx, qualityFault, periods),
      ...returnOrExchangeForSafetyFailure(ctx, qualityFault, periods),
      ...assemblySwapWithin60Days(ctx, qualityFault, periods),
    );
  out.remedies.push(...returnOrExchangeWithCompensation(ctx, counts, periods));
  if (qualityFault) out.remedies.push(...freeRepairWithinTheRepairPeriod(qualityFault, periods));
  if (fault && !out.remedies.some((r) => r.kind === 'free_repair' || r.kind === 'assembly_swap'))
    out.offers.push(
      paidRepair(
        fault.quality ? 'CAR21 Art. 18 ¶1, 19' : (out.exclusions[0]?.clause ?? 'CAR21 Art. 32'),
        fault.quality
          ? t('已超出包修期，收费修理', 'outside the repair period: paid repair')
          : t('不属三包责任，收费修理', 'not covered by 三包: paid repair'),
      ),
    );
  if (documentsMissing(ctx)) freeRepairOnlyWithoutDocuments(ctx, out);
  carNotes(ctx, out, periods.repair);
  return out;
}

/**
 * The periods (Art. 18: 三包有效期 2 years or 50,000 km, 包修期 3 years or 60,000 km) and the
 * windows of Arts. 20, 22 and 23, all from the start of the 三包有效期.
 */
function carPeriods(ctx: CaseContext): CarPeriods {
  const policyTerm = (k: Parameters<typeof term>[1]) => term(ctx, k);
  const km = ctx.mileageNow;
  const odometer = km !== undefined ? { km } : {};
  const sanbao = makeDeadline(
    ctx,
    'sanbao_period',
    policyTerm('wholeUnitMonths').clause,
    { months: policyTerm('wholeUnitMonths').value },
    t('三包有效期（换货、退货）', '三包 period (exchange, return)'),
    { limitKm: policyTerm('wholeUnitKm').value, ...odometer },
  );
  const repair = makeDeadline(
    ctx,
    'repair_period',
    policyTerm('repairMonths').clause,
    { months: policyTerm('repairMonths').value },
    t('包修期（免费修理）', 'repair period (free repair)'),
    { limitKm: policyTerm('repairKm').value, ...odometer },
  );
  const replacementWithin7Days = makeDeadline(
    ctx,
    'return_or_exchange_7_days',
    policyTerm('returnWindowDays').clause,
    { days: policyTerm('returnWindowDays').value },
    t(
      '7日内需更换发动机、变速器、动力蓄电池、行驶驱动电机或其主要零部件的，可选择换货或退货',
      'within 7 days: exchange or return if the engine, transmission, power battery, drive motor or a main part of them must be replaced',
    ),
  );
  const safetyFailureWithin60Days = makeDeadline(
    ctx,
    'safety_failure_60_days',
    policyTerm('safetyWindowDays').clause,
    { days: policyTerm('safetyWindowDays').value },
    t(
      '60日或3000公里内转向、制动失效、车身开裂、燃油泄漏、动力蓄电池起火可换货或退货',
      'within 60 days or 3,000 km: exchange or return for steering/brake failure, body cracking, fuel leak, battery fire',
    ),
    { limitKm: policyTerm('safetyWindowKm').value, ...odometer },
  );
  const assemblySwapWithin60Days = makeDeadline(
    ctx,
    'assembly_swap_60_days',
    policyTerm('assemblySwapDays').clause,
    { days: policyTerm('assemblySwapDays').value },
    t(
      '60日或3000公里内主要零部件质量问题可免费更换总成',
      'within 60 days or 3,000 km: free replacement of the whole assembly for a main-part quality problem',
    ),
    { limitKm: policyTerm('assemblySwapKm').value, ...odometer },
  );
  return {
    sanbao,
    repair,
    replacementWithin7Days,
    safetyFailureWithin60Days,
    assemblySwapWithin60Days,
  };
}

const documentsMissing = (ctx: CaseContext) =>
  ctx.facts.hasInvoice === false && ctx.facts.hasWarrantyCertificate === false;

/** Failure words that name none of the five Art. 23 failures: judged by the Art. 40 definition. */
function warnNotAnArt23Type(ctx: CaseContext, fault: NormFault): void {
  const words = ctx.facts.currentFault?.failureType;
  if (fault.failureType !== undefined || !words) return;
  warn(
    ctx,
    'not_art23_type',
    `“${words}”不属于第二十三条所列五类故障；${fault.seriousSafety ? '按第四十条定义属严重安全性能故障，计入第二十四条第一款第（一）项' : '按第四十条定义不属严重安全性能故障'}`,
    `"${words}" is not one of the five CAR21 Art. 23 failures; ${fault.seriousSafety ? 'by the Art. 40 definition it is a serious safety failure (counts for Art. 24 ¶1(1))' : 'by the Art. 40 definition it is not a serious safety failure'}`,
  );
}

/** The owner's choice between a return and an exchange, on the same grounds. */
function returnOrExchange(grant: Term, zh: string, en: string, amount?: Owed): RemedyOption[] {
  return [
    remedy(
      'return',
      grant,
      t(`可选择退货：${zh}`, `return available: ${en}`),
      amount ? { amount } : {},
    ),
    remedy(
      'exchange',
      grant,
      t(`可选择换货：${zh}`, `exchange available: ${en}`),
      amount ? { amount } : {},
    ),
  ];
}

/** The assembly the fault is on, named (empty names when it is on none). */
function assemblyOf(fault: NormFault) {
  const assembly = fault.assembly;
  return { assembly, name: assembly ? partName('household_car', assembly) : { zh: '', en: '' } };
}

/**
 * Within 7 days, the engine, transmission, power battery or drive motor, or one of their main
 * parts, must be replaced: free return or exchange
 * (《家用汽车产品修理更换退货责任规定》第二十二条).
 */
function returnOrExchangeWithin7Days(
  ctx: CaseContext,
  fault: NormFault,
  periods: CarPeriods,
): RemedyOption[] {
  const { assembly, name } = assemblyOf(fault);
  if (
    !assembly ||
    !fault.requiresReplacement ||
    !inside(periods.replacementWithin7Days, fault.date)
  )
    return [];
  return returnOrExchange(
    term(ctx, 'returnWindowDays'),
    `三包有效期起7日内${name.zh}或其主要零部件需要更换，销售者应免费更换或退货`,
    `within 7 days the ${name.en} or a main part of it needs replacement; the seller must exchange or take back free`,
  );
}

/**
 * Within 60 days or 3,000 km, steering or brake failure, body cracking, a fuel leak or a power
 * battery fire: free return or exchange (《家用汽车产品修理更换退货责任规定》第二十三条).
 */
function returnOrExchangeForSafetyFailure(
  ctx: CaseContext,
  fault: NormFault,
  periods: CarPeriods,
): RemedyOption[] {
  if (!fault.failureType || !inside(periods.safetyFailureWithin60Days, fault.date, fault.km))
    return [];
  return returnOrExchange(
    term(ctx, 'safetyWindowDays'),
    `60日或3000公里内出现${fault.failureType}，免费`,
    `within 60 days / 3,000 km: ${fault.failureType}, free`,
  );
}

/**
 * Within 60 days or 3,000 km, a main part of the engine, transmission, power battery or drive
 * motor fails: free replacement of the whole assembly (《家用汽车产品修理更换退货责任规定》第二十条).
 */
function assemblySwapWithin60Days(
  ctx: CaseContext,
  fault: NormFault,
  periods: CarPeriods,
): RemedyOption[] {
  const { assembly, name } = assemblyOf(fault);
  if (
    !assembly ||
    !(fault.mainPartFlag || fault.requiresReplacement) ||
    !inside(periods.assemblySwapWithin60Days, fault.date, fault.km)
  )
    return [];
  return [
    remedy(
      'assembly_swap',
      term(ctx, 'assemblySwapDays'),
      t(
        `60日或3000公里内${name.zh}主要零部件出现质量问题，可选择免费更换${name.zh}`,
        `within 60 days / 3,000 km a main part of the ${name.en} failed: free replacement of the whole ${name.en}`,
      ),
      { scope: 'assembly', target: assembly },
    ),
  ];
}

/**
 * Within the 三包有效期, return or exchange with usage compensation (Art. 27) on the first of the
 * grounds of 《家用汽车产品修理更换退货责任规定》第二十四条第一款 that holds: (1) a serious safety
 * failure after 2 repairs of one; (2) assemblies replaced twice; (3) the same main part replaced
 * twice; (4) more than 30 days of repairs, or the same problem repaired more than 4 times. Items
 * (1)–(3) need a current quality fault within the period; item (4) only a demand made within it.
 * One ground suffices: the others give the same remedy.
 */
function returnOrExchangeWithCompensation(
  ctx: CaseContext,
  counts: CarCounts,
  periods: CarPeriods,
): RemedyOption[] {
  const policyTerm = (k: Parameters<typeof term>[1]) => term(ctx, k);
  const fault = ctx.fault;
  const faultInSanbao = fault !== undefined && inside(periods.sanbao, fault.date, fault.km);
  const qualityFaultInSanbao = faultInSanbao && fault.quality;
  const claimInSanbao = faultInSanbao || !periods.sanbao.passed;
  // Every ground is read (its term too) before the first that holds is taken.
  const grounds: Array<{ holds: boolean; grant: Term; zh: string; en: string }> = [
    {
      holds:
        qualityFaultInSanbao &&
        fault.seriousSafety &&
        counts.serious >= policyTerm('seriousSafetyRepairLimit').value,
      grant: policyTerm('seriousSafetyRepairLimit'),
      zh: `严重安全性能故障累计修理${counts.serious}次后仍出现严重安全性能故障`,
      en: `serious safety failure after ${counts.serious} repairs`,
    },
    {
      holds:
        qualityFaultInSanbao &&
        fault.assembly !== undefined &&
        counts.assemblyReplacements >= policyTerm('assemblyReplacementLimit').value,
      grant: policyTerm('assemblyReplacementLimit'),
      zh: `发动机、变速器、动力蓄电池、行驶驱动电机累计更换${counts.assemblyReplacements}次后仍不能正常使用`,
      en: `assemblies replaced ${counts.assemblyReplacements} times and still not usable`,
    },
    {
      holds:
        qualityFaultInSanbao &&
        counts.mainPart.count >= policyTerm('mainPartReplacementLimit').value,
      grant: policyTerm('mainPartReplacementLimit'),
      zh: `同一主要零部件（${counts.mainPart.label?.zh ?? counts.mainPart.part}）更换${counts.mainPart.count}次后仍不能正常使用`,
      en: `same main part (${counts.mainPart.label?.en ?? counts.mainPart.part}) replaced ${counts.mainPart.count} times and still not usable`,
    },
    {
      holds: claimInSanbao && counts.countedDays > policyTerm('cumulativeRepairDaysLimit').value,
      grant: policyTerm('cumulativeRepairDaysLimit'),
      zh: `累计修理时间${counts.countedDays}日，超过${policyTerm('cumulativeRepairDaysLimit').value}日`,
      en: `cumulative repair time ${counts.countedDays} days, more than ${policyTerm('cumulativeRepairDaysLimit').value}`,
    },
    {
      holds:
        claimInSanbao && counts.maxSameProblem.count > policyTerm('sameProblemRepairLimit').value,
      grant: policyTerm('sameProblemRepairLimit'),
      zh: `同一质量问题（${counts.maxSameProblem.key}）累计修理${counts.maxSameProblem.count}次，超过${policyTerm('sameProblemRepairLimit').value}次`,
      en: `same problem (${counts.maxSameProblem.key}) repaired ${counts.maxSameProblem.count} times, more than ${policyTerm('sameProblemRepairLimit').value}`,
    },
  ];
  const ground = grounds.find((g) => g.holds);
  if (!ground) return [];
  return returnOrExchange(
    ground.grant,
    `${ground.zh}；需支付使用补偿费`,
    `${ground.en}; usage compensation is due (CAR21 Art. 27)`,
    usageCompensation(ctx),
  );
}

/**
 * A quality problem within the 包修期: free repair, labour and materials
 * (《家用汽车产品修理更换退货责任规定》第十九条第一款).
 */
function freeRepairWithinTheRepairPeriod(fault: NormFault, periods: CarPeriods): RemedyOption[] {
  if (!inside(periods.repair, fault.date, fault.km)) return [];
  return [
    remedy(
      'free_repair',
      { clause: 'CAR21 Art. 19 ¶1', source: 'P', uncertain: false },
      t(
        '包修期内质量问题免费修理（工时费和材料费全免）',
        'quality problem within the repair period: free repair, labour and materials',
      ),
    ),
  ];
}

/**
 * Neither invoice nor 三包凭证: exchange, return and the assembly swap need them, free repair
 * does not when the repairer can verify the purchase (《家用汽车产品修理更换退货责任规定》第十九条
 * 第二款; the seller re-issues a lost 三包凭证 free, 第十四条).
 */
function freeRepairOnlyWithoutDocuments(ctx: CaseContext, out: Outcome): void {
  const kept = out.remedies.filter((r) => r.kind === 'free_repair');
  if (kept.length < out.remedies.length)
    out.exclusions.push({
      reason: 'no_invoice_no_certificate',
      clause: ctx.policy.missingDocuments.clause,
      explanation: t(
        '无购车发票和三包凭证：换货、退货、更换总成须凭购车发票、三包凭证，仅可免费修理（可向销售者免费补办三包凭证）',
        'no invoice and no 三包凭证: exchange, return and the assembly swap need them; free repair only (the seller re-issues a lost 三包凭证 free)',
      ),
    });
  out.remedies = kept;
}

/** Duties that follow: courtesy car (Art. 21), the seller's deadlines (Art. 28), Arts. 25 and 26. */
function carNotes(ctx: CaseContext, out: Outcome, repairPeriod: Deadline): void {
  const courtesy = ctx.policy.terms.courtesyCarAfterDays;
  const long = ctx.repairs.filter(
    (r) => r.quality && courtesy && r.days > courtesy.value && inside(repairPeriod, r.start.date),
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
