import type { Aedes } from 'aedes';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Auth, Sql } from '../core/index.ts';
import type { DeviceRegistry } from '../devices/index.ts';
import type { DurableListener } from '../ingest/index.ts';
import { createAlertService, type AlertService, type AlertServiceOptions } from './alerts.ts';
import { createCatalog, type Catalog } from './catalog/service.ts';
import { createRemoteCommands, type RemoteCommands } from './commands.ts';
import { publishAlertsOverMqtt } from './delivery/mqtt.ts';
import { createSseHub, type SseHub } from './delivery/sse.ts';
import { createSqlWebhookRegistry, type WebhookRegistry } from './delivery/webhook-registry.ts';
import { createWebhookDispatcher, type WebhookDispatcherOptions } from './delivery/webhooks.ts';
import { createDiagnosticsEngine, type DiagnosticsEngine } from './engine.ts';
import { PROFILES } from './profiles/index.ts';
import { diagnosticsRoutes } from './routes.ts';
import { createSqlAlertStore } from './stores/sql-alerts.ts';
import { createSqlCatalogStore } from './stores/sql-catalog.ts';
import type { AlertCandidate } from './types.ts';

export interface DiagnosticsDeps {
  sql: Sql;
  broker: Pick<Aedes, 'publish' | 'subscribe' | 'unsubscribe'>;
  ingest: { onDurable(l: DurableListener): void };
  auth: Auth;
  devices: Pick<DeviceRegistry, 'get'>;
  /**
   * The manufacturer of a registered product model (the warranty registry): a confined
   * manufacturer token changes the diagnostics catalogue of its own models only.
   */
  manufacturerOf?: (category: string, model: string) => Promise<string | undefined>;
  log: FastifyBaseLogger;
  clock?: () => number;
  /** How often silent devices and overdue alerts are checked (default 60 s). */
  tickMs?: number;
  escalateAfterMs?: AlertServiceOptions['escalateAfterMs'];
  cap?: AlertServiceOptions['cap'];
  heartbeatMs?: number;
  webhooks?: Pick<
    WebhookDispatcherOptions,
    'maxAttempts' | 'baseDelayMs' | 'timeoutMs' | 'allowPrivate'
  >;
}

/** The diagnostics role, running: engine, alert lifecycle, delivery channels, routes. */
export interface Diagnostics {
  engine: DiagnosticsEngine;
  /** Profiles, code tables, calibrations, references and models loaded at run time. */
  catalog: Catalog;
  alerts: AlertService;
  webhooks: WebhookRegistry;
  commands: RemoteCommands;
  sse: SseHub;
  /** For `buildApp({ plugins })`: registers the routes under the API prefix. */
  routes: (app: FastifyInstance) => Promise<void>;
  close(): Promise<void>;
}

/**
 * Composes diagnostics: every accepted sample and event goes through the engine once spooled, candidates
 * become alerts, alerts go out over MQTT, SSE and webhooks; a timer finds silent devices and
 * escalates overdue alerts.
 */
export function startDiagnostics(d: DiagnosticsDeps): Diagnostics {
  const clock = d.clock ?? Date.now;
  const onError = (err: unknown, what: string) => d.log.error({ err }, what);
  const engine = createDiagnosticsEngine({ profiles: PROFILES, clock });
  const catalog = createCatalog({
    store: createSqlCatalogStore(d.sql),
    builtin: PROFILES,
    engine,
    clock,
    manufacturerOf: d.manufacturerOf ?? (async () => undefined),
    onProblems: (problems) =>
      d.log.warn(
        { problems },
        'diagnostics catalogue: documents in force that no longer compose are left out',
      ),
  });
  const alerts = createAlertService({
    store: createSqlAlertStore(d.sql),
    clock,
    onClosed: (deviceId, modeId) => engine.close(deviceId, modeId),
    onError,
    ...(d.escalateAfterMs === undefined ? {} : { escalateAfterMs: d.escalateAfterMs }),
    ...(d.cap ? { cap: d.cap } : {}),
  });
  // accept() reports its own failures through onError; the rejection is only for awaiting callers.
  const accept = (cs: readonly AlertCandidate[]) => {
    for (const c of cs) alerts.accept(c).catch(() => undefined);
  };
  // Fed from the spool, before the store write: a store outage does not silence devices.
  d.ingest.onDurable({
    samples: (samples) => samples.forEach((s) => accept(engine.process(s))),
    events: (events) => events.forEach((e) => accept(engine.processEvent(e))),
  });
  const stopMqtt = publishAlertsOverMqtt(d.broker, alerts, (err) =>
    onError(err, 'alert publish failed'),
  );
  const webhooks = createSqlWebhookRegistry(d.sql);
  const dispatcher = createWebhookDispatcher({
    registry: webhooks,
    alerts,
    clock,
    onError,
    ...d.webhooks,
  });
  const sse = createSseHub(
    alerts,
    d.heartbeatMs === undefined ? {} : { heartbeatMs: d.heartbeatMs },
  );
  const commands = createRemoteCommands({ broker: d.broker, sql: d.sql, clock });

  let ticking: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    // One tick at a time: a slow database must not pile ticks up.
    ticking = ticking.then(() => {
      accept(engine.tick(clock()));
      return alerts.tick().catch((err: unknown) => onError(err, 'alert escalation failed'));
    });
  }, d.tickMs ?? 60_000);
  timer.unref();

  const opts = {
    auth: d.auth,
    alerts,
    engine,
    catalog,
    commands,
    webhooks,
    webhooksAllowPrivate: d.webhooks?.allowPrivate ?? false,
    sse,
    deviceExists: async (id: string) => (await d.devices.get(id)) !== undefined,
  };
  return {
    engine,
    catalog,
    alerts,
    webhooks,
    commands,
    sse,
    routes: async (app) => {
      await app.register(diagnosticsRoutes, opts);
    },
    async close() {
      clearInterval(timer);
      stopMqtt();
      sse.closeAll();
      await ticking;
      await commands.close();
      await alerts.idle();
      await dispatcher.close();
    },
  };
}
