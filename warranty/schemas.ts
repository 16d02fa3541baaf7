import { z } from 'zod';
import { daysBetween, isValidDateOrDateTime, parseInstant } from './calendar.ts';
import { MakerPolicySchema } from './maker-policy.ts';
import { isMakerOnlyCategory, UnitCategorySchema } from './policies/index.ts';
import { PolicyOverrideSchema } from './policy-check.ts';
import { CauseSchema } from './policy-schema.ts';

/**
 * The stateless evaluation request (issue 5, "Stateless evaluation"): one schema for the HTTP
 * body, the CLI case file and the OpenAPI document. Unknown fields are stripped, not refused.
 * Times are dates (YYYY-MM-DD, China time) or ISO 8601 date-times.
 */
export const DateOrDateTimeSchema = z
  .string()
  .refine(isValidDateOrDateTime, {
    message: 'expected a date (YYYY-MM-DD) or an ISO 8601 date-time',
  })
  .meta({
    description: 'YYYY-MM-DD or ISO 8601 date-time; without an offset, China time (UTC+8)',
    example: '2026-03-01',
  });

const km = z.number().nonnegative().finite();

/** CAR21 Art. 23 failure types. */
export const FailureTypeSchema = z.enum([
  '转向系统失效',
  '制动系统失效',
  '车身开裂',
  '燃油泄漏',
  '动力蓄电池起火',
]);

/** Part replaced in a repair: a name, or an object with a name (number/serial are ignored here). */
const PartRefSchema = z.union([z.string().min(1), z.object({ name: z.string().min(1) })]);

export const RepairFactSchema = z.object({
  date: DateOrDateTimeSchema.describe(
    'repair agreed / unit dropped off (CAR21 Art. 40: start of repair time)',
  ),
  returnedDate: DateOrDateTimeSchema.optional().describe(
    'repair completed; absent = still in repair',
  ),
  faultCode: z.string().describe('identifies "the same quality problem" (CAR21 Art. 24(4))'),
  description: z.string().default(''),
  component: z
    .string()
    .min(1)
    .describe('snake_case component: transmission, compressor, host, battery…'),
  partsReplaced: z
    .array(PartRefSchema)
    .default([])
    .describe('an assembly name (engine…) here means the whole assembly was replaced'),
  isMainPart: z.boolean().optional(),
  isSeriousSafetyFault: z.boolean().optional(),
  cause: CauseSchema,
  mileageKm: km.optional(),
  excludedHours: z
    .number()
    .nonnegative()
    .optional()
    .describe('CAR21 Art. 24 ¶3 transport/rescue hours, excluded for 24(4) only'),
  occupiedDays: z
    .number()
    .int()
    .nonnegative()
    .optional()
    .describe('days the repair took (P95 Art. 8 extension); default from the dates'),
  waitingForPartsFromProducer: z.boolean().optional(),
  delayCause: z.enum(['repairer', 'producer_parts', 'consumer', 'other']).optional(),
});

export const CurrentFaultSchema = z.object({
  date: DateOrDateTimeSchema,
  faultCode: z.string(),
  description: z.string().default(''),
  component: z.string().min(1),
  mainPart: z.string().optional().describe('the main part at fault, e.g. crankshaft'),
  isMainPart: z.boolean().optional(),
  requiresReplacement: z.boolean().optional(),
  isSeriousSafetyFault: z.boolean().optional(),
  failureType: FailureTypeSchema.optional(),
  cause: CauseSchema,
  mileageKm: km.optional().describe('odometer at the fault; default facts.mileageKm'),
});

export const CaseFactsSchema = z
  .object({
    invoiceDate: DateOrDateTimeSchema,
    deliveryDate: DateOrDateTimeSchema.optional().describe(
      'CAR21 Art. 18 ¶2; 消法 Art. 24 "收到商品"',
    ),
    installationCompletedDate: DateOrDateTimeSchema.optional().describe(
      'flat-panel TVs: end of installation',
    ),
    exchangeDate: DateOrDateTimeSchema.optional().describe(
      'last 三包 exchange: periods restart (CAR21 Art. 29; P95 Art. 14)',
    ),
    evaluationDate: DateOrDateTimeSchema,
    mileageKm: km.optional().describe('odometer now (cars)'),
    priceCNY: z.number().nonnegative().finite().optional(),
    usageCompensationCoefficient: z
      .number()
      .min(0)
      .max(1)
      .optional()
      .describe('n from the 三包凭证, e.g. 0.005 (CAR21 Art. 27)'),
    hasInvoice: z.boolean().optional(),
    hasWarrantyCertificate: z.boolean().optional(),
    sellerHasSameModel: z.boolean().optional(),
    consumerAcceptsOtherModel: z.boolean().optional(),
    repairs: z.array(RepairFactSchema).default([]),
    currentFault: CurrentFaultSchema.optional(),
  })
  .superRefine((f, ctx) => {
    // Field errors are reported by the field schemas; compare only dates that parsed.
    const ok = (s: string | undefined) => s === undefined || isValidDateOrDateTime(s);
    const all = [
      f.invoiceDate,
      f.deliveryDate,
      f.evaluationDate,
      f.exchangeDate,
      f.installationCompletedDate,
      f.currentFault?.date,
      ...(f.repairs ?? []).flatMap((r) => [r.date, r.returnedDate]),
    ];
    if (!all.every(ok)) return;
    const purchase = [f.invoiceDate, f.deliveryDate]
      .filter((x): x is string => x !== undefined)
      .map((x) => parseInstant(x).date)
      .sort()[0];
    if (purchase === undefined) return;
    const evalDate = parseInstant(f.evaluationDate).date;
    const before = (d: string, path: (string | number)[], what: string) => {
      if (daysBetween(purchase, parseInstant(d).date) < 0)
        ctx.addIssue({
          code: 'custom',
          path,
          message: `${what} ${d} is before the purchase (${purchase})`,
        });
      else if (daysBetween(parseInstant(d).date, evalDate) < 0)
        ctx.addIssue({
          code: 'custom',
          path,
          message: `${what} ${d} is after evaluationDate (${evalDate})`,
        });
    };
    if (daysBetween(purchase, evalDate) < 0)
      ctx.addIssue({
        code: 'custom',
        path: ['evaluationDate'],
        message: `evaluationDate is before the purchase (${purchase})`,
      });
    if (f.exchangeDate) before(f.exchangeDate, ['exchangeDate'], 'exchange');
    if (f.installationCompletedDate)
      before(f.installationCompletedDate, ['installationCompletedDate'], 'installation');
    f.repairs.forEach((r, i) => {
      before(r.date, ['repairs', i, 'date'], 'repair');
      if (r.returnedDate && parseInstant(r.returnedDate).ms < parseInstant(r.date).ms)
        ctx.addIssue({
          code: 'custom',
          path: ['repairs', i, 'returnedDate'],
          message: 'returnedDate is before the repair date',
        });
    });
    if (f.currentFault) before(f.currentFault.date, ['currentFault', 'date'], 'fault');
  });
export type CaseFacts = z.infer<typeof CaseFactsSchema>;
export type RepairFact = CaseFacts['repairs'][number];
export type CurrentFault = NonNullable<CaseFacts['currentFault']>;

export const EvaluateRequestSchema = z
  .object({
    category: UnitCategorySchema,
    policy: z
      .union([z.string().min(1).describe('baseline id or id@version'), PolicyOverrideSchema])
      .optional()
      .describe('default: the national baseline in force when the 三包 period started'),
    makerPolicy: MakerPolicySchema.optional().describe(
      'a maker’s own policy (as saved with POST /warranty/policies): checked against the national baseline; the only policy for a category without national rules',
    ),
    facts: CaseFactsSchema,
  })
  .superRefine((r, ctx) => {
    const mp = r.makerPolicy;
    if (!mp) {
      if (isMakerOnlyCategory(r.category))
        ctx.addIssue({
          code: 'custom',
          path: ['category'],
          message: `${r.category} has no national 三包 rules: give makerPolicy, its maker’s own policy`,
        });
      return;
    }
    if (r.policy !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['policy'],
        message: 'give policy or makerPolicy, not both',
      });
    if (mp.category !== r.category)
      ctx.addIssue({
        code: 'custom',
        path: ['makerPolicy', 'category'],
        message: `the policy is for ${mp.category}, the case for ${r.category}`,
      });
    const dates = [r.facts.deliveryDate ?? r.facts.invoiceDate];
    if (!dates.every((d) => isValidDateOrDateTime(d))) return;
    const start = parseInstant(dates[0] as string).date;
    if (mp.effectiveFrom > start)
      ctx.addIssue({
        code: 'custom',
        path: ['makerPolicy', 'effectiveFrom'],
        message: `${mp.effectiveFrom} is after the purchase (${start}): this version does not apply to the unit`,
      });
  })
  .meta({ id: 'WarrantyEvaluateRequest' });
export type EvaluateRequest = z.infer<typeof EvaluateRequestSchema>;
