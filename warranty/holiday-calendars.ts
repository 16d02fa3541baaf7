import type { HolidayCalendarStore, ImportMeta, StoredYearCalendar } from './holiday-store.ts';
import {
  BUILTIN_YEARS,
  composeCalendar,
  type HolidayCalendar,
  type YearCalendar,
} from './holidays.ts';

/**
 * The holiday calendar every evaluation uses (issue 20, class 4): the years shipped in
 * holidays.ts, replaced year by year by the latest version an admin loaded. Held in memory and
 * re-read from the store at most every `ttlMs` (other processes may import), and at once after
 * an import through this instance. A date in no year of it is "beyond the calendar".
 */
export interface CalendarYearStatus {
  year: number;
  /** 0 for the built-in data. */
  version: number;
  builtin: boolean;
  source: string;
  importedAt?: string;
  importedBy?: string;
  holidays: YearCalendar['holidays'];
  workdays: readonly string[];
}

export class HolidayCalendars {
  private calendar: HolidayCalendar;
  private years: CalendarYearStatus[];
  private loadedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly store?: HolidayCalendarStore,
    private readonly opts: { ttlMs?: number; clock?: () => number } = {},
  ) {
    this.years = BUILTIN_YEARS.map(builtin);
    this.calendar = composeCalendar(BUILTIN_YEARS);
  }

  /** The calendar as last loaded (built-in only until `refresh`). */
  current(): HolidayCalendar {
    return this.calendar;
  }

  /** Re-reads the store when the cached calendar is older than ttlMs (default 60 s). */
  async fresh(): Promise<HolidayCalendar> {
    const now = (this.opts.clock ?? Date.now)();
    if (this.store && now - this.loadedAt > (this.opts.ttlMs ?? 60_000)) await this.refresh();
    return this.calendar;
  }

  /** Reads every stored version and rebuilds the calendar. */
  async refresh(): Promise<HolidayCalendar> {
    const stored = this.store ? await this.store.listCalendars() : [];
    const latest = new Map<number, StoredYearCalendar>();
    for (const c of stored) latest.set(c.year, c); // listed oldest first: the last wins
    const active = new Map<number, CalendarYearStatus>(
      BUILTIN_YEARS.map((y) => [y.year, builtin(y)]),
    );
    for (const c of latest.values())
      active.set(c.year, {
        year: c.year,
        version: c.version,
        builtin: false,
        source: c.source,
        importedAt: c.importedAt,
        ...(c.importedBy ? { importedBy: c.importedBy } : {}),
        holidays: c.holidays,
        workdays: c.workdays,
      });
    this.years = [...active.values()].sort((a, b) => a.year - b.year);
    this.calendar = composeCalendar(this.years);
    this.loadedAt = (this.opts.clock ?? Date.now)();
    return this.calendar;
  }

  /** Stores a new version of each year and makes it the one in force. */
  async importYears(
    years: readonly YearCalendar[],
    meta: ImportMeta,
  ): Promise<StoredYearCalendar[]> {
    if (!this.store) throw new Error('no holiday-calendar store configured');
    const stored = await this.store.addCalendars(years, meta);
    await this.refresh();
    return stored;
  }

  /** The years in force, with their versions and sources. */
  status(): {
    covers: Array<{ from: string; to: string }>;
    years: Array<
      Omit<CalendarYearStatus, 'holidays' | 'workdays'> & {
        holidays: Array<{ name: string; from: string; to: string }>;
        workdays: string[];
      }
    >;
  } {
    return {
      covers: this.calendar.covers.map((c) => ({ from: c.from, to: c.to })),
      years: this.years.map((y) => ({
        ...y,
        holidays: y.holidays.map((h) => ({ ...h })),
        workdays: [...y.workdays],
      })),
    };
  }

  /** Every stored version (history), oldest first. */
  async history(): Promise<StoredYearCalendar[]> {
    return this.store ? this.store.listCalendars() : [];
  }
}

function builtin(y: YearCalendar): CalendarYearStatus {
  return {
    year: y.year,
    version: 0,
    builtin: true,
    source: y.source,
    holidays: y.holidays,
    workdays: y.workdays,
  };
}

/** A calendar of the built-in years plus `extra` (CLI `--holidays FILE`, tests). */
export function calendarWith(extra: readonly YearCalendar[]): HolidayCalendar {
  return composeCalendar([...BUILTIN_YEARS, ...extra]);
}
