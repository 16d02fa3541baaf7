import {
  addDays,
  daysBetween,
  hoursBetween,
  parseInstant,
  periodEnd,
  repairHoursToDays,
  type CivilDate,
  type Instant,
  type Length,
} from './calendar.ts';
import type { Deadline, Note, Text, Warning } from './evaluation-schema.ts';
import { art23Type, seriousSafetyWords, type Art23Type } from './fault-words.ts';
import { BUILTIN_CALENDAR, type HolidayCalendar } from './holidays.ts';
import type { Policy } from './policy-schema.ts';
import {
  partsOf,
  replacementQualifies,
  replacesAssemblyOrMainPart,
  resolveName,
  type PartRef,
} from './part-resolution.ts';
import type { CaseFacts, CurrentFault } from './schemas.ts';

/**
 * Normalised facts of one case: instants instead of strings, repairs of the current unit only,
 * part names read through the vocabulary tables, per-repair day counts (CAR21 Art. 40) and
 * occupied days (P95 Art. 8). Pure.
 */
export interface NormRepair {
  index: number;
  start: Instant;
  end: Instant;
  ongoing: boolean;
  /** "The same quality problem": the fault code, else the component. */
  faultKey: string;
  /** Component id from the vocabulary (or the name as given). */
  component: string;
  /** The parts replaced, read through the vocabulary. */
  parts: PartRef[];
  isMainPart: boolean;
  seriousSafety: boolean;
  quality: boolean;
  /** CAR21 Art. 40 days of this repair (whole time, parts waiting included: Art. 21). */
  days: number;
  /** Art. 40 days after removing Art. 24 ¶3 excluded hours: only for Art. 24 ¶1(4). */
  countedDays: number;
  /** Calendar days the unit was out of use (P95 Art. 8 extension; Art. 12 limits). */
  occupiedDays: number;
  waitingForParts: boolean;
  delayCause?: string;
  /** True when only dates were given: hour counts are approximate. */
  datePrecision: boolean;
  km?: number;
}

export interface NormFault {
  date: CivilDate;
  faultKey: string;
  /** Component id (vocabulary), or the name as given. */
  component: string;
  /** The main part at fault (id), when named. */
  mainPart?: string;
  /** CAR21: the assembly (engine, transmission, power battery, drive motor) the fault is on. */
  assembly?: string;
  /** CAR21: the system or assembly of the component. */
  system?: string;
  quality: boolean;
  cause: CurrentFault['cause'];
  mainPartFlag: boolean;
  requiresReplacement: boolean;
  /** CAR21 Art. 23 type the words name (only the five). */
  failureType?: Art23Type;
  /** CAR21 Art. 40: explicit flag, an Art. 23 type, or Art. 40 words in the description. */
  seriousSafety: boolean;
  km?: number;
  /** The still-open repair this fault was taken from (no currentFault given). */
  fromRepair?: number;
}

export interface CaseContext {
  policy: Policy;
  facts: CaseFacts;
  calendar: HolidayCalendar;
  evalDate: CivilDate;
  /** Start of the 三包 periods (null when no purchase date was given). */
  start: CivilDate;
  hasStart: boolean;
  /** 售出之日: P95 Art. 9/10, PHONE Art. 11/12, PC Art. 11/12 windows count from the sale. */
  saleDate: CivilDate;
  startBasis: Note;
  repairs: NormRepair[];
  fault?: NormFault;
  mileageNow?: number;
  warnings: Warning[];
}

export const t = (zh: string, en: string): Text => ({ zh, en });

/** Adds a warning in both languages. */
export function warn(ctx: Pick<CaseContext, 'warnings'>, code: string, zh: string, en: string) {
  if (!ctx.warnings.some((w) => w.code === code && w.en === en))
    ctx.warnings.push({ code, zh, en });
}

function startOf(policy: Policy, f: CaseFacts): { date?: CivilDate; basis: Note } {
  const d = (s: string | undefined) => (s === undefined ? undefined : parseInstant(s).date);
  const invoice = d(f.invoiceDate) ?? d(f.purchaseDate);
  const delivery = d(f.deliveryDate);
  const clause = policy.startRule.clause;
  if (f.exchangeDate && policy.restartAfterExchange.value)
    return {
      date: d(f.exchangeDate) as CivilDate,
      basis: {
        clause: policy.restartAfterExchange.clause,
        explanation: t('更换后三包期自换货之日起重新计算', 'periods restart on the exchange date'),
      },
    };
  const fromInvoice = (zh: string, en: string) =>
    invoice
      ? { date: invoice, basis: { clause, explanation: t(zh, en) } }
      : {
          ...(delivery ? { date: delivery } : {}),
          basis: {
            clause,
            explanation: t(
              '无发票日期，自交付（收货）之日起算',
              'no invoice date: counted from delivery',
            ),
          },
        };
  switch (policy.startRule.kind) {
    case 'invoice_or_delivery':
      return delivery && delivery !== invoice
        ? {
            date: delivery,
            basis: {
              clause,
              explanation: t(
                '开票日与交付日不一致，自交付之日起算',
                'invoice and delivery dates differ: counted from delivery',
              ),
            },
          }
        : fromInvoice('自开具购车发票之日起算', 'counted from the invoice date');
    case 'installation_or_invoice': {
      const inst = d(f.installationCompletedDate);
      return inst
        ? {
            date: inst,
            basis: {
              clause,
              explanation: t('自安装调试完成之日起算', 'counted from the end of installation'),
            },
          }
        : fromInvoice('无需安装，自开票之日起算', 'no installation: counted from the invoice date');
    }
    case 'delivery':
      return {
        ...((delivery ?? invoice) ? { date: (delivery ?? invoice) as CivilDate } : {}),
        basis: {
          clause,
          explanation: t('自收到商品之日起算', 'counted from receipt of the goods'),
        },
      };
    default:
      return fromInvoice('自开具发票之日起算', 'counted from the invoice date');
  }
}

/** Builds the context: pure, every date from the input (never the clock). */
export function buildContext(
  policy: Policy,
  facts: CaseFacts,
  calendar: HolidayCalendar = BUILTIN_CALENDAR,
): CaseContext {
  const evalI = parseInstant(facts.evaluationDate);
  const warnings: Warning[] = [];
  const sink = { warnings };
  const { date: startDate, basis } = startOf(policy, facts);
  if (startDate === undefined)
    warn(
      sink,
      'no_purchase_date',
      '未提供购买日期（发票日期、交付日期或销售日期）：无法计算三包期限',
      'no purchase date (invoiceDate, deliveryDate or purchaseDate): the 三包 periods cannot be computed',
    );
  const start = startDate ?? evalI.date;
  const sale = [facts.purchaseDate, facts.invoiceDate, facts.deliveryDate].find(
    (x) => x !== undefined,
  );
  const exchangeMs = facts.exchangeDate ? parseInstant(facts.exchangeDate).ms : -Infinity;
  const cat = policy.category;
  const mainSet = policy.mainParts.names.map((n) => resolveName(cat, n));
  const latestStart = Math.max(...facts.repairs.map((r) => parseInstant(r.date).ms));
  const repairs: NormRepair[] = [];
  facts.repairs.forEach((r, index) => {
    const s = parseInstant(r.date);
    if (s.ms < exchangeMs) return; // a repair of the unit that was exchanged away
    let e = r.returnedDate ? parseInstant(r.returnedDate) : evalI;
    const open = r.returnedDate === undefined;
    if (open && s.ms < latestStart) {
      // Only the latest repair can still be open: an earlier one ended when or before the next began.
      warn(
        sink,
        'returned_date_missing',
        `${s.date}的修理未填交车日期但其后另有修理：按当日完成计`,
        `the repair of ${s.date} has no returnedDate but a later repair follows: counted as done the same day`,
      );
      e = s;
    }
    const hours = hoursBetween(s, e);
    const parts = partsOf(cat, r, mainSet, sink);
    const words = [r.failureType, r.description].filter(Boolean).join(' ');
    repairs.push({
      index,
      start: s,
      end: e,
      ongoing: open && e !== s,
      faultKey: r.faultCode || parts.component,
      component: parts.component,
      parts: parts.parts,
      isMainPart: parts.isMainPart,
      seriousSafety:
        r.isSeriousSafetyFault ??
        (art23Type(r.failureType) !== undefined || seriousSafetyWords(words).length > 0),
      quality: r.cause === 'quality',
      days: repairHoursToDays(hours),
      countedDays: repairHoursToDays(hours - (r.excludedHours ?? 0)),
      occupiedDays: r.occupiedDays ?? daysBetween(s.date, e.date),
      waitingForParts: r.waitingForPartsFromProducer ?? false,
      ...(r.delayCause ? { delayCause: r.delayCause } : {}),
      datePrecision: s.precision === 'date' || e.precision === 'date',
      ...(r.mileageKm !== undefined ? { km: r.mileageKm } : {}),
    });
  });
  if (repairs.some((r) => r.datePrecision) && policy.regime === 'CAR21')
    warn(
      sink,
      'repair_times_dates_only',
      '部分修理时间只有日期：汽车三包第四十条按小时计算修理时间，请提供具体时刻',
      'some repair times are dates only: CAR21 Art. 40 counts hours, give date-times for exact repair days',
    );
  odometerWarnings(facts, sink);
  const fault = normFault(policy, facts, repairs, mainSet, evalI.date, sink);
  const mileageNow = mileage(facts, fault, sink);
  return {
    policy,
    facts,
    calendar,
    evalDate: evalI.date,
    start,
    hasStart: startDate !== undefined,
    saleDate: sale ? parseInstant(sale).date : start,
    startBasis: basis,
    repairs,
    ...(fault ? { fault } : {}),
    ...(mileageNow !== undefined ? { mileageNow } : {}),
    warnings,
  };
}

function odometerWarnings(facts: CaseFacts, sink: Pick<CaseContext, 'warnings'>): void {
  let lastKm = -1;
  for (const r of facts.repairs) {
    if (r.mileageKm === undefined) continue;
    if (r.mileageKm < lastKm)
      warn(
        sink,
        'odometer_rollback',
        `${r.date}修理时里程倒退（${r.mileageKm}公里 < ${lastKm}公里）：可能调表`,
        `odometer went backwards at the repair of ${r.date} (${r.mileageKm} km < ${lastKm} km): possible rollback`,
      );
    lastKm = Math.max(lastKm, r.mileageKm);
  }
  if (facts.mileageKm !== undefined && lastKm > facts.mileageKm)
    warn(
      sink,
      'odometer_rollback',
      `当前里程${facts.mileageKm}公里低于修理记录里程${lastKm}公里：可能调表`,
      `facts.mileageKm ${facts.mileageKm} is below a recorded repair mileage ${lastKm}: possible odometer rollback`,
    );
}

/** The odometer now: given, else the fault's, else the highest recorded (and says which). */
function mileage(
  facts: CaseFacts,
  fault: NormFault | undefined,
  sink: Pick<CaseContext, 'warnings'>,
): number | undefined {
  if (facts.mileageKm !== undefined) return facts.mileageKm;
  const recorded = facts.repairs
    .map((r) => r.mileageKm)
    .filter((x): x is number => x !== undefined);
  const km = fault?.km ?? (recorded.length ? Math.max(...recorded) : undefined);
  if (km !== undefined)
    warn(
      sink,
      'mileage_from_records',
      `未提供当前里程：采用故障或修理记录中的${km}公里`,
      `mileageKm not given: ${km} km from the fault or the repair records is used`,
    );
  return km;
}

function normFault(
  policy: Policy,
  facts: CaseFacts,
  repairs: NormRepair[],
  mainSet: string[],
  evalDate: CivilDate,
  sink: Pick<CaseContext, 'warnings'>,
): NormFault | undefined {
  const cat = policy.category;
  const cf = facts.currentFault;
  if (!cf) {
    // A unit still in the shop is faulty now: its open repair is the current fault.
    const open = repairs.filter((r) => r.ongoing).at(-1);
    const r = open ? facts.repairs[open.index] : undefined;
    if (!open || !r) return undefined;
    const parts = partsOf(cat, r, mainSet, { warnings: [] });
    return {
      date: open.start.date,
      faultKey: open.faultKey,
      component: open.component,
      ...(parts.assembly ? { assembly: parts.assembly } : {}),
      ...(parts.system ? { system: parts.system } : {}),
      quality: open.quality,
      cause: r.cause,
      mainPartFlag: open.isMainPart,
      // The open repair replaces an assembly or one of its main parts: replacement is needed.
      requiresReplacement: replacesAssemblyOrMainPart(parts),
      ...(art23Type(r.failureType) ? { failureType: art23Type(r.failureType) } : {}),
      seriousSafety: open.seriousSafety,
      ...(open.km !== undefined ? { km: open.km } : {}),
      fromRepair: open.index,
    };
  }
  const parts = partsOf(
    cat,
    {
      ...(cf.component ? { component: cf.component } : {}),
      partsReplaced: cf.mainPart ? [cf.mainPart] : [],
      ...(cf.isMainPart !== undefined ? { isMainPart: cf.isMainPart } : {}),
    },
    mainSet,
    sink,
  );
  const mainPart = parts.parts[0];
  const words = [cf.failureType, cf.description].filter(Boolean).join(' ');
  const type = art23Type(cf.failureType);
  const km = cf.mileageKm ?? facts.mileageKm;
  return {
    date: cf.date ? parseInstant(cf.date).date : evalDate,
    faultKey: cf.faultCode || parts.component,
    component: parts.component,
    ...(mainPart ? { mainPart: mainPart.id } : {}),
    ...(parts.assembly ? { assembly: parts.assembly } : {}),
    ...(parts.system ? { system: parts.system } : {}),
    quality: cf.cause === 'quality',
    cause: cf.cause,
    mainPartFlag: parts.isMainPart,
    requiresReplacement: replacementQualifies(cf.requiresReplacement, cf.component, parts, sink),
    ...(type ? { failureType: type } : {}),
    seriousSafety:
      cf.isSeriousSafetyFault ?? (type !== undefined || seriousSafetyWords(words).length > 0),
    ...(km !== undefined ? { km } : {}),
  };
}

/** A deadline row: the period's end after extension and Civil Code Art. 203, and whether it passed at `at`. */
export function makeDeadline(
  ctx: CaseContext,
  key: string,
  clause: string,
  length: Length,
  explanation: Text,
  opts: {
    extensionDays?: number;
    limitKm?: number;
    at?: CivilDate;
    km?: number;
    from?: CivilDate;
  } = {},
): Deadline {
  const from = opts.from ?? ctx.start;
  const pe = periodEnd(from, length, opts.extensionDays ?? 0, ctx.calendar);
  const at = opts.at ?? ctx.evalDate;
  const kmOver = opts.limitKm !== undefined && opts.km !== undefined && opts.km > opts.limitKm;
  if (!pe.calendarCovered)
    warn(
      ctx,
      'calendar_not_covered',
      `${explanation.zh}：${pe.end}超出已载入的节假日安排；若为法定休假日，期限顺延（民法典第二百零三条）`,
      `${key}: ${pe.end} is beyond the holiday calendar; if it is a statutory holiday the period ends later (Civil Code Art. 203)`,
    );
  return {
    key,
    clause,
    start: from,
    nominalEnd: pe.nominalEnd,
    end: pe.end,
    extendedByDays: opts.extensionDays ?? 0,
    holidayExtended: pe.holidayExtended,
    calendarCovered: pe.calendarCovered,
    ...(opts.limitKm !== undefined ? { limitKm: opts.limitKm } : {}),
    passed: daysBetween(pe.end, at) > 0 || kmOver,
    explanation,
  };
}

/** Whether `date` falls inside a deadline (Art. 1259: "以内" includes the last day) and `km` within its limit. */
export function inside(d: Deadline, date: CivilDate, km?: number): boolean {
  return (
    daysBetween(d.start, date) >= 0 &&
    daysBetween(date, d.end) >= 0 &&
    (d.limitKm === undefined || km === undefined || km <= d.limitKm)
  );
}

export { addDays };
