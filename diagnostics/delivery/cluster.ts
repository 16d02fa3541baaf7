import type { Aedes } from 'aedes';
import type { FastifyBaseLogger } from 'fastify';
import { z } from 'zod';
import { AlertSchema } from '../alert-schemas.ts';
import type { AlertNotification, AlertService } from '../alerts.ts';
import type { SseHub } from './sse.ts';

/**
 * Where a node tells the others of its alert notifications. Under `$SYS/`, which no client may
 * publish to (broker/acl.ts), so what arrives here was sent by a node of the cluster, not by an
 * MQTT client (an admin token may publish on `alerts/#`).
 */
export const CLUSTER_ALERTS_TOPIC = '$SYS/sanbao/alerts';

const NotificationSchema = z.object({
  type: z.enum([
    'alert.opened',
    'alert.raised',
    'alert.escalated',
    'alert.acknowledged',
    'alert.resolved',
    'alert.dismissed',
    'alert.assigned',
  ]),
  at: z.string(),
  alert: AlertSchema,
  suppressed: z.number().int().nonnegative(),
});

/**
 * Cluster mode: every node's alert stream (`/api/v1/alerts/stream`) shows the alerts opened and
 * changed on every node. Each notification this node's alert service sends out (after the
 * per-device cap) is published on {@link CLUSTER_ALERTS_TOPIC} through the broker's routing
 * (Redis pub/sub, broker/cluster.ts); each one heard from another node goes to this node's
 * streams, scoped as its own are. The node's own reach its own subscription too (straight from
 * the routing, not through Redis) and are dropped by the broker id they carry: its streams had
 * them straight from its alert service, so nothing is shown twice. Pub/sub delivers at most once: a notification sent while Redis is down does
 * not reach the other nodes' streams (the alert is stored and listed all the same).
 *
 * Webhooks and MQTT `alerts/#` are not relayed: the node that opened the alert delivers them
 * once for the whole cluster. Returns the function that stops relaying.
 */
export async function relayAlertsAcrossNodes(d: {
  broker: Pick<Aedes, 'id' | 'publish' | 'subscribe' | 'unsubscribe'>;
  alerts: Pick<AlertService, 'subscribe'>;
  sse: Pick<SseHub, 'relay'>;
  log: FastifyBaseLogger;
}): Promise<() => Promise<void>> {
  const { broker, log } = d;
  const heard: Parameters<Aedes['subscribe']>[1] = (packet, cb) => {
    try {
      // `brokerId`: aedes stamps each packet with the id of the node that published it.
      if ((packet as { brokerId?: string }).brokerId === broker.id) return;
      const parsed = NotificationSchema.safeParse(JSON.parse(packet.payload.toString()));
      if (!parsed.success) {
        log.warn(
          { problem: z.prettifyError(parsed.error) },
          `${CLUSTER_ALERTS_TOPIC}: a notification from another node does not parse: dropped`,
        );
        return;
      }
      d.sse.relay(parsed.data as AlertNotification);
    } catch (err) {
      log.warn({ err }, `${CLUSTER_ALERTS_TOPIC}: a notification from another node is not JSON`);
    } finally {
      cb();
    }
  };
  await new Promise<void>((resolve) => broker.subscribe(CLUSTER_ALERTS_TOPIC, heard, resolve));
  const stop = d.alerts.subscribe((n) =>
    broker.publish(
      {
        cmd: 'publish',
        qos: 0,
        dup: false,
        retain: false,
        topic: CLUSTER_ALERTS_TOPIC,
        payload: Buffer.from(JSON.stringify(n)),
      },
      (err) =>
        err && log.error({ err, alert: n.alert.id }, 'could not tell the cluster of an alert'),
    ),
  );
  return async () => {
    stop();
    await new Promise<void>((resolve) => broker.unsubscribe(CLUSTER_ALERTS_TOPIC, heard, resolve));
  };
}
