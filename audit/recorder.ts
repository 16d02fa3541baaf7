import { createHash } from 'node:crypto';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { canonicalJson, type AuditContent } from './chain.ts';
import type { AuditStore } from './store.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * `always`: the audit trail records this route's state changes even without a principal
     * and when refused (sign-in, sign-up: who tried is in the redacted body).
     */
    audit?: 'always';
  }
}

/** Reads the state a request is about to change (its `before`), given the request. */
export type BeforeReader = (req: FastifyRequest) => Promise<unknown>;

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Body keys whose values never reach the trail: passwords, secrets, tokens, verification codes,
 * keys, CSRF tokens (matched anywhere in a key, at any depth, case-insensitively).
 */
export const REDACTED_KEYS =
  /pass(word|phrase)?|secret|token|verification_?code|otp|api_?key|private_?key|csrf|cookie|authorization/i;
/** A body whose canonical JSON is longer is kept as its size and SHA-256 only. */
export const MAX_BODY_CHARS = 16_384;

export function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>))
    out[k] = REDACTED_KEYS.test(k) ? '[redacted]' : redact(v);
  return out;
}

const digest = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');

/** The request body as the trail keeps it: redacted canonical JSON, or a size and a digest. */
export function bodyText(body: unknown, contentType: string | undefined): string | null {
  if (body === undefined || body === null) return null;
  if (typeof body === 'string' || Buffer.isBuffer(body))
    return canonicalJson({
      contentType: contentType ?? null,
      bytes: Buffer.byteLength(body),
      sha256: digest(body),
    });
  const text = canonicalJson(redact(body));
  if (text.length <= MAX_BODY_CHARS) return text;
  return canonicalJson({ truncated: true, chars: text.length, sha256: digest(text) });
}

/** Path segment → resource kind (the names core/tenant.ts's resources use where there is one). */
const KINDS: Record<string, string> = {
  alerts: 'alert',
  units: 'unit',
  'repair-orders': 'repairOrder',
  devices: 'device',
  cases: 'case',
  users: 'user',
  outlets: 'outlet',
  technicians: 'technician',
  parts: 'genuinePart',
  models: 'productModel',
  tokens: 'token',
  webhooks: 'webhook',
};
const kindOf = (segment: string) => KINDS[segment] ?? segment.replace(/s$/, '');

/** Body fields that name a resource. */
const BODY_REFS: Array<[field: string, kind: string]> = [
  ['serial', 'unit'],
  ['deviceId', 'device'],
  ['alertId', 'alert'],
  ['alertIds', 'alert'],
  ['outletId', 'outlet'],
  ['orderId', 'repairOrder'],
];

/** kind:key of what a request addressed: path parameters, body references, the id it created. */
export function resourcesOf(
  route: string,
  params: Record<string, unknown>,
  body: unknown,
  created: string | undefined,
): string[] {
  const out = new Set<string>();
  const segs = route.split('/');
  for (let i = 1; i < segs.length; i++) {
    const m = /^:(\w+)$/.exec(segs[i]!);
    const v = m ? params[m[1]!] : undefined;
    if (m && typeof v === 'string' && v !== '') out.add(`${kindOf(segs[i - 1]!)}:${v}`);
  }
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const b = body as Record<string, unknown>;
    for (const [field, kind] of BODY_REFS) {
      const v = b[field];
      for (const x of Array.isArray(v) ? v : [v])
        if (typeof x === 'string' && x !== '' && x.length <= 200) out.add(`${kind}:${x}`);
    }
  }
  // An action on an addressed resource (POST /alerts/:id/dismiss) answers with that resource:
  // its id is no new one.
  if (created && !Object.values(params).includes(created)) {
    const last = segs.filter((s) => s && !s.startsWith(':')).at(-1);
    if (last) out.add(`${kindOf(last)}:${created}`);
  }
  return [...out];
}

const befores = new WeakMap<FastifyRequest, unknown>();
const createdIds = new WeakMap<FastifyRequest, string>();

/**
 * Records every state-changing request (POST, PUT, PATCH, DELETE) that reached a route and
 * either came with a principal (a token or a session: refusals after authentication too) or
 * succeeded, or whose route says `config.audit: 'always'`. The entry is built in `onResponse`,
 * after the answer has gone, and queued; one writer appends the queue in batches (audit/store.ts)
 * — under load, many entries per transaction. A failed write keeps the entries and retries with
 * backoff; at close the queue is flushed, and entries that still cannot be written are logged
 * whole at error level rather than dropped.
 */
export class AuditRecorder {
  private queue: AuditContent[] = [];
  private draining?: Promise<void>;
  private readonly readers = new Map<string, BeforeReader>();
  private closing = false;
  private wake?: () => void;

  constructor(
    private readonly store: AuditStore,
    private readonly log: FastifyBaseLogger,
    private readonly opts: { batch?: number; retryMs?: number; maxRetryMs?: number } = {},
  ) {}

  /** Entries waiting to be written. */
  get pending(): number {
    return this.queue.length;
  }

  /** Registers how to read the prior state for a route (`POST /api/v1/alerts/:id/ack`). */
  before(method: string, route: string, read: BeforeReader): void {
    this.readers.set(`${method.toUpperCase()} ${route}`, read);
  }

  /** The hooks, on the root instance (every route of the app). */
  install(app: FastifyInstance): void {
    app.addHook('preHandler', async (req) => {
      const read = this.readers.get(`${req.method} ${req.routeOptions.url ?? ''}`);
      if (!read || !req.principal) return;
      try {
        befores.set(req, await read(req));
      } catch (err) {
        req.log.warn({ err }, 'audit: reading the prior state failed');
      }
    });
    app.addHook('onSend', async (req, reply, payload) => {
      if (
        req.method === 'POST' &&
        reply.statusCode < 300 &&
        typeof payload === 'string' &&
        payload.length < 65_536 &&
        payload.startsWith('{')
      ) {
        try {
          const id = (JSON.parse(payload) as { id?: unknown }).id;
          if (typeof id === 'string' || typeof id === 'number') createdIds.set(req, String(id));
        } catch {
          // not JSON after all: nothing created to name
        }
      }
      return payload;
    });
    app.addHook('onResponse', async (req, reply) => {
      try {
        this.record(req, reply);
      } catch (err) {
        req.log.error({ err }, 'audit: building an entry failed');
      }
    });
  }

  private record(req: FastifyRequest, reply: FastifyReply): void {
    const route = req.routeOptions.url;
    if (!STATE_CHANGING.has(req.method) || !route) return;
    const p = req.principal;
    const status = reply.statusCode;
    if (!p && status >= 400 && req.routeOptions.config.audit !== 'always') return;
    const params = (req.params ?? {}) as Record<string, unknown>;
    const before = status < 400 ? befores.get(req) : undefined;
    this.queue.push({
      at: new Date().toISOString(),
      userId: p?.userId ?? null,
      tokenId: p?.tokenId ?? null,
      role: p?.role ?? null,
      subject: p?.subject ?? null,
      method: req.method,
      route,
      params: canonicalJson(params),
      resources: [
        ...new Set([
          ...resourcesOf(route, params, req.body, createdIds.get(req)),
          ...(req.auditResources ?? []),
        ]),
      ],
      body: bodyText(req.body, req.headers['content-type']),
      before: before === undefined ? null : bodyText(before, undefined),
      status,
      address: req.ip ?? null,
    });
    this.kick();
  }

  private kick(): void {
    this.draining ??= this.drain().finally(() => {
      this.draining = undefined;
      if (this.queue.length && !this.closing) this.kick();
    });
  }

  private async drain(): Promise<void> {
    let wait = this.opts.retryMs ?? 500;
    while (this.queue.length) {
      const batch = this.queue.slice(0, this.opts.batch ?? 500);
      try {
        await this.store.append(batch);
        this.queue.splice(0, batch.length);
        wait = this.opts.retryMs ?? 500;
      } catch (err) {
        this.log.error({ err, pending: this.queue.length }, 'audit: writing entries failed');
        if (this.closing) return;
        await new Promise<void>((r) => {
          const t = setTimeout(r, wait);
          this.wake = () => {
            clearTimeout(t);
            r();
          };
        });
        this.wake = undefined;
        wait = Math.min(wait * 2, this.opts.maxRetryMs ?? 30_000);
      }
    }
  }

  /** Resolves once every entry queued so far is written (it waits out failed writes). */
  async flush(): Promise<void> {
    while (this.queue.length || this.draining) {
      if (!this.draining) this.kick();
      await this.draining;
    }
  }

  /** Writes what is queued once more; what still fails is logged whole, never dropped silently. */
  async close(): Promise<void> {
    this.closing = true;
    this.wake?.();
    await this.draining;
    if (this.queue.length) {
      try {
        await this.store.append(this.queue);
        this.queue = [];
      } catch (err) {
        this.log.error(
          { err, entries: this.queue },
          'audit: entries not written at close (kept in this log)',
        );
        this.queue = [];
      }
    }
  }
}
