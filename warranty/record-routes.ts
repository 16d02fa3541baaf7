import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Auth } from '../app/auth.ts';
import { confinedTo } from '../app/tenant.ts';
import { ErrorEnvelope, withDetails } from '../app/errors.ts';
import { measureUnitDowntime, repairDatesFromTelemetry } from './downtime.ts';
import { importUnitsCsv } from './csv-import.ts';
import { daysBetween, parseInstant } from './calendar.ts';
import { evaluateCase } from './eligibility.ts';
import { EvaluationSchema } from './evaluation-schema.ts';
import { WarrantyErrors } from './errors.ts';
import { HolidayCalendars } from './holiday-calendars.ts';
import { FindingSchema, registriesFor, reviewOrder } from './order-review.ts';
import { authorizedOn } from './outlet-routes.ts';
import { requireMakerPolicy, unitTerms } from './maker-policy-versions.ts';
import { mileageFromTelemetry, type OdometerSource } from './odometer.ts';
import { isMakerOnlyCategory } from './policies/index.ts';
import { ownerOrStaff, sha256Hex, unitReadFor } from './owner-access.ts';
import { caseForUnit, effectiveRecords } from './repair-facts.ts';
import { RepairRecordBodySchema, UnitInputSchema, type UnitInput } from './repair-record-schema.ts';
import { DateOrDateTimeSchema } from './schemas.ts';
import type { WarrantyStore } from './warranty-store.ts';

/**
 * Registry and repair-record routes (issue 5): units, append-only repair records, chain
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
}

/** A stored repair record as the API shows it (also in quality/'s order-close answer). */
export const StoredRecordSchema = z
  .object({
    serial: z.string(),
    seq: z.number().int(),
    recordedAt: z.string(),
    body: z.record(z.string(), z.unknown()),
    prevHash: z.string(),
    hash: z.string(),
  })
  .meta({ id: 'WarrantyRepairRecord' });

const VerificationSchema = z
  .object({
    ok: z.boolean(),
    count: z.number().int(),
    head: z.string().optional(),
    firstBroken: z
      .object({
        seq: z.number().int(),
        reason: z.enum(['hash_mismatch', 'prev_hash_mismatch', 'missing_record']),
      })
      .optional(),
  })
  .meta({ id: 'WarrantyChainVerification' });

/** Units as the API shows them: never the verification-code hash. */
const UnitOutSchema = UnitInputSchema.omit({ verificationCodeHash: true }).meta({
  id: 'WarrantyUnit',
});
const UnitBodySchema = UnitInputSchema.extend({
  verificationCode: z
    .string()
    .min(6)
    .max(64)
    .optional()
    .describe('printed on the 三包凭证; only its hash is stored'),
});

const DaysSourceSchema = z.enum(['records', 'telemetry']);
const UnitStatusSchema = EvaluationSchema.extend({
  unit: z.object({ serial: z.string(), category: z.string(), model: z.string() }),
  repairDaysSource: DaysSourceSchema.describe('the source asked for (`repairDays`)'),
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
const errors = { 400: ErrorEnvelope, 401: ErrorEnvelope, 403: ErrorEnvelope, 404: ErrorEnvelope };

export const recordRoutes: FastifyPluginAsyncZod<RecordRoutesOptions> = async (
  app,
  { store, auth, now = () => new Date(), telemetry, calendars = new HolidayCalendars() },
) => {
  const staff = auth.require('engineer', 'manufacturer');
  const engineer = auth.require('engineer');
  const unitOr404 = async (serial: string) => {
    const u = await store.getUnit(serial);
    if (!u) throw new WarrantyErrors.UnknownUnit(serial);
    return u;
  };
  /** A unit the caller may see: another maker's unit is unknown to a confined token (app/tenant.ts). */
  const visibleUnit = async (req: FastifyRequest, serial: string) => {
    const u = await unitOr404(serial);
    const m = confinedTo(req.principal);
    if (m !== null && u.manufacturer !== m) throw new WarrantyErrors.UnknownUnit(serial);
    return u;
  };
  /**
   * What a registration may claim: a confined manufacturer token registers its own units only,
   * and a device belongs to one manufacturer's units (else a maker could pull another's device,
   * its telemetry and alerts, into its scope).
   */
  const claim = async <U extends UnitInput>(req: FastifyRequest, unit: U): Promise<U> => {
    const m = confinedTo(req.principal);
    if (m !== null && unit.manufacturer !== undefined && unit.manufacturer !== m)
      throw new WarrantyErrors.OtherManufacturer(unit.serial, m);
    const owned = m === null ? unit : { ...unit, manufacturer: m };
    if (owned.deviceId !== undefined) {
      const other = (await store.unitsByDevice(owned.deviceId)).find(
        (u) => u.manufacturer !== owned.manufacturer,
      );
      if (other) throw new WarrantyErrors.DeviceLinked(owned.deviceId, other.manufacturer ?? '—');
    }
    return owned;
  };

  app.post(
    '/warranty/units',
    {
      preHandler: staff,
      schema: {
        tags: ['warranty'],
        summary: 'Register a unit',
        body: UnitBodySchema,
        response: { 201: UnitOutSchema, 409: ErrorEnvelope, ...errors },
      },
    },
    async (req, reply) => {
      const { verificationCode, ...unit } = req.body;
      const input = verificationCode
        ? { ...unit, verificationCodeHash: sha256Hex(verificationCode) }
        : unit;
      return reply.status(201).send(await store.registerUnit(await claim(req, input)));
    },
  );

  app.addContentTypeParser('text/csv', { parseAs: 'string' }, (_req, body, done) =>
    done(null, body),
  );
  app.post(
    '/warranty/units/import',
    {
      preHandler: staff,
      schema: {
        tags: ['warranty'],
        summary: 'Bulk import units from CSV (text/csv): all lines valid → all imported, else none',
        consumes: ['text/csv'],
        body: z.string(),
        response: { 201: z.object({ imported: z.number().int() }), 409: ErrorEnvelope, ...errors },
      },
    },
    async (req, reply) => {
      const r = importUnitsCsv(req.body);
      if (!r.ok) {
        const err = new WarrantyErrors.CsvInvalid(
          `${r.errors.length} problem(s), first on line ${r.errors[0]?.line}`,
        );
        throw withDetails(err, r.errors);
      }
      const claimed = [];
      for (const u of r.units) claimed.push(await claim(req, u));
      const units = await store.registerUnits(claimed);
      return reply.status(201).send({ imported: units.length });
    },
  );

  app.get(
    '/units/:serial',
    {
      preHandler: staff,
      schema: {
        tags: ['warranty'],
        params: SerialParams,
        response: { 200: UnitOutSchema, ...errors },
      },
    },
    async (req) => visibleUnit(req, req.params.serial),
  );

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
      schema: {
        tags: ['warranty'],
        params: SerialParams,
        response: { 200: z.array(StoredRecordSchema), ...errors },
      },
    },
    async (req) => {
      await visibleUnit(req, req.params.serial);
      return store.listRepairs(req.params.serial);
    },
  );

  app.get(
    '/units/:serial/repairs/verify',
    {
      preHandler: staff,
      schema: {
        tags: ['warranty'],
        summary: 'Re-check the repair-record hash chain; names the first broken link',
        params: SerialParams,
        response: { 200: VerificationSchema, ...errors },
      },
    },
    async (req) => {
      await visibleUnit(req, req.params.serial);
      return store.verifyRepairs(req.params.serial);
    },
  );

  app.get(
    '/units/:serial/warranty',
    {
      preHandler: ownerOrStaff(auth, store),
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
    async (req) => {
      const unit = unitReadFor(req) ?? (await visibleUnit(req, req.params.serial));
      const records = await store.listRepairs(unit.serial);
      const date = req.query.evaluationDate ?? now().toISOString();
      const tele =
        req.query.mileageKm === undefined &&
        telemetry &&
        unit.deviceId &&
        unit.category === 'household_car'
          ? await mileageFromTelemetry(telemetry, unit.deviceId, unit.invoiceDate, date)
          : undefined;
      const fromTelemetry = req.query.repairDays === 'telemetry';
      const measured =
        fromTelemetry && telemetry && unit.deviceId
          ? await measureUnitDowntime(telemetry, unit, records, evaluationEnd(date, now()))
          : undefined;
      const days = fromTelemetry
        ? repairDatesFromTelemetry(
            unit,
            records,
            measured,
            telemetry ? `unit ${unit.serial} is linked to no device` : 'no telemetry store',
          )
        : undefined;
      const terms = await unitTerms(store, unit);
      requireMakerPolicy(unit, terms, isMakerOnlyCategory(unit.category));
      const evaluation = evaluateCase(
        caseForUnit(unit, days?.records ?? records, date, req.query.mileageKm ?? tele?.km, terms),
        { calendar: await calendars.fresh() },
      );
      evaluation.warnings.push(...(tele?.warnings ?? []));
      const history = effectiveRecords(records).map((r) => ({
        seq: r.seq,
        droppedOffAt: r.body.droppedOffAt,
        ...(r.body.handedBackAt ? { handedBackAt: r.body.handedBackAt } : {}),
        faultCode: r.body.diagnosis.faultCode,
        component: r.body.diagnosis.component,
        reportedFault: r.body.reportedFault,
        parts: r.body.parts.map((p) => p.name),
        corrected: r.body.kind === 'correction',
        daysSource: days?.sources.get(r.seq)?.source ?? ('records' as const),
        ...(days?.sources.has(r.seq) ? { daysSourceNote: days.sources.get(r.seq)?.note } : {}),
      }));
      const today = parseInstant(now().toISOString()).date;
      const outlets = unit.manufacturer
        ? (await store.listOutlets(unit.manufacturer))
            .filter((o) => authorizedOn(o, today))
            .map((o) => ({
              id: o.id,
              name: o.name,
              ...(o.address ? { address: o.address } : {}),
              ...(o.servicePhone ? { servicePhone: o.servicePhone } : {}),
            }))
        : [];
      return {
        ...evaluation,
        unit: { serial: unit.serial, category: unit.category, model: unit.model },
        repairDaysSource: req.query.repairDays,
        history,
        outlets,
      };
    },
  );
};

/** The instant an evaluation on `date` looks at: the end of a date-only day, never the future. */
function evaluationEnd(date: string, clock: Date): number {
  const e = parseInstant(date);
  return Math.min(clock.getTime(), e.precision === 'date' ? e.ms + 86_400_000 : e.ms);
}
