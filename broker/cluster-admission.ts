import type { AedesOptions, AuthenticateError } from 'aedes';
import type { Metrics } from '../core/index.ts';

type Authenticate = NonNullable<AedesOptions['authenticate']>;

/** MQTT 3.1.1 CONNACK return code 3: "the network connection has been made but the MQTT service is unavailable". */
export const SERVER_UNAVAILABLE = 3;

/**
 * Cluster mode: a connection that arrives while the node has lost Redis is refused at once with
 * CONNACK 3 (server unavailable), before its credentials are checked. Its session lives in Redis
 * (aedes-persistence-redis: subscriptions, QoS 1 queue, the takeover announcement), so aedes
 * could not complete it: the device would wait ~10 s without an answer (ioredis's retries) and
 * be dropped, or, accepted with a session of this node's own, miss what was queued for it and
 * not be taken over by a later connection elsewhere. Refused, it retries (the balancer may
 * send it to a node that has Redis) and connects normally once Redis is back. Connections
 * already made keep working (broker/cluster.ts, routeBestEffort). Counted as
 * `sanbao_mqtt_connects_total{result="unavailable"}`.
 */
export function refuseWithoutRedis(
  authenticate: Authenticate,
  redis: () => 'up' | 'down',
  metrics: Pick<Metrics, 'connects'>,
): Authenticate {
  return (client, username, password, done) => {
    if (redis() === 'up') return authenticate(client, username, password, done);
    metrics.connects.inc({ result: 'unavailable' });
    const err = Object.assign(
      new Error('Redis unreachable: the cluster cannot hold a new session now'),
      {
        returnCode: SERVER_UNAVAILABLE,
      },
    ) as unknown as AuthenticateError;
    done(err, false);
  };
}
