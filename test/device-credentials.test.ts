import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Env } from '../core/config.ts';
import { api, connectDevice, provision, type Provisioned } from './helpers/clients.ts';
import { describeOnPostgresDb } from './helpers/postgres.ts';
import { startService, type RunningService } from './helpers/service.ts';

interface Created {
  id: string;
  serial: string;
  secret: string;
}
interface Bulk {
  created: Created[];
  existing: Array<{ id: string; serial: string }>;
}

/**
 * Device credentials through the public interface: verified secrets are remembered (no scrypt
 * on reconnect), which must never let a disabled device or a replaced secret back in; bulk
 * provisioning. On PGlite and on PostgreSQL (the batched statements use arrays).
 */
function credentialsSuite(env: () => Env): void {
  let svc: RunningService;
  const post = <T>(url: string, body?: unknown, token?: string) =>
    api<T>(svc.httpUrl, 'POST', url, token ?? svc.adminToken, body);
  /** Connects and disconnects: afterwards the secret is remembered as verified. */
  const connectOnce = async (d: Provisioned) => (await connectDevice(svc.mqttUrl, d)).endAsync();

  beforeAll(async () => {
    svc = await startService(env());
  });
  afterAll(async () => {
    await svc?.stop();
  });

  it('refuses a disabled device whose secret was verified before (CONNACK 5), until enabled', async () => {
    const dev = await provision(svc.httpUrl, svc.adminToken);
    await connectOnce(dev);
    await connectOnce(dev);
    expect((await post(`/api/v1/devices/${dev.id}/disable`)).status).toBe(200);
    await expect(connectDevice(svc.mqttUrl, dev)).rejects.toMatchObject({ code: 5 });
    await expect(connectDevice(svc.mqttUrl, dev)).rejects.toMatchObject({ code: 5 });
    expect((await post(`/api/v1/devices/${dev.id}/enable`)).status).toBe(200);
    await connectOnce(dev);
  });

  it('refuses the old secret after each rotation, even right after it connected (CONNACK 4)', async () => {
    const dev = await provision(svc.httpUrl, svc.adminToken);
    await connectOnce(dev);
    const first = await post<{ secret: string }>(`/api/v1/devices/${dev.id}/secret`);
    expect(first.status).toBe(200);
    await expect(connectDevice(svc.mqttUrl, dev)).rejects.toMatchObject({ code: 4 });
    const rotated = { ...dev, secret: first.body.secret };
    await connectOnce(rotated);
    await connectOnce(rotated);
    const second = await post<{ secret: string }>(`/api/v1/devices/${dev.id}/secret`);
    await expect(connectDevice(svc.mqttUrl, rotated)).rejects.toMatchObject({ code: 4 });
    await expect(connectDevice(svc.mqttUrl, dev)).rejects.toMatchObject({ code: 4 });
    await connectOnce({ ...dev, secret: second.body.secret });
  });

  it('provisions in bulk: new devices with their secrets, existing ones listed untouched', async () => {
    const serial = (i: number) => `BULK-${process.pid}-${i}`;
    const spec = (i: number) => ({
      category: 'refrigerator',
      model: 'BCD-452WDPF',
      serial: serial(i),
    });
    const first = await post<Bulk>('/api/v1/devices/bulk', { devices: [0, 1, 2].map(spec) });
    expect(first.status).toBe(200);
    expect(first.body.existing).toEqual([]);
    expect(first.body.created.map((c) => c.serial)).toEqual([0, 1, 2].map(serial));
    for (const c of first.body.created) await connectOnce(c);

    const again = await post<Bulk>('/api/v1/devices/bulk', { devices: [1, 3].map(spec) });
    expect(again.status).toBe(200);
    expect(again.body.created.map((c) => c.serial)).toEqual([serial(3)]);
    expect(again.body.existing).toMatchObject([
      { id: first.body.created[1]!.id, serial: serial(1) },
    ]);
    // Listing a device as existing changes nothing: its secret still works.
    await connectOnce(first.body.created[1]!);
  });

  it('refuses a bulk-provisioned device disabled before its first connect', async () => {
    const r = await post<Bulk>('/api/v1/devices/bulk', {
      devices: [{ category: 'tv', model: '55E3F', serial: `BULK-OFF-${process.pid}` }],
    });
    const dev = r.body.created[0]!;
    await post(`/api/v1/devices/${dev.id}/disable`);
    await expect(connectDevice(svc.mqttUrl, dev)).rejects.toMatchObject({ code: 5 });
  });

  it('validates a bulk request, naming the field', async () => {
    const ok = { category: 'tv', model: '55E3F', serial: 'OK-1' };
    const bad = await post<{ error: string; message: string; details: Array<{ path: string }> }>(
      '/api/v1/devices/bulk',
      { devices: [ok, { ...ok, serial: 'has space' }, { ...ok, category: 'toaster' }] },
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe('APP_ERR_VALIDATION');
    expect(bad.body.details.map((d) => d.path)).toEqual([
      'body.devices.1.serial',
      'body.devices.2.category',
    ]);

    const dup = await post<{ details: unknown }>('/api/v1/devices/bulk', { devices: [ok, ok] });
    expect(dup.status).toBe(400);
    expect(dup.body.details).toEqual([
      { path: 'body.devices.1.serial', message: 'same category, model and serial as devices[0]' },
    ]);

    const tooMany = await post('/api/v1/devices/bulk', {
      devices: Array.from({ length: 1001 }, (_, i) => ({ ...ok, serial: `S${i}` })),
    });
    expect(tooMany.status).toBe(400);
    expect((await post('/api/v1/devices/bulk', { devices: [] })).status).toBe(400);
  });

  it('provisions in bulk for admins only', async () => {
    const engineer = await svc.service.auth.issue({ role: 'engineer', subject: 'e' });
    const r = await post(
      '/api/v1/devices/bulk',
      { devices: [{ category: 'tv', model: '55E3F', serial: 'NOPE-1' }] },
      engineer.token,
    );
    expect(r.status).toBe(403);
  });
}

describe('device credentials on PGlite', () => credentialsSuite(() => ({})));

await describeOnPostgresDb('device credentials on PostgreSQL', (db) =>
  credentialsSuite(() => ({ DATABASE_URL: db().url })),
);
