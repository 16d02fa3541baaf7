import { z } from 'zod';
import { AppErrors, confinedTo, type Relation, type Tenancy } from '../core/index.ts';
import { WarrantyErrors } from './errors.ts';
import type { WarrantyStore } from './warranty-store.ts';

const relationOf = (maker: string, owner: string | undefined | null, exists: boolean): Relation =>
  !exists ? 'absent' : owner === maker ? 'owned' : 'foreign';

/** The key of a product model (category and model may hold any character). */
export const modelKey = (category: string, model: string): string =>
  JSON.stringify([category, model]);

/**
 * The warranty module's resources for tenancy (core/tenant.ts): units, product models, genuine
 * parts and outlets carry their manufacturer; a technician is the manufacturer's whose outlet
 * certifies them. A resource without a manufacturer is nobody's: no confined token may change
 * it. Public reads (a model, a part check, the outlet list) need no rule; these guard the rest.
 */
export function defineWarrantyResources(tenancy: Tenancy, store: WarrantyStore): void {
  tenancy.define('unit', {
    async relation(maker, serial) {
      const u = await store.getUnit(serial);
      return relationOf(maker, u?.manufacturer, u !== undefined);
    },
    hidden: (serial) => new WarrantyErrors.UnknownUnit(serial),
  });
  tenancy.define('productModel', {
    async relation(maker, key) {
      const [category = '', model = ''] = JSON.parse(key) as string[];
      const m = await store.getModel(category, model);
      return relationOf(maker, m?.manufacturer, m !== undefined);
    },
    hidden: (key) => {
      const [category = '', model = ''] = JSON.parse(key) as string[];
      return new WarrantyErrors.UnknownModel(category, model);
    },
  });
  tenancy.define('genuinePart', {
    async relation(maker, number) {
      const p = await store.getPart(number);
      return relationOf(maker, p?.manufacturer, p !== undefined);
    },
    hidden: (number) => new WarrantyErrors.UnknownPart(number),
  });
  tenancy.define('outlet', {
    async relation(maker, id) {
      const o = await store.getOutlet(id);
      return relationOf(maker, o?.manufacturer, o !== undefined);
    },
    hidden: (id) => new WarrantyErrors.UnknownOutlet(id),
  });
  tenancy.define('technician', {
    async relation(maker, certificate) {
      const t = await store.getTechnician(certificate);
      if (!t) return 'absent';
      const outlet = t.outletId ? await store.getOutlet(t.outletId) : undefined;
      return relationOf(maker, outlet?.manufacturer, true);
    },
    hidden: (certificate) => new WarrantyErrors.UnknownTechnician(certificate),
  });
}

/** The filter of a maker's lists: a confined token's default is its own maker. */
export const MakerQuery = z.object({
  manufacturer: z
    .string()
    .min(1)
    .max(128)
    .optional()
    .describe('default for a confined token: its maker; another maker’s is refused (403)'),
});

/**
 * Whose registry a list shows: a confined token's own maker (another one named is refused), else
 * the maker asked for, else every maker's (a single-tenant install, an admin).
 */
export function listedMaker(
  principal: { role: string; subject: string | null } | undefined,
  asked: string | undefined,
  what: string,
): string | undefined {
  const own = confinedTo(principal);
  if (own !== null && asked !== undefined && asked !== own)
    throw new AppErrors.OtherTenant(`the ${what} of ${asked}`, own);
  return own ?? asked;
}
