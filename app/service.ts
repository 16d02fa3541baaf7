import path from 'node:path';
import type { Aedes } from 'aedes';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import pino from 'pino';
import {
  bindBroker,
  createBroker,
  listen,
  startAdmissionAgent,
  type AdmissionAgent,
  type BrokerDeps,
  type BrokerListeners,
} from '../broker/index.ts';
import { createDeviceRegistry, type DeviceRegistry } from '../devices/index.ts';
import {
  relayAlertsAcrossNodes,
  startDiagnostics,
  type Diagnostics,
} from '../diagnostics/index.ts';
import { startQuality, type Quality } from '../quality/index.ts';
import { Ingest, openTelemetryStore, Spool, type TelemetryStore } from '../ingest/index.ts';
import { startCases, type Cases, type RepairOutcomes } from '../cases/index.ts';
import {
  createOwnerCodes,
  HolidayCalendars,
  loadOwnerCodeKey,
  SqlHolidayCalendarStore,
  SqlWarrantyStore,
} from '../warranty/index.ts';
import {
  createAuth,
  type Auth,
  type Config,
  connectPostgres,
  migrate,
  openPglite,
  type Sql,
  createMetrics,
  addNodeRoles,
  addRedisUp,
  NODE_ROLES,
  type Metrics,
} from '../core/index.ts';
import { buildApp } from './http.ts';
import { buildOpsApp } from './ops-routes.ts';
import { createAccounts, SESSION_DEFAULTS, type Accounts } from '../accounts/index.ts';
import { createAuditTrail, type AuditTrail } from '../audit/index.ts';

export interface Service {
  config: Config;
  sql: Sql;
  auth: Auth;
  devices: DeviceRegistry;
  store: TelemetryStore;
  ingest: Ingest;
  broker: Aedes;
  diagnostics: Diagnostics;
  quality: Quality;
  cases: Cases;
  /** Users, sign-in sessions, owners' accounts (accounts/). */
  accounts: Accounts;
  /** Who did what (audit/). */
  audit: AuditTrail;
  /** The API and pages; on a node without the `http` role, /health and /metrics only. */
  app: FastifyInstance;
  metrics: Metrics;
  log: FastifyBaseLogger;
  /**
   * Bound ports (0 in the config means "any free port"); MQTT's only on a node with the
   * `broker` role.
   */
  ports: { http: number; agent?: number } & Partial<BrokerListeners['ports']>;
  /** Set when an admin token was generated on this start: print it once. */
  generatedAdminToken?: string;
  close(): Promise<void>;
}

/**
 * Repairs verified by telemetry and repairs that did not hold, per outlet, for orders closed in
 * the span (the first-time-fix rate of the outlet scorecards), read through quality's orders.
 */
const repairOutcomes = async (
  quality: Quality | undefined,
  span: Parameters<RepairOutcomes>[0],
): ReturnType<RepairOutcomes> => {
  const out = new Map<string, { verified: number; failed: number }>();
  if (!quality) return out;
  for (let offset = 0; ; offset += 1000) {
    const { orders } = await quality.orders.list({
      status: 'closed',
      // A maker's scorecard counts its own units' orders only (core/tenant.ts).
      manufacturer: span.manufacturer ?? null,
      limit: 1000,
      offset,
    });
    for (const o of orders) {
      if (!o.closedAt || o.closedAt < span.from || o.closedAt >= span.to) continue;
      const r = out.get(o.outletId) ?? { verified: 0, failed: 0 };
      if (o.verification === 'verified') r.verified++;
      else if (o.verification === 'not_recovered' || o.verification === 'repeat_failure')
        r.failed++;
      out.set(o.outletId, r);
    }
    if (orders.length < 1000) return out;
  }
};

/**
 * Composes and starts the roles of `config.roles` (SANBAO_ROLES, docs/style.md §7; all three by
 * default): database, telemetry store, spool and ingest, broker, diagnostics, cases, quality,
 * HTTP. The only place that knows them all. What each role runs (README "Roles"):
 * - `broker`: the MQTT listeners; without it the broker is made all the same, with the
 *   cluster's routing, to publish commands and hear alerts, but nobody can connect to it.
 * - `diagnostics`: the fleet-wide timers (alert escalation, case deadlines and outbox, repair
 *   verification); each claims its work in the database, so several nodes may run them.
 * - `http`: the API and pages; without it HTTP_PORT serves /health and /metrics only.
 * Ingest and per-device detection stay where the devices' connections are: a node without
 * listeners admits nothing, and drains only what its spool holds from an earlier run.
 */
export async function startService(
  config: Config,
  opts: {
    log?: FastifyBaseLogger;
    /** The case clock (cases/ deadlines); tests move it. Default: wall time. */
    clock?: () => Date;
    /** Case-notification retries (tests shorten them). */
    caseDelivery?: { baseDelayMs?: number; maxAttempts?: number; pollMs?: number };
    /**
     * Diagnostics' clock and how often it looks for silent devices (default the wall clock and
     * 60 s): tests run minutes of device time in seconds with them.
     */
    diagnostics?: {
      clock?: () => number;
      tickMs?: number;
      /** How often detector states are saved (cluster mode tests shorten it). */
      stateSaveMs?: number;
      /** Alert escalation period in ms (tests; ALERT_ESCALATE_MINUTES otherwise). */
      escalateAfterMs?: number;
    };
  } = {},
): Promise<Service> {
  const log = opts.log ?? (pino({ level: config.logLevel }) as unknown as FastifyBaseLogger);
  const cleanup: Array<() => Promise<unknown>> = [];
  const closeAll = async () => {
    for (const f of cleanup.reverse())
      await f().catch((err) => log.error({ err }, 'shutdown step failed'));
  };
  try {
    const { sql, store } = await openStorage(config, log, cleanup);
    const auth = createAuth(sql);
    const devices = createDeviceRegistry(sql);
    const metrics = createMetrics({ defaults: true });
    addNodeRoles(metrics, config.roles);
    logRoles(config, log);
    const ingest = await startIngest(config, { store, metrics }, log, cleanup);
    const { broker, listeners, redis, agent } = await startBroker(
      config,
      { devices, auth, ingest, metrics },
      log,
      cleanup,
    );
    const background = config.roles.has('diagnostics');

    const registry = new SqlWarrantyStore(sql);
    const diagnostics = startDiagnostics({
      sql,
      broker,
      ingest,
      auth,
      devices,
      manufacturerOf: async (category, model) =>
        (await registry.getModel(category, model))?.manufacturer,
      log,
      escalateAfterMs: config.alerts.escalateAfterMs,
      cap: { max: config.alerts.notifyMaxPerHour, windowMs: 3_600_000 },
      ...(config.cluster ? { redisUrl: config.cluster.redisUrl } : {}),
      webhooks: { allowPrivate: config.security.webhookAllowPrivate },
      ...opts.diagnostics,
      escalate: background,
      detect: config.roles.has('broker'),
    });
    cleanup.push(() => diagnostics.close());
    // Cluster mode: this node's alert stream shows the alerts every node opens and changes.
    if (config.cluster)
      cleanup.push(
        await relayAlertsAcrossNodes({
          broker,
          alerts: diagnostics.alerts,
          sse: diagnostics.sse,
          log,
        }),
      );
    // The catalogue's documents in force (uploaded profiles, code tables, models) before the
    // HTTP API opens; samples already spooled meanwhile move to them at their next sample.
    await diagnostics.catalog.load();

    // Loaded holiday calendars (issue 20): every evaluation, in every role, uses them.
    const holidays = new HolidayCalendars(new SqlHolidayCalendarStore(sql));
    await holidays.refresh();
    const ownerCodes = createOwnerCodes(
      await loadOwnerCodeKey(config.dataDir, config.security.ownerCodeKey),
    );
    const rekeyed = await ownerCodes.rekeyLegacy(sql);
    if (rekeyed)
      log.warn(
        { units: rekeyed },
        'verification codes chosen by registrants, stored as plain SHA-256, are now keyed; issue new ones (POST /api/v1/units/{serial}/verification-code)',
      );
    const ref: { quality?: Quality; httpPort?: number } = {};
    const cases = startCases({
      sql,
      auth,
      warranty: registry,
      telemetry: store,
      log,
      clock: opts.clock,
      holidays,
      smtp: config.cases.smtp,
      publicUrl: () =>
        config.cases.publicUrl ?? `http://localhost:${ref.httpPort ?? config.http.port}`,
      sweepMs: config.cases.sweepMs,
      delivery: opts.caseDelivery,
      webhooks: { allowPrivate: config.security.webhookAllowPrivate },
      repairOutcomes: (span) => repairOutcomes(ref.quality, span),
      background,
    });
    cleanup.push(() => cases.close());
    // Owners who subscribed hear about predictive alerts on their units (cases/alert-notices.ts).
    const stopNotices = diagnostics.alerts.observe((n) => cases.onAlert(n));
    cleanup.push(async () => stopNotices());
    // Every repair record appended (warranty routes, repair orders, the demo desk) keeps its
    // order-check findings (cases/order-memory.ts).
    const warranty = cases.observe(registry);
    const quality = (ref.quality = startQuality({
      holidays,
      sql,
      auth,
      warranty,
      telemetry: store,
      diagnostics,
      log,
      verifyWindowMs: config.repairs.verifyWindowMs,
      minHealth: config.repairs.minHealth,
      background,
    }));
    cleanup.push(() => quality.close());
    const accounts = createAccounts({
      sql,
      auth,
      cookieSecure: config.security.sessionCookieSecure,
    });
    await accounts.store.sweep(SESSION_DEFAULTS.idleMs);
    await accounts.sweepLimits();
    // After the app closes (cleanup runs in reverse): the last requests' entries are written.
    const audit = createAuditTrail({ sql, auth, log });
    cleanup.push(() => audit.close());
    // The prior state of an alert, recorded with each change of it (audit/: `before`).
    for (const action of ['ack', 'resolve', 'dismiss', 'assign'])
      audit.before('POST', `/api/v1/alerts/:id/${action}`, (req) =>
        diagnostics.alerts.store.get((req.params as { id: string }).id),
      );
    const ops = {
      sql,
      store,
      metrics,
      ingestHealthy: () => ingest.healthy,
      ...(redis ? { redis } : {}),
      roles: [...config.roles],
      logger: log,
    };
    const app = config.roles.has('http')
      ? await buildApp({
          ...ops,
          auth,
          devices,
          warranty,
          holidays,
          setup: [audit.install, accounts.install],
          plugins: [
            diagnostics.routes,
            quality.routes,
            cases.routes,
            accounts.routes,
            audit.routes,
          ],
          webSourceMaps: config.security.webSourceMaps,
          ownerCodes,
          chainLinks: (serial) => quality.orders.links(serial),
        })
      : await buildOpsApp(ops);
    cleanup.push(() => app.close());
    await app.ready();
    const httpPort = await listen(app.server, config.http.port, config.http.host, 'HTTP_PORT');
    ref.httpPort = httpPort;
    // Only once every port is bound: a start that fails must not generate a token nobody sees.
    const generatedAdminToken = await auth.ensureAdmin(config.adminToken);

    return {
      config,
      sql,
      auth,
      devices,
      store,
      ingest,
      broker,
      diagnostics,
      quality,
      cases,
      accounts,
      audit,
      app,
      metrics,
      log,
      ports: { http: httpPort, ...listeners?.ports, ...(agent ? { agent: agent.port } : {}) },
      ...(generatedAdminToken ? { generatedAdminToken } : {}),
      close: closeAll,
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

/**
 * Says what this node runs. A node without a role leaves it to the cluster's other nodes: a
 * role that no node runs is work never done (no escalation, no case deadlines nor mail…), which
 * no single node can see; deploy/prometheus/sanbao-rules.yml alerts on it (`sanbao_node_roles`).
 */
function logRoles(config: Config, log: FastifyBaseLogger): void {
  const missing = NODE_ROLES.filter((r) => !config.roles.has(r));
  if (missing.length === 0) return;
  log.warn(
    { roles: [...config.roles], leftToOtherNodes: missing },
    `this node runs ${[...config.roles].join(', ')} only: ${missing.join(', ')} must run on another node of the cluster${
      missing.includes('diagnostics')
        ? ' (without a diagnostics node, alerts are never escalated, case deadlines never swept, case mail and webhooks never sent, repairs never verified)'
        : ''
    }`,
  );
}

type Cleanup = Array<() => Promise<unknown>>;

/** The database, migrated, and the telemetry store (every role reads or writes both). */
async function openStorage(config: Config, log: FastifyBaseLogger, cleanup: Cleanup) {
  const sql = config.databaseUrl
    ? connectPostgres(config.databaseUrl)
    : await openPglite(path.join(config.dataDir, 'pglite'));
  cleanup.push(() => sql.close());
  const applied = await migrate(sql);
  if (applied.length) log.info({ applied }, 'database migrated');
  const store = await openTelemetryStore(config, sql);
  cleanup.push(() => store.close());
  await store.init().catch((err) => {
    // Ingest still starts: the spool holds telemetry until the store answers.
    log.error(
      { err: (err as Error).message, store: store.name },
      'telemetry store unavailable at start: spooling',
    );
  });
  return { sql, store };
}

/**
 * The spool and the writer that stores it. Opened on every node: a broker node's devices are
 * admitted into it; on another node it is empty, or holds what the node acknowledged when it
 * last ran as a broker node, which it stores now (a change of roles loses nothing).
 */
async function startIngest(
  config: Config,
  d: { store: TelemetryStore; metrics: Metrics },
  log: FastifyBaseLogger,
  cleanup: Cleanup,
): Promise<Ingest> {
  const spool = new Spool({
    dir: path.join(config.dataDir, 'spool'),
    maxBytes: config.ingest.spoolMaxBytes,
    commitIntervalMs: config.ingest.spoolCommitMs,
  });
  const recovered = await spool.open();
  if (recovered.recoveredRecords)
    log.warn(recovered, 'spool holds messages from the previous run: replaying them');
  const ingest = new Ingest({
    store: d.store,
    spool,
    metrics: d.metrics,
    log,
    batchSize: config.ingest.batchSize,
    flushMs: config.ingest.flushMs,
    deadLetterFile: path.join(config.dataDir, 'dead-letter.jsonl'),
    limits: { maxFutureMs: config.ingest.maxFutureMs, maxPastMs: config.ingest.maxPastMs },
  });
  ingest.start();
  cleanup.push(() => ingest.stop());
  return ingest;
}

/**
 * The broker, with the cluster's routing in cluster mode, and its listeners on a node with the
 * `broker` role only. Without them nobody connects to it, and the node still publishes through
 * it (API commands) and hears the cluster (other nodes' alerts, devices' replies).
 */
async function startBroker(
  config: Config,
  d: Pick<BrokerDeps, 'devices' | 'auth' | 'ingest' | 'metrics'>,
  log: FastifyBaseLogger,
  cleanup: Cleanup,
): Promise<{
  broker: Aedes;
  listeners?: BrokerListeners;
  redis?: () => 'up' | 'down';
  agent?: AdmissionAgent;
}> {
  // Ingest is the broker's IngestPort: the broker hands it devices' telemetry and events.
  const health: { redis?: () => 'up' | 'down' } = {};
  const broker = await createBroker({
    ...d,
    config: config.mqtt,
    log,
    ...(config.cluster
      ? { cluster: { ...config.cluster, onHealth: (r) => (health.redis = r) } }
      : {}),
  });
  if (health.redis) addRedisUp(d.metrics, health.redis);
  const bound: { listeners?: BrokerListeners; agent?: AdmissionAgent } = {};
  // Clients first (aedes.close ends them), then the listening sockets, which wait for them.
  cleanup.push(async () => {
    await bound.agent?.close();
    await new Promise<void>((r) => broker.close(() => r()));
    await bound.listeners?.close();
  });
  if (config.roles.has('broker')) bound.listeners = await bindBroker(broker, config.mqtt);
  const { agentPort, host } = config.mqtt;
  if (config.roles.has('broker') && agentPort !== undefined) {
    // HAProxy's agent-check: no new connections here while they would be refused (CONNACK 3).
    const redis = health.redis;
    bound.agent = await startAdmissionAgent(
      () => !redis || redis() === 'up',
      (server) => listen(server, agentPort, host, 'MQTT_AGENT_PORT'),
    );
  }
  return {
    broker,
    ...(bound.listeners ? { listeners: bound.listeners } : {}),
    ...(health.redis ? { redis: health.redis } : {}),
    ...(bound.agent ? { agent: bound.agent } : {}),
  };
}
