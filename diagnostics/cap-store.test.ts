import { describeCapStoreContract } from './cap-store.contract.ts';
import { memoryCapStore } from './cap-store.ts';

describeCapStoreContract('memory', async (limit) => ({ store: memoryCapStore(limit) }));
