import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CatalogStore, NewVersion } from './store.ts';

const T0 = Date.parse('2026-03-01T08:00:00Z');

/**
 * The behaviour every CatalogStore backend must have (docs/style.md §1). `makeStore` returns a
 * fresh, migrated store; `cleanup` releases it.
 */
export function describeCatalogStoreContract(
  name: string,
  makeStore: () => Promise<{ store: CatalogStore; cleanup?: () => Promise<void> }>,
): void {
  describe(`CatalogStore contract: ${name}`, () => {
    let store: CatalogStore;
    let cleanup: (() => Promise<void>) | undefined;
    let n = 0;
    const key = () => `excavator/*/table${++n}`;
    const version = (k: string, over: Partial<NewVersion> = {}): NewVersion => ({
      kind: 'fault-codes',
      key: k,
      category: 'excavator',
      model: null,
      modeId: null,
      body: {
        kind: 'fault-codes',
        codes: [{ code: 'SPN110-FMI16', text: '散热器堵塞 “clogged”' }],
      },
      summary: { codes: 1 },
      actor: 'tadmin',
      note: null,
      at: T0 + n * 1000,
      ...over,
    });

    beforeAll(async () => {
      ({ store, cleanup } = await makeStore());
    }, 60_000);
    afterAll(async () => {
      await cleanup?.();
    });

    it('numbers the versions of each key from 1 and makes the newest the head', async () => {
      const a = key();
      const b = key();
      expect((await store.append(version(a))).version).toBe(1);
      expect((await store.append(version(b))).version).toBe(1);
      const second = await store.append(version(a, { note: 'second' }));
      expect(second).toMatchObject({
        version: 2,
        active: true,
        note: 'second',
        createdBy: 'tadmin',
      });
      const heads = (await store.active()).filter((v) => v.key === a || v.key === b);
      expect(heads.map((v) => [v.key, v.version])).toEqual(
        [
          [a, 2],
          [b, 1],
        ].sort(),
      );
      const versions = await store.list({ key: a });
      expect(versions.map((v) => [v.version, v.active])).toEqual([
        [2, true],
        [1, false],
      ]);
    });

    it('keeps bodies and summaries exactly; lists without bodies unless asked', async () => {
      const k = key();
      const body = {
        kind: 'fault-codes',
        nested: { a: [1, 2.5, -3e-7], zh: '回转支承', q: '"quoted"' },
      };
      await store.append(version(k, { body, summary: { codes: 7 } }));
      expect(await store.get('fault-codes', k, 1)).toMatchObject({
        body,
        summary: { codes: 7 },
        active: true,
      });
      const [listed] = await store.list({ key: k });
      expect(listed).toMatchObject({ body: null, summary: { codes: 7 } });
      expect((await store.list({ key: k, bodies: true }))[0]!.body).toEqual(body);
      expect((await store.active()).find((v) => v.key === k)!.body).toEqual(body);
      expect(await store.get('fault-codes', k, 2)).toBeUndefined();
      expect(await store.get('profile', k, 1)).toBeUndefined();
    });

    it('rolls back to an earlier version, to none, and forward again; each change audited', async () => {
      const k = key();
      await store.append(version(k));
      await store.append(version(k));
      await store.append(version(k));
      const by = {
        actor: 'tmaker',
        action: 'rollback' as const,
        reason: 'v3 misfires',
        at: T0 + 99_000,
      };
      expect(await store.activate('fault-codes', k, 1, by)).toEqual({ from: 3, to: 1 });
      expect((await store.active()).find((v) => v.key === k)?.version).toBe(1);
      expect(await store.activate('fault-codes', k, null, { ...by, reason: 'built-in' })).toEqual({
        from: 1,
        to: null,
      });
      expect((await store.active()).some((v) => v.key === k)).toBe(false);
      expect((await store.list({ key: k })).every((v) => !v.active)).toBe(true);
      expect(
        await store.activate('fault-codes', k, 3, { ...by, action: 'activate', reason: 'ok' }),
      ).toEqual({
        from: null,
        to: 3,
      });
      // A new upload after a rollback continues the numbering.
      expect((await store.append(version(k))).version).toBe(4);
      const audit = await store.audit({ key: k });
      expect(audit.map((e) => [e.action, e.fromVersion, e.toVersion])).toEqual([
        ['upload', 3, 4],
        ['activate', null, 3],
        ['rollback', 1, null],
        ['rollback', 3, 1],
        ['upload', 2, 3],
        ['upload', 1, 2],
        ['upload', null, 1],
      ]);
      expect(audit[3]).toMatchObject({
        actor: 'tmaker',
        reason: 'v3 misfires',
        kind: 'fault-codes',
      });
    });

    it('refuses an unknown key or version and changes nothing', async () => {
      const k = key();
      await store.append(version(k));
      const by = { actor: 't', action: 'rollback' as const, reason: 'x', at: T0 };
      const before = (await store.audit({ key: k })).length;
      expect(await store.activate('fault-codes', k, 7, by)).toBeUndefined();
      expect(await store.activate('fault-codes', `${k}-nope`, 1, by)).toBeUndefined();
      expect(await store.activate('calibration', k, 1, by)).toBeUndefined();
      expect((await store.audit({ key: k })).length).toBe(before);
      expect((await store.active()).find((v) => v.key === k)?.version).toBe(1);
    });

    it('concurrent uploads of one key get consecutive versions', async () => {
      const k = key();
      const got = await Promise.all([1, 2, 3, 4].map(() => store.append(version(k))));
      expect(got.map((v) => v.version).sort()).toEqual([1, 2, 3, 4]);
      expect((await store.active()).find((v) => v.key === k)?.version).toBe(4);
    });

    it('filters lists by kind and category, and the audit by kind, newest first, limited', async () => {
      const k = `air_conditioner/KFR-35GW/refrigerant_leak`;
      await store.append(
        version(k, {
          kind: 'calibration',
          category: 'air_conditioner',
          model: 'KFR-35GW',
          modeId: 'refrigerant_leak',
        }),
      );
      const cal = await store.list({ kind: 'calibration' });
      expect(cal.map((v) => [v.key, v.model, v.modeId])).toEqual([
        [k, 'KFR-35GW', 'refrigerant_leak'],
      ]);
      expect(
        (await store.list({ category: 'air_conditioner' })).every(
          (v) => v.category === 'air_conditioner',
        ),
      ).toBe(true);
      expect(await store.audit({ kind: 'calibration' })).toHaveLength(1);
      const two = await store.audit({ limit: 2 });
      expect(two).toHaveLength(2);
      expect(two[0]!.seq).toBeGreaterThan(two[1]!.seq);
    });
  });
}
