import { withDetails } from '../core/index.ts';
import { parseInstant } from './calendar.ts';
import { WarrantyErrors } from './errors.ts';
import {
  checkMakerPolicy,
  makerPolicyId,
  retroactiveWeaknesses,
  type MakerPolicy,
  type StoredMakerPolicy,
} from './maker-policy.ts';
import type { UnitTerms } from './repair-facts.ts';
import type { Unit } from './repair-record-schema.ts';
import type { WarrantyStore } from './warranty-store.ts';

/**
 * Makers' policies over time (issue 20): saving a new version, and which version a unit follows.
 * A unit is judged under the version in force on the day its 三包 period starts (its delivery,
 * else its invoice: the day that picks the national baseline too), as rules are not retroactive.
 */

/** The version in force on `date` (YYYY-MM-DD): the latest one effective on or before it. */
export function versionInForce<T extends Pick<MakerPolicy, 'effectiveFrom'>>(
  versions: readonly T[],
  date: string,
): T | undefined {
  return [...versions]
    .filter((v) => v.effectiveFrom <= date)
    .sort((a, b) => (a.effectiveFrom < b.effectiveFrom ? -1 : 1))
    .at(-1);
}

/** One model's versions (oldest first) with the last day each was in force, when it ended. */
export function withEffectiveTo<T extends Pick<MakerPolicy, 'effectiveFrom'>>(
  versions: readonly T[],
): Array<T & { effectiveTo?: string }> {
  return versions.map((v, i) => {
    const next = versions[i + 1];
    if (!next) return v;
    const d = new Date(`${next.effectiveFrom}T00:00:00Z`);
    d.setUTCDate(d.getUTCDate() - 1);
    return { ...v, effectiveTo: d.toISOString().slice(0, 10) };
  });
}

/**
 * Saves a new version of a maker's policy: never weaker than the national baseline
 * (WARRANTY_ERR_POLICY_WEAKER, naming each term), later than every saved version, and, when it
 * takes effect before `today`, never weaker than the version it displaces for the units already
 * sold under that one (WARRANTY_ERR_POLICY_RETROACTIVE).
 */
export async function saveMakerPolicyVersion(
  store: WarrantyStore,
  doc: MakerPolicy,
  opts: { today: string; savedAt: string; savedBy?: string },
): Promise<StoredMakerPolicy> {
  checkMakerPolicy(doc);
  const versions = await store.listMakerPolicies(doc);
  const latest = versions.at(-1);
  if (latest && doc.effectiveFrom < opts.today && doc.effectiveFrom > latest.effectiveFrom) {
    const weak = retroactiveWeaknesses(doc, latest);
    if (weak.length)
      throw withDetails(
        new WarrantyErrors.PolicyRetroactive(
          `${latest.version} (in force since ${latest.effectiveFrom})`,
          weak.map((w) => `${w.path}: ${w.message}`).join('; '),
        ),
        weak.map((w) => ({
          path: w.path,
          message: w.message,
          displaced: latest.version,
          baseline: w.baseline,
          policy: w.policy,
        })),
      );
  }
  return store.appendMakerPolicy(
    doc,
    { savedAt: opts.savedAt, ...(opts.savedBy ? { savedBy: opts.savedBy } : {}) },
    latest?.version ?? null,
  );
}

/** The day a unit's policy version is chosen by: its delivery, else its invoice (China date). */
export const unitStartDate = (unit: Pick<Unit, 'deliveryDate' | 'invoiceDate'>): string =>
  parseInstant(unit.deliveryDate ?? unit.invoiceDate).date;

/**
 * What a registered unit is evaluated under: its model's registry entry (main parts, a named
 * baseline) and its maker's policy version in force on its start date. The maker is the unit's,
 * else the registered model's.
 */
export async function unitTerms(store: WarrantyStore, unit: Unit): Promise<UnitTerms> {
  return unitTermsResolver(store)(unit);
}

/**
 * `unitTerms` for many units: each model's registry entry and policy versions are read once
 * (fleet analytics evaluate hundreds of units of a few models).
 */
export function unitTermsResolver(store: WarrantyStore): (unit: Unit) => Promise<UnitTerms> {
  const models = new Map<string, ReturnType<WarrantyStore['getModel']>>();
  const versions = new Map<string, ReturnType<WarrantyStore['listMakerPolicies']>>();
  const once = <T>(cache: Map<string, Promise<T>>, key: string, load: () => Promise<T>) => {
    const hit = cache.get(key);
    if (hit) return hit;
    const p = load();
    cache.set(key, p);
    return p;
  };
  return async (unit) => {
    const key = `${unit.category}\u0000${unit.model}`;
    const model = await once(models, key, () => store.getModel(unit.category, unit.model));
    const manufacturer = unit.manufacturer ?? model?.manufacturer;
    const all = manufacturer
      ? await once(versions, `${manufacturer}\u0000${key}`, () =>
          store.listMakerPolicies({ manufacturer, category: unit.category, model: unit.model }),
        )
      : [];
    const inForce = versionInForce(all, unitStartDate(unit));
    const makerPolicy = inForce && stripStored(inForce);
    return {
      ...(model ? { mainParts: model.mainParts } : {}),
      ...(model?.policyId ? { policyId: model.policyId } : {}),
      ...(makerPolicy ? { makerPolicy } : {}),
    };
  };
}

function stripStored(p: StoredMakerPolicy): MakerPolicy {
  const { savedAt: _a, savedBy: _b, ...doc } = p;
  return doc;
}

/**
 * For a unit of a category without national rules, WARRANTY_ERR_NO_POLICY_IN_FORCE naming the
 * maker, model and date when its maker has no policy version in force on its start date.
 */
export function requireMakerPolicy(unit: Unit, terms: UnitTerms, makerOnly: boolean): void {
  if (!makerOnly || terms.makerPolicy) return;
  throw new WarrantyErrors.NoPolicyInForce(
    `${makerPolicyId({ manufacturer: unit.manufacturer ?? '(no manufacturer)', category: unit.category, model: unit.model })} (no national rules for ${unit.category}: its maker’s policy)`,
    unitStartDate(unit),
  );
}
