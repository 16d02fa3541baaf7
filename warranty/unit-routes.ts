import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { type Auth, strictUtf8, ErrorEnvelope, withDetails, type BodyRule } from '../core/index.ts';
import { importUnitsCsv } from './csv-import.ts';
import { WarrantyErrors } from './errors.ts';
import { generateOwnerCode, type OwnerCodes } from './owner-codes.ts';
import { UnitInputSchema, type Unit, type UnitInput } from './repair-record-schema.ts';
import type { WarrantyStore } from './warranty-store.ts';

/**
 * Unit registration (issue 5 "Registry"; issue 24): one unit, a CSV import, a new verification
 * code, and reading a unit. Every unit gets a verification code made here (owner-codes.ts),
 * answered once and stored only as its keyed hash.
 */
export interface UnitRoutesOptions {
  store: WarrantyStore;
  auth: Auth;
  ownerCodes: OwnerCodes;
}

const SerialParams = z.object({ serial: z.string().min(1).max(64) });
/** A unit of another maker is unknown to a confined token (core/tenant.ts). */
const oneUnit = { params: { serial: 'unit' } };
const errors = { 400: ErrorEnvelope, 401: ErrorEnvelope, 403: ErrorEnvelope, 404: ErrorEnvelope };

/** Units as the API shows them: never the verification-code hash. */
const UnitOutSchema = UnitInputSchema.meta({ id: 'WarrantyUnit' });
const CodeSchema = z
  .string()
  .describe(
    'the verification code to print on the 三包凭证 (50 random bits): shown only in this answer; only its keyed hash is stored',
  );
/** A field a client may no longer send: the server makes verification codes (issue 24). */
const refusedField = (why: string) =>
  z
    .unknown()
    .optional()
    .refine((v) => v === undefined, why)
    .describe(`refused: ${why}`);
const UnitBodySchema = UnitInputSchema.extend({
  verificationCode: refusedField(
    'the server generates verification codes (the answer carries it): a client may not choose one',
  ),
  verificationCodeHash: refusedField(
    'the server generates verification codes and keeps their keyed hash: a client may not send one',
  ),
});
const RegisteredUnitSchema = UnitOutSchema.extend({ verificationCode: CodeSchema }).meta({
  id: 'WarrantyRegisteredUnit',
});

/**
 * What a registration may claim: a confined manufacturer token registers its own units only
 * (the manufacturer is filled in), and links only a device already in its fleet, never an
 * unlinked or unknown one (else a maker could pull any device, its telemetry and alerts, into
 * its scope). Devices join a confined maker's fleet when an admin or engineer links them.
 */
const UNIT_CLAIM: BodyRule = {
  stamp: 'manufacturer',
  body: [
    { resource: 'unit', key: (b) => String(b.serial), mode: 'upsert' },
    {
      resource: 'device',
      key: (b) => (typeof b.deviceId === 'string' ? b.deviceId : undefined),
      mode: 'link',
    },
  ],
};

export const unitRoutes: FastifyPluginAsyncZod<UnitRoutesOptions> = async (
  app,
  { store, auth, ownerCodes },
) => {
  /** A unit with a new code: the code for the answer, its hash for the store. */
  const withCode = <U extends UnitInput>(u: U) => {
    const code = generateOwnerCode();
    return { code, unit: { ...u, verificationCodeHash: ownerCodes.hash(code) } };
  };
  const out = ({ verificationCodeHash: _h, ...u }: Unit) => u;
  const staff = auth.require('engineer', 'manufacturer');
  const unitOr404 = async (serial: string) => {
    const u = await store.getUnit(serial);
    if (!u) throw new WarrantyErrors.UnknownUnit(serial);
    return u;
  };
  /** A device belongs to the units of one manufacturer, whoever links it. */
  const oneMaker = async <U extends UnitInput>(owned: U): Promise<U> => {
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
      config: { tenant: UNIT_CLAIM },
      schema: {
        tags: ['warranty'],
        summary: 'Register a unit',
        body: UnitBodySchema,
        response: { 201: RegisteredUnitSchema, 409: ErrorEnvelope, ...errors },
      },
    },
    async (req, reply) => {
      const { verificationCode: _c, verificationCodeHash: _h, ...input } = req.body;
      const { code, unit } = withCode(await oneMaker(input));
      const stored = await store.registerUnit(unit);
      return reply.status(201).send({ ...out(stored), verificationCode: code });
    },
  );

  app.addContentTypeParser('text/csv', { parseAs: 'buffer' }, (_req, body, done) => {
    try {
      done(null, strictUtf8(body as Buffer));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  app.post(
    '/warranty/units/import',
    {
      preHandler: staff,
      config: {
        tenant: { scoped: 'each line is claimed as POST /warranty/units claims a unit' },
        // The body is one document: the whole CSV is a single string.
        maxStringLength: 10 * 1024 * 1024,
      },
      schema: {
        tags: ['warranty'],
        summary: 'Bulk import units from CSV (text/csv): all lines valid → all imported, else none',
        consumes: ['text/csv'],
        body: z.string(),
        response: {
          201: z.object({
            imported: z.number().int(),
            verificationCodes: z
              .array(z.object({ serial: z.string(), verificationCode: CodeSchema }))
              .describe('one per unit, in the order of the lines: shown only in this answer'),
          }),
          409: ErrorEnvelope,
          ...errors,
        },
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
      for (const u of r.units)
        claimed.push(withCode(await oneMaker(await auth.tenancy.claim(req, UNIT_CLAIM, u))));
      const units = await store.registerUnits(claimed.map((c) => c.unit));
      return reply.status(201).send({
        imported: units.length,
        verificationCodes: claimed.map((c) => ({
          serial: c.unit.serial,
          verificationCode: c.code,
        })),
      });
    },
  );

  app.post(
    '/units/:serial/verification-code',
    {
      preHandler: staff,
      config: { tenant: oneUnit },
      schema: {
        tags: ['warranty'],
        summary:
          'Issue a new verification code for a unit (a lost card, or a code from before server-made codes); the old one stops working',
        params: SerialParams,
        response: {
          201: z.object({ serial: z.string(), verificationCode: CodeSchema }),
          ...errors,
        },
      },
    },
    async (req, reply) => {
      const code = generateOwnerCode();
      if (!(await store.setVerificationCodeHash(req.params.serial, ownerCodes.hash(code))))
        throw new WarrantyErrors.UnknownUnit(req.params.serial);
      return reply.status(201).send({ serial: req.params.serial, verificationCode: code });
    },
  );

  app.get(
    '/units/:serial',
    {
      preHandler: staff,
      config: { tenant: oneUnit },
      schema: {
        tags: ['warranty'],
        params: SerialParams,
        response: { 200: UnitOutSchema, ...errors },
      },
    },
    async (req) => out(await unitOr404(req.params.serial)),
  );
};
