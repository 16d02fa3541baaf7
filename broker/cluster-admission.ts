import { createServer, type Server as NetServer, type Socket } from 'node:net';
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
 * send it to a node that has Redis; {@link startAdmissionAgent} tells HAProxy not to send it
 * here) and connects normally once Redis is back. Connections
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

/**
 * What the node tells HAProxy's `agent-check` (deploy/haproxy.cfg): its weight in per cent of
 * the configured one, `100%` while it admits new connections, `0%` while it would refuse them
 * (Redis lost, see {@link refuseWithoutRedis}). HAProxy gives a weight-0 server no new
 * connections and leaves the ones it has alone, where a failed `/health` check would mark it
 * down and cut them all (`on-marked-down shutdown-sessions`).
 *
 * A weight, not the agent's `drain`/`ready` words: those set the server's administrative state,
 * and `ready` every few seconds would undo an operator's `set server … state drain|maint` on
 * the stats socket. The weight leaves the administrative state to the operator.
 */
export const agentAnswer = (admitting: boolean): string => (admitting ? '100%\n' : '0%\n');

export interface AdmissionAgent {
  port: number;
  close(): Promise<void>;
}

/**
 * The agent HAProxy's `agent-check` reads (MQTT_AGENT_PORT): one line, {@link agentAnswer},
 * to every TCP connection, then close. `listen` binds it (broker/listeners.ts: a port in use
 * names the variable).
 */
export async function startAdmissionAgent(
  admitting: () => boolean,
  bind: (server: NetServer) => Promise<number>,
): Promise<AdmissionAgent> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined); // the balancer may reset first; nothing to do
    socket.end(agentAnswer(admitting()));
  });
  const port = await bind(server);
  return {
    port,
    close: async () => {
      const closed = new Promise<void>((r) => server.close(() => r()));
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}
