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

  it('a scoped stream tells only about its devices, reading them once per refresh, not per notification', async () => {
    const subs = new Set<(n: AlertNotification) => void>();
    const alerts = {
      subscribe: (fn: (n: AlertNotification) => void) => (subs.add(fn), () => subs.delete(fn)),
    } as unknown as AlertService;
    const notify = (id: string, deviceId: string) => {
      const alert = { id, deviceId } as Alert;
      for (const fn of subs) fn({ type: 'alert.opened', at: 'now', alert, suppressed: 0 });
    };
    let devices = new Set(['mine']);
    let reads = 0;
    const scope = () => (reads++, Promise.resolve(devices));
    const slow = createSseHub(alerts, { heartbeatMs: 60_000, scopeRefreshMs: 3_600_000 });
    const eager = createSseHub(alerts, { heartbeatMs: 60_000, scopeRefreshMs: 0 });
    const app = Fastify();
    app.get('/slow', (req, reply) => slow.open(req, reply, scope));
    app.get('/eager', (req, reply) => eager.open(req, reply, scope));
    app.get('/broken', (req, reply) =>
      slow.open(req, reply, () => Promise.reject(new Error('db down'))),
    );
    app.addHook('preClose', (done) => (slow.closeAll(), eager.closeAll(), done()));
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    const stream = async (path: string) => {
      const res = await fetch(`${url}${path}`);
      const reader = res.body!.getReader();
      const s = { text: '' };
      void (async () => {
        for (;;) {
          const { done, value } = await reader
            .read()
            .catch(() => ({ done: true, value: undefined }));
          if (done) return;
          s.text += Buffer.from(value!).toString('utf8');
        }
      })();
      return s;
    };
    const until = async (cond: () => boolean) => {
      while (!cond()) await new Promise((r) => setTimeout(r, 5));
    };

    const s = await stream('/slow');
    await until(() => slow.size === 1);
    expect(reads).toBe(1);
    for (let i = 0; i < 5; i++) notify(`al_other${i}`, 'theirs');
    notify('al_mine', 'mine');
    await until(() => s.text.includes('al_mine'));
    expect(s.text).not.toContain('al_other');
    expect(s.text).toMatch(/id: 1\nevent: alert\.opened/); // ids count what the stream got
    expect(reads).toBe(1); // six notifications, one read

    // A device that becomes the manufacturer's is told about after the next read.
    const e = await stream('/eager');
    await until(() => eager.size === 1);
    devices = new Set(['mine', 'new']);
    const before = reads;
    notify('al_new1', 'new'); // answered from the last set read; starts a reread
    await until(() => reads > before);
    await new Promise((r) => setImmediate(r));
    notify('al_new2', 'new');
    notify('al_mark', 'mine');
    await until(() => e.text.includes('al_mark'));
    expect(e.text).not.toContain('al_new1');
    expect(e.text).toContain('al_new2');

    // A scope that cannot be read fails the request; no stream is left behind.
    const broken = await fetch(`${url}/broken`);
    expect(broken.status).toBe(500);
    expect(slow.size).toBe(1);
    await app.close();
    expect(subs.size).toBe(0);
  });
});
