import { z } from 'zod';
import { DateOrDateTimeSchema } from './schemas.ts';

/**
 * Authorized service outlets (with their official service phone, authorization period and
 * published price list) and certified technicians, as stored by a WarrantyStore.
 */
export const PriceListSchema = z.object({
  labourRateCNY: z.number().nonnegative().optional(),
  towingCNY: z.number().nonnegative().optional(),
  workItems: z
    .array(z.string())
    .optional()
    .describe('published service items (明码标价 Art. 7 ¶2)'),
});

export const OutletSchema = z
  .object({
    id: z.string().trim().min(1).max(64),
    name: z.string().min(1).max(200),
    manufacturer: z.string().max(128).optional(),
    address: z.string().max(300).optional(),
    servicePhone: z
      .string()
      .regex(/^[0-9+\-() ]{3,32}$/, 'digits, spaces, + - ( )')
      .optional(),
    authorizedFrom: DateOrDateTimeSchema,
    authorizedTo: DateOrDateTimeSchema.optional(),
    priceList: PriceListSchema.optional(),
  })
  .meta({ id: 'WarrantyOutlet' });
export type Outlet = z.infer<typeof OutletSchema>;

export const TechnicianSchema = z
  .object({
    certificate: z.string().trim().min(1).max(64),
    name: z.string().min(1).max(100),
    outletId: z.string().optional(),
    validFrom: DateOrDateTimeSchema,
    validTo: DateOrDateTimeSchema.optional(),
  })
  .meta({ id: 'WarrantyTechnician' });
export type Technician = z.infer<typeof TechnicianSchema>;

/** Digits of a phone number, for comparing "400-800 1234" with "4008001234". */
export const phoneDigits = (s: string): string => s.replace(/\D/g, '');

/**
 * Product models (docs/design.md "Warranty", registry): who makes it, its category, the parts the
 * manufacturer lists as main parts (主要部件; a repair record without `isMainPart` takes it from
 * here), and the policy its units are evaluated under (a built-in policy id; national baseline
 * of the category when absent).
 */
export const ProductModelSchema = z
  .object({
    manufacturer: z.string().trim().min(1).max(128),
    category: z.string().trim().min(1).max(64),
    model: z.string().trim().min(1).max(128),
    mainParts: z.array(z.string().trim().min(1).max(128)).max(100).default([]),
    policyId: z.string().min(1).max(128).optional(),
  })
  .meta({ id: 'WarrantyProductModel' });
export type ProductModel = z.infer<typeof ProductModelSchema>;

/**
 * Genuine parts (原厂配件): part numbers a manufacturer supplies or approves, and optionally the
 * serials it issued, so a repair order's "genuine" part can be checked and an owner can verify a
 * part. Saving a part again adds serials; it never removes any.
 */
export const GenuinePartSchema = z
  .object({
    number: z.string().trim().min(1).max(64),
    name: z.string().trim().min(1).max(200),
    manufacturer: z.string().trim().min(1).max(128),
    component: z.string().trim().min(1).max(128).optional(),
    serials: z.array(z.string().trim().min(1).max(128)).max(10_000).default([]),
  })
  .meta({ id: 'WarrantyGenuinePart' });
export type GenuinePart = z.infer<typeof GenuinePartSchema>;
export type GenuinePartInfo = Omit<GenuinePart, 'serials'> & { serialCount: number };
