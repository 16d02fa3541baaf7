import { z } from 'zod';
import type { Category } from '../../core/index.ts';
import { PolicySchema, type Policy } from '../policy-schema.ts';
import { CAR21 } from './car21.ts';
import {
  P95_AIR_CONDITIONER,
  P95_RANGE_HOOD,
  P95_REFRIGERATOR,
  P95_TV,
  P95_WASHING_MACHINE,
  P95_WATER_HEATER_GAS,
} from './p95.ts';
import { CPL_WATER_HEATER_ELECTRIC, CPL_WATER_PURIFIER, PC, PHONE } from './phone-pc-cpl.ts';

/**
 * The national baselines, versioned by effective date. A unit is judged under the version in
 * force on the day its 三包 period starts (rules are not retroactive). Add a new version as a new
 * entry; never edit an old one in place.
 */
export const BASELINES: readonly Policy[] = [
  CAR21,
  P95_TV,
  P95_AIR_CONDITIONER,
  P95_REFRIGERATOR,
  P95_WASHING_MACHINE,
  P95_RANGE_HOOD,
  P95_WATER_HEATER_GAS,
  PHONE,
  PC,
  CPL_WATER_HEATER_ELECTRIC,
  CPL_WATER_PURIFIER,
].map((p) => PolicySchema.parse(p));

/** Categories the warranty module has a 三包 baseline for (all but construction machinery). */
export const WARRANTY_CATEGORIES = [
  'household_car',
  'air_conditioner',
  'tv',
  'water_heater_electric',
  'water_heater_gas',
  'refrigerator',
  'water_purifier',
  'range_hood',
  'mobile_phone',
  'microcomputer',
  'washing_machine',
] as const satisfies readonly Category[];
export const WarrantyCategorySchema = z.enum(WARRANTY_CATEGORIES, {
  error: (iss) =>
    `no 三包 policy for category ${JSON.stringify(iss.input)}; expected one of ${WARRANTY_CATEGORIES.join(', ')}`,
});
export type WarrantyCategory = z.infer<typeof WarrantyCategorySchema>;

/**
 * Categories with no national 三包 rules, whose units follow their maker's own saved policy
 * (construction machinery: the seed plan asks such makers to publish their own after-sales
 * rules). A unit of these categories is evaluated only under a maker policy.
 */
export const MAKER_ONLY_CATEGORIES = ['excavator'] as const satisfies readonly Category[];
export type MakerOnlyCategory = (typeof MAKER_ONLY_CATEGORIES)[number];
export const isMakerOnlyCategory = (c: string): c is MakerOnlyCategory =>
  (MAKER_ONLY_CATEGORIES as readonly string[]).includes(c);

/** Categories a warranty unit may have: a national baseline's, or a maker-only one. */
export const UNIT_CATEGORIES = [...WARRANTY_CATEGORIES, ...MAKER_ONLY_CATEGORIES] as const;
export const UnitCategorySchema = z.enum(UNIT_CATEGORIES, {
  error: (iss) =>
    `unknown warranty category ${JSON.stringify(iss.input)}; expected one of ${UNIT_CATEGORIES.join(', ')}`,
});
export type UnitCategory = z.infer<typeof UnitCategorySchema>;

/** Every baseline version of a category, oldest first. */
export function baselineVersions(category: string): Policy[] {
  return BASELINES.filter((p) => p.category === category).sort((a, b) =>
    a.effectiveFrom.localeCompare(b.effectiveFrom),
  );
}

/**
 * The baseline in force on `date` (YYYY-MM-DD) for `category`, or undefined when none was yet
 * (e.g. a car bought before 2022-01-01: CAR13's full text was NOT FOUND, so it is not encoded).
 */
export function baselineFor(category: string, date: string): Policy | undefined {
  return baselineVersions(category)
    .filter(
      (p) => p.effectiveFrom <= date && (p.effectiveTo === undefined || date <= p.effectiveTo),
    )
    .at(-1);
}

/** A baseline by `id` or `id@version`. */
export function policyById(ref: string): Policy | undefined {
  const [id, version] = ref.split('@');
  const all = BASELINES.filter(
    (p) => p.id === id && (version === undefined || p.version === version),
  );
  return all.sort((a, b) => a.effectiveFrom.localeCompare(b.effectiveFrom)).at(-1);
}
