import { z } from 'zod';
import { SourceTagSchema } from './policy-schema.ts';

/**
 * The decision the eligibility engine returns (issue 5): every remedy available now, the most
 * extensive one (`remedy`), whether the owner pays nothing (`free`), each with the clause that
 * grants it and an explanation in Chinese and English, plus deadlines, counters, exclusions.
 * No transforms here: the response serializer encodes with this schema.
 */
export const TextSchema = z.object({ zh: z.string(), en: z.string() });
export type Text = z.infer<typeof TextSchema>;

export const RemedyKindSchema = z.enum([
  'return',
  'exchange',
  'assembly_swap',
  'free_repair',
  'paid_repair',
]);
export type RemedyKind = z.infer<typeof RemedyKindSchema>;

export const AmountSchema = z.object({
  formula: z.string(),
  clause: z.string(),
  inputs: z.record(z.string(), z.number()),
  uncertain: z.boolean(),
});
export type Amount = z.infer<typeof AmountSchema>;

export const RemedyOptionSchema = z.object({
  kind: RemedyKindSchema,
  scope: z.enum(['unit', 'assembly', 'part', 'accessory']),
  /** What is repaired, swapped or exchanged when scope is not the whole unit. */
  target: z.string().optional(),
  /** The target's name in both languages (vocabulary tables). */
  targetName: TextSchema.optional(),
  free: z.boolean(),
  /** CNY the owner pays; 0 when free; null when it cannot be computed (price or mileage unknown). */
  amountOwedCNY: z.number().nullable(),
  amountBasis: AmountSchema.optional(),
  clause: z.string(),
  source: SourceTagSchema,
  uncertain: z.boolean(),
  explanation: TextSchema,
});
export type RemedyOption = z.infer<typeof RemedyOptionSchema>;

export const DeadlineSchema = z.object({
  key: z.string(),
  clause: z.string(),
  start: z.iso.date(),
  nominalEnd: z.iso.date().describe('before Civil Code Art. 203'),
  end: z.iso.date().describe('last day included (ends 24:00)'),
  extendedByDays: z.number().int().describe('repair and parts-waiting days added (P95 Art. 8)'),
  holidayExtended: z.boolean(),
  calendarCovered: z.boolean().describe('false: the holiday calendar does not reach this date'),
  limitKm: z.number().optional(),
  passed: z.boolean().describe('evaluation date after `end`, or mileage over `limitKm`'),
  explanation: TextSchema,
});
export type Deadline = z.infer<typeof DeadlineSchema>;

export const CounterSchema = z.object({
  key: z.string(),
  clause: z.string(),
  count: z.number(),
  limit: z.number(),
  /** `more_than`: reached when count > limit (超过); `at_least`: reached when count ≥ limit. */
  rule: z.enum(['more_than', 'at_least']),
  reached: z.boolean(),
  explanation: TextSchema,
});
export type Counter = z.infer<typeof CounterSchema>;

export const NoteSchema = z.object({ clause: z.string(), explanation: TextSchema });

/** An uncertain fact, an unknown word or a date beyond the holiday calendar, in both languages. */
export const WarningSchema = z.object({
  code: z.string().describe('stable id, e.g. calendar_not_covered, unknown_part'),
  zh: z.string(),
  en: z.string(),
});
export type Warning = z.infer<typeof WarningSchema>;
export type Note = z.infer<typeof NoteSchema>;

export const EvaluationSchema = z
  .object({
    category: z.string(),
    policy: z.object({
      id: z.string(),
      version: z.string(),
      title: z.string(),
      issuer: z.enum(['national', 'manufacturer']),
      manufacturer: z.string().optional().describe('a maker’s policy: whose'),
      model: z.string().optional().describe('a maker’s saved policy: the product model'),
      effectiveFrom: z.iso.date().describe('this version applies to periods starting on or after'),
      basedOn: z.string().optional().describe('the national baseline (id@version) it builds on'),
      uncertainFacts: z.array(z.object({ key: z.string(), clause: z.string(), note: z.string() })),
    }),
    evaluationDate: z.iso.date(),
    periodStart: z.iso.date().nullable().describe('null when no purchase date was given'),
    periodStartBasis: NoteSchema,
    remedy: z
      .enum(['return', 'exchange', 'repair', 'none'])
      .describe(
        'the most extensive 三包 remedy; none when 三包 owes nothing (a paid repair is an offer)',
      ),
    free: z.boolean().describe('the owner pays nothing for `remedy`; false when remedy is none'),
    amountOwedCNY: z
      .number()
      .nullable()
      .describe('what the owner pays for `remedy`; null when unknown or when remedy is none'),
    remedies: z.array(RemedyOptionSchema).describe('every 三包 remedy available now'),
    offers: z
      .array(RemedyOptionSchema)
      .describe('what the owner may buy outside 三包 (paid repair): never a 三包 remedy'),
    deadlines: z.array(DeadlineSchema),
    counters: z.array(CounterSchema),
    exclusions: z.array(
      z.object({ reason: z.string(), clause: z.string(), explanation: TextSchema }),
    ),
    notes: z
      .array(NoteSchema)
      .describe('duties of seller/repairer that follow (courtesy car, answer deadlines…)'),
    warnings: z.array(WarningSchema),
  })
  .meta({ id: 'WarrantyEvaluation' });
export type Evaluation = z.infer<typeof EvaluationSchema>;
