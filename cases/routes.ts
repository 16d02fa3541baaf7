import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { type Auth, ErrorEnvelope, Pagination, scopeOf, type TenantRule } from '../core/index.ts';
import {
  WarrantyErrors,
  type OwnerAccess,
  type OwnerCheck,
  type Unit,
  type WarrantyStore,
} from '../warranty/index.ts';
import type { CaseService } from './case-service.ts';
import type { Calendar } from './deadlines.ts';
import { CasesErrors } from './errors.ts';
import { CaseKindSchema, CaseStatusSchema, type Case } from './model.ts';
import {
  AnswerBody,
  AssignBody,
  CloseBody,
  DeskOpenBody,
  Id,
  NoteBody,
  OwnerOpenBody,
  Serial,
  SubscriptionBody,
  SurveyBody,
} from './requests.ts';
import type { CaseStore, ComplianceStore } from './store.ts';
import {
  CaseDetailSchema,
  CaseViewSchema,
  NotificationSchema,
  ownerEvents,
  viewCase,
  viewNotification,
} from './views.ts';

/**
 * Case routes (issue 23), registered under /api/v1. Owners open and follow their cases with the
 * serial and the verification code on the 三包凭证 (or an owner token), through the warranty
 * module's own owner access check (`ownerAccess`, whose wrong codes count with the warranty
 * status route's); the service desk (`desk`) and engineers work the queue; makers read their
 * own cases; regulators read all. Tenancy is core/tenant.ts's: a case is its maker's (`case`),
 * a unit path is checked as a `unit`, and the queue is narrowed to the maker's own cases.
 */
export interface CaseRoutesOptions {
  auth: Auth;
  service: CaseService;
  store: CaseStore;
  compliance: ComplianceStore;
  warranty: WarrantyStore;
  clock: () => Date;
  /** The holiday calendar in force, for the clocks' working days. */
  calendar: () => Promise<Calendar>;
  /**
   * warranty's owner access check (`ownerOrStaff` with shared wrong-code limits): serial + code,
   * the unit's owner token, or a staff token of the roles asked for.
   */
  ownerAccess: OwnerAccess;
  sweep: () => Promise<number>;
}

const errors = {
  400: ErrorEnvelope,
  401: ErrorEnvelope,
  403: ErrorEnvelope,
  404: ErrorEnvelope,
  409: ErrorEnvelope,
};
const tags = ['cases'];
const UnitParams = z.object({ serial: Serial });
const UnitCaseParams = z.object({ serial: Serial, id: Id });
const CaseParams = z.object({ id: Id });

/** Who acted: the token's subject when it has one (a person), else the token id. */
const actor = (req: FastifyRequest) => req.principal?.subject ?? req.principal?.tokenId ?? 'owner';

/** The roles that read cases (admin always may). */
const READERS = ['desk', 'engineer', 'manufacturer', 'regulator'] as const;
/** The serial names a unit: another maker's is unknown to a confined token. */
const oneUnit: TenantRule = { params: { serial: 'unit' } };
/** The id names a case: another maker's is unknown to a confined token. */
const oneCase: TenantRule = { params: { id: 'case' } };

export const caseRoutes: FastifyPluginAsyncZod<CaseRoutesOptions> = async (app, o) => {
  const desk = o.auth.require('desk', 'engineer');
  const readers = o.auth.require(...READERS);
  const security: Array<Record<string, string[]>> = [{ bearer: [] }, {}];
  /** Only the owner speaks for the owner: serial + code, or the owner's own token. */
  const ownerCheck = o.ownerAccess(['owner']);
  const owner = { preHandler: ownerCheck.tokenOnly };
  /** The owner, or staff who read cases. */
  const readerCheck = o.ownerAccess(['admin', 'owner', ...READERS]);
  const ownerOrReader = {
    preHandler: readerCheck.tokenOnly,
    config: { tenant: oneUnit },
  };
  // A case is the manufacturer's of its unit (core/tenant.ts).
  o.auth.tenancy.define('case', {
    async relation(maker, id) {
      const c = await o.store.get(id);
      return !c ? 'absent' : c.manufacturer === maker ? 'owned' : 'foreign';
    },
    hidden: (id) => new CasesErrors.UnknownCase(id),
  });

  const view = async (c: Case, ownerView: boolean) =>
    viewCase(c, {
      now: o.clock(),
      calendar: await o.calendar(),
      findings: (await o.compliance.list({ caseId: c.id, limit: 100, offset: 0 })).findings,
      survey: await o.store.getSurvey(c.id),
      owner: ownerView,
    });
  const detail = async (c: Case, ownerView: boolean) => {
    const events = await o.store.events(c.id);
    return { ...(await view(c, ownerView)), events: ownerView ? ownerEvents(events) : events };
  };
  /** The case `id` (tenancy, checked before the handler, hid another maker's). */
  const caseOr404 = async (id: string): Promise<Case> => {
    const c = await o.store.get(id);
    if (!c) throw new CasesErrors.UnknownCase(id);
    return c;
  };
  /**
   * The whole owner check (a code against the unit, or a token of the route's roles, the owner's
   * own unit, the tenancy rule), run first in each handler; the route's preHandler checked the
   * token only, at onRequest. Returns the unit the check read.
   */
  const unitOf = async (
    check: OwnerCheck,
    req: FastifyRequest,
    reply: FastifyReply,
    serial: string,
  ): Promise<Unit> => {
    const u = await check.admit(req, reply);
    if (!u) throw new WarrantyErrors.UnknownUnit(serial);
    return u;
  };
  /** The owner's view: a code (no principal) or an owner token. */
  const ownerView = (req: FastifyRequest) => !req.principal || req.principal.role === 'owner';
  const caseOfUnit = async (serial: string, id: string) => {
    const c = await o.store.get(id);
    if (!c || c.serial !== serial) throw new CasesErrors.UnknownCase(id);
    return c;
  };

  // ── owners ────────────────────────────────────────────────────────────────────────────────
  app.post(
    '/units/:serial/cases',
    {
      ...owner,
      schema: {
        tags,
        summary:
          'Owner: open a consultation, 三包 claim or complaint (serial + x-verification-code)',
        security,
        params: UnitParams,
        body: OwnerOpenBody,
        response: { 201: CaseViewSchema, 422: ErrorEnvelope, ...errors },
      },
    },
    async (req, reply) => {
      const unit = await unitOf(ownerCheck, req, reply, req.params.serial);
      const c = await o.service.open(unit, { ...req.body, channel: 'owner_page' }, 'owner');
      return reply.status(201).send(await view(c, true));
    },
  );

  app.get(
    '/units/:serial/cases',
    {
      ...ownerOrReader,
      schema: {
        tags,
        summary: "A unit's cases, newest first (its owner, or staff)",
        security,
        params: UnitParams,
        response: { 200: z.object({ cases: z.array(CaseViewSchema) }), ...errors },
      },
    },
    async (req, reply) => {
      const unit = await unitOf(readerCheck, req, reply, req.params.serial);
      const cases = await o.store.ofUnit(unit.serial);
      return { cases: await Promise.all(cases.map((c) => view(c, ownerView(req)))) };
    },
  );

  app.get(
    '/units/:serial/cases/:id',
    {
      ...ownerOrReader,
      schema: {
        tags,
        summary: 'One case of the unit with its timeline (internal notes left out for the owner)',
        security,
        params: UnitCaseParams,
        response: { 200: CaseDetailSchema, ...errors },
      },
    },
    async (req, reply) => {
      await unitOf(readerCheck, req, reply, req.params.serial);
      const c = await caseOfUnit(req.params.serial, req.params.id);
      return detail(c, ownerView(req));
    },
  );

  app.post(
    '/units/:serial/cases/:id/survey',
    {
      ...owner,
      schema: {
        tags,
        summary: 'Owner: answer the satisfaction survey of a closed case, once',
        security,
        params: UnitCaseParams,
        body: SurveyBody,
        response: { 201: CaseViewSchema, ...errors },
      },
    },
    async (req, reply) => {
      await unitOf(ownerCheck, req, reply, req.params.serial);
      await caseOfUnit(req.params.serial, req.params.id);
      await o.service.answerSurvey(req.params.id, req.body);
      const c = await caseOfUnit(req.params.serial, req.params.id);
      return reply.status(201).send(await view(c, true));
    },
  );

  const SubscriptionOut = z
    .object({
      serial: z.string(),
      alerts: z.boolean(),
      email: z.string().nullable(),
      phone: z.string().nullable(),
      webhook: z.boolean(),
      updatedAt: z.string().nullable(),
    })
    .meta({ id: 'OwnerAlertSubscriptionState' });
  app.put(
    '/units/:serial/subscription',
    {
      ...owner,
      schema: {
        tags,
        summary:
          'Owner: be told (mail, or the maker’s app/SMS gateway) when remote monitoring finds a problem',
        security,
        params: UnitParams,
        body: SubscriptionBody,
        response: { 200: SubscriptionOut, ...errors },
      },
    },
    async (req, reply) => {
      const unit = await unitOf(ownerCheck, req, reply, req.params.serial);
      return o.store.subscribe({
        serial: unit.serial,
        alerts: req.body.alerts,
        email: req.body.email ?? null,
        phone: req.body.phone ?? null,
        webhook: req.body.webhook,
        updatedAt: o.clock().toISOString(),
      });
    },
  );
  app.get(
    '/units/:serial/subscription',
    {
      ...ownerOrReader,
      schema: {
        tags,
        summary: 'Whether the owner is told about predictive alerts on the unit',
        security,
        params: UnitParams,
        response: { 200: SubscriptionOut, ...errors },
      },
    },
    async (req, reply) => {
      const unit = await unitOf(readerCheck, req, reply, req.params.serial);
      return (
        (await o.store.subscription(unit.serial)) ?? {
          serial: unit.serial,
          alerts: false,
          email: null,
          phone: null,
          webhook: false,
          updatedAt: null,
        }
      );
    },
  );

  // ── the service desk ──────────────────────────────────────────────────────────────────────
  app.post(
    '/cases',
    {
      preHandler: desk,
      schema: {
        tags,
        summary: 'Desk: open a case for a caller (phone, walk-in, letter…) on a registered unit',
        body: DeskOpenBody,
        response: { 201: CaseViewSchema, 422: ErrorEnvelope, ...errors },
      },
    },
    async (req, reply) => {
      const { serial, ...input } = req.body;
      const unit = await o.warranty.getUnit(serial);
      if (!unit) throw new WarrantyErrors.UnknownUnit(serial);
      const c = await o.service.open(unit, input, actor(req));
      return reply.status(201).send(await view(c, false));
    },
  );

  app.get(
    '/cases',
    {
      preHandler: readers,
      config: {
        tenant: {
          scoped: 'lists and counts only the cases of its own units (manufacturer is its own)',
        },
      },
      schema: {
        tags,
        summary: 'The case queue with clocks: the most urgent deadline first, closed cases last',
        querystring: z.object({
          status: CaseStatusSchema.optional(),
          kind: CaseKindSchema.optional(),
          manufacturer: z.string().max(128).optional(),
          outletId: z.string().max(100).optional(),
          serial: z.string().max(64).optional(),
          escalation: z.enum(['none', 'supervisor', 'maker']).optional(),
          flagged: z
            .enum(['true', 'false'])
            .optional()
            .transform((v) => (v === undefined ? undefined : v === 'true')),
          ...Pagination,
        }),
        response: {
          200: z.object({ cases: z.array(CaseViewSchema), total: z.number().int() }),
          ...errors,
        },
      },
    },
    async (req) => {
      const m = scopeOf(req);
      const r = await o.store.list({ ...req.query, ...(m !== null ? { manufacturer: m } : {}) });
      return { cases: await Promise.all(r.cases.map((c) => view(c, false))), total: r.total };
    },
  );

  app.get(
    '/cases/:id',
    {
      preHandler: readers,
      config: { tenant: oneCase },
      schema: {
        tags,
        summary: 'A case with its timeline, deadlines, clocks and flags',
        params: CaseParams,
        response: { 200: CaseDetailSchema, ...errors },
      },
    },
    async (req) => detail(await caseOr404(req.params.id), false),
  );

  const action = <B extends z.ZodType>(
    path: string,
    summary: string,
    body: B,
    run: (id: string, b: z.output<B>, by: string) => Promise<Case>,
  ) =>
    app.post(
      `/cases/:id/${path}`,
      {
        preHandler: desk,
        schema: {
          tags,
          summary,
          params: CaseParams,
          body,
          response: { 200: CaseViewSchema, ...errors },
        },
      },
      async (req) => {
        await caseOr404(req.params.id);
        return view(await run(req.params.id, req.body as z.output<B>, actor(req)), false);
      },
    );
  action(
    'answer',
    'Answer the request (accept, refuse with reasons, or inform): meets the answer deadline',
    AnswerBody,
    (id, b, by) => o.service.answer(id, b, by),
  );
  action('assign', 'Assign the outlet handling it and/or a desk agent', AssignBody, (id, b, by) =>
    o.service.assign(id, b, by),
  );
  action(
    'notes',
    'A note on the timeline (internal by default: the owner does not see it)',
    NoteBody,
    (id, b, by) => o.service.note(id, b, by),
  );
  action(
    'close',
    'Close with the remedy granted; a claim closed below the remedy owed is flagged (推诿扯皮)',
    CloseBody,
    (id, b, by) => o.service.close(id, b, by),
  );

  app.get(
    '/cases/:id/notifications',
    {
      preHandler: readers,
      config: { tenant: oneCase },
      schema: {
        tags,
        summary: 'What the owner and the maker were sent about the case: each attempt, its error',
        params: CaseParams,
        response: { 200: z.object({ notifications: z.array(NotificationSchema) }), ...errors },
      },
    },
    async (req) => {
      await caseOr404(req.params.id);
      return { notifications: (await o.store.notifications(req.params.id)).map(viewNotification) };
    },
  );

  app.post(
    '/cases/sweep',
    {
      preHandler: o.auth.require('admin'),
      schema: {
        tags,
        summary: 'Sweep the deadlines now (the timer does it every CASES_SWEEP_SECONDS)',
        response: { 200: z.object({ changed: z.number().int() }), ...errors },
      },
    },
    async () => ({ changed: await o.sweep() }),
  );
};
