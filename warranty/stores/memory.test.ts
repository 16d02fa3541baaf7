import { describeWarrantyStoreContract } from '../warranty-store.contract.ts';
import { MemoryWarrantyStore } from './memory.ts';

describeWarrantyStoreContract('memory', async () => ({ store: new MemoryWarrantyStore() }));
