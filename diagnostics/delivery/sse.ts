import type { ServerResponse } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AlertNotification, AlertService } from '../alerts.ts';

/**
 * The devices a stream may tell about (a token confined to one manufacturer, core/tenant.ts).
 * Read when the stream opens, then again at most every `scopeRefreshMs` as notifications come,
 * so a busy stream costs one query per refresh, not one per notification.
 */
export type StreamScope = () => Promise<ReadonlySet<string>>;

/** Live alert streams (server-sent events, WHATWG HTML §9.2) for every connected client. */
export interface SseHub {
  /**
   * Takes over the reply and streams notifications until the client or the server leaves;
   * with a scope, only those of its devices. A scope that cannot be read fails the request
   * before the stream starts.
   */
  open(req: FastifyRequest, reply: FastifyReply, scope?: StreamScope): Promise<void>;
  /**
   * Tells every stream of a notification another node of the cluster sent (its alert service
   * told its own streams; diagnostics/delivery/cluster.ts carries it here), each stream's scope
   * applied as to this node's own.
   */
  relay(n: AlertNotification): void;
  /** Ends every stream (server shutdown), so closing the HTTP server does not wait on them. */
  closeAll(): void;
  readonly size: number;
}

/**
 * A scope's device set, cached: `has` answers from the last set read and starts a reread in the
 * background once the set is `refreshMs` old. A device linked to the manufacturer meanwhile is
 * seen after the reread; a failed reread keeps the last set and is tried again on the next
 * notification.
 */
async function cachedScope(
  scope: StreamScope,
  refreshMs: number,
): Promise<(deviceId: string) => boolean> {
  let devices = await scope();
  let readAt = Date.now();
  let reading = false;
  return (deviceId) => {
    if (!reading && Date.now() - readAt >= refreshMs) {
      reading = true;
      scope()
        .then((d) => (devices = d))
        .catch(() => undefined)
        .finally(() => {
          reading = false;
          readAt = Date.now();
        });
    }
    return devices.has(deviceId);
  };
}

/**
 * Creates the hub. A comment line every `heartbeatMs` (default 15 s) keeps proxies and load
 * balancers from dropping a quiet stream and lets the client notice a dead server. A scoped
 * stream rereads its devices at most every `scopeRefreshMs` (default 10 s).
 */
export function createSseHub(
  alerts: AlertService,
  opts: { heartbeatMs?: number; scopeRefreshMs?: number } = {},
): SseHub {
  const heartbeatMs = opts.heartbeatMs ?? 15_000;
  const scopeRefreshMs = opts.scopeRefreshMs ?? 10_000;
  const streams = new Map<ServerResponse, () => void>();
  const relayed = new Set<(n: AlertNotification) => void>();
  return {
    async open(req, reply, scope) {
      const visible = scope ? await cachedScope(scope, scopeRefreshMs) : undefined;
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no', // nginx would otherwise buffer the stream
      });
      res.write(': connected\nretry: 5000\n\n');
      let seq = 0;
      const send = (n: AlertNotification) => {
        if (visible && !visible(n.alert.deviceId)) return;
        res.write(`id: ${++seq}\nevent: ${n.type}\ndata: ${JSON.stringify(n)}\n\n`);
      };
      const unsubscribe = alerts.subscribe(send);
      relayed.add(send);
      const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), heartbeatMs);
      heartbeat.unref();
      const end = () => {
        if (!streams.delete(res)) return;
        clearInterval(heartbeat);
        unsubscribe();
        relayed.delete(send);
      };
      streams.set(res, end);
      req.raw.once('close', end);
      res.once('close', end);
      // The client may have left while the scope was read: its 'close' has already fired.
      if (res.destroyed || req.socket.destroyed) end();
    },
    relay(n) {
      for (const send of relayed) send(n);
    },
    closeAll() {
      for (const [res, end] of streams) {
        end();
        res.end();
      }
    },
    get size() {
      return streams.size;
    },
  };
}
