import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CapLimit, CapStore } from './cap-store.ts';

const T0 = Date.parse('2026-03-01T08:00:00Z');
const LIMIT: CapLimit = { max: 3, windowMs: 3_600_000 };

/**
 * What every {@link CapStore} backend does (cap-store.ts): the memory one in
 * cap-store.test.ts, Redis in test/cap-store-redis.test.ts.
 */
export function describeCapStoreContract(
  name: string,
  makeStore: (limit: CapLimit) => Promise<{ store: CapStore; cleanup?: () => Promise<void> }>,
): void {
  describe(`CapStore contract: ${name}`, () => {
    let store: CapStore;
    let cleanup: (() => Promise<void>) | undefined;
    let n = 0;
    const dev = () => `dev-${name.replace(/\W/g, '')}-${++n}`;
    const takes = async (id: string, at: number, times: number) => {
      const out: Array<[boolean, number]> = [];
      for (let i = 0; i < times; i++) {
        const d = await store.take(id, at);
        out.push([d.allowed, d.suppressed]);
      }
      return out;
    };

    beforeAll(async () => {
      ({ store, cleanup } = await makeStore(LIMIT));
    }, 30_000);
    afterAll(async () => {
      await store?.close();
      await cleanup?.();
    });

    it('lets the first `max` of a window out and holds back the rest', async () => {
      expect(await takes(dev(), T0, 5)).toEqual([
        [true, 0],
        [true, 0],
        [true, 0],
        [false, 0],
        [false, 0],
      ]);
    });

    it('tells how many were held back with the first one of a later window, once', async () => {
      const id = dev();
      await takes(id, T0, 5);
      expect(await takes(id, T0 + LIMIT.windowMs + 1, 2)).toEqual([
        [true, 2],
        [true, 0],
      ]);
    });

    it('starts a window at the first notification counted in it, not on a clock grid', async () => {
      const id = dev();
      const start = T0 + 1_234_567;
      await takes(id, start, 3);
      expect(await takes(id, start + LIMIT.windowMs - 1, 1)).toEqual([[false, 0]]);
      expect(await takes(id, start + LIMIT.windowMs, 1)).toEqual([[true, 1]]);
      // The new window started there: two more go out in it, the next is held back.
      expect(await takes(id, start + LIMIT.windowMs + 10, 3)).toEqual([
        [true, 0],
        [true, 0],
        [false, 0],
      ]);
    });

    it('counts each device apart', async () => {
      const [x, y] = [dev(), dev()];
      await takes(x, T0, 4);
      expect(await takes(y, T0, 1)).toEqual([[true, 0]]);
    });

    it('keeps a held-back count through pruning; forgets a window over with none', async () => {
      const [held, quiet] = [dev(), dev()];
      await takes(held, T0, 4);
      await takes(quiet, T0, 1);
      store.prune(T0 + 2 * LIMIT.windowMs);
      expect(await takes(held, T0 + 2 * LIMIT.windowMs, 1)).toEqual([[true, 1]]);
      expect(await takes(quiet, T0 + 2 * LIMIT.windowMs, 1)).toEqual([[true, 0]]);
    });

    it('lets exactly `max` out of takes made at the same time', async () => {
      const id = dev();
      const all = await Promise.all(Array.from({ length: 8 }, () => store.take(id, T0)));
      expect(all.filter((d) => d.allowed)).toHaveLength(LIMIT.max);
      expect(await takes(id, T0 + LIMIT.windowMs, 1)).toEqual([[true, 5]]);
    });
  });
}
