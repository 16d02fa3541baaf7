import assert from 'node:assert';
import { createRequire } from 'node:module';
import { describe, it } from 'vitest';
import { createPersistence } from './persistence.ts';

/**
 * aedes-persistence ships its behaviour suite (`abstract.js`) for node:test: every persistence
 * aedes can use must pass it. broker/persistence.ts replaces the retained store of the stock
 * one, so it runs here, through a small adapter from node:test's test context to vitest.
 */

/** What abstract.js uses of node:test's TestContext. */
interface NodeTestContext {
  plan(n: number): void;
  diagnostic(msg: string): void;
  assert: Record<string, (...args: unknown[]) => unknown>;
}
type NodeTestFn = (t: NodeTestContext) => Promise<void> | void;

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
function nodeTest(name: string, fn: NodeTestFn): void {
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

type Abstract = (opts: { test: typeof nodeTest; persistence: () => unknown }) => void;
const abstractPersistence = createRequire(import.meta.url)(
  'aedes-persistence/abstract.js',
) as Abstract;

describe('aedes-persistence abstract suite on broker/persistence.ts', () => {
  abstractPersistence({ test: nodeTest, persistence: createPersistence });
});
