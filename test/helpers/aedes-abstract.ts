import assert from 'node:assert';
import { createRequire } from 'node:module';
import { it } from 'vitest';

/**
 * aedes-persistence ships its behaviour suite (`abstract.js`) for node:test: every persistence
 * aedes can use must pass it. This runs it on vitest, through a small adapter from node:test's
 * test context (broker/persistence-abstract.test.ts, test/cluster-qos2-clean.test.ts).
 */

/** What abstract.js uses of node:test's TestContext. */
interface NodeTestContext {
  plan(n: number): void;
  diagnostic(msg: string): void;
  assert: Record<string, (...args: unknown[]) => unknown>;
}
export type NodeTestFn = (t: NodeTestContext) => Promise<void> | void;

// node:test's `t.assert` is the top-level functions of node:assert (loose `equal`, `deepEqual`),
// each counted for `t.plan`.
const ASSERTIONS = [
  'deepEqual',
  'deepStrictEqual',
  'doesNotMatch',
  'doesNotReject',
  'doesNotThrow',
  'equal',
  'fail',
  'ifError',
  'match',
  'notDeepEqual',
  'notDeepStrictEqual',
  'notEqual',
  'notStrictEqual',
  'ok',
  'rejects',
  'strictEqual',
  'throws',
] as const;

/** node:test's `test(name, fn)` on vitest: the plan is checked when the test function settles. */
export function nodeTest(name: string, fn: NodeTestFn): void {
  it(name, async () => {
    let planned: number | undefined;
    let count = 0;
    const methods = assert as unknown as Record<string, (...args: unknown[]) => unknown>;
    const t: NodeTestContext = {
      plan: (n) => void (planned = n),
      diagnostic: () => undefined,
      assert: Object.fromEntries(
        ASSERTIONS.map((m) => [
          m,
          (...args: unknown[]) => {
            count++;
            return methods[m]!(...args);
          },
        ]),
      ),
    };
    await fn(t);
    if (planned !== undefined)
      assert.equal(count, planned, `planned ${planned} assertions, ran ${count}`);
  });
}

export type Abstract = (opts: {
  test: (name: string, fn: NodeTestFn) => void;
  persistence: () => unknown;
  /** Wait for the instance's `ready` event (aedes-persistence-redis sets up asynchronously). */
  waitForReady?: boolean;
}) => void;
export const abstractPersistence = createRequire(import.meta.url)(
  'aedes-persistence/abstract.js',
) as Abstract;
