import { createHmac, randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { isPrivateAddress, publicOnlyLookup } from './address-guard.ts';
import { atLeast, type AlertNotification, type AlertService } from '../alerts.ts';
import type { WebhookRegistry, WebhookTarget } from './webhook-registry.ts';

export interface WebhookDispatcherOptions {
  registry: WebhookRegistry;
  alerts: Pick<AlertService, 'subscribe'>;
  /** Attempts per delivery, the first included (default 5). */
  maxAttempts?: number;
  /** Delay before the first retry; doubled for each next one (default 1 s: 1, 2, 4, 8 s). */
  baseDelayMs?: number;
  /** Per-attempt timeout (default 5 s). */
  timeoutMs?: number;
  clock?: () => number;
  onError?: (err: unknown, what: string) => void;
  /** Deliver to loopback and private addresses too (`WEBHOOK_ALLOW_PRIVATE`, development). */
  allowPrivate?: boolean;
}

/**
 * One POST; resolves with the status. Redirects are not followed, and unless `allowPrivate`
 * the connection is refused when the host is, or resolves to, a non-public address
 * (address-guard.ts), checked as it connects. Every webhook of the service posts through this
 * (alert webhooks here, makers' case webhooks in cases/notify).
 */
export function postWebhook(
  url: string,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
  allowPrivate: boolean,
): Promise<number> {
  const u = new URL(url);
  const host = u.hostname.replace(/^\[|\]$/g, '');
  if (!allowPrivate && isIP(host) && isPrivateAddress(host))
    return Promise.reject(new Error(`${host} is not a public address`));
  const send = u.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      u,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        signal: AbortSignal.timeout(timeoutMs),
        ...(allowPrivate ? {} : { lookup: publicOnlyLookup }),
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** `sha256=<hex>` HMAC of the raw body, the value of `X-Sanbao-Signature`. */
export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

// Retrying cannot fix a receiver that refuses the request itself (except "slow down"/timeout).
const retryable = (status: number) => status >= 500 || status === 408 || status === 429;

/**
 * Delivers alert notifications to every webhook whose minimum severity they reach: POST of the
 * notification JSON, signed (`X-Sanbao-Signature`), with a delivery id that stays the same
 * across retries so receivers can drop duplicates; retried with exponential backoff, bounded.
 * Each failed attempt is recorded; a delivery given up counts as a failure.
 */
export function createWebhookDispatcher(o: WebhookDispatcherOptions): {
  close(): Promise<void>;
  idle(): Promise<void>;
} {
  const maxAttempts = o.maxAttempts ?? 5;
  const baseDelayMs = o.baseDelayMs ?? 1000;
  const timeoutMs = o.timeoutMs ?? 5000;
  const clock = o.clock ?? Date.now;
  const onError = o.onError ?? (() => undefined);
  const allowPrivate = o.allowPrivate ?? false;
  const pending = new Set<Promise<void>>();
  // Waiting retries, so that close() can wake them up (they then stop, since `closed` is set).
  const waiting = new Map<NodeJS.Timeout, () => void>();
  let closed = false;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        waiting.delete(t);
        resolve();
      }, ms);
      waiting.set(t, resolve);
    });

  async function attempt(w: WebhookTarget, body: string, type: string, delivery: string) {
    return postWebhook(
      w.url,
      {
        'content-type': 'application/json',
        'x-sanbao-signature': signBody(w.secret, body),
        'x-sanbao-event': type,
        'x-sanbao-delivery': delivery,
      },
      body,
      timeoutMs,
      allowPrivate,
    );
  }

  async function deliver(w: WebhookTarget, n: AlertNotification): Promise<void> {
    const body = JSON.stringify(n);
    const delivery = randomUUID();
    for (let i = 1; i <= maxAttempts && !closed; i++) {
      let error: string;
      let again = true;
      try {
        const status = await attempt(w, body, n.type, delivery);
        if (status >= 200 && status < 300) return o.registry.recordDelivered(w.id, clock());
        error = `HTTP ${status}`;
        again = retryable(status);
      } catch (err) {
        error = (err as Error).message;
      }
      const gaveUp = !again || i === maxAttempts;
      await o.registry.recordFailure(w.id, clock(), `attempt ${i}: ${error}`, gaveUp);
      if (gaveUp) return;
      await sleep(baseDelayMs * 2 ** (i - 1));
    }
  }

  const track = (p: Promise<void>) => {
    const q = p.catch((err: unknown) => onError(err, 'webhook delivery failed'));
    pending.add(q);
    void q.finally(() => pending.delete(q));
  };

  const unsubscribe = o.alerts.subscribe((n) => {
    if (closed) return;
    track(
      o.registry.targets().then((ws) => {
        for (const w of ws) if (atLeast(n.alert.severity, w.minSeverity)) track(deliver(w, n));
      }),
    );
  });

  const idle = async () => {
    while (pending.size) await Promise.all([...pending]);
  };
  return {
    idle,
    async close() {
      closed = true;
      unsubscribe();
      for (const [t, wake] of waiting) {
        clearTimeout(t);
        wake();
      }
      waiting.clear();
      await idle();
    },
  };
}
