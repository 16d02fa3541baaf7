/**
 * PRC statutory holidays (法定节假日) and make-up working days (调休上班), as data.
 *
 * Civil Code Art. 203 moves the last day of a period that falls on a statutory rest day to the
 * next working day, so day counting needs this calendar. It must be maintained every year when
 * the State Council's General Office publishes its notice (usually in November): an admin loads
 * it (holiday-calendars.ts). A date in no loaded year is reported as "calendar not covered",
 * never silently treated as a working day; weekends are still rest days there.
 *
 * Weekends: in Chinese judicial practice 法定休假日 includes Saturdays and Sundays unless they are
 * make-up working days. That reading is configurable (`weekendsAreRestDays`).
 */
export interface HolidayCalendar {
  /** Inclusive date ranges for which the data below is complete (one per loaded year). */
  readonly covers: readonly { readonly from: string; readonly to: string }[];
  readonly weekendsAreRestDays: boolean;
  readonly holidays: readonly { name: string; from: string; to: string; source: string }[];
  /** Weekend days that are working days (调休上班). */
  readonly workdays: readonly string[];
}

/**
 * One year's arrangement, as one State Council notice gives it. Its holidays may start in the
 * year before (元旦 2024 began on 2023-12-30); it covers its own year, 1 January to 31 December.
 */
export interface YearCalendar {
  readonly year: number;
  readonly source: string;
  readonly holidays: readonly { name: string; from: string; to: string }[];
  readonly workdays: readonly string[];
}

/** The calendar of several years; a later entry for the same year replaces an earlier one. */
export function composeCalendar(years: readonly YearCalendar[]): HolidayCalendar {
  const byYear = new Map<number, YearCalendar>();
  for (const y of years) byYear.set(y.year, y);
  const all = [...byYear.values()].sort((a, b) => a.year - b.year);
  return {
    covers: all.map((y) => ({ from: `${y.year}-01-01`, to: `${y.year}-12-31` })),
    weekendsAreRestDays: true,
    holidays: all.flatMap((y) => y.holidays.map((h) => ({ ...h, source: y.source }))),
    workdays: all.flatMap((y) => y.workdays),
  };
}

const GOV_2024 = '国务院办公厅关于2024年部分节假日安排的通知 (2023-10-25)';
const GOV_2025 = '国务院办公厅关于2025年部分节假日安排的通知 (2024-11-12)';
const GOV_2026 = '国务院办公厅关于2026年部分节假日安排的通知 (2025-11-04, 新华社)';

const year = (
  y: number,
  source: string,
  holidays: Array<[string, string, string]>,
  workdays: string[],
): YearCalendar => ({
  year: y,
  source,
  holidays: holidays.map(([name, from, to]) => ({ name, from, to })),
  workdays,
});

/**
 * The calendar shipped with the code, 2024–2026, from the State Council notices. Later years are
 * data an admin loads (holiday-calendars.ts, `sanbao warranty holidays import`); nothing beyond
 * a published notice is shipped.
 */
export const BUILTIN_YEARS: readonly YearCalendar[] = [
  year(
    2024,
    GOV_2024,
    [
      ['元旦', '2023-12-30', '2024-01-01'],
      ['春节', '2024-02-10', '2024-02-17'],
      ['清明节', '2024-04-04', '2024-04-06'],
      ['劳动节', '2024-05-01', '2024-05-05'],
      ['端午节', '2024-06-08', '2024-06-10'],
      ['中秋节', '2024-09-15', '2024-09-17'],
      ['国庆节', '2024-10-01', '2024-10-07'],
    ],
    [
      '2024-02-04',
      '2024-02-18',
      '2024-04-07',
      '2024-04-28',
      '2024-05-11',
      '2024-09-14',
      '2024-09-29',
      '2024-10-12',
    ],
  ),
  year(
    2025,
    GOV_2025,
    [
      ['元旦', '2025-01-01', '2025-01-01'],
      ['春节', '2025-01-28', '2025-02-04'],
      ['清明节', '2025-04-04', '2025-04-06'],
      ['劳动节', '2025-05-01', '2025-05-05'],
      ['端午节', '2025-05-31', '2025-06-02'],
      ['国庆节、中秋节', '2025-10-01', '2025-10-08'],
    ],
    ['2025-01-26', '2025-02-08', '2025-04-27', '2025-09-28', '2025-10-11'],
  ),
  year(
    2026,
    GOV_2026,
    [
      ['元旦', '2026-01-01', '2026-01-03'],
      ['春节', '2026-02-15', '2026-02-23'],
      ['清明节', '2026-04-04', '2026-04-06'],
      ['劳动节', '2026-05-01', '2026-05-05'],
      ['端午节', '2026-06-19', '2026-06-21'],
      ['中秋节', '2026-09-25', '2026-09-27'],
      ['国庆节', '2026-10-01', '2026-10-07'],
    ],
    ['2026-01-04', '2026-02-14', '2026-02-28', '2026-05-09', '2026-09-20', '2026-10-10'],
  ),
];

/** The built-in calendar, 2024-01-01 … 2026-12-31: what evaluations use when nothing is loaded. */
export const BUILTIN_CALENDAR: HolidayCalendar = composeCalendar(BUILTIN_YEARS);
/** @deprecated name kept for callers: the built-in calendar. */
export const PRC_HOLIDAYS = BUILTIN_CALENDAR;
