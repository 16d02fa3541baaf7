/**
 * Public interface of the audit module (issue 25): an append-only, hash-chained trail of every
 * state-changing request — who (user, token, role, subject), what (method, route, parameters,
 * the redacted body as `after`, the prior state as `before` where a route registers a reader),
 * when, from which address, with which status — searchable and exportable by an admin, each
 * resource's history readable by staff, and verifiable against its anchor.
 */
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Auth, Sql } from '../core/index.ts';
import { AuditRecorder, type BeforeReader } from './recorder.ts';
import { auditRoutes } from './routes.ts';
import { AuditStore } from './store.ts';

export { AuditErrors } from './errors.ts';
export { REDACTED_KEYS, redact, type BeforeReader } from './recorder.ts';
export type { AuditVerification } from './chain.ts';
export type { AuditFilter } from './store.ts';

export interface AuditTrail {
  store: AuditStore;
  /** The recording hooks, on the root app: call before any route is added. */
  install(app: FastifyInstance): void;
  /** Registers the prior-state reader of a route (`before('POST', '/api/v1/alerts/:id/ack', …)`). */
  before(method: string, route: string, read: BeforeReader): void;
  /** For `buildApp({ plugins })`: the audit routes under /api/v1. */
  routes: (app: FastifyInstance) => Promise<void>;
  /** Resolves once every entry queued so far is written. */
  flush(): Promise<void>;
  /** Entries queued, not yet written. */
  readonly pending: number;
  close(): Promise<void>;
}

export function createAuditTrail(deps: {
  sql: Sql;
  auth: Auth;
  log: FastifyBaseLogger;
  retryMs?: number;
}): AuditTrail {
  const store = new AuditStore(deps.sql);
  const recorder = new AuditRecorder(store, deps.log, { retryMs: deps.retryMs });
  return {
    store,
    install: (app) => recorder.install(app),
    before: (method, route, read) => recorder.before(method, route, read),
    routes: async (app) => {
      await app.register(auditRoutes, {
        auth: deps.auth,
        store,
        flush: () => recorder.flush(),
      });
    },
    flush: () => recorder.flush(),
    get pending() {
      return recorder.pending;
    },
    close: () => recorder.close(),
  };
}
