import type { Aedes, AedesPublishPacket } from 'aedes';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { z } from 'zod';
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
import { DEFAULT_CAP, memoryCapStore } from './cap-store.ts';
import { redisCapStore } from './stores/redis-cap.ts';
import { createSqlAlertStore } from './stores/sql-alerts.ts';
import { createSqlCatalogStore } from './stores/sql-catalog.ts';
import { createSqlDetectorStateStore } from './stores/sql-detector-state.ts';
import { createStateSync, LIVENESS, memoryOnlyStateSync, type StateSync } from './state-sync.ts';
import type { AlertCandidate, HealthReport } from './types.ts';

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
  /**
   * Whether this node's timer escalates overdue alerts (default true). Off on a node without the
   * `diagnostics` role (SANBAO_ROLES): escalation is fleet-wide work, claimed alert by alert in
   * the database, so any number of diagnostics nodes may run it. Silent devices are still
   * looked for here: their detector state is on the node their connection is on.
   */
  escalate?: boolean;
  /**
   * Whether this node judges devices' samples (default true): fed by its ingest, it claims,
   * holds and saves their detector states, reports them silent and closes their candidates.
   * Off on a node without the `broker` role (SANBAO_ROLES): no device is connected to it, so it
   * claims no state and subscribes to no device's status; health is read from saved states.
   */
  detect?: boolean;
  cap?: AlertServiceOptions['cap'];
  /**
   * Cluster mode (REDIS_URL): the per-device notification cap counts in this Redis, once for
   * every node (stores/redis-cap.ts); unset, in this process's memory.
   */
  redisUrl?: string;
  heartbeatMs?: number;
  /**
   * Whether detector states are saved and loaded per device (default: on PostgreSQL, where
   * several nodes may share the database; on PGlite state stays in memory). See "Detector
   * state" in diagnostics/README.md.
   */
  persistState?: boolean;
  /**
   * How often changed detector states are saved (default 5 min; 0 = only when a device goes
   * offline and on shutdown).
   */
  stateSaveMs?: number;
  /** This node's name as the owner of detector states (default host/pid/random: unique). */
  nodeId?: string;
  webhooks?: Pick<
    WebhookDispatcherOptions,
    'maxAttempts' | 'baseDelayMs' | 'timeoutMs' | 'allowPrivate'
  >;
}

/** A device's health score (0–100), and when its saved state was saved if read from one. */
export interface HealthScore {
  score: number;
  savedAt?: number;
}

/** Devices per saved-state read of `healthScores` (each read one statement). */
const HEALTH_READ_BATCH = 1_000;

/** The part of an alert notification (delivery/mqtt.ts) that says a candidate is closed. */
const ClosedAlert = z.object({
  type: z.enum(['alert.resolved', 'alert.dismissed']),
  alert: z.object({ deviceId: z.string(), modeId: z.string() }),
});
const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/** The diagnostics role, running: engine, alert lifecycle, delivery channels, routes. */
export interface Diagnostics {
  engine: DiagnosticsEngine;
  /** Profiles, code tables, calibrations, references and models loaded at run time. */
  catalog: Catalog;
  alerts: AlertService;
  webhooks: WebhookRegistry;
  commands: RemoteCommands;
  sse: SseHub;
  /** Detector states: claimed, saved and loaded per device (cluster mode, issue 22). */
  states: StateSync;
  /**
   * A device's health: the engine's when this node holds the device, otherwise read from its
   * saved state (another node's device in a cluster).
   */
  health(deviceId: string): Promise<HealthReport | undefined>;
  /**
   * Health scores of many devices (a fleet overview), each as {@link health} gives it: the
   * engine's for the devices this node holds, the others' from their saved states, read a
   * thousand a statement. `savedAt` says when a saved state was saved (absent for a live score).
   * Devices with no score are left out.
   */
  healthScores(deviceIds: readonly string[]): Promise<Map<string, HealthScore>>;
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
  const cap = d.cap ?? DEFAULT_CAP;
  const capStore = d.redisUrl
    ? redisCapStore({
        redisUrl: d.redisUrl,
        limit: cap,
        onWarn: (err, what) => d.log.warn({ err }, what),
      })
    : memoryCapStore(cap);
  const alerts = createAlertService({
    store: createSqlAlertStore(d.sql),
    clock,
    cap,
    capStore,
    onClosed: (deviceId, modeId) => engine.close(deviceId, modeId),
    onError,
    // 0 = never: the timer still prunes the notification cap's windows.
    ...(d.escalate === false
      ? { escalateAfterMs: 0 }
      : d.escalateAfterMs === undefined
        ? {}
        : { escalateAfterMs: d.escalateAfterMs }),
  });
  // accept() reports its own failures through onError; the rejection is only for awaiting callers.
  const accept = (cs: readonly AlertCandidate[]) => {
    for (const c of cs) alerts.accept(c).catch(() => undefined);
  };
  const owner = d.nodeId ?? `${hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`;
  const persist = d.persistState ?? d.sql.kind === 'postgres';
  const stateStore = persist ? createSqlDetectorStateStore(d.sql) : undefined;
  const detect = d.detect ?? true;
  const states =
    stateStore && detect
      ? createStateSync({
          engine,
          store: stateStore,
          owner,
          clock,
          onError,
          // A dead node's devices are taken over here and reported silent if they stay so.
          liveness: LIVENESS,
          ...(d.stateSaveMs === undefined ? {} : { saveMs: d.stateSaveMs }),
        })
      : memoryOnlyStateSync();
  // Fed from the spool, before the store write: a store outage does not silence devices. A
  // device's first sample here waits for its saved detector state (state-sync.ts).
  if (detect)
    d.ingest.onDurable({
      samples: (samples) => {
        for (const s of samples) {
          if (states.ready(s.deviceId)) accept(engine.process(s));
          else states.later(s.deviceId, () => accept(engine.process(s)));
        }
      },
      events: (events) => {
        for (const e of events) {
          if (states.ready(e.deviceId)) accept(engine.processEvent(e));
          else states.later(e.deviceId, () => accept(engine.processEvent(e)));
        }
      },
    });
  // A device going offline (on any node: the broker routes status cluster-wide) has its state
  // saved by the node that holds it, so the node it reconnects to loads what it learnt.
  const onStatus = (packet: AedesPublishPacket, cb: () => void) => {
    const id = packet.topic.split('/')[1];
    if (id && packet.payload.toString() === 'offline')
      states.offline(id).catch((err: unknown) => onError(err, 'detector state save failed'));
    cb();
  };
  if (detect) d.broker.subscribe('devices/+/status', onStatus, () => undefined);
  // An alert closed through another node's API closes the candidate here too, where the device's
  // state may be (its `alerts/…` notification comes through the broker from every node).
  const onAlert = (packet: AedesPublishPacket, cb: () => void) => {
    const n = ClosedAlert.safeParse(parseJson(packet.payload.toString()));
    if (n.success) engine.close(n.data.alert.deviceId, n.data.alert.modeId);
    cb();
  };
  if (detect) d.broker.subscribe('alerts/#', onAlert, () => undefined);
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
    ticking = ticking.then(async () => {
      // Silence is reported by the node that owns the device: another may have claimed it.
      await Promise.all(
        engine.tick(clock()).map((c) =>
          states
            .owns(c.deviceId)
            .then((mine) => mine && accept([c]))
            .catch((err: unknown) => onError(err, 'detector state owner check failed')),
        ),
      );
      return alerts.tick().catch((err: unknown) => onError(err, 'alert escalation failed'));
    });
  }, d.tickMs ?? 60_000);
  timer.unref();

  /**
   * A device another node holds is judged there: its health is read from its saved state (what
   * this node may still have of it, from before it went offline, is older).
   */
  const health = async (deviceId: string) => {
    if (!stateStore || states.ready(deviceId)) {
      const h = engine.health(deviceId);
      if (h) return h;
    }
    try {
      const saved = await stateStore?.peek(deviceId);
      return (saved && engine.healthOfSnapshot(saved)) ?? engine.health(deviceId);
    } catch (err) {
      onError(err, 'saved detector state unreadable; health from this node');
      return engine.health(deviceId);
    }
  };
  const healthScores = async (deviceIds: readonly string[]) => {
    const out = new Map<string, HealthScore>();
    const elsewhere: string[] = [];
    for (const id of deviceIds) {
      const h = !stateStore || states.ready(id) ? engine.health(id) : undefined;
      if (h) out.set(id, { score: h.score });
      else if (stateStore) elsewhere.push(id);
    }
    if (elsewhere.length === 0) return out;
    try {
      // A thousand at a time, the next read in flight while these are scored (~20 µs each): a
      // broker node's event loop is never held for a whole fleet's decoding.
      const read = (i: number) =>
        i < elsewhere.length
          ? stateStore!.healthStates(elsewhere.slice(i, i + HEALTH_READ_BATCH))
          : undefined;
      let next = read(0);
      for (let i = 0; next; i += HEALTH_READ_BATCH) {
        const states = await next;
        next = read(i + HEALTH_READ_BATCH);
        next?.catch(() => undefined); // awaited next round; a failure then is caught below
        for (const { snapshot, savedAt } of states) {
          const h = engine.healthOfSnapshot(snapshot);
          if (h) out.set(snapshot.deviceId, { score: h.score, savedAt });
        }
      }
    } catch (err) {
      onError(err, 'saved detector states unreadable; fleet health from this node');
    }
    // What this node may still have of a device without a (usable) saved state.
    for (const id of elsewhere) {
      if (out.has(id)) continue;
      const h = engine.health(id);
      if (h) out.set(id, { score: h.score });
    }
    return out;
  };
  const opts = {
    auth: d.auth,
    alerts,
    engine: { health },
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
    states,
    health,
    healthScores,
    routes: async (app) => {
      await app.register(diagnosticsRoutes, opts);
    },
    async close() {
      clearInterval(timer);
      if (detect) {
        d.broker.unsubscribe('devices/+/status', onStatus, () => undefined);
        d.broker.unsubscribe('alerts/#', onAlert, () => undefined);
      }
      stopMqtt();
      sse.closeAll();
      await ticking;
      await commands.close();
      await states.close();
      await alerts.idle();
      await capStore.close();
      await dispatcher.close();
    },
  };
}
