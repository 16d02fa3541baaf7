import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, connectDevice, provision, type Provisioned } from './helpers/clients.ts';
import { startService, type RunningService } from './helpers/service.ts';

/** Remote diagnosis through the running service: HTTP in, MQTT to the device, reply back. */
describe('remote commands end to end', () => {
  let svc: RunningService;
  let eng: string;
  let dev: Provisioned;
  let device: MqttClient;

  beforeAll(async () => {
    svc = await startService();
    const r = await api<{ token: string }>(svc.httpUrl, 'POST', '/api/v1/tokens', svc.adminToken, {
      role: 'engineer',
      subject: 'eng-zhang',
    });
    eng = r.body.token;
    dev = await provision(svc.httpUrl, svc.adminToken, 'air_conditioner', 'KFR-35GW');
    device = await connectDevice(svc.mqttUrl, dev);
  });
  afterAll(async () => {
    await device?.endAsync();
    await svc?.stop();
  });

  it('runs a remote command against a device that answers, and times out on one that does not', async () => {
    await device.subscribeAsync(`devices/${dev.id}/commands/#`, { qos: 1 });
    device.on('message', (topic, payload) => {
      const name = topic.split('/')[3];
      if (topic.endsWith('/reply') || name !== 'self_test') return; // dump goes unanswered
      const { requestId } = JSON.parse(payload.toString()) as { requestId: string };
      void device.publishAsync(
        `${topic}/reply`,
        JSON.stringify({ requestId, ok: true, result: { passed: true, codes: [] } }),
        { qos: 1 },
      );
    });
    const base = `/api/v1/devices/${dev.id}/commands`;
    const ok = await api<{ status: string; result: unknown }>(svc.httpUrl, 'POST', base, eng, {
      name: 'self_test',
      timeoutMs: 5000,
    });
    expect(ok).toMatchObject({ status: 200, body: { status: 'ok', result: { passed: true } } });
    const late = await api<{ error: string }>(svc.httpUrl, 'POST', base, eng, {
      name: 'dump',
      args: { count: 3 },
      timeoutMs: 300,
    });
    expect(late).toMatchObject({ status: 504, body: { error: 'DIAGNOSTICS_ERR_COMMAND_TIMEOUT' } });
    expect((await api(svc.httpUrl, 'POST', base, eng, { name: 'x/#' })).status).toBe(400);
    expect(
      (await api(svc.httpUrl, 'POST', '/api/v1/devices/nope/commands', eng, { name: 'self_test' }))
        .status,
    ).toBe(404);
    const audit = await api<{
      commands: Array<{ name: string; status: string; requestedBy: string }>;
      total: number;
    }>(svc.httpUrl, 'GET', base, eng);
    expect(audit.body.total).toBe(2);
    expect(audit.body.commands.map((c) => [c.name, c.status, c.requestedBy])).toEqual([
      ['dump', 'timeout', 'eng-zhang'],
      ['self_test', 'ok', 'eng-zhang'],
    ]);
  });

  it('refuses commands from roles other than engineer', async () => {
    const m = await api<{ token: string }>(svc.httpUrl, 'POST', '/api/v1/tokens', svc.adminToken, {
      role: 'manufacturer',
    });
    const r = await api(svc.httpUrl, 'POST', `/api/v1/devices/${dev.id}/commands`, m.body.token, {
      name: 'self_test',
    });
    expect(r.status).toBe(403);
  });
});
