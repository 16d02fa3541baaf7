import { z } from 'zod';
import { dateRangeIssue, inDateRange } from '../core/index.ts';
import { daysBetween, isValidDateOrDateTime, parseInstant } from './calendar.ts';
import { ART23_TYPES, categoryId, causeId } from './fault-words.ts';
import { MakerPolicySchema } from './maker-policy.ts';
import { isMakerOnlyCategory, UNIT_CATEGORIES, UnitCategorySchema } from './policies/index.ts';
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
  .refine(inDateRange, dateRangeIssue)
  .meta({
    description: 'YYYY-MM-DD or ISO 8601 date-time; without an offset, China time (UTC+8)',
    example: '2026-03-01',
  });

const km = z.number().nonnegative().finite();

/**
 * `null` means absent (issue 20, class 2; the project's boundary rule): every optional field
 * accepts `null` and reads it as not given. In the OpenAPI document the field is `T | null`.
 */
export const opt = <T extends z.ZodType>(s: T) =>
  s.nullish().transform((v): z.output<T> | undefined => v ?? undefined);
/** An optional list: `null` or absent is an empty list. */
const list = <T extends z.ZodType>(s: T) =>
  z
    .array(s)
    .nullish()
    .transform((v): z.output<T>[] => v ?? []);
/** An optional text: `null` or absent is ''. */
const text = () =>
  z
    .string()
    .nullish()
    .transform((v) => v ?? '');

/** CAR21 Art. 23 failure types (the words in `failureType` are mapped onto these; fault-words.ts). */
export const FailureTypeSchema = z.enum(ART23_TYPES);

/**
 * A fault's cause: an id, or a word as records write it (使用不当, 不可抗力 …, fault-words.ts).
 * Absent or null: a quality problem.
 */
const CauseInSchema = z
  .string()
  .nullish()
  .transform((v, ctx) => {
    if (v === null || v === undefined) return 'quality' as const;
    const r = CauseSchema.safeParse(causeId(v));
    if (r.success) return r.data;
    ctx.addIssue({
      code: 'custom',
      message: `unknown cause ${JSON.stringify(v)}; expected one of ${CauseSchema.options.join(', ')} (or a word such as 质量问题, 使用不当, 不可抗力)`,
    });
    return z.NEVER;
  })
  .describe(
    'quality (default) or an exclusion: consumer_misuse, force_majeure … or a word (使用不当)',
  );

/** Part replaced in a repair: a name, or an object with a name (number/serial are ignored here). */
const PartRefSchema = z.union([z.string().min(1), z.object({ name: z.string().min(1) })]);

export const RepairFactSchema = z.object({
  date: DateOrDateTimeSchema.describe(
    'repair agreed / unit dropped off (CAR21 Art. 40: start of repair time)',
  ),
  returnedDate: opt(DateOrDateTimeSchema).describe(
    'repair completed; null or absent = still in the shop (its days count up to evaluationDate)',
  ),
  faultCode: text().describe('identifies "the same quality problem" (CAR21 Art. 24(4))'),
  description: text(),
  component: opt(z.string().min(1)).describe(
    'the assembly, system or component: engine / 发动机, compressor / 压缩机, host… (vocabulary tables); default: from the parts',
  ),
  partsReplaced: list(PartRefSchema).describe(
    'parts as the 维修工单 names them (发动机总成, 曲轴, 压缩机 …); an assembly (发动机总成) means the whole assembly was replaced',
  ),
  isMainPart: opt(z.boolean()),
  isSeriousSafetyFault: opt(z.boolean()),
  failureType: opt(z.string()).describe(
    'the failure in words: the five CAR21 Art. 23 types (or their synonyms, 刹车失灵 …) or any other; Art. 40 decides whether it is a serious safety failure',
  ),
  cause: CauseInSchema,
  mileageKm: opt(km),
  excludedHours: opt(z.number().nonnegative()).describe(
    'CAR21 Art. 24 ¶3 transport/rescue hours, excluded for 24(4) only',
  ),
  occupiedDays: opt(z.number().int().nonnegative()).describe(
    'days the repair took (P95 Art. 8 extension); default from the dates',
  ),
  waitingForPartsFromProducer: opt(z.boolean()),
  delayCause: opt(z.enum(['repairer', 'producer_parts', 'consumer', 'other'])),
});

export const CurrentFaultSchema = z.object({
  date: opt(DateOrDateTimeSchema).describe('when the fault appeared; default evaluationDate'),
  faultCode: text(),
  description: text(),
  component: opt(z.string().min(1)).describe(
    'engine / 发动机, compressor / 压缩机, battery / 电池 …',
  ),
  mainPart: opt(z.string()).describe('the main part at fault, e.g. crankshaft / 曲轴'),
  isMainPart: opt(z.boolean()),
  requiresReplacement: opt(z.boolean()).describe(
    'cars: the assembly, or the named mainPart, must be replaced; CAR21 Arts. 20 and 22 apply only when that is an assembly or one of its main parts',
  ),
  isSeriousSafetyFault: opt(z.boolean()),
  failureType: opt(z.string()).describe(
    'CAR21 Art. 23 type (转向系统失效, 制动系统失效, 车身开裂, 燃油泄漏, 动力蓄电池起火 or a synonym such as 刹车失灵) or other words, judged by Art. 40',
  ),
  cause: CauseInSchema,
  mileageKm: opt(km).describe('odometer at the fault; default facts.mileageKm'),
});

export const CaseFactsSchema = z
  .object({
    invoiceDate: opt(DateOrDateTimeSchema).describe(
      'purchase invoice; null with hasInvoice: false when there is none',
    ),
    deliveryDate: opt(DateOrDateTimeSchema).describe('CAR21 Art. 18 ¶2; 消法 Art. 24 "收到商品"'),
    purchaseDate: opt(DateOrDateTimeSchema).describe(
      'sale date as the 三包凭证 gives it, when there is no invoice date',
    ),
    installationCompletedDate: opt(DateOrDateTimeSchema).describe(
      'flat-panel TVs: end of installation',
    ),
    exchangeDate: opt(DateOrDateTimeSchema).describe(
      'last 三包 exchange: periods restart (CAR21 Art. 29; P95 Art. 14)',
    ),
    evaluationDate: DateOrDateTimeSchema,
    mileageKm: opt(km).describe('odometer now (cars)'),
    priceCNY: opt(z.number().nonnegative().finite()),
    usageCompensationCoefficient: opt(z.number().min(0).max(1)).describe(
      'n from the 三包凭证, e.g. 0.005 (CAR21 Art. 27); a value of 0.01 or more is read as a percentage (0.3 = 0.3 %)',
    ),
    hasInvoice: opt(z.boolean()),
    hasWarrantyCertificate: opt(z.boolean()),
    sellerHasSameModel: opt(z.boolean()),
    consumerAcceptsOtherModel: opt(z.boolean()),
    repairs: list(RepairFactSchema),
    currentFault: opt(CurrentFaultSchema),
  })
  .superRefine((f, ctx) => {
    // Field errors are reported by the field schemas; compare only dates that parsed.
    const ok = (s: string | undefined) => s === undefined || isValidDateOrDateTime(s);
    const all = [
      f.invoiceDate,
      f.deliveryDate,
      f.purchaseDate,
      f.evaluationDate,
      f.exchangeDate,
      f.installationCompletedDate,
      f.currentFault?.date,
      ...(f.repairs ?? []).flatMap((r) => [r.date, r.returnedDate]),
    ];
    if (!all.every(ok)) return;
    const purchase = [f.invoiceDate, f.deliveryDate, f.purchaseDate]
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
    if (f.currentFault?.date) before(f.currentFault.date, ['currentFault', 'date'], 'fault');
  });
export type CaseFacts = z.infer<typeof CaseFactsSchema>;
export type RepairFact = CaseFacts['repairs'][number];
export type CurrentFault = NonNullable<CaseFacts['currentFault']>;

/** A category id, or its name as people write it (空调, 手机 …). */
const CategoryInSchema = z.string().transform((v, ctx) => {
  const r = UnitCategorySchema.safeParse(categoryId(v));
  if (r.success) return r.data;
  for (const i of r.error.issues) ctx.addIssue({ code: 'custom', message: i.message });
  return z.NEVER;
});

export const EvaluateRequestSchema = z
  .object({
    category: CategoryInSchema.describe(`one of ${UNIT_CATEGORIES.join(', ')} (or 空调, 手机 …)`),
    policy: opt(
      z.union([z.string().min(1).describe('baseline id or id@version'), PolicyOverrideSchema]),
    ).describe('default: the national baseline in force when the 三包 period started'),
    makerPolicy: opt(MakerPolicySchema).describe(
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
    const bought = r.facts.deliveryDate ?? r.facts.purchaseDate ?? r.facts.invoiceDate;
    if (bought === undefined || !isValidDateOrDateTime(bought)) return;
    const start = parseInstant(bought).date;
    if (mp.effectiveFrom > start)
      ctx.addIssue({
        code: 'custom',
        path: ['makerPolicy', 'effectiveFrom'],
        message: `${mp.effectiveFrom} is after the purchase (${start}): this version does not apply to the unit`,
      });
  })
  .meta({ id: 'WarrantyEvaluateRequest' });
export type EvaluateRequest = z.infer<typeof EvaluateRequestSchema>;
