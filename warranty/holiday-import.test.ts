import { describe, expect, it } from 'vitest';
import { parseCalendarFile } from './holiday-import.ts';
import { BUILTIN_YEARS } from './holidays.ts';

const NOTICE_2026 = `国务院办公厅关于2026年部分节假日安排的通知
经国务院批准，现将2026年元旦、春节、清明节、劳动节、端午节、中秋节和国庆节放假调休日期的具体安排通知如下。
一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。
二、春节：2月15日（农历腊月二十八、周日）至23日（农历正月初七、周一）放假调休，共9天。2月14日（周六）、2月28日（周六）上班。
三、清明节：4月4日（周六）至6日（周一）放假，共3天。
四、劳动节：5月1日（周五）至5日（周二）放假调休，共5天。5月9日（周六）上班。
五、端午节：6月19日（周五）至21日（周日）放假，共3天。
六、中秋节：9月25日（周五）至27日（周日）放假，共3天。
七、国庆节：10月1日（周四）至7日（周三）放假调休，共7天。9月20日（周日）、10月10日（周六）上班。`;

/** The 2025 notice pasted as one paragraph, with a month change inside a range. */
const NOTICE_2025 =
  '国务院办公厅关于2025年部分节假日安排的通知 一、元旦：1月1日（周三）放假1天，不调休。二、春节：1月28日（农历除夕、周二）至2月4日（农历正月初七、周二）放假调休，共8天。1月26日（周日）、2月8日（周六）上班。三、清明节：4月4日（周五）至6日（周日）放假，共3天。四、劳动节：5月1日（周四）至5日（周一）放假调休，共5天。4月27日（周日）上班。五、端午节：5月31日（周六）至6月2日（周一）放假，共3天。六、国庆节、中秋节：10月1日（周三）至8日（周三）放假调休，共8天。9月28日（周日）、10月11日（周六）上班。';

const builtin = (y: number) => BUILTIN_YEARS.find((c) => c.year === y);

describe('holiday calendar files (issue 20, class 4)', () => {
  it('[民法典 第二百零三条] reads the State Council notice’s own text: 2025 and 2026 equal the shipped data', () => {
    for (const [text, year] of [
      [NOTICE_2026, 2026],
      [NOTICE_2025, 2025],
    ] as const) {
      const r = parseCalendarFile(text);
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      expect(r.years[0]?.year).toBe(year);
      expect(r.years[0]?.holidays.map((h) => [h.from, h.to])).toEqual(
        builtin(year)?.holidays.map((h) => [h.from, h.to]),
      );
      expect(r.years[0]?.workdays).toEqual(builtin(year)?.workdays);
      expect(r.years[0]?.source).toBe(`国务院办公厅关于${year}年部分节假日安排的通知`);
    }
  });

  it('reads a range across the year end and a year given by the caller', () => {
    const r = parseCalendarFile('一、元旦：2022年12月31日至2023年1月2日放假调休，共3天。', {
      year: 2023,
    });
    expect(r).toMatchObject({
      ok: true,
      years: [{ year: 2023, holidays: [{ name: '元旦', from: '2022-12-31', to: '2023-01-02' }] }],
    });
    expect(parseCalendarFile('一、元旦：1月1日至3日放假调休，共3天。')).toMatchObject({
      ok: false,
      errors: [{ line: 1, message: expect.stringMatching(/year/) }],
    });
  });

  it('refuses a notice whose 共N天, 周X or 上班 day contradicts its dates, naming the line', () => {
    const r = parseCalendarFile(
      '关于2026年部分节假日安排的通知\n一、元旦：1月1日至3日放假调休，共4天。1月5日（周日）上班。\n二、春节：2月16日（周一）上班。',
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toEqual([
      { line: 2, field: '元旦', message: '"共4天" but 2026-01-01 to 2026-01-03 is 3 days' },
      { line: 2, field: '元旦', message: '2026-01-05 is not a 周日' },
      { line: 3, field: '春节', message: 'no "放假" sentence' },
    ]);
  });

  it('CSV: year,kind,name,from,to; bad rows are reported by line and field', () => {
    const ok = parseCalendarFile(
      'year,kind,name,from,to\n2027,holiday,测试节,2027-03-01,2027-03-03\n2027,workday,,2027-03-06,\n',
    );
    expect(ok).toMatchObject({
      ok: true,
      years: [{ year: 2027, holidays: [{ from: '2027-03-01' }], workdays: ['2027-03-06'] }],
    });
    const bad = parseCalendarFile(
      'year,kind,name,from,to\n2027,holiday,测试节,2027-02-30,\n2027,party,x,2027-03-01,\n',
    );
    expect(bad).toEqual({
      ok: false,
      errors: [
        { line: 2, field: 'from', message: 'not a date (YYYY-MM-DD): 2027-02-30' },
        { line: 3, field: 'kind', message: 'kind must be holiday or workday, got "party"' },
      ],
    });
  });

  it('JSON: fields are checked; a weekday make-up day and a day both off and on are refused', () => {
    expect(parseCalendarFile('{"year": 2027, "holidays": []}')).toMatchObject({
      ok: false,
      errors: [{ field: 'holidays' }],
    });
    const r = parseCalendarFile(
      JSON.stringify({
        year: 2027,
        holidays: [{ name: '测试节', from: '2027-03-01', to: '2027-03-06' }],
        workdays: ['2027-03-03', '2027-03-06'],
      }),
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => e.message)).toEqual([
      '2027: 2027-03-03 is a weekday: a make-up working day (调休上班) is a Saturday or Sunday',
      '2027: 2027-03-03 is both a holiday and a working day',
      '2027: 2027-03-06 is both a holiday and a working day',
    ]);
  });
});
