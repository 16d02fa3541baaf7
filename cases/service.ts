import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Auth, Sql } from '../core/index.ts';
import {
  HolidayCalendars,
  type OdometerSource,
  type OwnerAccess,
  type WarrantyStore,
} from '../warranty/index.ts';
import { createAlertNotices, type AlertLike } from './alert-notices.ts';
import { createCaseService, type CaseService } from './case-service.ts';
import { complianceRoutes } from './compliance-routes.ts';
import type { Calendar } from './deadlines.ts';
import { createNotifier, type Notifier } from './notify/deliver.ts';
import { createSmtpMailer, type Mailer } from './notify/mailer.ts';
import { rememberOrderChecks } from './order-memory.ts';
import type { RepairOutcomes } from './reports.ts';
import { caseRoutes } from './routes.ts';
import { settingsRoutes } from './settings-routes.ts';
import { SqlCaseStore } from './stores/sql-cases.ts';
import { SqlComplianceStore } from './stores/sql-compliance.ts';
import type { CaseStore, ComplianceStore } from './store.ts';

/**
 * The cases role, running: the stores, the case use cases, the notification outbox worker, the
 * deadline sweeper (every `sweepMs`), and the routes. The composition root (app/service.ts)
 * passes what it owns: the database, auth, the warranty store, telemetry for car mileage, the
 * holiday calendar in force, the clocks; the HTTP composition (app/http.ts) passes the owner
 * access check to the routes, with the wrong-code limits it shares with warranty's routes.
 */
export interface CasesDeps {
  sql: Sql;
  auth: Auth;
  warranty: WarrantyStore;
  telemetry?: OdometerSource | undefined;
  log: FastifyBaseLogger;
  /** The case clock (deadlines, events, findings); tests move it. Default: wall time. */
  clock?: (() => Date) | undefined;
  /** Wall time for deliveries and their retries. */
  wallClock?: (() => Date) | undefined;
  /**
   * The holiday calendar in force, loaded by an admin (warranty's `HolidayCalendars`, the one
   * every 三包 evaluation uses): working days and the claim's decision are counted on it.
   * Default: the built-in years only.
   */
  holidays?: HolidayCalendars | undefined;
  /** SMTP for owners' mail: `smtp://…` URL and sender; without it mail is recorded as failed. */
  smtp?: { url: string; from: string } | undefined;
  mailer?: Mailer | undefined;
  /** Base URL of the pages, for the links in mail (read when a mail is written). */
  publicUrl: () => string;
  /** How often deadlines are swept (default 60 s). */
  sweepMs?: number | undefined;
  delivery?: { baseDelayMs?: number; maxAttempts?: number; pollMs?: number } | undefined;
  /**
   * Makers' case webhooks reach public addresses only (the alert webhooks' check,
   * diagnostics/delivery/address-guard.ts); `allowPrivate` is WEBHOOK_ALLOW_PRIVATE.
   */
  webhooks?: { allowPrivate?: boolean } | undefined;
  repairOutcomes?: RepairOutcomes | undefined;
  /**
   * Whether this node runs the deadline sweeper and the outbox worker (default true). Off on a
   * node without the `diagnostics` role (SANBAO_ROLES): its case changes write their outbox rows
   * all the same, and a diagnostics node delivers them at its next poll. Both claim their work
   * in the database (rows locked, `SKIP LOCKED`), so several nodes may run them.
   */
  background?: boolean | undefined;
}

export interface Cases {
  store: CaseStore;
  compliance: ComplianceStore;
  service: CaseService;
  /** The warranty store with every appended repair record's check findings remembered. */
  observe(store: WarrantyStore): WarrantyStore;
  /** The routes, under /api/v1; `ownerAccess` is the owner access check app/http.ts shares. */
  routes: (app: FastifyInstance, shared: { ownerAccess: OwnerAccess }) => Promise<void>;
  /** Sweeps the deadlines now (the timer does it every sweepMs). */
  sweep(): Promise<number>;
  /**
   * For diagnostics' alert observer: an alert opened on a device tells the owners of its units
   * who subscribed (mail, the maker's gateway). Never throws, never holds the alert up.
   */
  onAlert(n: AlertLike): void;
  /** Resolves once the outbox has nothing due (tests). */
  delivered(): Promise<void>;
  close(): Promise<void>;
}

export function startCases(d: CasesDeps): Cases {
  const clock = d.clock ?? (() => new Date());
  const wallClock = d.wallClock ?? (() => new Date());
  const holidays = d.holidays ?? new HolidayCalendars();
  // Re-read at most every minute: an admin may load a year through another process.
  const calendar = (): Promise<Calendar> => holidays.fresh();
  const allowPrivate = d.webhooks?.allowPrivate ?? false;
  const store = new SqlCaseStore(d.sql);
  const compliance = new SqlComplianceStore(d.sql);
  const mailer = d.mailer ?? (d.smtp ? createSmtpMailer(d.smtp) : undefined);
  const background = d.background ?? true;
  const notifier: Notifier = background
    ? createNotifier({
        store,
        mailer,
        log: d.log,
        now: wallClock,
        allowPrivate,
        ...d.delivery,
      })
    : { kick: () => undefined, idle: async () => undefined, close: async () => mailer?.close() };
  const service = createCaseService({
    store,
    warranty: d.warranty,
    telemetry: d.telemetry,
    log: d.log,
    clock,
    wallClock,
    calendar,
    publicUrl: d.publicUrl,
    kick: () => notifier.kick(),
  });
  const notices = createAlertNotices({
    store,
    warranty: d.warranty,
    telemetry: d.telemetry,
    log: d.log,
    clock,
    wallClock,
    calendar,
    publicUrl: d.publicUrl,
    kick: () => notifier.kick(),
  });
  let sweeping: Promise<number> = Promise.resolve(0);
  const sweep = () => {
    sweeping = sweeping.then(
      () => service.sweep(),
      () => service.sweep(),
    );
    return sweeping.catch((err: unknown) => {
      d.log.error({ err }, 'case deadline sweep failed');
      return 0;
    });
  };
  const timer = background ? setInterval(() => void sweep(), d.sweepMs ?? 60_000) : undefined;
  timer?.unref();
  return {
    store,
    compliance,
    service,
    observe: (w) => rememberOrderChecks(w, compliance, d.log),
    routes: async (app, shared) => {
      const common = { auth: d.auth, store, clock };
      await app.register(caseRoutes, {
        ...common,
        service,
        compliance,
        warranty: d.warranty,
        calendar,
        ownerAccess: shared.ownerAccess,
        sweep,
      });
      await app.register(settingsRoutes, { ...common, allowPrivate });
      await app.register(complianceRoutes, {
        auth: d.auth,
        cases: store,
        compliance,
        clock,
        repairOutcomes: d.repairOutcomes,
      });
    },
    sweep,
    onAlert: (n) => notices.onAlert(n),
    delivered: async () => {
      await notices.idle();
      await notifier.idle();
    },
    async close() {
      clearInterval(timer);
      await notices.idle();
      await sweeping.catch(() => undefined);
      await notifier.close();
    },
  };
}
