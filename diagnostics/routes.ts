import type { HealthReport } from './types.ts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Auth } from '../core/index.ts';
import { alertRoutes } from './alert-routes.ts';
import type { AlertService } from './alerts.ts';
import { catalogRoutes } from './catalog/routes.ts';
import type { Catalog } from './catalog/service.ts';
import type { RemoteCommands } from './commands.ts';
import type { SseHub } from './delivery/sse.ts';
import type { WebhookRegistry } from './delivery/webhook-registry.ts';
import { deviceDiagnosticsRoutes } from './device-routes.ts';
import { webhookRoutes } from './webhook-routes.ts';

/** What the diagnostics routes need; the service composes it (diagnostics/service.ts). */
export interface DiagnosticsRoutesOptions {
  auth: Auth;
  alerts: AlertService;
  /** The engine's health, or in a cluster the saved state's of a device another node holds. */
  engine: { health(deviceId: string): Promise<HealthReport | undefined> };
  catalog: Catalog;
  commands: RemoteCommands;
  webhooks: WebhookRegistry;
  /** Webhooks may point at loopback and private addresses (development). */
  webhooksAllowPrivate?: boolean;
  sse: SseHub;
  deviceExists: (id: string) => Promise<boolean>;
}

/**
 * Diagnostics HTTP routes, an encapsulated fastify plugin registered under `/api/v1`
 * (docs/style.md §3): alerts and their live stream, webhooks, device health, remote commands, the diagnostics
 * catalogue (data files and models).
 */
export const diagnosticsRoutes: FastifyPluginAsyncZod<DiagnosticsRoutesOptions> = async (
  app,
  o,
) => {
  // Live streams end before the server waits for its connections to close.
  app.addHook('preClose', (done) => {
    o.sse.closeAll();
    done();
  });
  await app.register(alertRoutes, { alerts: o.alerts, auth: o.auth, sse: o.sse });
  await app.register(webhookRoutes, {
    registry: o.webhooks,
    auth: o.auth,
    allowPrivate: o.webhooksAllowPrivate ?? false,
  });
  await app.register(catalogRoutes, { catalog: o.catalog, auth: o.auth });
  await app.register(deviceDiagnosticsRoutes, {
    engine: o.engine,
    commands: o.commands,
    auth: o.auth,
    deviceExists: o.deviceExists,
  });
};
