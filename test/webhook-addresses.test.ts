import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from './helpers/clients.ts';
import { startService, type RunningService } from './helpers/service.ts';

/**
 * [issue 24, finding 11] An admin cannot point a webhook at the service's own machine or
 * network by default: loopback, private, link-local (cloud metadata) and IPv4-mapped addresses,
 * and `localhost`, are refused with a 400 that says why and names the development setting;
 * nothing is registered. Deliveries check again as they connect (webhooks.test.ts). Makers'
 * case webhooks (cases/) go through the same check.
 */
const PRIVATE = [
  'http://127.0.0.1:8080/hook',
  'http://127.1.2.3/',
  'http://localhost:9000/',
  'http://app.localhost/',
  'http://[::1]/',
  'http://[::ffff:127.0.0.1]/',
  'http://10.1.2.3/',
  'http://172.16.0.1/',
  'http://192.168.1.1/',
  'http://169.254.169.254/latest/meta-data/',
  'http://[fe80::1]/',
  'http://[fd00::1]/',
  'http://0.0.0.0/',
  'http://100.64.0.1/',
];
describe('webhook addresses', () => {
  let svc: RunningService;
  beforeAll(async () => {
    svc = await startService();
  });
  afterAll(async () => {
    await svc?.stop();
  });

  it('refuses loopback, private and link-local targets; registers nothing', async () => {
    for (const url of PRIVATE) {
      const r = await api<{ error: string; message: string }>(
        svc.httpUrl,
        'POST',
        '/api/v1/webhooks',
        svc.adminToken,
        { url },
      );
      expect(r.status, url).toBe(400);
      expect(r.body.error, url).toBe('DIAGNOSTICS_ERR_WEBHOOK_ADDRESS');
      expect(r.body.message, url).toContain('WEBHOOK_ALLOW_PRIVATE');
    }
    const list = await api<{ webhooks: unknown[] }>(
      svc.httpUrl,
      'GET',
      '/api/v1/webhooks',
      svc.adminToken,
    );
    expect(list.body.webhooks).toEqual([]);
  });

  it('accepts a public address', async () => {
    const r = await api(svc.httpUrl, 'POST', '/api/v1/webhooks', svc.adminToken, {
      url: 'https://93.184.215.14/hook',
    });
    expect(r.status).toBe(201);
  });

  it("refuses a maker's case webhook at the same addresses; accepts a public one", async () => {
    const maker = (
      await api<{ token: string }>(svc.httpUrl, 'POST', '/api/v1/tokens', svc.adminToken, {
        role: 'manufacturer',
        subject: 'MakerA',
      })
    ).body.token;
    for (const url of PRIVATE) {
      const r = await api<{ error: string; message: string }>(
        svc.httpUrl,
        'POST',
        '/api/v1/cases/webhooks',
        maker,
        { url, secret: 'case-webhook-secret-0001' },
      );
      expect(r.status, url).toBe(400);
      expect(r.body.error, url).toBe('CASES_ERR_WEBHOOK_ADDRESS');
      expect(r.body.message, url).toContain('WEBHOOK_ALLOW_PRIVATE');
    }
    const list = () =>
      api<{ webhooks: unknown[] }>(svc.httpUrl, 'GET', '/api/v1/cases/webhooks', maker);
    expect((await list()).body.webhooks).toEqual([]);
    const ok = await api(svc.httpUrl, 'POST', '/api/v1/cases/webhooks', maker, {
      url: 'https://93.184.215.14/cases',
      secret: 'case-webhook-secret-0001',
    });
    expect(ok.status).toBe(201);
    expect((await list()).body.webhooks).toHaveLength(1);
  });
});
