import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { type Auth, ErrorEnvelope, withDetails } from '../core/index.ts';
import { WarrantyErrors } from './errors.ts';
import type { HolidayCalendars } from './holiday-calendars.ts';
import { CalendarJsonSchema, parseCalendarFile, type CalendarFormat } from './holiday-import.ts';

/**
 * The holiday calendar as data an admin loads (issue 20, class 4):
 * `POST /warranty/holidays` stores a new version of each year in a file (JSON, CSV or the State
 * Council notice's text), after validation, and every evaluation uses it from then on;
 * `GET /warranty/holidays` shows the years in force with their versions and sources.
 */
export interface HolidayRoutesOptions {
  calendars: HolidayCalendars;
  auth: Auth;
}

const HolidaySchema = z.object({ name: z.string(), from: z.string(), to: z.string() });
const YearStatusSchema = z.object({
  year: z.number().int(),
  version: z.number().int().describe('0: the calendar shipped with the code'),
  builtin: z.boolean(),
  source: z.string(),
  importedAt: z.string().optional(),
  importedBy: z.string().optional(),
  holidays: z.array(HolidaySchema),
  workdays: z.array(z.string()),
});
const CalendarStatusSchema = z
  .object({
    covers: z.array(z.object({ from: z.string(), to: z.string() })),
    years: z.array(YearStatusSchema),
  })
  .meta({ id: 'WarrantyHolidayCalendar' });

export const holidayRoutes: FastifyPluginAsyncZod<HolidayRoutesOptions> = async (
  app,
  { calendars, auth },
) => {
  app.addContentTypeParser('text/csv', { parseAs: 'string' }, (_req, body, done) =>
    done(null, body),
  );

  app.get(
    '/warranty/holidays',
    {
      schema: {
        tags: ['warranty'],
        summary: 'The holiday calendar in force: years, versions, sources',
        security: [],
        response: { 200: CalendarStatusSchema },
      },
    },
    async () => {
      await calendars.fresh();
      return calendars.status();
    },
  );

  app.post(
    '/warranty/holidays',
    {
      preHandler: auth.require('admin'),
      schema: {
        tags: ['warranty'],
        summary:
          'Load a holiday calendar: JSON, CSV (text/csv) or the State Council notice (text/plain)',
        description:
          'Each year in the file becomes a new version of that year; evaluations use it at once. A file that fails validation stores nothing (400 WARRANTY_ERR_CALENDAR_INVALID, details name the line or field).',
        consumes: ['application/json', 'text/csv', 'text/plain'],
        querystring: z.object({
          year: z.coerce
            .number()
            .int()
            .min(2000)
            .max(2100)
            .optional()
            .describe('the notice’s year, when its text does not name it'),
          format: z.enum(['json', 'csv', 'notice']).optional(),
        }),
        body: z.union([CalendarJsonSchema, z.string().min(1)]),
        response: {
          201: z.object({
            imported: z.array(z.object({ year: z.number().int(), version: z.number().int() })),
            covers: z.array(z.object({ from: z.string(), to: z.string() })),
          }),
          400: ErrorEnvelope,
          401: ErrorEnvelope,
          403: ErrorEnvelope,
        },
      },
    },
    async (req, reply) => {
      const isText = typeof req.body === 'string';
      const format: CalendarFormat | undefined =
        req.query.format ??
        (isText
          ? /text\/csv/.test(req.headers['content-type'] ?? '')
            ? 'csv'
            : undefined
          : 'json');
      const r = parseCalendarFile(isText ? (req.body as string) : JSON.stringify(req.body), {
        ...(format ? { format } : {}),
        ...(req.query.year ? { year: req.query.year } : {}),
      });
      if (!r.ok) {
        const first = r.errors[0];
        const err = new WarrantyErrors.CalendarInvalid(
          `${r.errors.length} problem(s), first: ${first?.line ? `line ${first.line}: ` : ''}${first?.message ?? ''}`,
        );
        throw withDetails(err, r.errors);
      }
      const stored = await calendars.importYears(r.years, {
        format: format ?? 'notice',
        importedAt: new Date().toISOString(),
        ...(req.principal?.tokenId ? { importedBy: req.principal.tokenId } : {}),
      });
      return reply.status(201).send({
        imported: stored.map((s) => ({ year: s.year, version: s.version })),
        covers: calendars.status().covers,
      });
    },
  );
};
