import { describe, expect, it } from 'vitest';
import {
  addMonths,
  addWorkingDays,
  daysBetween,
  exceeds,
  parseInstant,
  periodEnd,
  repairHoursToDays,
  restDay,
  within,
} from './calendar.ts';

describe('calendar (民法典 Art. 201–203, 1259)', () => {
  it('[民法典 第二百零一条] the start day is not counted: 7 days from 2025-03-03 end on 2025-03-10', () => {
    expect(daysBetween('2025-03-03', '2025-03-10')).toBe(7);
    expect(periodEnd('2025-03-03', { days: 7 }).end).toBe('2025-03-10');
  });

  it('[民法典 第二百零二条] a year ends on the corresponding day; 1995-12-01 + 1 year = 1996-12-01 (P95 释义)', () => {
    expect(addMonths('1995-12-01', 12)).toBe('1996-12-01');
    expect(addMonths('2024-01-31', 1)).toBe('2024-02-29');
    expect(addMonths('2024-02-29', 12)).toBe('2025-02-28');
    expect(addMonths('2025-11-30', 3)).toBe('2026-02-28');
  });

  it('[民法典 第二百零三条] a last day on a statutory holiday moves to the next working day', () => {
    // 2025-10-01 … 10-08 national holiday: a period ending 10-03 ends 10-09.
    const pe = periodEnd('2025-09-26', { days: 7 });
    expect(pe).toMatchObject({
      nominalEnd: '2025-10-03',
      end: '2025-10-09',
      holidayExtended: true,
      calendarCovered: true,
    });
  });

  it('[民法典 第二百零三条] a weekend last day moves to Monday, a make-up Saturday does not move', () => {
    expect(periodEnd('2025-03-01', { days: 7 }).end).toBe('2025-03-10'); // Sat 03-08 → Mon 03-10
    expect(restDay('2026-02-28')).toMatchObject({ rest: false, covered: true }); // 调休上班
    expect(periodEnd('2026-02-21', { days: 7 }).end).toBe('2026-02-28');
  });

  it('a date beyond the holiday calendar is flagged, not silently treated as a working day', () => {
    const pe = periodEnd('2026-12-29', { days: 7 }); // 2027-01-05
    expect(pe.calendarCovered).toBe(false);
    expect(restDay('2027-01-01').covered).toBe(false);
  });

  it('[民法典 第一千二百五十九条] "超过" is strict and "以内" inclusive', () => {
    expect(exceeds(30, 30)).toBe(false);
    expect(exceeds(31, 30)).toBe(true);
    expect(within(3000, 3000)).toBe(true);
    expect(within(3001, 3000)).toBe(false);
  });

  it('[汽车三包 第四十条] repair time in hours: each started 24 h is one day', () => {
    expect(repairHoursToDays(24)).toBe(1);
    expect(repairHoursToDays(24.01)).toBe(2);
    expect(repairHoursToDays(3)).toBe(1);
    expect(repairHoursToDays(0)).toBe(1);
    expect(repairHoursToDays(72)).toBe(3);
  });

  it('parses dates as China time and date-times with or without an offset', () => {
    expect(parseInstant('2025-03-01').date).toBe('2025-03-01');
    expect(parseInstant('2025-03-01T20:00:00Z').date).toBe('2025-03-02'); // 04:00 in Beijing
    expect(parseInstant('2025-03-01T20:00:00').date).toBe('2025-03-01');
    expect(() => parseInstant('2025-03-01Tnonsense')).toThrow();
  });

  it('[汽车三包 第二十八条] working days skip weekends and holidays', () => {
    // Thu 2025-09-25 + 10 working days: skips 09-27, counts the make-up days 09-28 and 10-11, skips 10-01…10-08 and 10-12.
    expect(addWorkingDays('2025-09-25', 10)).toEqual({ date: '2025-10-15', calendarCovered: true });
  });
});
