import { createHmac } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { postWebhook } from '../../diagnostics/index.ts';
import type { CaseStore, Notification } from '../store.ts';
import type { Mailer } from './mailer.ts';
import type { Mail } from './messages.ts';

/**
 * Delivers the notification outbox (migration 400): mail over SMTP, webhooks over HTTP POST
 * signed with HMAC-SHA256 (`x-sanbao-signature: sha256=<hex>` of the body, the same scheme as
 * alert webhooks), through the alert webhooks' own POST: no redirects followed, and unless
 * `allowPrivate` (WEBHOOK_ALLOW_PRIVATE) only public addresses, checked again as it connects
 * (so a name that resolves to a private address later cannot get there). A failed attempt is logged and kept on the notification (`log`, `lastError`)
 * and tried again after 1, 4, 16, 64… × `baseDelayMs`, up to `maxAttempts`; then it is `failed`.
 * Cases never wait for this: the outbox rows are written with the case change, and the worker
 * runs after, on wall time (retries are delivery mechanics, not case deadlines).
 */
export interface NotifierOptions {
  store: CaseStore;
  mailer?: Mailer | undefined;
  log: FastifyBaseLogger;
  /** Wall clock for attempts and retries. */
  now?: () => Date;
  maxAttempts?: number;
  baseDelayMs?: number;
  /** How often the outbox is polled besides `kick()` (default 5 s). */
  pollMs?: number;
  timeoutMs?: number;
  /** Deliver webhooks to loopback and private addresses too (development only). */
  allowPrivate?: boolean;
}

export interface Notifier {
  /** Looks at the outbox now (called after every case change). */
  kick(): void;
  /** Resolves once nothing due is left to try (tests). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

const retryable = (status: number) => status >= 500 || status === 408 || status === 429;

export function createNotifier(o: NotifierOptions): Notifier {
  const now = o.now ?? (() => new Date());
  const maxAttempts = o.maxAttempts ?? 6;
  const base = o.baseDelayMs ?? 5_000;
  const timeoutMs = o.timeoutMs ?? 10_000;
  let closed = false;
  let running: Promise<void> | undefined;
  let again = false;

  async function attempt(
    n: Notification,
  ): Promise<{ ok: true } | { ok: false; error: string; final: boolean }> {
    if (n.channel === 'email') {
      if (!o.mailer)
        return { ok: false, error: 'no SMTP server configured (SMTP_URL)', final: true };
      try {
        const id = await o.mailer.send(n.target, n.payload as unknown as Mail);
        o.log.info(
          { notification: n.id, case: n.caseId, to: n.target, messageId: id },
          'case mail sent',
        );
        return { ok: true };
      } catch (err) {
        const e = err as Error & { responseCode?: number };
        // 5xx from the server is a permanent refusal (RFC 5321 §4.2.1); the rest may pass later.
        const final = typeof e.responseCode === 'number' && e.responseCode >= 500;
        return { ok: false, error: e.message, final };
      }
    }
    const hook = (await o.store.webhooks()).find((w) => w.id === n.target);
    if (!hook) return { ok: false, error: `webhook ${n.target} was deleted`, final: true };
    const body = JSON.stringify(n.payload);
    try {
      const status = await postWebhook(
        hook.url,
        {
          'content-type': 'application/json',
          'x-sanbao-signature': `sha256=${createHmac('sha256', hook.secret).update(body).digest('hex')}`,
          'x-sanbao-event': n.event,
          'x-sanbao-delivery': n.id,
        },
        body,
        timeoutMs,
        o.allowPrivate ?? false,
      );
      if (status >= 200 && status < 300) return { ok: true };
      return { ok: false, error: `HTTP ${status}`, final: !retryable(status) };
    } catch (err) {
      return { ok: false, error: (err as Error).message, final: false };
    }
  }

  async function runOnce(): Promise<number> {
    const due = await o.store.claimNotifications(now().toISOString(), timeoutMs * 3, 20);
    for (const n of due) {
      if (closed) break;
      const r = await attempt(n);
      const at = now().toISOString();
      if (r.ok) {
        await o.store.recordAttempt(n.id, { at, ok: true, nextAttemptAt: null });
        continue;
      }
      const tries = n.attempts + 1;
      const giveUp = r.final || tries >= maxAttempts;
      const next = giveUp
        ? null
        : new Date(now().getTime() + base * 4 ** (tries - 1)).toISOString();
      await o.store.recordAttempt(n.id, { at, ok: false, error: r.error, nextAttemptAt: next });
      const fields = {
        notification: n.id,
        case: n.caseId,
        channel: n.channel,
        attempt: tries,
        error: r.error,
      };
      if (giveUp) o.log.error(fields, 'case notification given up');
      else o.log.warn({ ...fields, retryAt: next }, 'case notification failed; will retry');
    }
    return due.length;
  }

  function kick(): void {
    if (closed) return;
    if (running) {
      again = true;
      return;
    }
    running = (async () => {
      do {
        again = false;
        try {
          while ((await runOnce()) > 0 && !closed);
        } catch (err) {
          o.log.error({ err }, 'case notification outbox failed');
        }
      } while (again && !closed);
    })().finally(() => {
      running = undefined;
    });
  }

  const timer = setInterval(kick, o.pollMs ?? 5_000);
  timer.unref();
  return {
    kick,
    async idle() {
      kick();
      while (running) await running;
    },
    async close() {
      closed = true;
      clearInterval(timer);
      await running;
      o.mailer?.close();
    },
  };
}
