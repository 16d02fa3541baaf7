import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeCapStoreContract } from '../diagnostics/cap-store.contract.ts';
import type { CapLimit } from '../diagnostics/cap-store.ts';
import { redisCapStore } from '../diagnostics/stores/redis-cap.ts';
import { waitFor } from './helpers/clients.ts';
import { claimRedisDb, startPrivateRedis, type TestRedis } from './helpers/redis.ts';

/**
 * The notification cap in Redis (cluster mode, issue 22): the contract every cap store keeps,
 * one count per device for every node on the same Redis, and this node's own count while
 * Redis is unreachable. Real Redis: a database index of its own, a private server for the outage.
 */
const T0 = Date.parse('2026-03-01T08:00:00Z');
const LIMIT: CapLimit = { max: 3, windowMs: 3_600_000 };
const quiet = () => undefined;

describe('notification cap in Redis', () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await claimRedisDb();
  });
  afterAll(async () => {
    await redis?.release();
  });

  describeCapStoreContract('Redis', async (limit) => {
    const store = redisCapStore({
      redisUrl: redis.url,
      limit,
      prefix: `cap-${randomBytes(4).toString('hex')}:`,
      onWarn: (err) => {
        throw err;
      },
    });
    expect(await store.ready()).toBe(true);
    return { store };
  });

  it('counts a device once for every node: two nodes let `max` out between them', async () => {
    const nodes = [1, 2].map(() =>
      redisCapStore({ redisUrl: redis.url, limit: LIMIT, prefix: 'two-nodes:', onWarn: quiet }),
    );
    try {
      for (const n of nodes) expect(await n.ready()).toBe(true);
      const out: boolean[] = [];
      for (let i = 0; i < 6; i++) out.push((await nodes[i % 2]!.take('ac-9', T0 + i)).allowed);
      expect(out).toEqual([true, true, true, false, false, false]);
      // The held-back count is told by whichever node sends the next one.
      expect(await nodes[1]!.take('ac-9', T0 + LIMIT.windowMs)).toEqual({
        allowed: true,
        suppressed: 3,
      });
    } finally {
      await Promise.all(nodes.map((n) => n.close()));
    }
  });
});

describe('notification cap while Redis is unreachable', () => {
  it('counts on this node with one warning, and in Redis again once it is back', async () => {
    const server = await startPrivateRedis();
    const warnings: string[] = [];
    const store = redisCapStore({
      redisUrl: server.url,
      limit: LIMIT,
      onWarn: (_err, what) => warnings.push(what),
    });
    try {
      expect(await store.ready()).toBe(true);
      expect((await store.take('ac-1', T0)).allowed).toBe(true);
      await server.kill();
      // This node's own count: `max` more go out (Redis's first one is not known here).
      const during: boolean[] = [];
      for (let i = 0; i < 4; i++) during.push((await store.take('ac-1', T0 + i)).allowed);
      expect(during).toEqual([true, true, true, false]);
      expect(warnings.length).toBe(1);
      expect(warnings[0]).toMatch(/this node only/);

      await server.start(); // empty: what was counted before the outage is gone with it
      const other = redisCapStore({ redisUrl: server.url, limit: LIMIT, onWarn: quiet });
      try {
        expect(await other.ready()).toBe(true);
        // Another node uses up a fresh device's window in Redis; once this node counts in Redis
        // again (ioredis reconnects by itself), that device is held back here too.
        let k = 0;
        await waitFor(
          async () => {
            const id = `probe-${++k}`;
            for (let i = 0; i < LIMIT.max; i++) await other.take(id, T0);
            return !(await store.take(id, T0)).allowed;
          },
          15_000,
          'this node counting in Redis again',
        );
      } finally {
        await other.close();
      }
    } finally {
      await store.close();
      await server.stop();
    }
  }, 30_000);
});
