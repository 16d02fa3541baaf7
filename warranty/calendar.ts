import { BUILTIN_CALENDAR, type HolidayCalendar } from './holidays.ts';

/**
 * Day counting for 三包 periods, following the Civil Code (docs/sanbao-rules.md §5, §7):
 * - Art. 201: the starting day is not counted; counting starts the next day.
 * - Art. 202: a year/month period ends on the corresponding day of its last month, or on that
 *   month's last day when there is no corresponding day.
 * - Art. 203: a last day that is a statutory rest day moves to the next working day.
 * - Art. 1259: "以内/以上/以下/届满" include the number, "超过/不满/以外" exclude it.
 * Civil dates are 'YYYY-MM-DD' strings in China time (UTC+8, no daylight saving).
 */
export type CivilDate = string;

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** China Standard Time offset: instants are turned into civil dates in Beijing time. */
const CST_OFFSET_MS = 8 * HOUR_MS;

/**
 * Both conversions are memoised: an evaluation converts the same few dozen dates thousands of
 * times (periods, rest-day checks, extensions), and the Date round trip dominated its cost
 * (bench/results/warranty.md). The caches are bounded and cleared when full.
 */
const MEMO_LIMIT = 20_000;
const dayNumbers = new Map<CivilDate, number>();
const civilDates = new Map<number, CivilDate>();

/** Days since 1970-01-01 of a civil date. */
export function dayNumber(d: CivilDate): number {
  let n = dayNumbers.get(d);
  if (n === undefined) {
    const [y, m, day] = d.split('-').map(Number) as [number, number, number];
    n = Math.floor(Date.UTC(y, m - 1, day) / DAY_MS);
    if (dayNumbers.size >= MEMO_LIMIT) dayNumbers.clear();
    dayNumbers.set(d, n);
  }
  return n;
}

/** The civil date of a day number. */
export function fromDayNumber(n: number): CivilDate {
  let d = civilDates.get(n);
  if (d === undefined) {
    d = new Date(n * DAY_MS).toISOString().slice(0, 10); // throws on NaN: never cached
    if (civilDates.size >= MEMO_LIMIT) civilDates.clear();
    civilDates.set(n, d);
  }
  return d;
}

/** `d` plus `n` calendar days. */
export function addDays(d: CivilDate, n: number): CivilDate {
  return fromDayNumber(dayNumber(d) + n);
}

/** Days from `a` to `b`, the start day not counted (Civil Code Art. 201): 03-01 → 03-08 is 7. */
export function daysBetween(a: CivilDate, b: CivilDate): number {
  return dayNumber(b) - dayNumber(a);
}

/** `d` plus `n` months, ending on the corresponding day or the month's last day (Art. 202). */
export function addMonths(d: CivilDate, n: number): CivilDate {
  const [y, m, day] = d.split('-').map(Number) as [number, number, number];
  const total = y * 12 + (m - 1) + n;
  const ty = Math.floor(total / 12);
  const tm = total - ty * 12;
  const lastDay = new Date(Date.UTC(ty, tm + 1, 0)).getUTCDate();
  return fromDayNumber(Math.floor(Date.UTC(ty, tm, Math.min(day, lastDay)) / DAY_MS));
}

/** A parsed date or date-time: its instant (ms) and its civil date in China time. */
export interface Instant {
  ms: number;
  date: CivilDate;
  /** 'date' when only a day was given: hour-based counts are then approximate. */
  precision: 'date' | 'datetime';
}

const instants = new Map<string, Readonly<Instant>>();

/**
 * Parses 'YYYY-MM-DD' (midnight China time) or an ISO date-time (offset-less = China time).
 * Memoised like the day numbers (validation and the engine parse each date many times); the
 * result is frozen because it is shared.
 */
export function parseInstant(s: string): Readonly<Instant> {
  let i = instants.get(s);
  if (i === undefined) {
    i = Object.freeze(parseInstantUncached(s)); // a bad input throws and is not cached
    if (instants.size >= MEMO_LIMIT) instants.clear();
    instants.set(s, i);
  }
  return i;
}

function parseInstantUncached(s: string): Instant {
  if (/^\d{4}-\d{2}-\d{2}$/.test(s))
    return { ms: dayNumber(s) * DAY_MS - CST_OFFSET_MS, date: s, precision: 'date' };
  const hasOffset = /(Z|[+-]\d{2}:?\d{2})$/i.test(s);
  const ms = hasOffset ? Date.parse(s) : Date.parse(`${s}Z`) - CST_OFFSET_MS;
  if (Number.isNaN(ms)) throw new RangeError(`not a date or date-time: ${s}`);
  return {
    ms,
    date: fromDayNumber(Math.floor((ms + CST_OFFSET_MS) / DAY_MS)),
    precision: 'datetime',
  };
}

/** Whether `s` is a real calendar date or date-time (rejects 2025-02-30). */
export function isValidDateOrDateTime(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(s);
  if (!m) return false;
  const d = `${m[1]}-${m[2]}-${m[3]}`;
  if (fromDayNumber(dayNumber(d)) !== d) return false;
  try {
    parseInstant(s);
    return true;
  } catch {
    return false;
  }
}

/** Hours between two instants (negative when `to` is earlier). */
export function hoursBetween(from: Instant, to: Instant): number {
  return (to.ms - from.ms) / HOUR_MS;
}

/** Rest-day status of a civil date. `covered: false` = the holiday data does not reach it. */
export function restDay(
  d: CivilDate,
  cal: HolidayCalendar = BUILTIN_CALENDAR,
): { rest: boolean; covered: boolean; name?: string } {
  const covered = cal.covers.some((c) => d >= c.from && d <= c.to);
  const h = cal.holidays.find((x) => d >= x.from && d <= x.to);
  if (h) return { rest: true, covered: true, name: h.name };
  if (cal.workdays.includes(d)) return { rest: false, covered: true };
  const dow = new Date(dayNumber(d) * DAY_MS).getUTCDay();
  const weekend = cal.weekendsAreRestDays && (dow === 0 || dow === 6);
  return weekend ? { rest: true, covered, name: '周末' } : { rest: false, covered };
}

/** The end of a period after the rest-day rule, and whether the holiday data could vouch for it. */
export interface PeriodEnd {
  /** Last day before Art. 203 (start + length + extension days). */
  nominalEnd: CivilDate;
  /** Last day the period includes (the period ends at 24:00 of this day). */
  end: CivilDate;
  holidayExtended: boolean;
  /** False when a day examined lies outside the holiday data: `end` may really be later. */
  calendarCovered: boolean;
}

/** Applies Civil Code Art. 203 to a nominal last day. */
export function applyRestDayRule(
  nominalEnd: CivilDate,
  cal: HolidayCalendar = BUILTIN_CALENDAR,
): PeriodEnd {
  let end = nominalEnd;
  let covered = true;
  for (let i = 0; i < 40; i++) {
    const r = restDay(end, cal);
    covered &&= r.covered;
    if (!r.rest) break;
    end = addDays(end, 1);
  }
  return { nominalEnd, end, holidayExtended: end !== nominalEnd, calendarCovered: covered };
}

/** Length of a period: days or months (years = 12 months). */
export type Length = { days: number } | { months: number };

/**
 * Last day of a period starting (not counted) on `start`, lengthened by `extensionDays`
 * (P95 Art. 8: repair and parts-waiting days), then moved off a rest day (Art. 203).
 */
export function periodEnd(
  start: CivilDate,
  length: Length,
  extensionDays = 0,
  cal: HolidayCalendar = BUILTIN_CALENDAR,
): PeriodEnd {
  const base = 'days' in length ? addDays(start, length.days) : addMonths(start, length.months);
  return applyRestDayRule(addDays(base, extensionDays), cal);
}

/** `n` working days after `d` (CAR21 Art. 28 deadlines), skipping rest days. */
export function addWorkingDays(
  d: CivilDate,
  n: number,
  cal: HolidayCalendar = BUILTIN_CALENDAR,
): { date: CivilDate; calendarCovered: boolean } {
  let date = d;
  let covered = true;
  for (let left = n; left > 0;) {
    date = addDays(date, 1);
    const r = restDay(date, cal);
    covered &&= r.covered;
    if (!r.rest) left--;
  }
  return { date, calendarCovered: covered };
}

/** "超过 N" (Art. 1259 excludes N): strictly more. */
export const exceeds = (value: number, limit: number): boolean => value > limit;
/** "N 以内" (Art. 1259 includes N): up to and including. */
export const within = (value: number, limit: number): boolean => value <= limit;

/**
 * CAR21 Art. 40: a single repair time is counted in hours; every full 24 h is one day and a
 * remainder under 24 h counts as one more day. A repair of zero recorded length still took place
 * on some day, so it counts as 1.
 */
export function repairHoursToDays(hours: number): number {
  return Math.max(1, Math.ceil(Math.max(0, hours) / 24 - 1e-9));
}
