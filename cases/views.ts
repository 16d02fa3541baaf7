import { z } from 'zod';
import { clockOf, type Calendar } from './deadlines.ts';
import type { Finding } from './findings.ts';
import {
  AnswerSchema,
  CaseKindSchema,
  CaseRequestSchema,
  CaseStatusSchema,
  ChannelSchema,
  ClaimDecisionSchema,
  DeadlineSchema,
  ResolutionSchema,
  type Case,
  type CaseEvent,
} from './model.ts';
import type { Notification, Survey } from './store.ts';
import { TextPairSchema } from './text.ts';

/**
 * Cases as the API shows them (response schemas are allow-lists, docs/style.md §9): each deadline
 * with its clock at the case clock's now, the flags (findings) of the case, the survey's state.
 * The owner's view leaves out internal notes and the desk's assignee.
 */
const ClockedDeadline = DeadlineSchema.extend({
  clock: z
    .object({
      remainingMs: z.number().describe('negative when overdue'),
      overdue: z.boolean(),
      workingDaysLeft: z.number().int(),
    })
    .nullable()
    .describe('while pending'),
});

export const FlagSchema = z.object({
  id: z.string(),
  rule: z.string(),
  clause: z.string(),
  severity: z.enum(['violation', 'warning']),
  message: TextPairSchema,
  status: z.enum(['open', 'rectified', 'dismissed']),
});

export const CaseViewSchema = z
  .object({
    id: z.string(),
    kind: CaseKindSchema,
    status: CaseStatusSchema,
    serial: z.string(),
    category: z.string(),
    model: z.string(),
    manufacturer: z.string().nullable(),
    seller: z.string().nullable(),
    outletId: z.string().nullable(),
    assignee: z.string().nullable().optional(),
    channel: ChannelSchema,
    openedBy: z.string(),
    openedAt: z.string(),
    request: CaseRequestSchema,
    decision: ClaimDecisionSchema.nullable(),
    deadlines: z.array(ClockedDeadline),
    escalation: z.enum(['none', 'supervisor', 'maker']),
    answer: AnswerSchema.nullable(),
    resolution: ResolutionSchema.nullable(),
    repeatOf: z.string().nullable(),
    closedAt: z.string().nullable(),
    flags: z.array(FlagSchema),
    survey: z.object({
      status: z.enum(['none', 'pending', 'answered']),
      score: z.number().int().nullable(),
      answeredAt: z.string().nullable(),
    }),
  })
  .meta({ id: 'Case' });
export type CaseView = z.infer<typeof CaseViewSchema>;

export const CaseEventSchema = z.object({
  seq: z.number().int(),
  at: z.string(),
  actor: z.string(),
  type: z.string(),
  data: z.record(z.string(), z.unknown()),
});

export const NotificationSchema = z
  .object({
    id: z.string(),
    event: z.string(),
    channel: z.enum(['email', 'webhook']),
    target: z.string(),
    status: z.enum(['pending', 'sent', 'failed']),
    attempts: z.number().int(),
    nextAttemptAt: z.string(),
    lastError: z.string().nullable(),
    log: z.array(z.object({ at: z.string(), ok: z.boolean(), error: z.string().optional() })),
    createdAt: z.string(),
    sentAt: z.string().nullable(),
  })
  .meta({ id: 'CaseNotification' });

export const CaseDetailSchema = CaseViewSchema.extend({
  events: z.array(CaseEventSchema),
}).meta({ id: 'CaseDetail' });

export function viewCase(
  c: Case,
  o: {
    now: Date;
    calendar: Calendar;
    findings: readonly Finding[];
    survey: Survey | undefined;
    owner: boolean;
  },
): CaseView {
  const { version: _v, assignee, ...rest } = c;
  return {
    ...rest,
    ...(o.owner ? {} : { assignee }),
    deadlines: c.deadlines.map((d) => ({
      ...d,
      clock: d.status === 'pending' ? clockOf(d, o.now, o.calendar) : null,
    })),
    flags: o.findings.map((f) => ({
      id: f.id,
      rule: f.rule,
      clause: f.clause,
      severity: f.severity,
      message: f.message,
      status: f.status,
    })),
    survey: {
      status: !o.survey ? 'none' : o.survey.answeredAt ? 'answered' : 'pending',
      score: o.survey?.score ?? null,
      answeredAt: o.survey?.answeredAt ?? null,
    },
  };
}

/** The timeline as the owner sees it: without the desk's internal notes. */
export const ownerEvents = (events: readonly CaseEvent[]): CaseEvent[] =>
  events.filter((e) => !(e.type === 'note' && e.data.internal === true));

export const viewNotification = (n: Notification) => ({
  id: n.id,
  event: n.event,
  channel: n.channel,
  target: n.target,
  status: n.status,
  attempts: n.attempts,
  nextAttemptAt: n.nextAttemptAt,
  lastError: n.lastError,
  log: n.log,
  createdAt: n.createdAt,
  sentAt: n.sentAt,
});
