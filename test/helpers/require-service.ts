import { describe } from 'vitest';

/**
 * Real-service tests (docs/style.md §13): on a developer's machine a missing service skips the
 * suite with a loud message; in CI (`CI` set) a missing service fails it.
 */
export function describeWithService(
  service: string,
  available: boolean,
  reason: string,
  name: string,
  fn: () => void,
): void {
  if (available) {
    describe(name, fn);
    return;
  }
  if (process.env.CI) {
    describe(name, () => {
      throw new Error(`${service} is required in CI but unavailable: ${reason}`);
    });
    return;
  }
  console.warn(`\n*** SKIPPING "${name}": ${service} unavailable (${reason}). CI runs it. ***\n`);
  describe.skip(name, fn);
}
