import type { Sql } from '../core/index.ts';
import type { CalendarFormat } from './holiday-import.ts';
import type { YearCalendar } from './holidays.ts';

/**
 * Storage of loaded holiday calendars (issue 20, class 4): each import appends a new version of
 * each year it holds; nothing is changed or deleted, so a later bad import cannot lose an
 * earlier good one. Every backend passes `describeHolidayStoreContract`.
 */
export interface StoredYearCalendar extends YearCalendar {
  version: number;
  format: CalendarFormat;
  importedAt: string;
  importedBy?: string;
}

export interface ImportMeta {
  format: CalendarFormat;
  importedAt: string;
  importedBy?: string;
}

export interface HolidayCalendarStore {
  /** Every version of every year, by year then version. */
  listCalendars(): Promise<StoredYearCalendar[]>;
  /** Appends the next version of each year, all or none; returns what was stored. */
  addCalendars(years: readonly YearCalendar[], meta: ImportMeta): Promise<StoredYearCalendar[]>;
}

const byYearVersion = (a: StoredYearCalendar, b: StoredYearCalendar) =>
  a.year - b.year || a.version - b.version;

export class MemoryHolidayCalendarStore implements HolidayCalendarStore {
  private readonly rows: StoredYearCalendar[] = [];
  async listCalendars(): Promise<StoredYearCalendar[]> {
    return structuredClone(this.rows).sort(byYearVersion);
  }
  async addCalendars(
    years: readonly YearCalendar[],
    meta: ImportMeta,
  ): Promise<StoredYearCalendar[]> {
    const added = years.map((y) => ({
      ...structuredClone(y),
      version: Math.max(0, ...this.rows.filter((r) => r.year === y.year).map((r) => r.version)) + 1,
      ...meta,
    }));
    this.rows.push(...added);
    return structuredClone(added);
  }
}

interface Row {
  year: number;
  version: number;
  source: string;
  holidays: YearCalendar['holidays'] | string;
  workdays: string[] | string;
  format: CalendarFormat;
  imported_at: Date | string;
  imported_by: string | null;
}

const json = <T>(v: T | string): T => (typeof v === 'string' ? (JSON.parse(v) as T) : v);

function fromRow(r: Row): StoredYearCalendar {
  return {
    year: r.year,
    version: r.version,
    source: r.source,
    holidays: json(r.holidays),
    workdays: json(r.workdays),
    format: r.format,
    importedAt: new Date(r.imported_at).toISOString(),
    ...(r.imported_by ? { importedBy: r.imported_by } : {}),
  };
}

export class SqlHolidayCalendarStore implements HolidayCalendarStore {
  constructor(private readonly sql: Sql) {}
  async listCalendars(): Promise<StoredYearCalendar[]> {
    const r = await this.sql.query<Row>(
      'SELECT * FROM warranty_holiday_calendars ORDER BY year, version',
    );
    return r.rows.map(fromRow);
  }
  async addCalendars(
    years: readonly YearCalendar[],
    meta: ImportMeta,
  ): Promise<StoredYearCalendar[]> {
    return this.sql.transaction(async (tx) => {
      const out: StoredYearCalendar[] = [];
      for (const y of years) {
        const r = await tx.query<Row>(
          `INSERT INTO warranty_holiday_calendars
             (year, version, source, holidays, workdays, format, imported_at, imported_by)
           SELECT $1, COALESCE(MAX(version), 0) + 1, $2, $3, $4, $5, $6, $7
             FROM warranty_holiday_calendars WHERE year = $1
           RETURNING *`,
          [
            y.year,
            y.source,
            JSON.stringify(y.holidays),
            JSON.stringify(y.workdays),
            meta.format,
            meta.importedAt,
            meta.importedBy ?? null,
          ],
        );
        out.push(fromRow(r.rows[0] as Row));
      }
      return out;
    });
  }
}
