import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { type Auth, ErrorEnvelope } from '../core/index.ts';
import {
  DOWNTIME_FLAGS,
  DowntimeOptionsSchema,
  measureUnitDowntime,
  WarrantyErrors,
  type DowntimeSource,
  type WarrantyStore,
} from '../warranty/index.ts';

export interface DowntimeRoutesOptions {
  auth: Auth;
  store: WarrantyStore;
  telemetry: DowntimeSource;
  /** Clock bounding ongoing repairs; injected so tests control it. */
  now?: () => Date;
}

export const UnitDowntimeSchema = z
  .object({
    serial: z.string(),
    category: z.string(),
    deviceId: z.string().nullable(),
    repair: z
      .enum(['drop_off', 'on_site'])
      .describe('drop_off: taken to an outlet; on_site: an installed appliance repaired at home'),
    dayRule: z
      .enum(['hours', 'calendar_days'])
      .describe(
        'hours: CAR21 Art. 40, each started 24 h = 1 day; calendar_days: start day not counted',
      ),
    toleranceDays: z.number(),
    records: z.array(
      z.object({
        seq: z.number().int(),
        droppedOffAt: z.string(),
        handedBackAt: z.string().optional(),
        recordDays: z.number().int(),
        telemetryDays: z.number().int().nullable(),
        telemetryDaysAtLeast: z
          .boolean()
          .describe(
            'the silence runs past the search window: the telemetry days are a lower bound',
          ),
        interval: z
          .object({
            lastReadingBefore: z.string().nullable(),
            firstReadingAfter: z.string().nullable(),
            liveHoursInside: z.number().int(),
          })
          .nullable(),
        operatingHours: z.number().int(),
        usable: z
          .boolean()
          .describe('the interval can replace the record’s dates (`repairDays=telemetry`)'),
        flags: z.array(z.enum(DOWNTIME_FLAGS)),
        note: z.string(),
      }),
    ),
  })
  .meta({ id: 'UnitDowntime' });

const errors = { 400: ErrorEnvelope, 401: ErrorEnvelope, 403: ErrorEnvelope, 404: ErrorEnvelope };

/**
 * `GET /units/:serial/downtime` (issue 7): each effective repair record's days next to the
 * days out of service measured from the unit's telemetry, with the discrepancies flagged.
 */
export const downtimeRoutes: FastifyPluginAsyncZod<DowntimeRoutesOptions> = async (
  app,
  { auth, store, telemetry, now = () => new Date() },
) => {
  app.get(
    '/units/:serial/downtime',
    {
      preHandler: auth.require('engineer', 'manufacturer'),
      config: { tenant: { params: { serial: 'unit' } } },
      schema: {
        tags: ['quality'],
        summary:
          'Days out of service per repair record: from the record and from telemetry, discrepancies flagged',
        params: z.object({ serial: z.string().min(1).max(64) }),
        querystring: DowntimeOptionsSchema,
        response: { 200: UnitDowntimeSchema, ...errors },
      },
    },
    async (req) => {
      const unit = await store.getUnit(req.params.serial);
      if (!unit) throw new WarrantyErrors.UnknownUnit(req.params.serial);
      const records = await store.listRepairs(unit.serial);
      return measureUnitDowntime(telemetry, unit, records, now().getTime(), req.query);
    },
  );
};
