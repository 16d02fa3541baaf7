import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Alert } from '../alert-schemas.ts';
import type { AlertNotification } from '../alerts.ts';
import type { WebhookRegistry } from './webhook-registry.ts';
import { createWebhookDispatcher, signBody } from './webhooks.ts';

/** A receiver that answers with the given statuses in turn (the last one repeats). */
async function receiver(statuses: number[]) {
  const got: Array<{ body: string; signature: string; delivery: string }> = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      got.push({
        body,
        signature: String(req.headers['x-sanbao-signature']),
        delivery: String(req.headers['x-sanbao-delivery']),
      });
      res.writeHead(statuses[Math.min(got.length - 1, statuses.length - 1)]!).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return {
    url,
    got,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections(); // fetch keeps sockets alive; close would wait for them
      }),
  };
}

/** An in-memory registry with one webhook, recording what the dispatcher reports. */
function registry(url: string) {
  const log: string[] = [];
  const r: WebhookRegistry = {
    create: () => Promise.reject(new Error('unused')),
    list: () => Promise.resolve([]),
    remove: () => Promise.resolve(false),
    targets: () => Promise.resolve([{ id: 'w1', url, secret: 's3cret', minSeverity: 'major' }]),
    recordDelivered: async () => void log.push('delivered'),
    recordFailure: async (_id, _at, err, gaveUp) =>
      void log.push(`${err}${gaveUp ? ' (gave up)' : ''}`),
  };
  return { r, log };
}

function bus() {
  const subs = new Set<(n: AlertNotification) => void>();
  return {
    subscribe: (fn: (n: AlertNotification) => void) => (subs.add(fn), () => subs.delete(fn)),
    emit: (severity: Alert['severity']) => {
      const alert = { id: 'al_1', deviceId: 'd1', severity } as Alert;
      for (const fn of subs)
        fn({ type: 'alert.opened', at: '2026-01-01T00:00:00.000Z', alert, suppressed: 0 });
    },
  };
}

/** The receivers listen on 127.0.0.1: the development setting that lets deliveries go there. */
const LOCAL = { allowPrivate: true };

describe('webhook delivery', () => {
  const closing: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of closing.splice(0)) await c();
  });

  it('signs the raw body with HMAC-SHA256 and retries with backoff until it is accepted', async () => {
    const rx = await receiver([503, 500, 204]);
    const { r, log } = registry(rx.url);
    const b = bus();
    const d = createWebhookDispatcher({
      ...LOCAL,
      registry: r,
      alerts: b,
      baseDelayMs: 20,
      maxAttempts: 5,
    });
    closing.push(rx.close, d.close);
    const t0 = Date.now();
    b.emit('critical');
    await d.idle();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(20 + 40); // 20 ms, then 40 ms
    expect(log).toEqual(['attempt 1: HTTP 503', 'attempt 2: HTTP 500', 'delivered']);
    expect(rx.got).toHaveLength(3);
    const { body, signature } = rx.got[2]!;
    expect(signature).toBe(`sha256=${createHmac('sha256', 's3cret').update(body).digest('hex')}`);
    expect(signature).toBe(signBody('s3cret', body));
    // One delivery id across the retries, so the receiver can drop duplicates.
    expect(new Set(rx.got.map((g) => g.delivery)).size).toBe(1);
    expect(JSON.parse(body)).toMatchObject({ type: 'alert.opened', alert: { id: 'al_1' } });
  });

  it('gives up after the bounded attempts, and at once on a refusal retrying cannot fix', async () => {
    const rx = await receiver([502]);
    const { r, log } = registry(rx.url);
    const b = bus();
    const d = createWebhookDispatcher({
      ...LOCAL,
      registry: r,
      alerts: b,
      baseDelayMs: 5,
      maxAttempts: 3,
    });
    closing.push(rx.close, d.close);
    b.emit('major');
    await d.idle();
    expect(log).toEqual([
      'attempt 1: HTTP 502',
      'attempt 2: HTTP 502',
      'attempt 3: HTTP 502 (gave up)',
    ]);
    const rx2 = await receiver([410]);
    const two = registry(rx2.url);
    const d2 = createWebhookDispatcher({ ...LOCAL, registry: two.r, alerts: b, baseDelayMs: 5 });
    closing.push(rx2.close, d2.close);
    b.emit('critical');
    await d2.idle();
    expect(two.log).toEqual(['attempt 1: HTTP 410 (gave up)']);
  });

  it('skips alerts below the minimum severity, and records unreachable receivers', async () => {
    const { r, log } = registry('http://127.0.0.1:1/unreachable');
    const b = bus();
    const d = createWebhookDispatcher({
      ...LOCAL,
      registry: r,
      alerts: b,
      baseDelayMs: 5,
      maxAttempts: 2,
    });
    closing.push(d.close);
    b.emit('minor');
    await d.idle();
    expect(log).toEqual([]);
    b.emit('major');
    await d.idle();
    expect(log).toHaveLength(2);
    expect(log[1]).toMatch(/^attempt 2: .*\(gave up\)$/);
  });

  it('[issue 24, finding 11] never delivers to a loopback address by default, by IP or by name', async () => {
    const rx = await receiver([204]);
    const port = new URL(rx.url).port;
    closing.push(rx.close);
    for (const url of [
      rx.url,
      `http://localhost:${port}/hook`,
      `http://[::ffff:127.0.0.1]:${port}/`,
    ]) {
      const { r, log } = registry(url);
      const b = bus();
      const d = createWebhookDispatcher({ registry: r, alerts: b, baseDelayMs: 1, maxAttempts: 2 });
      closing.push(d.close);
      b.emit('critical');
      await d.idle();
      expect(log, url).toHaveLength(2);
      expect(log[1], url).toMatch(/attempt 2: .*not a public address \(gave up\)/);
    }
    expect(rx.got).toEqual([]);
  });
});
