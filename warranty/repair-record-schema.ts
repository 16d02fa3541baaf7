import { z } from 'zod';
import { UnitCategorySchema } from './policies/index.ts';
import { CauseSchema } from './policy-schema.ts';
import { DateOrDateTimeSchema } from './schemas.ts';

/**
 * Units and repair records as stored by a WarrantyStore. A repair record carries every item
 * CAR21 Art. 17 requires (drop-off time, mileage, the owner's description, inspection result,
 * repair items, replaced parts with name and number, materials, labour hours and cost, towing,
 * courtesy car, hand-back time, signatures), the PHONE 维修记录 items and the P95 Art. 6 fault and
 * post-repair state; charges are itemised (明码标价 Art. 15).
 */
export const UnitInputSchema = z
  .object({
    serial: z
      .string()
      .trim()
      .min(1)
      .max(64)
      .regex(/^[A-Za-z0-9._:-]+$/, 'letters, digits and . _ : -'),
    category: UnitCategorySchema,
    model: z.string().trim().min(1).max(128),
    manufacturer: z.string().max(128).optional(),
    deviceId: z.string().max(64).optional(),
    invoiceDate: DateOrDateTimeSchema,
    deliveryDate: DateOrDateTimeSchema.optional(),
    installationCompletedDate: DateOrDateTimeSchema.optional(),
    exchangeDate: DateOrDateTimeSchema.optional(),
    priceCNY: z.number().nonnegative().finite().optional(),
    seller: z.string().max(200).optional(),
    /** Owner account (token subject) allowed to look the unit up. */
    ownerId: z.string().max(128).optional(),
    /** sha256 (hex) of the verification code on the 三包凭证 (owner lookup without a token). */
    verificationCodeHash: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .optional(),
    /** sha256 (hex) of the owner's contact: enough to verify an owner, nothing to leak. */
    ownerContactHash: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .optional(),
    /** Production facts for fleet quality analytics (failure rates and Weibull fits by batch). */
    productionBatch: z.string().trim().min(1).max(64).optional(),
    productionDate: DateOrDateTimeSchema.optional(),
    components: z
      .array(
        z.object({
          component: z.string().trim().min(1).max(128),
          supplier: z.string().trim().min(1).max(128).optional(),
          batch: z.string().trim().min(1).max(64).optional(),
        }),
      )
      .max(64)
      .optional()
      .describe('main components with their supplier and batch'),
  })
  .meta({ id: 'WarrantyUnitRegistration' });
export type UnitInput = z.infer<typeof UnitInputSchema>;
export type Unit = UnitInput;

export const PartUsedSchema = z.object({
  name: z.string().min(1),
  number: z.string().min(1).describe('part number (CAR21 Art. 17)'),
  serial: z.string().optional(),
  genuine: z.boolean().describe('supplied or approved by the manufacturer (CAR21 Art. 16)'),
  isMainPart: z.boolean().optional(),
});

export const RepairRecordBodySchema = z
  .object({
    kind: z.enum(['repair', 'correction']).default('repair'),
    /** For a correction: the seq of the record it replaces. */
    corrects: z.number().int().positive().optional(),
    outletId: z.string().min(1),
    technicianCertificate: z.string().optional(),
    droppedOffAt: DateOrDateTimeSchema.describe('送修时间; start of repair time (CAR21 Art. 40)'),
    handedBackAt: DateOrDateTimeSchema.optional().describe('交车时间'),
    odometerKm: z.number().nonnegative().finite().optional(),
    reportedFault: z.string().min(1).describe("the owner's description"),
    inspectionResult: z.string().default(''),
    diagnosis: z.object({
      faultCode: z.string(),
      component: z.string().min(1),
      cause: CauseSchema,
      isMainPart: z.boolean().optional(),
      isSeriousSafetyFault: z.boolean().optional(),
      alertId: z.string().optional().describe('the diagnostics alert this repair answers'),
      partsCalledFor: z
        .array(z.string())
        .optional()
        .describe(
          'parts the diagnosis (or its alert) implicates; others replaced are flagged (小病大治)',
        ),
    }),
    workItems: z.array(z.string()).default([]),
    parts: z.array(PartUsedSchema).default([]),
    charges: z
      .object({
        labourHours: z.number().nonnegative().default(0),
        labourRateCNY: z.number().nonnegative().default(0),
        materialsCNY: z.number().nonnegative().default(0),
        towingCNY: z.number().nonnegative().default(0),
      })
      .prefault({}),
    remedyGranted: z
      .enum(['repair', 'exchange', 'return'])
      .optional()
      .describe('the 三包 remedy this record carries out (default: repair)'),
    courtesyCar: z
      .string()
      .optional()
      .describe('courtesy car or transport compensation (CAR21 Art. 21)'),
    excludedHours: z.number().nonnegative().optional(),
    waitingForPartsFromProducer: z.boolean().optional(),
    delayCause: z.enum(['repairer', 'producer_parts', 'consumer', 'other']).optional(),
    postRepairState: z.string().optional().describe('P95 Art. 6'),
    signatures: z.object({ repairer: z.string().min(1), consumer: z.string().optional() }),
  })
  .superRefine((b, ctx) => {
    if (b.kind === 'correction' && b.corrects === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['corrects'],
        message: 'a correction names the seq it corrects',
      });
    if (b.kind === 'repair' && b.corrects !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['kind'],
        message: 'a record with `corrects` must be a correction',
      });
  })
  .meta({ id: 'WarrantyRepairRecordBody' });
export type RepairRecordBody = z.infer<typeof RepairRecordBodySchema>;

export interface StoredRepairRecord {
  serial: string;
  seq: number;
  recordedAt: string;
  body: RepairRecordBody;
  prevHash: string;
  hash: string;
}

export type ChainVerification =
  | { ok: true; count: number; head: string }
  | {
      ok: false;
      count: number;
      firstBroken: {
        seq: number;
        reason: 'hash_mismatch' | 'prev_hash_mismatch' | 'missing_record';
      };
    };
