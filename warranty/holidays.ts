/**
 * PRC statutory holidays (法定节假日) and make-up working days (调休上班), as data.
 *
 * Civil Code Art. 203 moves the last day of a period that falls on a statutory rest day to the
 * next working day, so day counting needs this calendar. It must be maintained every year when
 * the State Council's General Office publishes its notice (usually in November): a date after
 * `coversTo` is reported as "calendar not covered", never silently treated as a working day.
 *
 * Weekends: in Chinese judicial practice 法定休假日 includes Saturdays and Sundays unless they are
 * make-up working days. That reading is configurable (`weekendsAreRestDays`).
 */
export interface HolidayCalendar {
  /** First and last civil dates (inclusive) for which the data below is complete. */
  readonly coversFrom: string;
  readonly coversTo: string;
  readonly weekendsAreRestDays: boolean;
  readonly holidays: readonly { name: string; from: string; to: string; source: string }[];
  /** Weekend days that are working days (调休上班). */
  readonly workdays: readonly string[];
}

const GOV_2024 = '国务院办公厅关于2024年部分节假日安排的通知 (2023-10-25)';
const GOV_2025 = '国务院办公厅关于2025年部分节假日安排的通知 (2024-11-12)';
const GOV_2026 = '国务院办公厅关于2026年部分节假日安排的通知 (2025-11-04, 新华社)';

/** The built-in calendar, 2024-01-01 … 2026-12-31. Data to be maintained yearly. */
export const PRC_HOLIDAYS: HolidayCalendar = {
  coversFrom: '2024-01-01',
  coversTo: '2026-12-31',
  weekendsAreRestDays: true,
  holidays: [
    { name: '元旦', from: '2023-12-30', to: '2024-01-01', source: GOV_2024 },
    { name: '春节', from: '2024-02-10', to: '2024-02-17', source: GOV_2024 },
    { name: '清明节', from: '2024-04-04', to: '2024-04-06', source: GOV_2024 },
    { name: '劳动节', from: '2024-05-01', to: '2024-05-05', source: GOV_2024 },
    { name: '端午节', from: '2024-06-08', to: '2024-06-10', source: GOV_2024 },
    { name: '中秋节', from: '2024-09-15', to: '2024-09-17', source: GOV_2024 },
    { name: '国庆节', from: '2024-10-01', to: '2024-10-07', source: GOV_2024 },
    { name: '元旦', from: '2025-01-01', to: '2025-01-01', source: GOV_2025 },
    { name: '春节', from: '2025-01-28', to: '2025-02-04', source: GOV_2025 },
    { name: '清明节', from: '2025-04-04', to: '2025-04-06', source: GOV_2025 },
    { name: '劳动节', from: '2025-05-01', to: '2025-05-05', source: GOV_2025 },
    { name: '端午节', from: '2025-05-31', to: '2025-06-02', source: GOV_2025 },
    { name: '国庆节、中秋节', from: '2025-10-01', to: '2025-10-08', source: GOV_2025 },
    { name: '元旦', from: '2026-01-01', to: '2026-01-03', source: GOV_2026 },
    { name: '春节', from: '2026-02-15', to: '2026-02-23', source: GOV_2026 },
    { name: '清明节', from: '2026-04-04', to: '2026-04-06', source: GOV_2026 },
    { name: '劳动节', from: '2026-05-01', to: '2026-05-05', source: GOV_2026 },
    { name: '端午节', from: '2026-06-19', to: '2026-06-21', source: GOV_2026 },
    { name: '中秋节', from: '2026-09-25', to: '2026-09-27', source: GOV_2026 },
    { name: '国庆节', from: '2026-10-01', to: '2026-10-07', source: GOV_2026 },
  ],
  workdays: [
    '2024-02-04',
    '2024-02-18',
    '2024-04-07',
    '2024-04-28',
    '2024-05-11',
    '2024-09-14',
    '2024-09-29',
    '2024-10-12',
    '2025-01-26',
    '2025-02-08',
    '2025-04-27',
    '2025-09-28',
    '2025-10-11',
    '2026-01-04',
    '2026-02-14',
    '2026-02-28',
    '2026-05-09',
    '2026-09-20',
    '2026-10-10',
  ],
};
