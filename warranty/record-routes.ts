import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { type Auth, ErrorEnvelope } from '../core/index.ts';
import { daysBetween, parseInstant } from './calendar.ts';
import { EvaluationSchema } from './evaluation-schema.ts';
import { WarrantyErrors } from './errors.ts';
import { HolidayCalendars } from './holiday-calendars.ts';
import { FindingSchema, registriesFor, reviewOrder } from './order-review.ts';
import { unitTerms } from './maker-policy-versions.ts';
import { CODE_LIMITS, codeLimiters, ownerOrStaff, type CodeLimiters } from './owner-access.ts';
import type { OwnerCodes } from './owner-codes.ts';
import {
  RepairRecordBodySchema,
  StoredRecordSchema,
  type LinkAnchor,
} from './repair-record-schema.ts';
import type { OdometerSource } from './odometer.ts';
import { DateOrDateTimeSchema } from './schemas.ts';
import type { WarrantyStore } from './warranty-store.ts';
import { warrantyStatus } from './warranty-status.ts';

/**
 * Repair-record routes (issue 5): a unit's append-only repair records, chain
 * verification, and the warranty status of a registered unit. Registered by `warrantyRoutes`
 * when it is given a store and an auth service.
 */
export interface RecordRoutesOptions {
  store: WarrantyStore;
  auth: Auth;
  /** Clock for `recordedAt` and the default evaluation date; injected so tests control it. */
  now?: () => Date;
  /**
   * Telemetry, for car mileage from a connected unit's odometer (with rollback detection), and
   * for days out of service (`GET /units/:serial/downtime`, `?repairDays=telemetry`).
   */
  telemetry?: OdometerSource;
  /** The holiday calendar in force (default: the built-in years). */
  calendars?: HolidayCalendars;
  /** Owner verification codes: generated here, stored as keyed hashes (owner-codes.ts). */
  ownerCodes: OwnerCodes;
  /** Wrong-code limits (default CODE_LIMITS); tests shorten the window. */
  codeLimits?: typeof CODE_LIMITS;
  /**
   * The wrong-code limiters to count against, when the caller shares them with other routes
   * that take a code (app/http.ts: cases/); else made here with `codeLimits`.
   */
  limiters?: CodeLimiters;
  /** Other copies of a unit's links (the repair orders that closed with them), for verify. */
  chainLinks?: (serial: string) => Promise<LinkAnchor[]>;
}

const AnchorSchema = z
  .object({
    count: z.number().int().describe('records in the chain'),
    head: z.string().describe('hash of the last record (64 zeros for none)'),
  })
  .meta({ id: 'WarrantyChainAnchor' });
const VerificationSchema = z
  .object({
    ok: z.boolean(),
    count: z.number().int().describe('records found'),
    head: z.string().optional(),
    anchor: AnchorSchema.describe('head and count kept on the unit, outside the records'),
    linksChecked: z
      .number()
      .int()
      .describe('other copies of links compared: repair orders, the receipt given'),
    firstBroken: z
      .object({
        seq: z.number().int(),
        reason: z.enum([
          'hash_mismatch',
          'prev_hash_mismatch',
          'missing_record',
          'anchor_mismatch',
        ]),
        source: z
          .string()
          .optional()
          .describe('the copy that disagrees: unit, receipt, repair order <id>'),
      })
      .optional(),
  })
  .meta({ id: 'WarrantyChainVerification' });
/** `count:head` as printed on an owner's receipt. */
const ReceiptSchema = z
  .string()
  .regex(/^\d{1,6}:[0-9a-f]{64}$/, 'count:head, as printed on the receipt')
  .transform((s) => {
    const [count, head] = s.split(':') as [string, string];
    return { seq: Number(count), hash: head, source: 'receipt' };
  });

const DaysSourceSchema = z.enum(['records', 'telemetry']);
const UnitStatusSchema = EvaluationSchema.extend({
  unit: z.object({ serial: z.string(), category: z.string(), model: z.string() }),
  repairDaysSource: DaysSourceSchema.describe('the source asked for (`repairDays`)'),
  records: AnchorSchema.describe(
    "the seal of the unit's repair records, to print on the owner's receipt: a later check (GET /units/{serial}/repairs/verify?receipt=count:head) shows whether any of them was changed or removed",
  ),
  history: z.array(
    z.object({
      seq: z.number().int(),
      droppedOffAt: z.string(),
      handedBackAt: z.string().optional(),
      faultCode: z.string(),
      component: z.string(),
      reportedFault: z.string(),
      parts: z.array(z.string()),
      corrected: z.boolean().describe('this entry is a correction of an earlier record'),
      daysSource: DaysSourceSchema.describe('where the repair days of this entry came from'),
      daysSourceNote: z.string().optional().describe('the telemetry interval, or why not'),
    }),
  ),
  outlets: z
    .array(
      z.object({
        id: z.string(),
        name: z.string(),
        address: z.string().optional(),
        servicePhone: z.string().optional(),
      }),
    )
    .describe("the manufacturer's outlets authorized today, with their official phone numbers"),
}).meta({ id: 'WarrantyUnitStatus' });

const SerialParams = z.object({ serial: z.string().min(1).max(64) });
/** A unit of another maker is unknown to a confined token (core/tenant.ts). */
const oneUnit = { params: { serial: 'unit' } };
const errors = { 400: ErrorEnvelope, 401: ErrorEnvelope, 403: ErrorEnvelope, 404: ErrorEnvelope };

export const recordRoutes: FastifyPluginAsyncZod<RecordRoutesOptions> = async (
  app,
  {
    store,
    auth,
    now = () => new Date(),
    telemetry,
    ownerCodes,
    codeLimits,
    limiters,
    chainLinks,
    calendars = new HolidayCalendars(),
  },
) => {
  const limits = limiters ?? (await codeLimiters(app, codeLimits));
  const staff = auth.require('engineer', 'manufacturer');
  const engineer = auth.require('engineer');
  const unitOr404 = async (serial: string) => {
    const u = await store.getUnit(serial);
    if (!u) throw new WarrantyErrors.UnknownUnit(serial);
    return u;
  };
  app.post(
    '/units/:serial/repairs',
    {
      preHandler: engineer,
      schema: {
        tags: ['warranty'],
        summary: 'Append a repair record (or a correction) to the unit’s hash chain',
        params: SerialParams,
        body: RepairRecordBodySchema,
        response: {
          201: StoredRecordSchema.extend({ checks: z.array(FindingSchema) }),
          422: ErrorEnvelope,
          ...errors,
        },
      },
    },
    async (req, reply) => {
      const unit = await unitOr404(req.params.serial);
      const purchase = parseInstant(unit.deliveryDate ?? unit.invoiceDate).date;
      const invoice = parseInstant(unit.invoiceDate).date;
      const first = daysBetween(invoice, purchase) < 0 ? purchase : invoice;
      if (daysBetween(first, parseInstant(req.body.droppedOffAt).date) < 0)
        throw new z.ZodError([
          {
            code: 'custom',
            path: ['body', 'droppedOffAt'],
            message: `before the purchase (${first})`,
            input: req.body.droppedOffAt,
          },
        ]);
      const checks = reviewOrder(
        unit,
        await store.listRepairs(unit.serial),
        req.body,
        await registriesFor(store, unit, req.body),
        await unitTerms(store, unit),
      );
      const rec = await store.appendRepair(unit.serial, req.body, now().toISOString());
      return reply.status(201).send({ ...rec, checks });
    },
  );

  app.get(
    '/units/:serial/repairs',
    {
      preHandler: staff,
      config: { tenant: oneUnit },
      schema: {
        tags: ['warranty'],
        params: SerialParams,
        response: { 200: z.array(StoredRecordSchema), ...errors },
      },
    },
    async (req) => {
      return store.listRepairs(req.params.serial);
    },
  );

  app.get(
    '/units/:serial/repairs/verify',
    {
      preHandler: staff,
      config: { tenant: oneUnit },
      schema: {
        tags: ['warranty'],
        summary:
          "Re-check the repair-record hash chain against the unit's anchor, its repair orders and a receipt; names the first broken link",
        params: SerialParams,
        querystring: z.object({
          receipt: ReceiptSchema.optional().describe(
            'count:head from the owner’s receipt: record `count` must still have hash `head`',
          ),
        }),
        response: { 200: VerificationSchema, ...errors },
      },
    },
    async (req) => {
      const links = [
        ...((await chainLinks?.(req.params.serial)) ?? []),
        ...(req.query.receipt ? [req.query.receipt] : []),
      ];
      return store.verifyRepairs(req.params.serial, links);
    },
  );

  const ownerCheck = ownerOrStaff(auth, store, ownerCodes, limits);
  app.get(
    '/units/:serial/warranty',
    {
      // Token and role before the handler; the code and the unit are checked by the use case.
      preHandler: ownerCheck.tokenOnly,
      config: { tenant: oneUnit },
      schema: {
        tags: ['warranty'],
        summary:
          '三包 status of a registered unit: staff, its owner, or serial + x-verification-code',
        security: [{ bearer: [] }, {}],
        params: SerialParams,
        querystring: z.object({
          evaluationDate: DateOrDateTimeSchema.optional(),
          mileageKm: z.coerce.number().nonnegative().optional(),
          repairDays: DaysSourceSchema.default('records').describe(
            'repair days from the records (drop-off → hand-back) or, where it measured them, from telemetry (warranty/downtime.ts)',
          ),
        }),
        response: { 200: UnitStatusSchema, 422: ErrorEnvelope, ...errors },
      },
    },
    async (req, reply) =>
      warrantyStatus(
        { store, calendars, now, telemetry },
        req.params.serial,
        () => ownerCheck.admit(req, reply),
        req.query,
      ),
  );
};
