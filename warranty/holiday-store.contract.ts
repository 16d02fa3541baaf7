import { describe, expect, it } from 'vitest';
import type { HolidayCalendarStore } from './holiday-store.ts';
import type { YearCalendar } from './holidays.ts';

/** The behaviour every holiday-calendar backend must have (docs/style.md §1). */
export function describeHolidayStoreContract(
  name: string,
  make: () => Promise<{ store: HolidayCalendarStore; cleanup?: () => Promise<void> }>,
): void {
  const y2027: YearCalendar = {
    year: 2027,
    source: 'test calendar',
    holidays: [{ name: '测试假日', from: '2027-01-01', to: '2027-01-03' }],
    workdays: ['2027-01-09'],
  };
  const meta = { format: 'json' as const, importedAt: '2026-12-01T00:00:00.000Z' };

  describe(`HolidayCalendarStore contract: ${name}`, () => {
    it('appends versions per year and lists every version, oldest first', async () => {
      const { store, cleanup } = await make();
      try {
        expect(await store.listCalendars()).toEqual([]);
        const [v1] = await store.addCalendars([y2027], { ...meta, importedBy: 'admin-1' });
        expect(v1).toMatchObject({ year: 2027, version: 1, importedBy: 'admin-1', format: 'json' });
        const changed = { ...y2027, workdays: [] };
        const [v2] = await store.addCalendars([changed], meta);
        expect(v2?.version).toBe(2);
        const all = await store.listCalendars();
        expect(all.map((c) => [c.year, c.version])).toEqual([
          [2027, 1],
          [2027, 2],
        ]);
        expect(all[0]).toMatchObject({ holidays: y2027.holidays, workdays: ['2027-01-09'] });
        expect(all[1]?.workdays).toEqual([]);
        expect(all[0]?.importedAt).toBe(meta.importedAt);
      } finally {
        await cleanup?.();
      }
    });

    it('stores several years in one import, each with its own version', async () => {
      const { store, cleanup } = await make();
      try {
        await store.addCalendars([y2027], meta);
        const added = await store.addCalendars([{ ...y2027, year: 2028 }, y2027], meta);
        expect(added.map((c) => [c.year, c.version])).toEqual([
          [2028, 1],
          [2027, 2],
        ]);
      } finally {
        await cleanup?.();
      }
    });
  });
}
