import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { NODE_ROLES, type NodeRole } from './config.ts';

/**
 * Prometheus metrics of one service instance. A registry per instance (not prom-client's
 * global one) so that tests running several services in one process do not mix counts.
 */
export function createMetrics(opts: { defaults?: boolean } = {}) {
  const registry = new Registry();
  if (opts.defaults) collectDefaultMetrics({ register: registry, prefix: 'sanbao_' });
  const m = {
    registry,
    connections: new Gauge({
      name: 'sanbao_mqtt_connections',
      help: 'Connected MQTT clients',
      registers: [registry],
    }),
    connects: new Counter({
      name: 'sanbao_mqtt_connects_total',
      help: 'CONNACKs sent, by return code',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
    messagesIn: new Counter({
      name: 'sanbao_mqtt_messages_in_total',
      help: 'PUBLISH packets received from clients, by topic kind',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
    messagesOut: new Counter({
      name: 'sanbao_mqtt_messages_out_total',
      help: 'PUBLISH packets delivered to clients',
      registers: [registry],
    }),
    rejected: new Counter({
      name: 'sanbao_mqtt_rejected_total',
      help: 'Refused publishes and subscriptions, by reason',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    samplesAccepted: new Counter({
      name: 'sanbao_ingest_samples_accepted_total',
      help: 'Samples validated and spooled',
      registers: [registry],
    }),
    samplesStored: new Counter({
      name: 'sanbao_ingest_samples_stored_total',
      help: 'Samples written to the telemetry store',
      registers: [registry],
    }),
    samplesHeard: new Counter({
      name: 'sanbao_ingest_samples_heard_total',
      help: 'Samples handed to diagnostics once spooled (before the store write; each once)',
      registers: [registry],
    }),
    eventsStored: new Counter({
      name: 'sanbao_ingest_events_stored_total',
      help: 'Device events written to the telemetry store',
      registers: [registry],
    }),
    unknownMetrics: new Counter({
      name: 'sanbao_ingest_unknown_metrics_total',
      help: 'Samples carrying metrics not in the category catalogue (stored anyway)',
      labelNames: ['category'] as const,
      registers: [registry],
    }),
    spoolFull: new Counter({
      name: 'sanbao_ingest_spool_full_total',
      help: 'QoS 1 messages not acknowledged because the spool was full',
      registers: [registry],
    }),
    spoolDepthBytes: new Gauge({
      name: 'sanbao_ingest_spool_depth_bytes',
      help: 'Bytes in the spool not yet stored',
      registers: [registry],
    }),
    spoolDepthRecords: new Gauge({
      name: 'sanbao_ingest_spool_depth_records',
      help: 'Messages in the spool not yet stored',
      registers: [registry],
    }),
    spoolMaxBytes: new Gauge({
      name: 'sanbao_ingest_spool_max_bytes',
      help: 'Spool bound',
      registers: [registry],
    }),
    storeUp: new Gauge({
      name: 'sanbao_store_up',
      help: '1 when the last telemetry store write succeeded',
      registers: [registry],
    }),
    storeWriteSeconds: new Histogram({
      name: 'sanbao_store_write_seconds',
      help: 'Telemetry store write latency per batch',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    deadLettered: new Counter({
      name: 'sanbao_ingest_dead_lettered_total',
      help: 'Samples and events the store refused for good, kept in DATA_DIR/dead-letter.jsonl',
      registers: [registry],
    }),
    storeWriteErrors: new Counter({
      name: 'sanbao_store_write_errors_total',
      help: 'Failed telemetry store writes (retried)',
      registers: [registry],
    }),
  };
  return m;
}

export type Metrics = ReturnType<typeof createMetrics>;

/**
 * Cluster mode only (so a single node has no such series, rather than a 0 that would read as
 * "down"): `sanbao_redis_up` is 1 while the node's connections to Redis are ready, read at each
 * scrape, as /health's `redis`.
 */
export function addRedisUp(metrics: Metrics, redis: () => 'up' | 'down'): void {
  new Gauge({
    name: 'sanbao_redis_up',
    help: "Cluster mode: 1 while all of the node's connections to Redis are ready",
    registers: [metrics.registry],
    collect() {
      this.set(redis() === 'up' ? 1 : 0);
    },
  });
}

/**
 * `sanbao_node_roles{role}`: 1 for each role this node runs (SANBAO_ROLES), 0 for the others,
 * so a dashboard can count, per role, the nodes that run it (a role no node runs is a 0 sum).
 */
export function addNodeRoles(metrics: Metrics, roles: ReadonlySet<NodeRole>): void {
  const g = new Gauge({
    name: 'sanbao_node_roles',
    help: 'The roles this node runs (SANBAO_ROLES): 1 if it runs the role',
    labelNames: ['role'] as const,
    registers: [metrics.registry],
  });
  for (const r of NODE_ROLES) g.set({ role: r }, roles.has(r) ? 1 : 0);
}
