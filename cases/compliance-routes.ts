import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  type Auth,
  AppErrors,
  ErrorEnvelope,
  withDetails,
  Pagination,
  scopeOf,
  type TenantRule,
} from '../core/index.ts';
import {
  checkPeriod,
  PeriodFields,
  resolvePeriod,
  toCsv,
  toXlsx,
  type Table,
} from '../quality/index.ts';
import { parseInstant, WarrantyErrors } from '../warranty/index.ts';
import { CasesErrors } from './errors.ts';
import { FindingSchema, type Finding } from './findings.ts';
import {
  allFindings,
  rectificationsTable,
  satisfactionIndex,
  scorecards,
  violationsTable,
  type RepairOutcomes,
} from './reports.ts';
import { Id } from './requests.ts';
import type { CaseStore, ComplianceStore, Span } from './store.ts';
import { freeText, opt, ShortText } from './text.ts';

/**
 * Compliance routes (issue 23): the findings and their rectification, the campaign's two lists
 * (问题清单, 整治提升情况清单) as JSON, CSV or XLSX under /reports, outlet (seller, maker)
 * scorecards, the satisfaction index, outlets' authorization history, and the public page of
 * violations a regulator confirmed (信息公开) with its blacklist.
 */
export interface ComplianceRoutesOptions {
  auth: Auth;
  cases: CaseStore;
  compliance: ComplianceStore;
  clock: () => Date;
  repairOutcomes?: RepairOutcomes | undefined;
}

const errors = { 400: ErrorEnvelope, 401: ErrorEnvelope, 403: ErrorEnvelope, 404: ErrorEnvelope };
const tags = ['compliance'];
const Params = z.object({ id: Id });
const actor = (req: FastifyRequest) =>
  req.principal?.subject ?? req.principal?.tokenId ?? 'unknown';

/** A period given as quarter or from/to (China civil dates) → instants; undefined when none. */
type PeriodQuery = {
  quarter?: { from: string; to: string } | undefined;
  from?: string | undefined;
  to?: string | undefined;
};
const givenSpan = (q: PeriodQuery): { from: string; to: string } | undefined =>
  q.quarter || (q.from && q.to) ? instants(resolvePeriod(q, new Date(0))) : undefined;
const instants = (p: { from: string; to: string }) => ({
  from: new Date(parseInstant(p.from).ms).toISOString(),
  to: new Date(parseInstant(p.to).ms).toISOString(),
});

const ScorecardSchema = z
  .object({
    party: z.string().nullable(),
    cases: z.number().int(),
    closed: z.number().int(),
    deadlinesMet: z.number().int(),
    deadlinesMissed: z.number().int(),
    onTimeRate: z.number().nullable(),
    findings: z.object({
      open: z.number().int(),
      rectified: z.number().int(),
      dismissed: z.number().int(),
    }),
    byRule: z.record(z.string(), z.number().int()),
    satisfaction: z.object({
      answers: z.number().int(),
      meanScore: z.number().nullable(),
      index: z.number().nullable().describe('mean score × 20 (5 → 100)'),
      resolvedRate: z.number().nullable(),
    }),
    repairs: z
      .object({
        verified: z.number().int(),
        failed: z.number().int(),
        firstTimeFixRate: z.number().nullable(),
      })
      .nullable()
      .describe('outlets: repairs verified by telemetry, and those that did not hold'),
  })
  .meta({ id: 'ComplianceScorecard' });

const DisclosureSchema = z
  .object({
    id: z.string(),
    party: z.object({
      kind: z.enum(['outlet', 'seller', 'maker']),
      id: z.string(),
      name: z.string(),
    }),
    summary: z.string(),
    blacklisted: z.boolean(),
    blacklistReason: z.string().nullable(),
    publishedAt: z.string(),
    violations: z.array(
      z.object({
        rule: z.string(),
        clause: z.string(),
        message: z.object({ zh: z.string(), en: z.string() }),
        detectedAt: z.string(),
        status: z.enum(['open', 'rectified', 'dismissed']),
        rectifiedAt: z.string().nullable(),
      }),
    ),
  })
  .meta({ id: 'ViolationDisclosure' });

const partyOf = (f: Finding, kind: 'outlet' | 'seller' | 'maker') =>
  kind === 'outlet' ? f.outletId : kind === 'seller' ? f.seller : f.manufacturer;

export const complianceRoutes: FastifyPluginAsyncZod<ComplianceRoutesOptions> = async (app, o) => {
  const staff = o.auth.require('desk', 'engineer', 'manufacturer', 'regulator');
  const fixers = o.auth.require('desk', 'engineer', 'manufacturer');
  const regulator = o.auth.require('regulator');
  const listReaders = o.auth.require('manufacturer', 'regulator');
  /** A confined maker sees its own findings only: the manufacturer filter is its own. */
  const scoped = (req: FastifyRequest, manufacturer?: string) => scopeOf(req) ?? manufacturer;
  const ownFigures: TenantRule = {
    scoped: 'findings, figures and lists over its own units only (manufacturer is its own)',
  };
  // A finding is the manufacturer's it counts against (core/tenant.ts).
  o.auth.tenancy.define('finding', {
    async relation(maker, id) {
      const f = await o.compliance.get(id);
      return !f ? 'absent' : f.manufacturer === maker ? 'owned' : 'foreign';
    },
    hidden: (id) => new CasesErrors.UnknownFinding(id),
  });
  const oneFinding: TenantRule = { params: { id: 'finding' } };
  /** The finding `id` (tenancy, checked before the handler, hid another maker's). */
  const findingOr404 = async (id: string) => {
    const f = await o.compliance.get(id);
    if (!f) throw new CasesErrors.UnknownFinding(id);
    return f;
  };

  app.get(
    '/compliance/findings',
    {
      preHandler: staff,
      config: { tenant: ownFigures },
      schema: {
        tags,
        summary: 'Findings (repair-order checks and 推诿扯皮 on cases) with their rectification',
        querystring: z
          .object({
            status: z.enum(['open', 'rectified', 'dismissed']).optional(),
            rule: z.string().max(64).optional(),
            source: z.enum(['case', 'repair_order']).optional(),
            outletId: z.string().max(100).optional(),
            manufacturer: z.string().max(128).optional(),
            caseId: z.string().max(100).optional(),
            ...PeriodFields,
            ...Pagination,
          })
          .superRefine(checkPeriod),
        response: {
          200: z.object({ findings: z.array(FindingSchema), total: z.number().int() }),
          ...errors,
        },
      },
    },
    async (req) => {
      const { quarter, from, to, manufacturer, ...q } = req.query;
      const span = givenSpan({ quarter, from, to });
      return o.compliance.list({
        ...q,
        manufacturer: scoped(req, manufacturer),
        ...(span ? { detectedFrom: span.from, detectedTo: span.to } : {}),
      });
    },
  );

  app.post(
    '/compliance/findings/:id/rectify',
    {
      preHandler: fixers,
      config: { tenant: oneFinding },
      schema: {
        tags,
        summary: 'Record the rectification of a finding (moves it to the 整治提升情况清单)',
        params: Params,
        body: z.object({ action: freeText(2000), evidence: opt(freeText(2000)) }).strict(),
        response: { 200: FindingSchema, 409: ErrorEnvelope, ...errors },
      },
    },
    async (req) => {
      await findingOr404(req.params.id);
      return o.compliance.rectify(req.params.id, {
        by: actor(req),
        at: o.clock().toISOString(),
        action: req.body.action,
        ...(req.body.evidence ? { evidence: req.body.evidence } : {}),
      });
    },
  );

  app.post(
    '/compliance/findings/:id/dismiss',
    {
      preHandler: regulator,
      schema: {
        tags,
        summary: 'Regulator: dismiss a finding that was not a violation, with the reason',
        params: Params,
        body: z.object({ reason: freeText(2000) }).strict(),
        response: { 200: FindingSchema, 409: ErrorEnvelope, ...errors },
      },
    },
    async (req) =>
      o.compliance.dismiss(req.params.id, {
        by: actor(req),
        at: o.clock().toISOString(),
        reason: req.body.reason,
      }),
  );

  app.post(
    '/compliance/findings/:id/confirm',
    {
      preHandler: regulator,
      schema: {
        tags,
        summary: 'Regulator: confirm a finding as a violation',
        params: Params,
        response: { 200: FindingSchema, 409: ErrorEnvelope, ...errors },
      },
    },
    async (req) => {
      const f = await findingOr404(req.params.id);
      if (f.status === 'dismissed') throw new CasesErrors.FindingClosed(f.id, f.status);
      const [done] = await o.compliance.confirm([f.id], actor(req), o.clock().toISOString());
      return done!;
    },
  );

  const ScoreQuery = z
    .object({
      by: z.enum(['outlet', 'seller', 'maker']).default('outlet'),
      manufacturer: z.string().max(128).optional(),
      ...PeriodFields,
    })
    .superRefine(checkPeriod);
  app.get(
    '/compliance/scorecards',
    {
      preHandler: staff,
      config: { tenant: ownFigures },
      schema: {
        tags,
        summary:
          'Scorecards per outlet, seller or maker: case deadlines met, findings (推诿扯皮 and order checks), satisfaction, first-time-fix rate',
        querystring: ScoreQuery,
        response: {
          200: z.object({
            period: z.object({ from: z.string(), to: z.string() }),
            scorecards: z.array(ScorecardSchema),
          }),
          ...errors,
        },
      },
    },
    async (req) => {
      const period = resolvePeriod(req.query, o.clock());
      const span: Span = { ...instants(period), manufacturer: scoped(req, req.query.manufacturer) };
      return {
        period,
        scorecards: await scorecards(o.cases, o.compliance, span, req.query.by, o.repairOutcomes),
      };
    },
  );

  app.get(
    '/compliance/satisfaction',
    {
      preHandler: staff,
      config: { tenant: ownFigures },
      schema: {
        tags,
        summary:
          'Satisfaction index (mean survey score × 20) per outlet, maker or category and quarter',
        querystring: z
          .object({
            by: z.enum(['outlet', 'maker', 'category']).default('outlet'),
            manufacturer: z.string().max(128).optional(),
            ...PeriodFields,
          })
          .superRefine(checkPeriod),
        response: {
          200: z.object({
            period: z.object({ from: z.string(), to: z.string() }),
            rows: z.array(
              z.object({
                key: z.string().nullable(),
                quarter: z.string(),
                answers: z.number().int(),
                meanScore: z.number().nullable(),
                index: z.number().nullable(),
                resolvedRate: z.number().nullable(),
              }),
            ),
          }),
          ...errors,
        },
      },
    },
    async (req) => {
      const period = resolvePeriod(req.query, o.clock());
      const surveys = await o.cases.surveys({
        ...instants(period),
        manufacturer: scoped(req, req.query.manufacturer),
      });
      return { period, rows: satisfactionIndex(surveys, req.query.by) };
    },
  );

  app.get(
    '/compliance/outlets/:id/authorizations',
    {
      preHandler: staff,
      config: {
        tenant: { scoped: 'only an outlet it authorized (else unknown), its own entries only' },
      },
      schema: {
        tags,
        summary: "An outlet's authorization history: every authorization saved, oldest first",
        params: Params,
        response: {
          200: z.object({
            outletId: z.string(),
            history: z.array(
              z.object({
                seq: z.number().int(),
                manufacturer: z.string().nullable(),
                name: z.string(),
                authorizedFrom: z.string(),
                authorizedTo: z.string().nullable(),
                recordedAt: z.string(),
              }),
            ),
          }),
          ...errors,
        },
      },
    },
    async (req) => {
      const history = await o.compliance.outletHistory(req.params.id);
      const m = scopeOf(req);
      if (m === null) return { outletId: req.params.id, history };
      // A confined maker sees its own authorizations of the outlet, never another maker's; an
      // outlet it never authorized is unknown to it.
      const own = history.filter((h) => h.manufacturer === m);
      if (own.length === 0) throw new WarrantyErrors.UnknownOutlet(req.params.id);
      return { outletId: req.params.id, history: own };
    },
  );

  app.post(
    '/compliance/disclosures',
    {
      preHandler: regulator,
      schema: {
        tags,
        summary:
          'Regulator: publish confirmed violations of an outlet, seller or maker (信息公开), blacklisted or not',
        body: z
          .object({
            party: z
              .object({ kind: z.enum(['outlet', 'seller', 'maker']), id: Id, name: ShortText })
              .strict(),
            findingIds: z.array(Id).min(1).max(200),
            summary: freeText(2000),
            blacklisted: z.boolean(),
            blacklistReason: opt(freeText(1000)),
          })
          .strict()
          .superRefine((b, ctx) => {
            if (b.blacklisted && !b.blacklistReason)
              ctx.addIssue({
                code: 'custom',
                path: ['blacklistReason'],
                message: 'a blacklisting states its reason',
              });
          }),
        response: { 201: DisclosureSchema, ...errors },
      },
    },
    async (req, reply) => {
      const b = req.body;
      const problems: Array<{ path: string; message: string }> = [];
      for (const [i, id] of b.findingIds.entries()) {
        const f = await o.compliance.get(id);
        if (!f) problems.push({ path: `body.findingIds[${i}]`, message: `no finding ${id}` });
        else if (f.status === 'dismissed')
          problems.push({ path: `body.findingIds[${i}]`, message: `finding ${id} was dismissed` });
        else if (partyOf(f, b.party.kind) !== b.party.id)
          problems.push({
            path: `body.findingIds[${i}]`,
            message: `finding ${id} does not count against ${b.party.kind} ${b.party.id}`,
          });
      }
      if (problems.length)
        throw withDetails(
          new AppErrors.Validation(problems.map((p) => `${p.path}: ${p.message}`).join('; ')),
          problems,
        );
      const at = o.clock().toISOString();
      await o.compliance.confirm(b.findingIds, actor(req), at);
      const d = await o.compliance.publish({
        party: b.party,
        findingIds: b.findingIds,
        summary: b.summary,
        blacklisted: b.blacklisted,
        blacklistReason: b.blacklistReason ?? null,
        publishedAt: at,
        publishedBy: actor(req),
      });
      return reply.status(201).send(await publicView(d));
    },
  );

  const publicView = async (d: Awaited<ReturnType<ComplianceStore['publish']>>) => {
    const fs = (await Promise.all(d.findingIds.map((id) => o.compliance.get(id)))).filter(
      (f): f is Finding => f !== undefined && f.status !== 'dismissed',
    );
    return {
      id: d.id,
      party: d.party,
      summary: d.summary,
      blacklisted: d.blacklisted,
      blacklistReason: d.blacklistReason,
      publishedAt: d.publishedAt,
      violations: fs.map((f) => ({
        rule: f.rule,
        clause: f.clause,
        message: f.message,
        detectedAt: f.detectedAt,
        status: f.status,
        rectifiedAt: f.rectification?.at ?? null,
      })),
    };
  };

  app.get(
    '/public/violations',
    {
      schema: {
        tags,
        summary:
          'Public: violations confirmed and published by a regulator, with the blacklist (信息公开)',
        security: [],
        response: { 200: z.object({ disclosures: z.array(DisclosureSchema) }) },
      },
    },
    async () => ({
      disclosures: await Promise.all((await o.compliance.disclosures()).map(publicView)),
    }),
  );

  // ── the campaign's lists ──────────────────────────────────────────────────────────────────
  const ListQuery = z
    .object({
      format: z.enum(['json', 'csv', 'xlsx']).default('json'),
      lang: z.enum(['zh', 'en']).default('zh'),
      manufacturer: z.string().max(128).optional(),
      ...PeriodFields,
    })
    .superRefine(checkPeriod);
  const TableSchema = z.object({
    title: z.object({ zh: z.string(), en: z.string() }),
    columns: z.array(
      z.object({ key: z.string(), zh: z.string(), en: z.string(), type: z.string().optional() }),
    ),
    rows: z.array(z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]))),
  });
  const send = (
    reply: FastifyReply,
    tables: Table[],
    one: boolean,
    label: string,
    q: z.output<typeof ListQuery>,
  ) => {
    if (q.format === 'json') return reply.send((one ? tables[0] : tables) as never);
    if (q.format === 'csv')
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${label}.csv"`)
        .send(toCsv(tables[0]!, q.lang) as never);
    return reply
      .header('content-type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
      .header('content-disposition', `attachment; filename="${label}.xlsx"`)
      .send(toXlsx(tables, q.lang) as never);
  };
  const lists = async (req: FastifyRequest, q: z.output<typeof ListQuery>) => {
    const span = givenSpan(q);
    const manufacturer = scoped(req, q.manufacturer);
    const [open, rectified] = await Promise.all([
      allFindings(o.compliance, {
        status: 'open',
        manufacturer,
        ...(span ? { detectedFrom: span.from, detectedTo: span.to } : {}),
      }),
      allFindings(o.compliance, {
        status: 'rectified',
        manufacturer,
        ...(span ? { rectifiedFrom: span.from, rectifiedTo: span.to } : {}),
      }),
    ]);
    return {
      violations: violationsTable(open, q.lang),
      rectifications: rectificationsTable(rectified, q.lang),
    };
  };
  for (const [path, summary, pick] of [
    ['violations', '问题清单: the violations found and not yet rectified', 'violations'],
    [
      'violation-rectifications',
      '整治提升情况清单: the violations rectified, what was done, by whom, when',
      'rectifications',
    ],
  ] as const)
    app.get(
      `/reports/${path}`,
      {
        preHandler: listReaders,
        config: { tenant: ownFigures },
        schema: {
          tags: ['reports', ...tags],
          summary: `${summary} (JSON, CSV or XLSX; a period filters by when found / rectified)`,
          querystring: ListQuery,
          response: {
            200: TableSchema.describe('JSON; text/csv or an XLSX file when format says so'),
            ...errors,
          },
        },
      },
      async (req, reply) => {
        const t = await lists(req, req.query);
        return send(reply, [t[pick]], true, `sanbao-${path}`, req.query);
      },
    );
  app.get(
    '/reports/compliance-lists',
    {
      preHandler: listReaders,
      config: { tenant: ownFigures },
      schema: {
        tags: ['reports', ...tags],
        summary: 'Both lists (问题清单 and 整治提升情况清单) as one XLSX workbook, or JSON',
        querystring: ListQuery,
        response: {
          200: z.array(TableSchema).describe('JSON; an XLSX file when format=xlsx'),
          ...errors,
        },
      },
    },
    async (req, reply) => {
      if (req.query.format === 'csv') {
        const message =
          'CSV holds one table: ask /reports/violations or /reports/violation-rectifications';
        throw withDetails(new AppErrors.Validation(`querystring.format: ${message}`), [
          { path: 'querystring.format', message },
        ]);
      }
      const t = await lists(req, req.query);
      return send(
        reply,
        [t.violations, t.rectifications],
        false,
        'sanbao-compliance-lists',
        req.query,
      );
    },
  );
};
