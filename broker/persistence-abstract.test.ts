import { describe } from 'vitest';
import { abstractPersistence, nodeTest } from '../test/helpers/aedes-abstract.ts';
import { createPersistence } from './persistence.ts';

/**
 * broker/persistence.ts replaces the retained store of aedes' in-memory persistence, so
 * aedes-persistence's behaviour suite runs on it (test/helpers/aedes-abstract.ts).
 */
describe('aedes-persistence abstract suite on broker/persistence.ts', () => {
  abstractPersistence({ test: nodeTest, persistence: createPersistence });
});
