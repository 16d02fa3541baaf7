import { createHmac, randomUUID } from 'node:crypto';
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
    const res = await fetch(w.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-sanbao-signature': signBody(w.secret, body),
        'x-sanbao-event': type,
        'x-sanbao-delivery': delivery,
      },
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.body?.cancel().catch(() => undefined);
    return res.status;
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
