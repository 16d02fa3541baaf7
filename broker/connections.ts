import type { Aedes } from 'aedes';
import type { MQEmitter } from 'mqemitter';
import type { FastifyBaseLogger } from 'fastify';
import type { Metrics } from '../core/index.ts';
import type { AedesHandle } from './aedes-internals.ts';
import { stateOf } from './client-state.ts';
import type { DeviceDirectory } from './ports.ts';

/** aedes's error for a topic deeper than maxTopicLevels, which it checks before any hook. */
const AEDES_TOO_DEEP = 'topic has too many levels';

/**
 * Connection bookkeeping: the connections gauge, and a device's presence, as its retained
 * status (`devices/{id}/status`, `online` / `offline`, the broker's word alone) and in the
 * registry; client and connection errors counted and logged.
 */
export function trackConnections(
  aedes: Aedes,
  handle: AedesHandle,
  d: { devices: DeviceDirectory; metrics: Metrics; log: FastifyBaseLogger; now: () => number },
): void {
  const { devices, metrics, log, now } = d;
  const setStatus = (id: string, status: 'online' | 'offline') =>
    handle.publish({
      cmd: 'publish',
      qos: 1,
      dup: false,
      retain: true,
      topic: `devices/${id}/status`,
      payload: Buffer.from(status),
    });

  aedes.on('clientReady', (client) => {
    metrics.connections.inc();
    const st = stateOf(client);
    if (st?.who.kind !== 'device') return;
    setStatus(st.who.deviceId, 'online');
    devices
      .markOnline(st.who.deviceId, true, new Date(now()))
      .catch((err) => log.error({ err }, 'markOnline failed'));
  });
  aedes.on('clientDisconnect', (client) => {
    metrics.connections.dec();
    const st = stateOf(client);
    if (st?.who.kind !== 'device') return;
    // A newer connection with the same id replaced this one, here or on another node: the
    // device stays online, and this node must not say otherwise after the new one said so.
    const current = handle.client(client.id);
    if ((current && current !== client) || st.takenOver) return;
    setStatus(st.who.deviceId, 'offline');
    devices
      .markOnline(st.who.deviceId, false, new Date(now()))
      .catch((err) => log.error({ err }, 'markOnline failed'));
  });
  aedes.on('clientError', (client, err) => {
    // aedes refuses a topic or filter deeper than maxTopicLevels before any hook sees it
    // (PUBLISH, SUBSCRIBE, UNSUBSCRIBE) and closes the connection: counted here.
    if (err.message === AEDES_TOO_DEEP) metrics.rejected.inc({ reason: 'topic_too_deep' });
    log.debug({ client: client.id, err: err.message }, 'client error');
  });
  aedes.on('connectionError', (_client, err) =>
    log.debug({ err: err.message }, 'connection error'),
  );
}

/**
 * Cluster mode: aedes closes a client whose id connected on another node (it hears
 * `$SYS/{node}/new/clients` through the cluster's routing), and that close would publish the
 * device's retained `offline` after the new node's `online`. This marks such a client as taken
 * over first: called before aedes subscribes its own handler to the same topic, so it runs
 * before aedes closes the client.
 */
export function watchTakeovers(mq: MQEmitter, handle: AedesHandle): void {
  mq.on('$SYS/+/new/clients', (packet, cb) => {
    const node = packet.topic.split('/')[1];
    const st = stateOf(handle.client(String(packet.payload)) ?? null);
    if (st && node !== handle.id()) st.takenOver = true;
    cb();
  });
}
