import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Auth, Sql } from '../core/index.ts';
import type { Diagnostics } from '../diagnostics/index.ts';
import type { TelemetryStore } from '../ingest/index.ts';
import type { HolidayCalendar, WarrantyStore } from '../warranty/index.ts';
import type { OverviewDeps } from './overview.ts';
import { createRepairOrders, type RepairOrders } from './repair-orders.ts';
import { qualityRoutes } from './routes.ts';

export interface QualityDeps {
  sql: Sql;
  auth: Auth;
  warranty: WarrantyStore;
  telemetry: TelemetryStore;
  diagnostics: Pick<Diagnostics, 'alerts' | 'catalog' | 'health' | 'healthScores'>;
  log: FastifyBaseLogger;
  now?: () => Date;
  /** After hand-back, how long the repaired failure mode has to be healthy again. */
  verifyWindowMs?: number;
  /** Health score (0–100) a repaired mode must reach. */
  minHealth?: number;
  /** How often due verifications are settled (default 60 s). */
  tickMs?: number;
  /**
   * Whether this node's timer settles due verifications (default true). Off on a node without
   * the `diagnostics` role (SANBAO_ROLES). Each verdict is a conditional UPDATE (`verification
   * = 'verifying'`), so several nodes may run it; health comes from the saved detector state
   * when the device is held elsewhere.
   */
  background?: boolean;
  /** The holiday calendar in force (warranty/holiday-calendars.ts). */
  holidays?: { current(): HolidayCalendar };
}

export interface Quality {
  orders: RepairOrders;
  routes: (app: FastifyInstance) => Promise<void>;
  /** Settles due verifications now (the timer does it every tickMs). */
  tick(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The quality role, running (issue 7): repair orders from alerts, repeat-failure escalation on
 * every new alert, verification of repairs from the engine's health, and the overview routes.
 */
export function startQuality(d: QualityDeps): Quality {
  const onError = (err: unknown, what: string) => d.log.error({ err }, what);
  const { alerts } = d.diagnostics;
  const orders = createRepairOrders({
    sql: d.sql,
    warranty: d.warranty,
    alerts,
    modeHealth: async (id) => {
      const h = await d.diagnostics.health(id);
      return h && { ts: h.ts, modes: new Map(h.modes.map((m) => [m.modeId, m.score])) };
    },
    onError,
    ...(d.holidays ? { calendar: () => d.holidays!.current() } : {}),
    ...(d.now ? { now: d.now } : {}),
    ...(d.verifyWindowMs === undefined ? {} : { verifyWindowMs: d.verifyWindowMs }),
    ...(d.minHealth === undefined ? {} : { minHealth: d.minHealth }),
  });
  // observe, not subscribe: the per-device notification cap must not hide a repeat failure.
  const unsubscribe = alerts.observe((n) => {
    if (n.type === 'alert.opened') orders.onAlertOpened(n.alert).catch(() => undefined);
  });
  const overview: OverviewDeps = {
    sql: d.sql,
    // Live where this node holds the device, else its saved state (cluster mode).
    healthOf: (ids) => d.diagnostics.healthScores(ids),
    ...(d.holidays ? { calendar: () => d.holidays!.current() } : {}),
    ...(d.now ? { now: d.now } : {}),
  };
  let ticking: Promise<unknown> = Promise.resolve();
  const tick = () => {
    ticking = ticking.then(() =>
      orders.verifyDue().then(
        (settled) => {
          for (const o of settled)
            d.log.info({ order: o.id, verification: o.verification }, 'repair verified');
        },
        (err: unknown) => onError(err, 'repair verification failed'),
      ),
    );
    return ticking.then(() => undefined);
  };
  const timer =
    d.background === false ? undefined : setInterval(() => void tick(), d.tickMs ?? 60_000);
  timer?.unref();
  return {
    orders,
    routes: async (app) => {
      await app.register(qualityRoutes, {
        auth: d.auth,
        catalog: d.diagnostics.catalog,
        orders,
        overview,
        telemetry: d.telemetry,
        warranty: d.warranty,
        ...(d.now ? { now: d.now } : {}),
      });
    },
    tick,
    async close() {
      clearInterval(timer);
      unsubscribe();
      await ticking;
      await orders.idle();
    },
  };
}
