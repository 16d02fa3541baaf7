import type { ServerResponse } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AlertService } from '../alerts.ts';

/** Live alert streams (server-sent events, WHATWG HTML §9.2) for every connected client. */
export interface SseHub {
  /** Takes over the reply and streams notifications until the client or the server leaves. */
  open(req: FastifyRequest, reply: FastifyReply): void;
  /** Ends every stream (server shutdown), so closing the HTTP server does not wait on them. */
  closeAll(): void;
  readonly size: number;
}

/**
 * Creates the hub. A comment line every `heartbeatMs` (default 15 s) keeps proxies and load
 * balancers from dropping a quiet stream and lets the client notice a dead server.
 */
export function createSseHub(alerts: AlertService, opts: { heartbeatMs?: number } = {}): SseHub {
  const heartbeatMs = opts.heartbeatMs ?? 15_000;
  const streams = new Map<ServerResponse, () => void>();
  return {
    open(req, reply) {
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
      const unsubscribe = alerts.subscribe((n) => {
        res.write(`id: ${++seq}\nevent: ${n.type}\ndata: ${JSON.stringify(n)}\n\n`);
      });
      const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), heartbeatMs);
      heartbeat.unref();
      const end = () => {
        if (!streams.delete(res)) return;
        clearInterval(heartbeat);
        unsubscribe();
      };
      streams.set(res, end);
      req.raw.once('close', end);
      res.once('close', end);
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
