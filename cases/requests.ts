import { z } from 'zod';
import {
  CaseKindSchema,
  ChannelSchema,
  GrantedRemedySchema,
  PartySchema,
  RequestedRemedySchema,
} from './model.ts';
import { freeText, opt, ShortText } from './text.ts';

/**
 * Request bodies of the case routes: one schema each for validation, types and the OpenAPI
 * document. `null` for an optional field means absent. Free text is bounded and checked
 * (text.ts); the field named in an error is the one at fault.
 */
const Serial = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._:-]+$/, 'letters, digits and . _ : -');
const Id = z.string().trim().min(1).max(100);

const Contact = z
  .object({
    name: opt(ShortText),
    phone: opt(
      z
        .string()
        .trim()
        .regex(/^\+?[0-9][0-9 ()-]{4,30}$/, 'a phone number: digits, spaces, ( ) and -'),
    ),
    email: opt(z.email('an email address').max(254)),
  })
  .strict();

const RequestFields = {
  kind: CaseKindSchema,
  description: freeText(2000).describe('the owner’s words, kept as text (HTML is not markup here)'),
  contact: Contact.nullish().transform((v) => ({
    ...(v?.name ? { name: v.name } : {}),
    ...(v?.phone ? { phone: v.phone } : {}),
    ...(v?.email ? { email: v.email } : {}),
  })),
  notify: z
    .object({
      email: opt(z.boolean()).describe('mail the contact address when the case moves'),
      webhook: opt(z.boolean()).describe('tell the maker’s app or SMS gateway as well'),
    })
    .strict()
    .nullish()
    .transform((v) => ({ email: v?.email ?? false, webhook: v?.webhook ?? false })),
  fault: z
    .object({
      code: opt(z.string().trim().min(1).max(64)),
      component: opt(z.string().trim().min(1).max(64)),
    })
    .strict()
    .nullish()
    .transform((v) => ({
      ...(v?.code ? { code: v.code } : {}),
      ...(v?.component ? { component: v.component } : {}),
    }))
    .describe('which fault: the same code (or component) back again is a repeat'),
  requestedRemedy: opt(RequestedRemedySchema).describe('a claim: the remedy asked for'),
  against: opt(PartySchema).describe('a complaint: against whom'),
  mileageKm: opt(z.number().nonnegative().finite()).describe('a car’s odometer, if known'),
  outletId: opt(Id).describe('the outlet handling it, when known'),
};

type Checked = {
  kind: string;
  requestedRemedy?: unknown;
  against?: unknown;
  notify: { email: boolean };
  contact: { email?: string };
};
function checkKind(b: Checked, ctx: z.RefinementCtx): void {
  if (b.kind === 'claim' && b.requestedRemedy === undefined)
    ctx.addIssue({
      code: 'custom',
      path: ['requestedRemedy'],
      message: 'a claim names the remedy asked for: repair, assembly_swap, exchange or return',
    });
  if (b.kind !== 'claim' && b.requestedRemedy !== undefined)
    ctx.addIssue({
      code: 'custom',
      path: ['requestedRemedy'],
      message: 'only a claim asks for a remedy',
    });
  if (b.kind === 'complaint' && b.against === undefined)
    ctx.addIssue({
      code: 'custom',
      path: ['against'],
      message: 'a complaint names whom it is against: outlet, seller or maker',
    });
  if (b.notify.email && !b.contact.email)
    ctx.addIssue({
      code: 'custom',
      path: ['notify', 'email'],
      message: 'mail needs contact.email',
    });
}

export const OwnerOpenBody = z
  .object(RequestFields)
  .strict()
  .superRefine(checkKind)
  .meta({ id: 'CaseOpenByOwner' });

export const DeskOpenBody = z
  .object({
    ...RequestFields,
    serial: Serial,
    channel: ChannelSchema.exclude(['owner_page']).default('phone'),
  })
  .strict()
  .superRefine(checkKind)
  .meta({ id: 'CaseOpenByDesk' });

export const AnswerBody = z
  .object({
    decision: z.enum(['accept', 'refuse', 'inform']),
    text: freeText(4000),
    reasons: opt(freeText(4000)).describe('required by CAR21 Art. 28 ¶1 when refusing'),
  })
  .strict()
  .meta({ id: 'CaseAnswer' });

export const AssignBody = z
  .object({ outletId: opt(Id), assignee: opt(ShortText) })
  .strict()
  .refine((b) => b.outletId !== undefined || b.assignee !== undefined, 'outletId or assignee');

export const NoteBody = z
  .object({ text: freeText(4000), internal: opt(z.boolean()).transform((v) => v ?? true) })
  .strict();

export const CloseBody = z
  .object({
    remedyGranted: GrantedRemedySchema,
    text: freeText(4000),
    reasons: opt(freeText(4000)),
    outletId: opt(Id),
    repairRef: opt(z.string().trim().min(1).max(100)).describe('the repair record or order'),
  })
  .strict()
  .meta({ id: 'CaseClose' });

export const SurveyBody = z
  .object({
    score: z.number().int().min(1).max(5).describe('1 (very dissatisfied) … 5 (very satisfied)'),
    resolved: z.boolean().describe('was the problem solved?'),
    comment: opt(freeText(1000)),
  })
  .strict()
  .meta({ id: 'CaseSurveyAnswer' });

export const WebhookBody = z
  .object({
    url: z.url({ protocol: /^https?$/ }).max(2000),
    secret: z.string().min(16, 'at least 16 characters').max(200),
    manufacturer: opt(z.string().trim().min(1).max(128)).describe(
      'absent: every maker (admin only)',
    ),
  })
  .strict();

const Phone = z
  .string()
  .trim()
  .regex(/^\+?[0-9][0-9 ()-]{4,30}$/, 'a phone number: digits, spaces, ( ) and -');

export const SubscriptionBody = z
  .object({
    alerts: z.boolean().describe('tell me when remote monitoring finds a problem on this unit'),
    email: opt(z.email('an email address').max(254)),
    webhook: opt(z.boolean())
      .transform((v) => v ?? false)
      .describe('through the maker’s app or SMS gateway (its case webhooks), to `phone`'),
    phone: opt(Phone),
  })
  .strict()
  .superRefine((b, ctx) => {
    if (b.alerts && !b.email && !b.webhook)
      ctx.addIssue({
        code: 'custom',
        path: ['email'],
        message: 'alerts need an email, or webhook with a phone',
      });
    if (b.webhook && !b.phone)
      ctx.addIssue({
        code: 'custom',
        path: ['phone'],
        message: 'the maker’s gateway needs a phone number',
      });
  })
  .meta({ id: 'OwnerAlertSubscription' });

export { Serial, Id };
