import { Aedes } from 'aedes';
import type { FastifyBaseLogger } from 'fastify';
import type { Auth, Config, Metrics } from '../core/index.ts';
import { AedesHandle } from './aedes-internals.ts';
import { authenticationHooks } from './authenticate.ts';
import { authorizeSubscribeHook } from './authorize-subscribe.ts';
import { refuseWithoutRedis } from './cluster-admission.ts';
import { watchNodePresence } from './cluster-presence.ts';
import { closeWithBroker, connectCluster, shareCredentialChanges } from './cluster.ts';
import { slimConnections } from './connection-memory.ts';
import { trackConnections, watchTakeovers } from './connections.ts';
import { authorizeForwardHook } from './delivery.ts';
import { deviceReports, reportStoreRefusals } from './device-reports.ts';
import { ingestHandoff } from './ingest-handoff.ts';
import { createPersistence } from './persistence.ts';
import type { DeviceDirectory, IngestPort } from './ports.ts';
import { authorizePublishHook } from './publish-checks.ts';

export interface BrokerDeps {
  config: Config['mqtt'];
  devices: DeviceDirectory;
  auth: Auth;
  ingest: IngestPort;
  metrics: Metrics;
  log: FastifyBaseLogger;
  now?: () => number;
  /**
   * Cluster mode: routing and persistence in this Redis (broker/cluster.ts). `onHealth` is
   * given the reading of the node's connections to Redis, for /health.
   */
  cluster?: { redisUrl: string; onHealth?: (redis: () => 'up' | 'down') => void };
}

/**
 * Messages aedes routes at once: no bound (0; aedes's default is 100). A group commit releases a
 * whole group of QoS 1 messages together, dozens to thousands; beyond a bound they waited in
 * mqemitter's queue, whose shift() is O(n) and which completes synchronously, message after
 * message, when nobody subscribes: a long queue overflowed the stack. A bound of 10,000 only made
 * it rarer (bench:broker still crashed at 1,000 devices, QoS 1, on a loaded machine; issue 22).
 * What is in flight stays bounded by its sources: QoS 1 by each client's `maxInflight`, QoS 0 is
 * paced at 1,000 messages routing (ingest-handoff.ts). The Redis emitter has none either
 * (cluster.ts).
 */
const ROUTING_CONCURRENCY = 0;

/**
 * The MQTT broker: aedes with device authentication, topic ACLs, limits and ingest attached.
 * Returns the aedes instance; listeners (TCP, TLS, WebSocket) are bound in broker/listeners.ts.
 */
export async function createBroker(deps: BrokerDeps): Promise<Aedes> {
  const { config, metrics, log } = deps;
  const now = deps.now ?? Date.now;
  if (config.auth === 'none')
    log.warn('MQTT_AUTH=none: the broker accepts anyone and any topic. Development only.');

  const handle = new AedesHandle();
  const reportError = deviceReports(handle, now);
  const handOff = ingestHandoff(deps, handle, reportError);
  const cluster = deps.cluster ? await connectCluster(deps.cluster.redisUrl, { log }) : undefined;
  if (cluster) watchTakeovers(cluster.mq, handle);
  const hooks = authenticationHooks({ ...deps, now });
  // Cluster mode: no new session while Redis is away (CONNACK 3, broker/cluster-admission.ts).
  if (cluster) hooks.authenticate = refuseWithoutRedis(hooks.authenticate, cluster.redis, metrics);
  const aedes = await Aedes.createBroker({
    ...hooks,
    authorizePublish: authorizePublishHook({ config, metrics, log, now }, reportError, handOff),
    authorizeSubscribe: authorizeSubscribeHook(deps),
    authorizeForward: authorizeForwardHook(metrics),
    // One node: memory with an indexed retained store. Cluster: Redis (see broker/cluster.ts).
    ...(cluster
      ? { mq: cluster.mq, persistence: cluster.persistence }
      : { persistence: createPersistence() }),
    maxTopicLevels: Math.max(config.maxTopicLevels, 1),
    maxInflightInbound: config.maxInflight,
    concurrency: ROUTING_CONCURRENCY,
  }).catch(async (err: unknown) => {
    if (cluster) {
      await new Promise((r) => cluster.mq.close(() => r(undefined)));
      await cluster.close();
    }
    throw err;
  });
  if (cluster) {
    deps.cluster?.onHealth?.(cluster.redis);
    closeWithBroker(aedes, cluster, log);
    // aedes reports a failed will sweep or offline enqueue (Redis down) as its `error` event,
    // which without a listener would end the process.
    (aedes as unknown as NodeJS.EventEmitter).on('error', (err: Error) =>
      log.warn({ err: err.message }, 'MQTT persistence error'),
    );
    await shareCredentialChanges(aedes, cluster.mq, deps.devices, log);
  }
  handle.bind(aedes);
  slimConnections(aedes);
  trackConnections(aedes, handle, { ...deps, now });
  // A killed node's devices are marked offline by the others (broker/cluster-presence.ts).
  if (deps.cluster)
    await watchNodePresence(aedes, {
      redisUrl: deps.cluster.redisUrl,
      handle,
      devices: deps.devices,
      log,
      now,
    });
  reportStoreRefusals(deps.ingest, handle, reportError);
  return aedes;
}
