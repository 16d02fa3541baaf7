import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import type { Alert } from '../alert-schemas.ts';
import type { AlertNotification, AlertService } from '../alerts.ts';
import { createSseHub } from './sse.ts';

describe('SSE hub', () => {
  it('streams notifications as events, sends heartbeat comments, and ends cleanly on close', async () => {
    const subs = new Set<(n: AlertNotification) => void>();
    const alerts = {
      subscribe: (fn: (n: AlertNotification) => void) => (subs.add(fn), () => subs.delete(fn)),
    } as unknown as AlertService;
    const hub = createSseHub(alerts, { heartbeatMs: 30 });
    const app = Fastify();
    app.get('/stream', (req, reply) => hub.open(req, reply));
    app.addHook('preClose', (done) => (hub.closeAll(), done()));
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    const res = await fetch(`${url}/stream`);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = res.body!.getReader();
    let text = '';
    const readUntil = async (re: RegExp) => {
      while (!re.test(text)) {
        const { done, value } = await reader.read();
        if (done) return true;
        text += Buffer.from(value).toString('utf8');
      }
      return false;
    };
    await readUntil(/: heartbeat\n\n/);
    expect(hub.size).toBe(1);
    const alert = { id: 'al_1' } as Alert;
    for (const fn of subs) fn({ type: 'alert.opened', at: 'now', alert, suppressed: 0 });
    await readUntil(/event: alert\.opened\ndata: .*al_1.*\n\n/);
    expect(text).toMatch(/id: 1\nevent: alert\.opened\ndata: \{"type":"alert\.opened"/);
    const t0 = Date.now();
    await app.close();
    expect(await readUntil(/never/)).toBe(true); // the server ended the stream
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(hub.size).toBe(0);
    expect(subs.size).toBe(0);
  });
});
