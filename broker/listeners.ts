import { readFile } from 'node:fs/promises';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import {
  createServer as createNetServer,
  type AddressInfo,
  type Server as NetServer,
} from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { Aedes } from 'aedes';
import { WebSocketServer, createWebSocketStream } from 'ws';
import type { Config } from '../core/index.ts';
import { BrokerErrors } from './errors.ts';

export interface BrokerListeners {
  /** Bound ports (useful when 0 was configured). */
  ports: { tcp: number; ws?: number; tls?: number };
  close(): Promise<void>;
}

/** Listens on `port`; a port in use becomes one line naming the variable to change. */
export function listen(
  server: NetServer | HttpServer,
  port: number,
  host: string,
  variable: string,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      reject(
        err.code === 'EADDRINUSE'
          ? new BrokerErrors.PortInUse(
              `port ${port} is already in use: set ${variable} to a free port`,
            )
          : err,
      );
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Binds the MQTT listeners: TCP always, WebSocket and TLS when configured. */
export async function bindBroker(aedes: Aedes, cfg: Config['mqtt']): Promise<BrokerListeners> {
  const servers: Array<NetServer | HttpServer> = [];
  const closeAll = () =>
    Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r())))).then(
      () => undefined,
    );
  try {
    const tcp = createNetServer(aedes.handle);
    servers.push(tcp);
    const ports: BrokerListeners['ports'] = {
      tcp: await listen(tcp, cfg.port, cfg.host, 'MQTT_PORT'),
    };
    if (cfg.wsPort !== undefined) {
      const http = createHttpServer((_req, res) =>
        res.writeHead(426).end('MQTT over WebSocket only\n'),
      );
      const wss = new WebSocketServer({ server: http });
      wss.on('connection', (ws, req) => aedes.handle(createWebSocketStream(ws), req));
      servers.push(http);
      ports.ws = await listen(http, cfg.wsPort, cfg.host, 'MQTT_WS_PORT');
    }
    if (cfg.tls) {
      const [cert, key] = await Promise.all([
        readFile(cfg.tls.certFile),
        readFile(cfg.tls.keyFile),
      ]);
      const tls = createTlsServer({ cert, key }, aedes.handle);
      servers.push(tls);
      ports.tls = await listen(tls, cfg.tls.port, cfg.host, 'MQTT_TLS_PORT');
    }
    return {
      ports,
      close: async () => {
        // Existing connections are closed by aedes.close(); this stops accepting new ones.
        for (const s of servers) (s as NetServer).unref?.();
        await closeAll();
      },
    };
  } catch (err) {
    await closeAll().catch(() => undefined);
    throw err;
  }
}
