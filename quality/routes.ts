import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { type Auth, ErrorEnvelope, scopeOf, Pagination, type Category } from '../core/index.ts';
import { FindingSchema, StoredRecordSchema, type WarrantyStore } from '../warranty/index.ts';
import { QualityErrors } from './errors.ts';
import { fleetOverview, FleetOverviewSchema, type OverviewDeps } from './overview.ts';
import {
  CloseOrderSchema,
  OpenOrderSchema,
  RepairOrderSchema,
  VerificationSchema,
  type RepairOrders,
} from './repair-orders.ts';
import { toCsv, toXlsx } from './export.ts';
import {
  buildReport,
  checkPeriod,
  PeriodFields,
  REPORT_KINDS,
  resolvePeriod,
  type ReportKind,
} from './reports.ts';
import type { TelemetryStore } from '../ingest/index.ts';
import { downtimeRoutes } from './downtime-routes.ts';
import { RecalibrateBodySchema, recalibrateMode, RecalibrationSchema } from './recalibrate.ts';
import { AccuracyQuery, AccuracySchema, alertAccuracy } from './labels.ts';
import { exposureForecast, ExposureQuery, ExposureSchema } from './exposure.ts';
import { reliability, ReliabilityQuery, ReliabilitySchema } from './reliability.ts';
import { scopeFor } from './scope.ts';
import type { Catalog } from '../diagnostics/index.ts';

export interface QualityRoutesOptions {
  auth: Auth;
  /** The diagnostics catalogue: the profile in force, and where a recalibration is applied. */
  catalog: Pick<Catalog, 'effective' | 'upload'>;
  orders: RepairOrders;
  overview: OverviewDeps;
  telemetry: TelemetryStore;
  warranty: WarrantyStore;
  now?: () => Date;
}

const LEDGERS: ReportKind[] = ['outlets', 'problems', 'rectifications'];
const ReportTableSchema = z
  .object({
    kind: z.enum(REPORT_KINDS),
    title: z.object({ zh: z.string(), en: z.string() }),
    period: z.object({ from: z.string(), to: z.string() }),
    columns: z.array(
      z.object({ key: z.string(), zh: z.string(), en: z.string(), type: z.string().optional() }),
    ),
    rows: z.array(z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]))),
  })
  .meta({ id: 'ReportTable' });

const errors = { 400: ErrorEnvelope, 401: ErrorEnvelope, 403: ErrorEnvelope, 404: ErrorEnvelope };
const Params = z.object({ id: z.string().min(1).max(100) });
const ScopeQuery = {
  category: z.string().min(1).max(64).optional(),
  manufacturer: z
    .string()
    .min(1)
    .max(128)
    .optional()
    .describe('ignored for a manufacturer token with a subject: it sees its own units only'),
};

/** Who acted: the token's subject when it has one (a person), else the token id. */
const actor = (req: FastifyRequest) =>
  req.principal?.subject ?? req.principal?.tokenId ?? 'unknown';

/**
 * An engineer user with outlets listed acts on repair orders only at those outlets (403 naming
 * them); an engineer with none listed, an admin and every API token are not restricted.
 */
function checkOutlet(req: FastifyRequest, outletId: string, what: string): void {
  const p = req.principal;
  if (p?.role !== 'engineer' || !p.outlets?.length || p.outlets.includes(outletId)) return;
  throw new QualityErrors.OutletNotServed(actor(req), p.outlets.join(', '), what, outletId);
}

/**
 * Quality routes (issue 7): the manufacturer's fleet overview, and repair orders opened from
 * alerts by engineers.
 */
export const qualityRoutes: FastifyPluginAsyncZod<QualityRoutesOptions> = async (
  app,
  { auth, catalog, orders, overview, telemetry, warranty, now },
) => {
  // Days out of service from telemetry next to the records' (downtime-routes.ts).
  await app.register(downtimeRoutes, {
    auth,
    store: warranty,
    telemetry,
    ...(now ? { now } : {}),
  });

  const staff = auth.require('engineer', 'manufacturer');
  const engineer = auth.require('engineer');
  const fleetScope = { scoped: 'figures over its own units and their devices only (scope.ts)' };
  // A repair order is its unit's manufacturer's (core/tenant.ts).
  auth.tenancy.define('repairOrder', {
    async relation(maker, id) {
      const o = await orders.get(id);
      if (!o) return 'absent';
      return (await warranty.getUnit(o.serial))?.manufacturer === maker ? 'owned' : 'foreign';
    },
    hidden: (id) => new QualityErrors.UnknownOrder(id),
  });

  app.get(
    '/fleet/overview',
    {
      preHandler: auth.require('manufacturer'),
      config: { tenant: fleetScope },
      schema: {
        tags: ['quality'],
        summary:
          'Fleet overview: devices online, health distribution, open alerts, failure rates, 三包 remedies',
        querystring: z.object(ScopeQuery),
        response: { 200: FleetOverviewSchema, ...errors },
      },
    },
    async (req) => fleetOverview(overview, scopeFor(req, req.query)),
  );

  app.get(
    '/fleet/reliability',
    {
      preHandler: auth.require('manufacturer'),
      config: { tenant: fleetScope },
      schema: {
        tags: ['quality'],
        summary:
          'Reliability of one component: failure rate, MTBF, Weibull fit per batch, supplier or model, recall candidates',
        querystring: z.object({ ...ReliabilityQuery, manufacturer: ScopeQuery.manufacturer }),
        response: { 200: ReliabilitySchema, ...errors },
      },
    },
    async (req) =>
      reliability(
        overview.sql,
        scopeFor(req, { manufacturer: req.query.manufacturer }),
        req.query,
        overview.now?.() ?? new Date(),
      ),
  );

  app.get(
    '/fleet/exposure',
    {
      preHandler: auth.require('manufacturer'),
      config: { tenant: fleetScope },
      schema: {
        tags: ['quality'],
        summary:
          'Warranty exposure: expected failures of a component in the next 30/90 days that give an exchange or a return',
        querystring: z.object({ ...ExposureQuery, manufacturer: ScopeQuery.manufacturer }),
        response: { 200: ExposureSchema, ...errors },
      },
    },
    async (req) =>
      exposureForecast(
        overview.sql,
        scopeFor(req, { manufacturer: req.query.manufacturer }),
        req.query,
        overview.now?.() ?? new Date(),
        overview.calendar?.(),
      ),
  );

  app.get(
    '/fleet/alert-accuracy',
    {
      preHandler: auth.require('manufacturer'),
      config: { tenant: fleetScope },
      schema: {
        tags: ['quality'],
        summary:
          'Confirmed repairs as labels: precision, recall and lead time of the alerts per model and failure mode',
        querystring: z.object({ ...AccuracyQuery, manufacturer: ScopeQuery.manufacturer }),
        response: { 200: AccuracySchema, ...errors },
      },
    },
    async (req) =>
      alertAccuracy(
        overview.sql,
        scopeFor(req, { manufacturer: req.query.manufacturer }),
        req.query,
        overview.now?.() ?? new Date(),
      ),
  );

  app.post(
    '/fleet/recalibrate',
    {
      preHandler: auth.require('manufacturer'),
      config: { tenant: fleetScope },
      schema: {
        tags: ['quality'],
        summary:
          "A failure mode's calibration from the fleet's confirmed failures (the readings before each); with apply, put in force",
        description:
          'Measured against the profile in force. apply: true stores it as a `calibration` document of the diagnostics catalogue (a new version, audited; `POST /diagnostics/data/rollback` with kind calibration and the returned key undoes it). A manufacturer token with a subject applies to one of its own product models (`model`).',
        body: RecalibrateBodySchema,
        response: { 200: RecalibrationSchema, ...errors },
      },
    },
    async (req) => {
      const q = req.body;
      const profile = catalog.effective(q.category as Category, q.model ?? '*').profile;
      const r = await recalibrateMode(overview.sql, telemetry, scopeFor(req, {}), q, profile);
      // Nothing measured differs from what is in force: there is nothing to apply.
      if (!q.apply || r.indicators.every((i) => i.after === i.before))
        return { ...r, applied: null };
      const up = await catalog.upload(
        {
          value: {
            kind: 'calibration',
            category: q.category,
            model: q.model ?? null,
            mode: q.mode,
            indicators: r.proposedMode.indicators,
            source: {
              from: 'POST /fleet/recalibrate',
              failures: r.failures,
              runs: r.runs,
              lookbackDays: q.lookbackDays,
              changed: r.indicators.filter((i) => i.after !== i.before),
            },
          },
        },
        req.principal!,
        q.note ?? `recalibrated from ${r.runs} confirmed failures`,
      );
      return {
        ...r,
        applied: {
          kind: 'calibration' as const,
          key: up.version.key,
          version: up.version.version,
          replaced: up.replaced,
        },
      };
    },
  );

  app.get(
    '/reports/:kind',
    {
      preHandler: auth.require('manufacturer'),
      config: { tenant: fleetScope },
      schema: {
        tags: ['reports'],
        summary:
          "The regulators' ledgers (一台账两清单: outlets, problems, rectifications; `ledgers` = all three as one XLSX) and the quarterly report per category, as JSON, CSV or XLSX",
        params: z.object({ kind: z.enum([...REPORT_KINDS, 'ledgers']) }),
        querystring: z
          .object({
            ...PeriodFields,
            format: z.enum(['json', 'csv', 'xlsx']).default('json'),
            lang: z.enum(['zh', 'en']).default('zh').describe('column headers and yes/no'),
            ...ScopeQuery,
          })
          .superRefine(checkPeriod),
        response: {
          200: ReportTableSchema.or(z.array(ReportTableSchema)).describe(
            'JSON; text/csv or an XLSX file when format says so',
          ),
          ...errors,
        },
      },
    },
    async (req, reply) => {
      const { kind } = req.params;
      const q = req.query;
      const period = resolvePeriod(q, overview.now?.() ?? new Date());
      const scope = scopeFor(req, q);
      if (kind === 'ledgers' && q.format === 'csv') throw new QualityErrors.OneTablePerCsv();
      const kinds = kind === 'ledgers' ? LEDGERS : [kind];
      const tables = [];
      for (const k of kinds) tables.push(await buildReport(overview.sql, k, period, scope));
      const label = `sanbao-${kind}-${period.from}_${period.to}`;
      if (q.format === 'json') return kind === 'ledgers' ? tables : tables[0]!;
      if (q.format === 'csv')
        return reply
          .header('content-type', 'text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="${label}.csv"`)
          .send(toCsv(tables[0]!, q.lang) as never); // text, not serialized
      return reply
        .header('content-type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
        .header('content-disposition', `attachment; filename="${label}.xlsx"`)
        .send(toXlsx(tables, q.lang) as never); // a stream, not serialized
    },
  );

  const tags = ['repair orders'];
  /**
   * Refuses an engineer who does not serve the order's outlet (an unknown order is 404); the
   * audit entry names the order's unit too.
   */
  const outletOf = async (req: FastifyRequest, id: string) => {
    const o = await orders.get(id);
    if (!o) throw new QualityErrors.UnknownOrder(id);
    req.auditResources = [`unit:${o.serial}`];
    checkOutlet(req, o.outletId, `repair order ${id}`);
  };
  app.post(
    '/repair-orders',
    {
      preHandler: engineer,
      schema: {
        tags,
        summary:
          'Open a repair order from alerts of one device (their evidence and parts carried over)',
        body: OpenOrderSchema,
        response: { 201: RepairOrderSchema, 409: ErrorEnvelope, ...errors },
      },
    },
    async (req, reply) => {
      checkOutlet(req, req.body.outletId, 'a new repair order');
      const o = await orders.open(req.body, actor(req));
      req.auditResources = [`unit:${o.serial}`]; // the unit's history shows its orders
      return reply.status(201).send(o);
    },
  );

  app.get(
    '/repair-orders',
    {
      preHandler: staff,
      config: { tenant: { scoped: 'lists and counts only the orders of its own units' } },
      schema: {
        tags,
        querystring: z.object({
          status: RepairOrderSchema.shape.status.optional(),
          serial: z.string().max(64).optional(),
          device: z.string().max(64).optional(),
          outlet: z.string().max(64).optional().describe('orders at this service outlet'),
          verification: VerificationSchema.optional(),
          ...Pagination,
        }),
        response: {
          200: z.object({
            orders: z.array(RepairOrderSchema),
            total: z.number().int(),
            limit: z.number().int(),
            offset: z.number().int(),
          }),
          ...errors,
        },
      },
    },
    async (req) => {
      const q = req.query;
      const r = await orders.list({
        status: q.status,
        serial: q.serial,
        deviceId: q.device,
        outletId: q.outlet,
        verification: q.verification,
        manufacturer: scopeOf(req),
        limit: q.limit,
        offset: q.offset,
      });
      return { ...r, limit: q.limit, offset: q.offset };
    },
  );

  app.get(
    '/repair-orders/:id',
    {
      preHandler: staff,
      config: { tenant: { params: { id: 'repairOrder' } } },
      schema: { tags, params: Params, response: { 200: RepairOrderSchema, ...errors } },
    },
    async (req) => {
      const o = await orders.get(req.params.id);
      if (!o) throw new QualityErrors.UnknownOrder(req.params.id);
      return o;
    },
  );

  app.post(
    '/repair-orders/:id/close',
    {
      preHandler: engineer,
      schema: {
        tags,
        summary:
          "Close an order: appends the repair record to the unit's hash chain and resolves its alerts",
        params: Params,
        body: CloseOrderSchema,
        response: {
          200: z.object({
            order: RepairOrderSchema,
            record: StoredRecordSchema,
            checks: z.array(FindingSchema),
          }),
          409: ErrorEnvelope,
          ...errors,
        },
      },
    },
    async (req) => {
      await outletOf(req, req.params.id);
      return orders.close(req.params.id, req.body, actor(req));
    },
  );

  app.post(
    '/repair-orders/:id/cancel',
    {
      preHandler: engineer,
      schema: {
        tags,
        params: Params,
        body: z.object({ reason: z.string().min(1).max(500) }),
        response: { 200: RepairOrderSchema, 409: ErrorEnvelope, ...errors },
      },
    },
    async (req) => {
      await outletOf(req, req.params.id);
      return orders.cancel(req.params.id, req.body.reason, actor(req));
    },
  );
};
