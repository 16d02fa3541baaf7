import {
  daysBetween,
  hoursBetween,
  parseInstant,
  periodEnd,
  repairHoursToDays,
  type CivilDate,
  type Instant,
  type Length,
} from './calendar.ts';
import type { Deadline, Note, Text } from './evaluation-schema.ts';
import type { Policy } from './policy-schema.ts';
import type { CaseFacts, CurrentFault } from './schemas.ts';

/**
 * Normalised facts of one case: instants instead of strings, repairs of the current unit only,
 * per-repair day counts (CAR21 Art. 40) and occupied days (P95 Art. 8). Pure.
 */
export interface NormRepair {
  index: number;
  start: Instant;
  end: Instant;
  ongoing: boolean;
  /** "The same quality problem": the fault code, else the component. */
  faultKey: string;
  component: string;
  parts: string[];
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
}

export interface NormFault extends Omit<CurrentFault, 'date' | 'description'> {
  date: CivilDate;
  faultKey: string;
  quality: boolean;
  mainPartFlag: boolean;
  km?: number;
}

export interface CaseContext {
  policy: Policy;
  facts: CaseFacts;
  evalDate: CivilDate;
  start: CivilDate;
  startBasis: Note;
  repairs: NormRepair[];
  fault?: NormFault;
  mileageNow?: number;
  warnings: string[];
}

export const t = (zh: string, en: string): Text => ({ zh, en });

const ZH: Record<string, string> = {
  engine: '发动机',
  transmission: '变速器',
  power_battery: '动力蓄电池',
  drive_motor: '行驶驱动电机',
  steering_system: '转向系统',
  brake_system: '制动系统',
  suspension: '悬架系统',
  drivetrain: '传动系统',
  emission_control: '污染控制装置',
  body: '车身',
  compressor: '压缩机',
  host: '主机',
  battery: '电池',
  charger: '充电器',
  headset: '耳机',
  display_panel: '显示屏',
  backlight: '背光组件',
  motherboard: '主板',
};
/** Chinese name of a component for explanations (the snake_case id when unknown). */
export const zhName = (component: string): string => ZH[component] ?? component;

/** Main-part membership: the explicit flag wins, else the policy's list (P95 catalogue / 三包凭证). */
export function isMainPart(
  policy: Policy,
  flag: boolean | undefined,
  ...names: (string | undefined)[]
): boolean {
  return flag ?? names.some((n) => n !== undefined && policy.mainParts.names.includes(n));
}

function startOf(policy: Policy, f: CaseFacts): { date: CivilDate; basis: Note } {
  const d = (s: string | undefined) => (s === undefined ? undefined : parseInstant(s).date);
  const invoice = d(f.invoiceDate) as CivilDate;
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
        : {
            date: invoice,
            basis: {
              clause,
              explanation: t('自开具购车发票之日起算', 'counted from the invoice date'),
            },
          };
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
        : {
            date: invoice,
            basis: {
              clause,
              explanation: t(
                '无需安装，自开票之日起算',
                'no installation: counted from the invoice date',
              ),
            },
          };
    }
    case 'delivery':
      return {
        date: delivery ?? invoice,
        basis: {
          clause,
          explanation: t('自收到商品之日起算', 'counted from receipt of the goods'),
        },
      };
    default:
      return {
        date: invoice,
        basis: { clause, explanation: t('自开具发票之日起算', 'counted from the invoice date') },
      };
  }
}

/** Builds the context: pure, every date from the input (never the clock). */
export function buildContext(policy: Policy, facts: CaseFacts): CaseContext {
  const evalI = parseInstant(facts.evaluationDate);
  const warnings: string[] = [];
  const { date: start, basis } = startOf(policy, facts);
  const exchangeMs = facts.exchangeDate ? parseInstant(facts.exchangeDate).ms : -Infinity;
  const repairs: NormRepair[] = [];
  facts.repairs.forEach((r, index) => {
    const s = parseInstant(r.date);
    if (s.ms < exchangeMs) return; // a repair of the unit that was exchanged away
    const e = r.returnedDate ? parseInstant(r.returnedDate) : evalI;
    const hours = hoursBetween(s, e);
    const datePrecision = s.precision === 'date' || e.precision === 'date';
    repairs.push({
      index,
      start: s,
      end: e,
      ongoing: r.returnedDate === undefined,
      faultKey: r.faultCode || r.component,
      component: r.component,
      parts: r.partsReplaced.map((p) => (typeof p === 'string' ? p : p.name)),
      isMainPart: isMainPart(
        policy,
        r.isMainPart,
        ...r.partsReplaced.map((p) => (typeof p === 'string' ? p : p.name)),
      ),
      seriousSafety: r.isSeriousSafetyFault ?? false,
      quality: r.cause === 'quality',
      days: repairHoursToDays(hours),
      countedDays: repairHoursToDays(hours - (r.excludedHours ?? 0)),
      occupiedDays: r.occupiedDays ?? daysBetween(s.date, e.date),
      waitingForParts: r.waitingForPartsFromProducer ?? false,
      ...(r.delayCause ? { delayCause: r.delayCause } : {}),
      datePrecision,
    });
  });
  if (repairs.some((r) => r.datePrecision) && policy.regime === 'CAR21')
    warnings.push(
      'some repair times are dates only: CAR21 Art. 40 counts hours, give date-times for exact repair days',
    );
  let lastKm = -1;
  for (const r of facts.repairs) {
    if (r.mileageKm === undefined) continue;
    if (r.mileageKm < lastKm)
      warnings.push(
        `odometer went backwards at the repair of ${r.date} (${r.mileageKm} km < ${lastKm} km): possible rollback`,
      );
    lastKm = Math.max(lastKm, r.mileageKm);
  }
  if (facts.mileageKm !== undefined && lastKm > facts.mileageKm)
    warnings.push(
      `facts.mileageKm ${facts.mileageKm} is below a recorded repair mileage ${lastKm}: possible odometer rollback`,
    );
  const cf = facts.currentFault;
  const fault: NormFault | undefined = cf && {
    ...cf,
    date: parseInstant(cf.date).date,
    faultKey: cf.faultCode || cf.component,
    quality: cf.cause === 'quality',
    mainPartFlag: isMainPart(policy, cf.isMainPart, cf.mainPart, cf.component),
    ...((cf.mileageKm ?? facts.mileageKm) !== undefined
      ? { km: (cf.mileageKm ?? facts.mileageKm) as number }
      : {}),
  };
  return {
    policy,
    facts,
    evalDate: evalI.date,
    start,
    startBasis: basis,
    repairs,
    ...(fault ? { fault } : {}),
    ...(facts.mileageKm !== undefined ? { mileageNow: facts.mileageKm } : {}),
    warnings,
  };
}

/** A deadline row: the period's end after extension and Civil Code Art. 203, and whether it passed at `at`. */
export function makeDeadline(
  ctx: CaseContext,
  key: string,
  clause: string,
  length: Length,
  explanation: Text,
  opts: { extensionDays?: number; limitKm?: number; at?: CivilDate; km?: number } = {},
): Deadline {
  const pe = periodEnd(ctx.start, length, opts.extensionDays ?? 0);
  const at = opts.at ?? ctx.evalDate;
  const kmOver = opts.limitKm !== undefined && opts.km !== undefined && opts.km > opts.limitKm;
  if (!pe.calendarCovered)
    ctx.warnings.push(
      `${key}: ${pe.end} is beyond the holiday calendar; if it is a statutory holiday the period ends later (Civil Code Art. 203)`,
    );
  return {
    key,
    clause,
    start: ctx.start,
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
    daysBetween(date, d.end) >= 0 &&
    (d.limitKm === undefined || km === undefined || km <= d.limitKm)
  );
}
