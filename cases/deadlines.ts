import { addDays, addWorkingDays, parseInstant, periodEnd, restDay } from '../warranty/index.ts';
import type { Commitment, CommitmentTerm } from './commitment.ts';
import type { CaseKind, Deadline } from './model.ts';
import { t, type TextPair } from './text.ts';

/**
 * The deadlines of a case, as data with their clauses (docs/sanbao-rules.md; primary texts checked in
 * LawRefBook/Laws), and the arithmetic that dates them. Days follow warranty/calendar.ts: the
 * day the request arrives is not counted (Civil Code Art. 201), working days skip weekends and
 * statutory holidays and count 调休 make-up days (the holiday calendar), and a period in calendar
 * days whose last day is a rest day ends on the next working day (Art. 203). A deadline ends at
 * 24:00 China time of its last day. Pure: the clock and the calendar are parameters.
 */
export type Calendar = Parameters<typeof addWorkingDays>[2];
type Length = { workingDays: number } | { days: number };

interface Rule {
  clause: string;
  basis: Deadline['basis'];
  uncertain: boolean;
  length: Length;
  explanation: TextPair;
}

/** What the law sets. */
export const LAW = {
  /** [P] 家用汽车产品修理更换退货责任规定 (SAMR Order 43) 第二十八条第一款. */
  carAnswer: {
    clause: 'CAR21 Art. 28 ¶1',
    basis: 'law',
    uncertain: false,
    length: { workingDays: 10 },
    explanation: t(
      '销售者应自收到更换或者退货要求之日起10个工作日内作出答复；不符合条件的，应在答复中说明理由',
      'the seller answers a request for exchange or return within 10 working days of receiving it, and gives its reasons if the car does not qualify',
    ),
  },
  /** [P] CAR21 第二十八条第二款. */
  carFulfil: {
    clause: 'CAR21 Art. 28 ¶2',
    basis: 'law',
    uncertain: false,
    length: { workingDays: 20 },
    explanation: t(
      '符合条件的，销售者应自消费者提出要求之日起20个工作日内完成更换或者退货；20个工作日内不能完成更换的，消费者可以要求退货',
      'when the car qualifies, the seller completes the exchange or return within 20 working days of the request; an exchange not done by then may be turned into a return',
    ),
  },
  /**
   * [P] 侵害消费者权益行为处罚办法 (2015, as amended) 第八条第一款第（二）项: more than 15 days after a
   * national period ends, or after the request for goods that fail their quality, without
   * fulfilling the repair, exchange or return is deemed deliberate delay or unreasonable refusal
   * (消费者权益保护法 第五十六条第一款第（八）项).
   */
  delay15: {
    clause: '侵害消费者权益行为处罚办法 Art. 8 ¶1(2)',
    basis: 'law',
    uncertain: false,
    length: { days: 15 },
    explanation: t(
      '超过十五日仍无正当理由拒不履行修理、更换、退货义务的，视为故意拖延或者无理拒绝（消法第五十六条第一款第八项）',
      'more than 15 days without fulfilling the repair, exchange or return, with no good reason, is deemed deliberate delay or unreasonable refusal (CPL Art. 56 ¶1(8))',
    ),
  },
} satisfies Record<string, Rule>;

/** Where no rule binds the business: the platform's defaults, marked uncertain. */
export const PLATFORM = {
  complaintAnswer: {
    clause:
      'platform default (no rule binds the business; CPL Art. 46 gives administrative departments 7 working days)',
    basis: 'platform',
    uncertain: true,
    length: { workingDays: 7 },
    explanation: t(
      '投诉答复期限：法律未对经营者规定，平台参照消法第四十六条（行政部门7个工作日）设定',
      'answer to a complaint: no rule binds the business; the platform follows CPL Art. 46 (7 working days for administrative departments)',
    ),
  },
  consultationAnswer: {
    clause: 'platform default (GB/T 18760-2025 及时响应; clause text NOT FOUND)',
    basis: 'platform',
    uncertain: true,
    length: { workingDays: 2 },
    explanation: t(
      '咨询答复期限：无法定期限，平台按“及时响应”原则设定2个工作日',
      'answer to a consultation: no legal deadline; the platform sets 2 working days for a timely response',
    ),
  },
} satisfies Record<string, Rule>;

function makerRule(c: Commitment, term: CommitmentTerm, what: TextPair): Rule | undefined {
  const v = c.terms[term];
  if (!v) return undefined;
  return {
    clause: `${c.title} ${v.clause}`,
    basis: 'maker',
    uncertain: false,
    length: { workingDays: v.value },
    explanation: t(
      `${c.manufacturer}承诺：${what.zh}${v.value}个工作日（${c.title} ${v.clause}，版本 ${c.version}）`,
      `${c.manufacturer}'s commitment: ${what.en} within ${v.value} working days (${c.title} ${v.clause}, version ${c.version})`,
    ),
  };
}

/** The last day of a deadline starting (not counted) on `start`. */
function dueOf(start: string, length: Length, cal: Calendar) {
  if ('workingDays' in length) return addWorkingDays(start, length.workingDays, cal);
  const p = periodEnd(start, { days: length.days }, 0, cal);
  return { date: p.end, calendarCovered: p.calendarCovered };
}

/** 24:00 China time of a civil date, as an ISO instant. */
export const endOfDay = (date: string): string =>
  new Date(parseInstant(addDays(date, 1)).ms).toISOString();

function dated(key: Deadline['key'], r: Rule, start: string, cal: Calendar): Deadline {
  const d = dueOf(start, r.length, cal);
  return {
    key,
    clause: r.clause,
    basis: r.basis,
    uncertain: r.uncertain,
    explanation: r.explanation,
    length: r.length,
    start,
    due: d.date,
    dueAt: endOfDay(d.date),
    calendarCovered: d.calendarCovered,
    status: 'pending',
    warned: false,
  };
}

/** The earlier of the law's deadline and the maker's (the law wins a tie: it is the duty). */
function earliest(
  key: Deadline['key'],
  rules: Array<Rule | undefined>,
  start: string,
  cal: Calendar,
) {
  let best: Deadline | undefined;
  for (const r of rules) {
    if (!r) continue;
    const d = dated(key, r, start, cal);
    if (!best || d.due < best.due) best = d;
  }
  return best;
}

export interface DeadlineInput {
  kind: CaseKind;
  category: string;
  requestedRemedy?: string | undefined;
  /** When the request was received (the case's opening instant). */
  openedAt: string;
  commitment?: Commitment | undefined;
  calendar?: Calendar;
}

/**
 * The deadlines a case gets when it opens:
 * - a car owner's claim for exchange or return: answer in 10 working days, exchange or return
 *   done in 20 (CAR21 Art. 28), and 15 days after that the delay is deemed deliberate (Art. 8);
 * - any other claim: repair, exchange or return done within 15 days (Art. 8); an answer only
 *   where the maker committed to one;
 * - a complaint or a consultation: the maker's committed answer time, else the platform's.
 * A maker's commitment brings a legal deadline forward, never back.
 */
export function planDeadlines(i: DeadlineInput): Deadline[] {
  const start = parseInstant(i.openedAt).date;
  const cal = i.calendar;
  const m = i.commitment;
  const maker = (term: CommitmentTerm, what: TextPair) =>
    m ? makerRule(m, term, what) : undefined;
  const answerWhat = t('答复', 'answer');
  const out: Array<Deadline | undefined> = [];
  if (i.kind === 'claim') {
    const fulfilWhat = t('完成修理、更换或退货', 'carry out the repair, exchange or return');
    if (
      i.category === 'household_car' &&
      (i.requestedRemedy === 'exchange' || i.requestedRemedy === 'return')
    ) {
      out.push(
        earliest('answer', [LAW.carAnswer, maker('answerWorkingDays', answerWhat)], start, cal),
      );
      out.push(
        earliest('fulfil', [LAW.carFulfil, maker('fulfilWorkingDays', fulfilWhat)], start, cal),
      );
      // Art. 8 counts its 15 days from the end of the national period, not the maker's.
      out.push(dated('delay', LAW.delay15, dated('fulfil', LAW.carFulfil, start, cal).due, cal));
    } else {
      out.push(earliest('answer', [maker('answerWorkingDays', answerWhat)], start, cal));
      out.push(
        earliest('fulfil', [LAW.delay15, maker('fulfilWorkingDays', fulfilWhat)], start, cal),
      );
    }
  } else if (i.kind === 'complaint') {
    out.push(
      earliest(
        'answer',
        [maker('complaintWorkingDays', answerWhat) ?? PLATFORM.complaintAnswer],
        start,
        cal,
      ),
    );
  } else {
    out.push(
      earliest(
        'answer',
        [maker('consultationWorkingDays', answerWhat) ?? PLATFORM.consultationAnswer],
        start,
        cal,
      ),
    );
  }
  return out.filter((d): d is Deadline => d !== undefined);
}

/** The clock of a deadline at `now`: time left (negative when overdue) and working days left. */
export function clockOf(d: Deadline, now: Date, cal?: Calendar) {
  const remainingMs = Date.parse(d.dueAt) - now.getTime();
  let workingDaysLeft = 0;
  const today = parseInstant(now.toISOString()).date;
  // Working days after today up to and including the due day (a deadline is at most ~2 months).
  for (let day = addDays(today, 1); day <= d.due && workingDaysLeft < 400; day = addDays(day, 1))
    if (!restDay(day, cal).rest) workingDaysLeft++;
  return { remainingMs, overdue: remainingMs < 0, workingDaysLeft };
}

/** The moment the sweeper next has something to do for these deadlines, or null. */
export function nextDue(deadlines: readonly Deadline[]): string | null {
  let next: number | undefined;
  for (const d of deadlines) {
    if (d.status !== 'pending') continue;
    const at = Date.parse(d.dueAt) - (d.warned ? 0 : DAY_MS);
    if (next === undefined || at < next) next = at;
  }
  return next === undefined ? null : new Date(next).toISOString();
}
const DAY_MS = 86_400_000;
