import { z } from 'zod';
import { TextPairSchema } from './text.ts';

/**
 * A case as the service keeps it (issue 23): what was asked (the request), the engine's decision
 * at opening for a claim, the deadlines with their clauses, the answer, the resolution. The
 * timeline (events) and the findings live beside it. Lifecycle: open → answered → closed
 * (a close straight from open is an answer and a close at once).
 */
export const CASE_KINDS = ['consultation', 'claim', 'complaint'] as const;
export const CaseKindSchema = z.enum(CASE_KINDS);
export type CaseKind = z.infer<typeof CaseKindSchema>;

export const CaseStatusSchema = z.enum(['open', 'answered', 'closed']);
export type CaseStatus = z.infer<typeof CaseStatusSchema>;

/** Remedies an owner asks for and an outlet grants, by extent. */
export const REMEDY_RANK = {
  none: 0,
  repair: 1,
  assembly_swap: 2,
  exchange: 3,
  return: 4,
} as const;
export const RequestedRemedySchema = z.enum(['repair', 'assembly_swap', 'exchange', 'return']);
export const GrantedRemedySchema = z.enum([
  'none',
  'repair',
  'assembly_swap',
  'exchange',
  'return',
]);
export type Remedy = z.infer<typeof GrantedRemedySchema>;

export const ChannelSchema = z.enum(['owner_page', 'phone', 'walk_in', 'email', 'letter', 'app']);
export const PartySchema = z.enum(['outlet', 'seller', 'maker']);
export type Party = z.infer<typeof PartySchema>;

/**
 * What the owner (or the desk for them) asked, as stored and shown. The input schema
 * (`CaseRequestInput`, requests.ts) validates and normalises it; this one only describes it.
 */
export const CaseRequestSchema = z.object({
  description: z.string().describe('the owner’s words, kept as text'),
  contact: z.object({
    name: z.string().optional(),
    phone: z.string().optional(),
    email: z.string().optional(),
  }),
  notify: z.object({ email: z.boolean(), webhook: z.boolean() }),
  fault: z.object({ code: z.string().optional(), component: z.string().optional() }),
  requestedRemedy: RequestedRemedySchema.optional(),
  against: PartySchema.optional(),
  mileageKm: z.number().optional(),
});
export type CaseRequest = z.infer<typeof CaseRequestSchema>;

/** One deadline of a case, with the clause that sets it. */
export const DeadlineSchema = z.object({
  key: z.enum(['answer', 'fulfil', 'delay']),
  clause: z.string(),
  basis: z.enum(['law', 'maker', 'platform']),
  uncertain: z.boolean(),
  explanation: TextPairSchema,
  length: z.object({ workingDays: z.number().int() }).or(z.object({ days: z.number().int() })),
  start: z.iso.date(),
  due: z.iso.date().describe('the last day included (China time, ends 24:00)'),
  dueAt: z.iso.datetime({ offset: true }),
  calendarCovered: z.boolean().describe('false: the holiday calendar does not reach the due day'),
  status: z.enum(['pending', 'met', 'missed', 'moot']),
  warned: z.boolean().describe('escalated to a supervisor on its last day'),
  settledAt: z.iso.datetime({ offset: true }).optional(),
});
export type Deadline = z.infer<typeof DeadlineSchema>;

/** The engine's decision when a claim was opened, kept as evidence. */
export const ClaimDecisionSchema = z.object({
  evaluationDate: z.iso.date(),
  policy: z.string().describe('id@version of the policy that decided'),
  remedy: z.enum(['return', 'exchange', 'repair', 'none']).describe('the most extensive remedy'),
  owed: z
    .object({ remedy: GrantedRemedySchema, clause: z.string() })
    .describe('what this claim is owed: the remedy asked for, or the most the law gives below it'),
  remedies: z.array(
    z.object({
      kind: z.string(),
      free: z.boolean(),
      amountOwedCNY: z.number().nullable(),
      clause: z.string(),
      explanation: TextPairSchema,
    }),
  ),
  amountOwedCNY: z.number().nullable(),
  mileageKm: z.number().optional(),
  mileageSource: z.enum(['given', 'telemetry', 'unknown']),
  /** The engine's warnings, in both languages (warranty's `WarningSchema`). */
  warnings: z.array(z.object({ code: z.string(), zh: z.string(), en: z.string() })),
});
export type ClaimDecision = z.infer<typeof ClaimDecisionSchema>;

export const AnswerSchema = z.object({
  decision: z.enum(['accept', 'refuse', 'inform']),
  text: z.string(),
  reasons: z.string().optional(),
  at: z.string(),
  by: z.string(),
});
export type Answer = z.infer<typeof AnswerSchema>;

export const ResolutionSchema = z.object({
  remedyGranted: GrantedRemedySchema,
  text: z.string(),
  reasons: z.string().optional(),
  outletId: z.string().optional(),
  repairRef: z.string().optional(),
  at: z.string(),
  by: z.string(),
});
export type Resolution = z.infer<typeof ResolutionSchema>;

/** The stored case. */
export interface Case {
  id: string;
  kind: CaseKind;
  status: CaseStatus;
  serial: string;
  category: string;
  model: string;
  manufacturer: string | null;
  seller: string | null;
  outletId: string | null;
  assignee: string | null;
  channel: z.infer<typeof ChannelSchema>;
  openedBy: string;
  openedAt: string;
  request: CaseRequest;
  decision: ClaimDecision | null;
  deadlines: Deadline[];
  escalation: 'none' | 'supervisor' | 'maker';
  answer: Answer | null;
  resolution: Resolution | null;
  repeatOf: string | null;
  closedAt: string | null;
  version: number;
}

/** A line of a case's timeline. */
export interface CaseEvent {
  seq: number;
  at: string;
  actor: string;
  type:
    | 'opened'
    | 'assigned'
    | 'answered'
    | 'note'
    | 'escalated'
    | 'deadline_missed'
    | 'deadline_met'
    | 'flagged'
    | 'closed'
    | 'survey_answered';
  data: Record<string, unknown>;
}
