import { z } from 'zod';
import { addDays, dayNumber, daysBetween, fromDayNumber } from './calendar.ts';
import type { YearCalendar } from './holidays.ts';

/**
 * Reads a year's holiday arrangement from a file an admin loads (issue 20, class 4), in three
 * formats, and validates it: real dates, ranges in order, make-up working days on weekends, no
 * day both a holiday and a working day, "共N天" equal to the range, "（周六）" equal to the date.
 *
 * - `json`: `{ "year": 2027, "source"?: "…", "holidays": [{ "name", "from", "to"? }], "workdays": [] }`,
 *   or an array of those;
 * - `csv`: a header `year,kind,name,from,to`, then one row per holiday (kind `holiday` / 放假) or
 *   make-up working day (kind `workday` / 上班; `to` empty);
 * - `notice`: the State Council notice's own text, e.g.
 *   "一、元旦：1月1日至3日放假调休，共3天。1月4日（周日）上班。" — the year from the title
 *   ("关于2027年部分节假日安排的通知") or the caller.
 * Errors name the line (CSV, notice) or the field (JSON). Pure: no I/O.
 */
export type CalendarFormat = 'json' | 'csv' | 'notice';

export interface ImportProblem {
  line?: number;
  field?: string;
  message: string;
}

export type ImportResult =
  { ok: true; years: YearCalendar[] } | { ok: false; errors: ImportProblem[] };

const DATE = z.iso.date();
const Holiday = z.object({
  name: z.string().min(1).max(40),
  from: DATE,
  to: DATE.optional(),
});
const YearJson = z.object({
  year: z.number().int().min(2000).max(2100),
  source: z.string().max(200).optional(),
  holidays: z.array(Holiday).min(1).max(20),
  workdays: z.array(DATE).max(20).default([]),
});
export const CalendarJsonSchema = z.union([YearJson, z.array(YearJson).min(1).max(20)]).meta({
  id: 'WarrantyHolidayCalendarFile',
});

/** Guesses the format from a file name or the text itself. */
export function detectFormat(text: string, fileName?: string): CalendarFormat {
  const ext = fileName ? /\.([a-z]+)$/i.exec(fileName)?.[1]?.toLowerCase() : undefined;
  if (ext === 'json') return 'json';
  if (ext === 'csv') return 'csv';
  const head = text.trimStart();
  if (head.startsWith('{') || head.startsWith('[')) return 'json';
  if (/^\s*year\s*,\s*kind\s*,/i.test(head)) return 'csv';
  return 'notice';
}

/** Parses and validates a calendar file. */
export function parseCalendarFile(
  text: string,
  opts: { format?: CalendarFormat; year?: number; fileName?: string } = {},
): ImportResult {
  const format = opts.format ?? detectFormat(text, opts.fileName);
  const source = opts.fileName ?? 'imported calendar';
  if (format === 'json') return fromJson(text, source);
  if (format === 'csv') return fromCsv(text, source);
  return fromNotice(text, opts.year, source);
}

function fromJson(text: string, source: string): ImportResult {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return { ok: false, errors: [{ message: `not valid JSON: ${(err as Error).message}` }] };
  }
  const r = CalendarJsonSchema.safeParse(raw);
  if (!r.success)
    return {
      ok: false,
      errors: r.error.issues.map((i) => ({
        field: i.path.join('.') || '(root)',
        message: i.message,
      })),
    };
  const list = Array.isArray(r.data) ? r.data : [r.data];
  const years = list.map((y) => ({
    year: y.year,
    source: y.source ?? source,
    holidays: y.holidays.map((h) => ({ name: h.name, from: h.from, to: h.to ?? h.from })),
    workdays: y.workdays,
  }));
  return check(years, (i) => ({ field: `[${i}]` }));
}

function fromCsv(text: string, source: string): ImportResult {
  const lines = text.split(/\r?\n/);
  const errors: ImportProblem[] = [];
  const header = (lines[0] ?? '').split(',').map((c) => c.trim().toLowerCase());
  if (header.join(',') !== 'year,kind,name,from,to')
    return {
      ok: false,
      errors: [{ line: 1, message: 'the header must be year,kind,name,from,to' }],
    };
  const byYear = new Map<
    number,
    { holidays: YearCalendar['holidays'][number][]; workdays: string[]; line: number }
  >();
  lines.slice(1).forEach((l, i) => {
    const line = i + 2;
    if (l.trim() === '' || l.trimStart().startsWith('#')) return;
    const [year, kind, name, from, to, ...rest] = l.split(',').map((c) => c.trim());
    const bad = (field: string, message: string) => errors.push({ line, field, message });
    if (rest.length) return bad('(row)', `expected 5 columns, got ${5 + rest.length}`);
    const y = Number(year);
    if (!Number.isInteger(y) || y < 2000 || y > 2100) return bad('year', `not a year: ${year}`);
    if (!from || !DATE.safeParse(from).success)
      return bad('from', `not a date (YYYY-MM-DD): ${from}`);
    if (to && !DATE.safeParse(to).success) return bad('to', `not a date (YYYY-MM-DD): ${to}`);
    const entry = byYear.get(y) ?? { holidays: [], workdays: [], line };
    byYear.set(y, entry);
    if (kind === 'holiday' || kind === '放假') {
      if (!name) return bad('name', 'a holiday needs a name');
      entry.holidays.push({ name, from, to: to || from });
    } else if (kind === 'workday' || kind === '上班') {
      if (to && to !== from) return bad('to', 'a make-up working day is one day: leave "to" empty');
      entry.workdays.push(from);
    } else bad('kind', `kind must be holiday or workday, got ${JSON.stringify(kind)}`);
  });
  if (errors.length) return { ok: false, errors };
  if (byYear.size === 0) return { ok: false, errors: [{ line: 2, message: 'no rows' }] };
  const years = [...byYear.entries()].map(([year, e]) => ({
    year,
    source,
    holidays: e.holidays,
    workdays: e.workdays,
  }));
  const firstLine = [...byYear.values()].map((e) => e.line);
  return check(years, (i) => ({ line: firstLine[i] ?? 2 }));
}

const NUMERAL = '一二三四五六七八九十';
const ITEM = new RegExp(`^\\s*[${NUMERAL}]+、\\s*([^：:]+)[：:]\\s*(.+)$`);
const DAY = /(?:(\d{4})年)?(\d{1,2})月(\d{1,2})日(?:（([^）]*)）|\(([^)]*)\))?/g;
const WEEKDAY: Record<string, number> = { 日: 0, 天: 0, 一: 1, 二: 2, 三: 3, 四: 4, 五: 5, 六: 6 };
const pad = (n: number) => String(n).padStart(2, '0');
const weekday = (d: string) => new Date(dayNumber(d) * 86_400_000).getUTCDay();

/** The 周X a parenthesis states, if any, against the date's real weekday. */
function weekdayProblem(date: string, paren: string | undefined): string | undefined {
  const m = paren ? /周([一二三四五六日天])/.exec(paren) : null;
  if (!m?.[1]) return undefined;
  const stated = WEEKDAY[m[1]];
  return stated === weekday(date) ? undefined : `${date} is not a 周${m[1]}`;
}

function fromNotice(text: string, givenYear: number | undefined, source: string): ImportResult {
  const titleYear =
    /(\d{4})年(?:部分)?节假日安排/.exec(text)?.[1] ?? /现将(\d{4})年/.exec(text)?.[1];
  const year = givenYear ?? (titleYear ? Number(titleYear) : undefined);
  if (year === undefined)
    return {
      ok: false,
      errors: [
        {
          line: 1,
          message:
            'the notice does not name its year ("关于2027年部分节假日安排的通知"): give the year',
        },
      ],
    };
  const title = /国务院办公厅关于\d{4}年部分节假日安排的通知/.exec(text)?.[0];
  // One item per line, even when the text was pasted as one paragraph.
  const lines = text
    .replace(new RegExp(`([。；;]|[^\\S\\n])\\s*(?=[${NUMERAL}]+、)`, 'g'), '$1\n')
    .split(/\r?\n/);
  const errors: ImportProblem[] = [];
  const holidays: YearCalendar['holidays'][number][] = [];
  const workdays: string[] = [];
  lines.forEach((l, i) => {
    const m = ITEM.exec(l);
    if (!m?.[1] || !m[2]) return;
    const line = i + 1;
    const name = m[1].trim();
    const bad = (message: string) => errors.push({ line, field: name, message });
    const sentences = m[2].split('。').filter((s) => s.trim() !== '');
    const off = sentences.find((s) => s.includes('放假'));
    if (!off) return bad('no "放假" sentence');
    const days = [...off.split('放假')[0]!.matchAll(DAY)];
    const first = days[0];
    if (!first) return bad(`no date before "放假": ${off}`);
    const toDate = (d: RegExpMatchArray, prev?: { y: number; m: number }) => {
      const y = d[1] ? Number(d[1]) : undefined;
      const mo = Number(d[2]);
      return { y, mo, day: Number(d[3]), paren: d[4] ?? d[5], prev };
    };
    const a = toDate(first);
    const fromY = a.y ?? year;
    const from = `${fromY}-${pad(a.mo)}-${pad(a.day)}`;
    let to = from;
    // "至3日" (same month), "至2月4日", "至2023年1月2日"
    const end = /至(?:(\d{4})年)?(?:(\d{1,2})月)?(\d{1,2})日(?:（([^）]*)）)?/.exec(off);
    if (end) {
      const mo = end[2] ? Number(end[2]) : a.mo;
      const y = end[1] ? Number(end[1]) : mo < a.mo ? fromY + 1 : fromY;
      to = `${y}-${pad(mo)}-${pad(Number(end[3]))}`;
      const w = weekdayProblem(to, end[4]);
      if (w) bad(w);
    }
    for (const d of [from, to])
      if (!DATE.safeParse(d).success || fromDayNumber(dayNumber(d)) !== d)
        return bad(`not a real date: ${d}`);
    const w = weekdayProblem(from, a.paren);
    if (w) bad(w);
    const total = /共(\d+)天/.exec(m[2])?.[1] ?? /放假(\d+)天/.exec(m[2])?.[1];
    const span = daysBetween(from, to) + 1;
    if (total !== undefined && Number(total) !== span)
      bad(`"共${total}天" but ${from} to ${to} is ${span} days`);
    holidays.push({ name, from, to });
    for (const s of sentences.filter((x) => x.includes('上班')))
      for (const d of s.matchAll(DAY)) {
        const y = d[1] ? Number(d[1]) : Number(d[2]) === 12 && a.mo === 1 ? year - 1 : year;
        const date = `${y}-${pad(Number(d[2]))}-${pad(Number(d[3]))}`;
        if (!DATE.safeParse(date).success) {
          bad(`not a real date: ${date}`);
          continue;
        }
        const wd = weekdayProblem(date, d[4] ?? d[5]);
        if (wd) bad(wd);
        workdays.push(date);
      }
  });
  if (errors.length) return { ok: false, errors };
  if (holidays.length === 0)
    return {
      ok: false,
      errors: [{ line: 1, message: 'no item like "一、元旦：1月1日至3日放假调休，共3天。" found' }],
    };
  return check([{ year, source: title ?? source, holidays, workdays }], () => ({ line: 1 }));
}

/** Checks that hold for every format: order, weekends, overlaps, the year. */
function check(
  years: YearCalendar[],
  where: (i: number) => Omit<ImportProblem, 'message'>,
): ImportResult {
  const errors: ImportProblem[] = [];
  const seen = new Set<number>();
  years.forEach((y, i) => {
    const bad = (message: string) => errors.push({ ...where(i), message: `${y.year}: ${message}` });
    if (seen.has(y.year)) bad('the year appears twice');
    seen.add(y.year);
    const rest = new Set<string>();
    for (const h of y.holidays) {
      const span = daysBetween(h.from, h.to);
      if (span < 0) bad(`${h.name}: ${h.to} is before ${h.from}`);
      else if (span > 14) bad(`${h.name}: ${span + 1} days is longer than any statutory holiday`);
      if (h.to.slice(0, 4) !== String(y.year) && h.from.slice(0, 4) !== String(y.year))
        bad(`${h.name} (${h.from}–${h.to}) is not in ${y.year}`);
      for (let d = h.from; span >= 0 && daysBetween(d, h.to) >= 0; d = addDays(d, 1)) rest.add(d);
    }
    for (const d of y.workdays) {
      if (![0, 6].includes(weekday(d)))
        bad(`${d} is a weekday: a make-up working day (调休上班) is a Saturday or Sunday`);
      if (rest.has(d)) bad(`${d} is both a holiday and a working day`);
      if (Math.abs(daysBetween(`${y.year}-07-01`, d)) > 200) bad(`${d} is not in ${y.year}`);
    }
  });
  return errors.length ? { ok: false, errors } : { ok: true, years };
}
