import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { withDetails } from '../core/index.ts';
import {
  decideUnit,
  parseInstant,
  type OdometerSource,
  type Unit,
  type WarrantyStore,
} from '../warranty/index.ts';
import { claimDecision } from './claim-decision.ts';
import { commitmentInForce } from './commitment.ts';
import { planDeadlines, type Calendar } from './deadlines.ts';
import { CasesErrors } from './errors.ts';
import {
  answerCase,
  assignCase,
  closeCase,
  noteCase,
  openCase,
  sweepCase,
  andThen,
  type AnswerInput,
  type CloseInput,
  type Step,
} from './lifecycle.ts';
import type { Case, CaseRequest } from './model.ts';
import { caseLink, ownerMail, webhookPayload } from './notify/messages.ts';
import type { CaseStore, CaseWrite, NewNotification, Survey } from './store.ts';

/**
 * The case use cases: open (by the owner or the desk), answer, assign, note, close, sweep the
 * deadlines, answer the survey. Each reads what it needs, runs the pure lifecycle step at the
 * case clock's moment, turns the step's intents into outbox rows, and hands it all to the store
 * in one transaction; then the notifier is kicked. The case clock is injected (tests move it).
 */
export interface CaseServiceDeps {
  store: CaseStore;
  warranty: WarrantyStore;
  telemetry?: OdometerSource | undefined;
  log: FastifyBaseLogger;
  /** The case clock: deadlines, events, findings. */
  clock: () => Date;
  /** Wall time for the first delivery attempt. */
  wallClock: () => Date;
  /** The holiday calendar in force (warranty's HolidayCalendars, re-read when stale). */
  calendar: () => Promise<Calendar>;
  publicUrl: () => string;
  /** Called after every committed change that owes notifications. */
  kick: () => void;
}

export interface OpenInput extends CaseRequest {
  kind: Case['kind'];
  channel: Case['channel'];
  outletId?: string | undefined;
}

const caseId = (now: Date) =>
  `C${parseInstant(now.toISOString()).date.replace(/-/g, '')}-${randomBytes(3).toString('hex').toUpperCase()}`;

export function createCaseService(d: CaseServiceDeps) {
  type Hooks = Awaited<ReturnType<CaseStore['webhooks']>>;
  const hooksOf = (maker: string | null): Promise<Hooks> =>
    maker !== null ? d.store.webhooks(maker) : Promise.resolve([]);

  /**
   * The outbox rows for what a step owes: a mail to an owner who opted in (owner events), and
   * every event to the maker's case webhooks (its app or SMS gateway). Built from the case as
   * the step leaves it, with the hooks read before the store's transaction.
   */
  function write(s: Step, hooks: Hooks, at: string): CaseWrite {
    const c = s.next;
    const link = caseLink(d.publicUrl(), c);
    const base = {
      caseId: c.id,
      serial: c.serial,
      createdAt: at,
      firstAttemptAt: d.wallClock().toISOString(),
    };
    const notifications: NewNotification[] = [];
    for (const i of s.intents) {
      const email = c.request.contact.email;
      const mail =
        i.audience === 'owner' && c.request.notify.email && email && ownerMail(c, i, link);
      if (mail && email)
        notifications.push({
          ...base,
          event: i.event,
          channel: 'email',
          target: email,
          payload: { ...mail },
        });
      for (const h of hooks)
        notifications.push({
          ...base,
          event: i.event,
          channel: 'webhook',
          target: h.id,
          payload: webhookPayload(c, i, link, at),
        });
    }
    return {
      next: c,
      events: s.events,
      findings: s.findings,
      notifications,
      openSurvey: s.openSurvey,
    };
  }

  /** Runs `f` (after the deadline sweep) on case `id` under the store's lock. */
  async function act(id: string, f: ((c: Case, now: string) => Step) | undefined): Promise<Case> {
    const now = d.clock().toISOString();
    const current = await d.store.get(id);
    if (!current) throw new CasesErrors.UnknownCase(id);
    const hooks = await hooksOf(current.manufacturer);
    const updated = await d.store.transition(id, (c) => {
      const s = f ? andThen(sweepCase(c, now), (x) => f(x, now)) : sweepCase(c, now);
      return !f && s.events.length === 0 ? null : write(s, hooks, now);
    });
    d.kick();
    return updated;
  }

  return {
    /**
     * Opens a case on a registered unit. A claim is evaluated now (the engine's decision, with
     * the car's mileage from telemetry when not given) and refused with CASES_ERR_NO_POLICY when
     * no 三包 policy covers the unit.
     */
    async open(unit: Unit, input: OpenInput, openedBy: string): Promise<Case> {
      const now = d.clock();
      const at = now.toISOString();
      const calendar = await d.calendar();
      let decision: Case['decision'] = null;
      if (input.kind === 'claim') {
        try {
          const r = await decideUnit(d.warranty, unit, {
            evaluationDate: at,
            ...(calendar ? { calendar } : {}),
            ...(input.mileageKm === undefined ? {} : { mileageKm: input.mileageKm }),
            ...(d.telemetry ? { telemetry: d.telemetry } : {}),
          });
          decision = claimDecision(r.evaluation, input.requestedRemedy ?? 'repair', {
            km: r.mileageKm,
            source: r.mileageSource,
          });
        } catch (err) {
          const e = err as Error & { code?: string };
          if (e.code !== 'WARRANTY_ERR_NO_POLICY_IN_FORCE') throw err;
          throw withDetails(new CasesErrors.NoPolicy(unit.serial, e.message), [
            { path: 'body.kind', message: e.message, cause: e.code },
          ]);
        }
      }
      const commitment = unit.manufacturer
        ? commitmentInForce(await d.store.commitments(unit.manufacturer), parseInstant(at).date)
        : undefined;
      const { kind, channel, outletId, ...request } = input;
      const draft: Case = {
        id: caseId(now),
        kind,
        status: 'open',
        serial: unit.serial,
        category: unit.category,
        model: unit.model,
        manufacturer: unit.manufacturer ?? null,
        seller: unit.seller ?? null,
        outletId: outletId ?? null,
        assignee: null,
        channel,
        openedBy,
        openedAt: at,
        request,
        decision,
        deadlines: planDeadlines({
          kind,
          category: unit.category,
          requestedRemedy: request.requestedRemedy,
          openedAt: at,
          commitment,
          calendar,
        }),
        escalation: 'none',
        answer: null,
        resolution: null,
        repeatOf: null,
        closedAt: null,
        version: 1,
      };
      const step = openCase(draft, at, await d.store.ofUnit(unit.serial));
      const created = await d.store.insert(write(step, await hooksOf(draft.manufacturer), at));
      d.kick();
      return created;
    },
    answer: (id: string, a: AnswerInput, by: string) =>
      act(id, (c, now) => answerCase(c, a, by, now)),
    assign: (
      id: string,
      a: { outletId?: string | undefined; assignee?: string | undefined },
      by: string,
    ) => act(id, (c, now) => assignCase(c, a, by, now)),
    note: (id: string, n: { text: string; internal: boolean }, by: string) =>
      act(id, (c, now) => noteCase(c, n, by, now)),
    close: (id: string, r: CloseInput, by: string) => act(id, (c, now) => closeCase(c, r, by, now)),
    /** Sweeps the cases whose deadlines need a look now; returns how many changed. */
    async sweep(): Promise<number> {
      const now = d.clock().toISOString();
      let changed = 0;
      for (const id of await d.store.due(now, 500)) {
        const before = await d.store.get(id);
        const after = await act(id, undefined);
        if (before && after.version !== before.version) changed++;
      }
      return changed;
    },
    /** The owner's answer to the case's survey, once; a line on the timeline. */
    async answerSurvey(
      id: string,
      a: { score: number; resolved: boolean; comment?: string | undefined },
    ): Promise<Survey> {
      const at = d.clock().toISOString();
      const s = await d.store.answerSurvey(id, a, at);
      await d.store.transition(id, (c) => ({
        next: c,
        events: [
          {
            at,
            actor: 'owner',
            type: 'survey_answered',
            data: { score: a.score, resolved: a.resolved },
          },
        ],
        findings: [],
        notifications: [],
      }));
      return s;
    },
  };
}

export type CaseService = ReturnType<typeof createCaseService>;
