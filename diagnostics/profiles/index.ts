import { airConditionerProfile } from './air-conditioner.ts';
import { microcomputerProfile, mobilePhoneProfile, tvProfile } from './electronics.ts';
import { excavatorProfile } from './excavator.ts';
import { householdCarProfile } from './household-car.ts';
import { rangeHoodProfile, waterPurifierProfile } from './kitchen-and-water.ts';
import { refrigeratorProfile } from './refrigerator.ts';
import { CategoryProfileSchema, type CategoryProfile } from './schema.ts';
import { washingMachineProfile } from './washing-machine.ts';
import { waterHeaterElectricProfile, waterHeaterGasProfile } from './water-heaters.ts';

/**
 * Every category's failure-mode profile, validated at import: a bad row fails loudly here.
 * One profile per category of docs/design.md; together they cover every failure mode the
 * simulators inject (checked by profiles.test.ts against simulators/failure-modes.ts).
 */
export const PROFILES: readonly CategoryProfile[] = Object.freeze(
  [
    householdCarProfile,
    airConditionerProfile,
    tvProfile,
    waterHeaterElectricProfile,
    waterHeaterGasProfile,
    refrigeratorProfile,
    waterPurifierProfile,
    rangeHoodProfile,
    mobilePhoneProfile,
    microcomputerProfile,
    washingMachineProfile,
    excavatorProfile,
  ].map((p) => CategoryProfileSchema.parse(p)),
);

export { CategoryProfileSchema, ModeProfileSchema } from './schema.ts';
export type { CategoryProfile, CategoryProfileInput, ModeProfile } from './schema.ts';
