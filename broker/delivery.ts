import type { AedesOptions, Client } from 'aedes';
import { hotCounter, type Metrics } from '../core/index.ts';

/**
 * aedes's `authorizeForward` hook, which sees every delivery: counts it and coalesces the
 * connection's writes.
 *
 * Connections that get deliveries stay corked while deliveries keep coming, and are flushed
 * together once per timer tick (about a millisecond). aedes writes every delivery with its
 * own system call (mqtt-packet corks one packet's parts and uncorks on the next tick): a
 * subscriber that gets a whole fleet's stream cost one writev per message, the largest
 * single item of the broker's CPU. aedes writes a delivery in a setImmediate after
 * authorizeForward, one loop turn later when the hook ran in the check phase (QoS 1, released
 * by a group commit), so each tick flushes (uncork, cork again) what is buffered, and a
 * connection is left uncorked only after a whole tick without deliveries: a write still on
 * its way is then flushed by the next tick or goes out at once.
 */
export function authorizeForwardHook(
  metrics: Metrics,
): NonNullable<AedesOptions['authorizeForward']> {
  const messagesOut = hotCounter(metrics.messagesOut);
  const corked = new Map<Client['conn'], number>();
  let tick = 0;
  const flushCorked = () => {
    for (const [conn, seen] of corked) {
      conn.uncork();
      if (seen === tick) conn.cork();
      else corked.delete(conn);
    }
    tick++;
    if (corked.size > 0) setTimeout(flushCorked, 0);
  };
  const coalesce = (conn: Client['conn']) => {
    const seen = corked.get(conn);
    if (seen === tick) return;
    if (seen === undefined) {
      if (corked.size === 0) setTimeout(flushCorked, 0);
      conn.cork();
    }
    corked.set(conn, tick);
  };
  return (client, packet) => {
    messagesOut();
    coalesce(client.conn);
    return packet;
  };
}
