import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  connect,
  connectDevice,
  provision,
  waitFor,
  type Provisioned,
} from './helpers/clients.ts';
import { startService, type RunningService } from './helpers/service.ts';

interface Alert {
  id: string;
  deviceId: string;
  assignee: string | null;
}
interface ErrorBody {
  error: string;
  message: string;
}
interface StreamEvent {
  event: string;
  data: { type: string; alert: Alert };
}

/** Reads server-sent events from a fetch response into `events` until aborted. */
function readSse(res: Response, events: StreamEvent[]): Promise<void> {
  const reader = res.body!.getReader();
  let buf = '';
  return (async () => {
    for (;;) {
      const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
      if (done) return;
      buf += Buffer.from(value!).toString('utf8');
      let i: number;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const lines = buf.slice(0, i).split('\n');
        buf = buf.slice(i + 2);
        const event = lines.find((l) => l.startsWith('event: '))?.slice(7);
        const data = lines.find((l) => l.startsWith('data: '))?.slice(6);
        if (event && data) events.push({ event, data: JSON.parse(data) as StreamEvent['data'] });
      }
    }
  })();
}

/**
 * A manufacturer token with a subject sees only its own fleet: the devices linked to its
 * warranty units (core/tenant.ts), their per-device routes, and their alerts — listed, in detail
 * and live. Another maker's device or alert is answered exactly like one that does not exist.
 * Engineers (who serve every maker's outlets), admins and a manufacturer token without a subject
 * (a single-tenant install) see everything.
 */
describe('tenant scope: a manufacturer token sees only its own fleet', () => {
  let svc: RunningService;
  const tokens: Record<'gree' | 'midea' | 'single' | 'eng' | 'owner', string> = {
    gree: '',
    midea: '',
    single: '',
    eng: '',
    owner: '',
  };
  let g1: Provisioned;
  let g2: Provisioned;
  let m1: Provisioned;
  let free: Provisioned; // no unit linked: nobody's
  const clients: MqttClient[] = [];
  const streams = new AbortController();
  const done: Array<Promise<void>> = [];
  const greeEvents: StreamEvent[] = [];
  const engEvents: StreamEvent[] = [];
  let greeAlert: Alert;
  let mideaAlert: Alert;

  const call = <T>(method: string, url: string, token?: string, body?: unknown) =>
    api<T>(svc.httpUrl, method, url, token, body);

  const openStream = async (token: string, into: StreamEvent[]) => {
    const res = await fetch(`${svc.httpUrl}/api/v1/alerts/stream`, {
      headers: { authorization: `Bearer ${token}` },
      signal: streams.signal,
    });
    expect(res.status).toBe(200);
    done.push(readSse(res, into));
  };

  const fault = async (dev: Provisioned) => {
    const c = await connectDevice(svc.mqttUrl, dev);
    clients.push(c);
    await c.publishAsync(
      `devices/${dev.id}/events`,
      JSON.stringify({ ts: Date.now(), code: 'F0', severity: 'error', detail: 'low refrigerant' }),
      { qos: 1 },
    );
  };

  beforeAll(async () => {
    svc = await startService();
    const issue = async (role: string, subject?: string) => {
      const r = await call<{ token: string }>('POST', '/api/v1/tokens', svc.adminToken, {
        role,
        ...(subject ? { subject } : {}),
      });
      expect(r.status).toBe(201);
      return r.body.token;
    };
    tokens.gree = await issue('manufacturer', 'Gree');
    tokens.midea = await issue('manufacturer', 'Midea');
    tokens.single = await issue('manufacturer');
    tokens.eng = await issue('engineer', 'eng-li');
    tokens.owner = await issue('owner', 'owner-1');
    g1 = await provision(svc.httpUrl, svc.adminToken);
    g2 = await provision(svc.httpUrl, svc.adminToken);
    m1 = await provision(svc.httpUrl, svc.adminToken);
    free = await provision(svc.httpUrl, svc.adminToken);
    const unit = async (serial: string, manufacturer: string, deviceId?: string) => {
      const r = await call('POST', '/api/v1/warranty/units', tokens.eng, {
        serial,
        category: 'air_conditioner',
        model: 'KFR-35GW',
        manufacturer,
        ...(deviceId ? { deviceId } : {}),
        invoiceDate: new Date().toISOString().slice(0, 10),
      });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
    };
    await unit('TS-G1', 'Gree', g1.id);
    await unit('TS-G2', 'Gree', g2.id);
    await unit('TS-G3', 'Gree'); // a unit without a device links nothing
    await unit('TS-M1', 'Midea', m1.id);

    await openStream(tokens.gree, greeEvents);
    await openStream(tokens.eng, engEvents);
    await waitFor(() => svc.service.diagnostics.sse.size === 2, 5000, 'both streams registered');
    // Midea's fault first: notifications reach a stream in order, so once Gree's stream has
    // Gree's alert, Midea's would have come before it had it leaked.
    await fault(m1);
    await waitFor(() => engEvents.length >= 1, 15_000, "Midea's alert on the engineer's stream");
    await fault(g1);
    await waitFor(() => greeEvents.length >= 1, 15_000, "Gree's alert on Gree's stream");
    await waitFor(() => engEvents.length >= 2, 15_000, "Gree's alert on the engineer's stream");
    const list = await call<{ alerts: Alert[] }>('GET', '/api/v1/alerts', tokens.eng);
    greeAlert = list.body.alerts.find((a) => a.deviceId === g1.id)!;
    mideaAlert = list.body.alerts.find((a) => a.deviceId === m1.id)!;
    expect(greeAlert && mideaAlert).toBeTruthy();
  });

  afterAll(async () => {
    streams.abort();
    await Promise.all(done.map((d) => d.catch(() => undefined)));
    await Promise.all(clients.map((c) => c.endAsync()));
    await svc?.stop();
  });

  it('lists only its own devices, with the total and pagination over them', async () => {
    const ids = (r: { body: { devices: Array<{ id: string }> } }) =>
      r.body.devices.map((d) => d.id);
    type List = { devices: Array<{ id: string }>; total: number };
    const gree = await call<List>('GET', '/api/v1/devices', tokens.gree);
    expect(gree.body.total).toBe(2);
    expect(ids(gree).sort()).toEqual([g1.id, g2.id].sort());
    const page = await call<List>('GET', '/api/v1/devices?limit=1&offset=1', tokens.gree);
    expect(page.body.total).toBe(2);
    expect(ids(page)).toEqual([ids(gree)[1]]);
    expect(ids(await call<List>('GET', '/api/v1/devices', tokens.midea))).toEqual([m1.id]);
    for (const t of [tokens.eng, tokens.single, svc.adminToken]) {
      const all = await call<List>('GET', '/api/v1/devices', t);
      expect(all.body.total).toBe(4);
      expect(ids(all)).toContain(free.id);
    }
  });

  it('answers every GET route of one device with 404 unknown device for another maker’s device', async () => {
    const doc = await call<{ paths: Record<string, Record<string, unknown>> }>('GET', '/docs/json');
    // Every documented GET route about one device, so a new one cannot be forgotten here.
    const routes = Object.entries(doc.body.paths)
      .filter(([p, ops]) => /\/devices\/\{id\}(\/|$)/.test(p) && 'get' in ops)
      .map(([p]) => p);
    expect(routes).toContain('/api/v1/devices/{id}/commands'); // engineer-only: 403 below
    const get = (path: string, id: string, token: string) =>
      call<ErrorBody>('GET', `${path.replace('{id}', id)}?metric=indoor_temp_c`, token);
    const readable: string[] = [];
    for (const path of routes) {
      const unknown = await get(path, 'dnope', tokens.gree);
      const other = await get(path, m1.id, tokens.gree);
      const nobodys = await get(path, free.id, tokens.gree);
      if ((await get(path, g1.id, tokens.gree)).status === 403) {
        // Not for manufacturers at all (engineer-only): the same 403 whatever the device.
        for (const r of [unknown, other, nobodys]) expect(r.status, path).toBe(403);
        continue;
      }
      readable.push(path);
      expect(unknown, path).toMatchObject({
        status: 404,
        body: { error: 'BROKER_ERR_UNKNOWN_DEVICE', message: 'no device dnope' },
      });
      // The same answer as for a device that does not exist: existence is not revealed.
      expect(other, path).toEqual({
        ...unknown,
        body: { ...unknown.body, message: `no device ${m1.id}` },
      });
      expect(nobodys.body.error, path).toBe('BROKER_ERR_UNKNOWN_DEVICE');
      // Its own device, and anyone unconfined, pass the scope (health may still be empty: 404
      // with its own code, never the unknown-device one).
      for (const [id, token] of [
        [g1.id, tokens.gree],
        [m1.id, tokens.midea],
        [m1.id, tokens.eng],
        [m1.id, tokens.single],
        [free.id, tokens.eng],
      ] as const) {
        const r = await get(path, id, token);
        expect(
          r.status === 200 || r.body.error !== 'BROKER_ERR_UNKNOWN_DEVICE',
          `${path} ${id}`,
        ).toBe(true);
      }
    }
    expect(readable).toEqual(
      expect.arrayContaining([
        '/api/v1/devices/{id}',
        '/api/v1/devices/{id}/telemetry',
        '/api/v1/devices/{id}/latest',
        '/api/v1/devices/{id}/events',
        '/api/v1/devices/{id}/health',
      ]),
    );
    expect((await get('/api/v1/devices/{id}/latest', g1.id, tokens.gree)).status).toBe(200);
  });

  it('lists only alerts of its own devices; the total counts only those', async () => {
    type List = { alerts: Alert[]; total: number };
    const gree = await call<List>('GET', '/api/v1/alerts', tokens.gree);
    expect(gree.body).toMatchObject({ total: 1, alerts: [{ id: greeAlert.id }] });
    const byDevice = await call<List>('GET', `/api/v1/alerts?device=${m1.id}`, tokens.gree);
    expect(byDevice.body).toMatchObject({ total: 0, alerts: [] });
    expect((await call<List>('GET', '/api/v1/alerts', tokens.midea)).body).toMatchObject({
      total: 1,
      alerts: [{ id: mideaAlert.id }],
    });
    for (const t of [tokens.eng, tokens.single]) {
      expect((await call<List>('GET', '/api/v1/alerts', t)).body.total).toBe(2);
    }
  });

  it('filters alerts by assignee', async () => {
    type List = { alerts: Alert[]; total: number };
    const a = await call('POST', `/api/v1/alerts/${mideaAlert.id}/assign`, tokens.eng, {
      assignee: 'eng-wang',
    });
    expect(a.status).toBe(200);
    expect(
      (await call<List>('GET', '/api/v1/alerts?assignee=eng-wang', tokens.eng)).body,
    ).toMatchObject({ total: 1, alerts: [{ id: mideaAlert.id, assignee: 'eng-wang' }] });
    expect((await call<List>('GET', '/api/v1/alerts?assignee=eng-li', tokens.eng)).body.total).toBe(
      0,
    );
    // Both filters hold at once: Gree has no alert assigned to eng-wang.
    expect(
      (await call<List>('GET', '/api/v1/alerts?assignee=eng-wang', tokens.gree)).body.total,
    ).toBe(0);
  });

  it('answers another maker’s alert like an unknown one', async () => {
    const unknown = await call<ErrorBody>('GET', '/api/v1/alerts/al_nope', tokens.gree);
    expect(unknown).toMatchObject({
      status: 404,
      body: { error: 'DIAGNOSTICS_ERR_UNKNOWN_ALERT' },
    });
    const other = await call<ErrorBody>('GET', `/api/v1/alerts/${mideaAlert.id}`, tokens.gree);
    expect(other).toMatchObject({ status: 404, body: { error: 'DIAGNOSTICS_ERR_UNKNOWN_ALERT' } });
    expect((await call('GET', `/api/v1/alerts/${greeAlert.id}`, tokens.gree)).status).toBe(200);
    expect((await call('GET', `/api/v1/alerts/${mideaAlert.id}`, tokens.eng)).status).toBe(200);
  });

  it('streams only its own devices’ alerts; the engineer’s stream has every maker’s', () => {
    const devicesOf = (events: StreamEvent[]) => new Set(events.map((e) => e.data.alert.deviceId));
    expect([...devicesOf(greeEvents)]).toEqual([g1.id]);
    expect(devicesOf(engEvents)).toEqual(new Set([g1.id, m1.id]));
    expect(greeEvents[0]).toMatchObject({
      event: 'alert.opened',
      data: { alert: { id: greeAlert.id } },
    });
  });

  it('gives a confined maker no MQTT subscriptions (topic filters cannot scope); a subjectless one keeps them', async () => {
    const gree = await connect(svc.mqttUrl, {
      clientId: 'svc-gree',
      username: 'token',
      password: tokens.gree,
    });
    const single = await connect(svc.mqttUrl, {
      clientId: 'svc-single',
      username: 'token',
      password: tokens.single,
    });
    try {
      for (const filter of ['alerts/#', 'devices/+/telemetry'])
        await expect(gree.subscribeAsync(filter, { qos: 1 })).rejects.toMatchObject({
          packet: { cmd: 'suback', granted: [128] },
        });
      expect(gree.connected).toBe(true);
      expect(await single.subscribeAsync('alerts/#', { qos: 1 })).toMatchObject([{ qos: 1 }]);
    } finally {
      await gree.endAsync();
      await single.endAsync();
    }
  });

  it('[issue 24, finding 2] lists and reads only the repair orders of its own units', async () => {
    const outlet = await call('POST', '/api/v1/warranty/outlets', svc.adminToken, {
      id: 'TS-OUTLET',
      name: 'outlet',
      authorizedFrom: '2020-01-01',
    });
    expect(outlet.status).toBe(201);
    type Order = { id: string; serial: string; deviceId: string };
    const open = async (alert: Alert) => {
      const r = await call<Order>('POST', '/api/v1/repair-orders', tokens.eng, {
        alertIds: [alert.id],
        outletId: 'TS-OUTLET',
      });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      return r.body;
    };
    const greeOrder = await open(greeAlert);
    const mideaOrder = await open(mideaAlert);
    type List = { orders: Order[]; total: number };
    const list = (token: string, q = '') =>
      call<List>('GET', `/api/v1/repair-orders${q}`, token).then((r) => r.body);
    expect(await list(tokens.gree)).toMatchObject({ total: 1, orders: [{ id: greeOrder.id }] });
    expect(await list(tokens.midea)).toMatchObject({ total: 1, orders: [{ id: mideaOrder.id }] });
    // Filters cannot reach past the scope either.
    for (const q of ['?serial=TS-M1', `?device=${m1.id}`, '?status=open'])
      expect((await list(tokens.gree, q)).orders.map((o) => o.serial)).not.toContain('TS-M1');
    for (const t of [tokens.eng, tokens.single, svc.adminToken])
      expect((await list(t)).total).toBe(2);
    // Another maker's order is answered like an unknown one.
    const unknown = await call<ErrorBody>('GET', '/api/v1/repair-orders/ro_nope', tokens.gree);
    const other = await call<ErrorBody>(
      'GET',
      `/api/v1/repair-orders/${mideaOrder.id}`,
      tokens.gree,
    );
    expect(unknown).toMatchObject({ status: 404, body: { error: 'QUALITY_ERR_UNKNOWN_ORDER' } });
    expect(other).toMatchObject({ status: 404, body: { error: 'QUALITY_ERR_UNKNOWN_ORDER' } });
    expect(JSON.stringify(other.body)).not.toContain('TS-M1');
    expect((await call('GET', `/api/v1/repair-orders/${greeOrder.id}`, tokens.gree)).status).toBe(
      200,
    );
    expect((await call('GET', `/api/v1/repair-orders/${mideaOrder.id}`, tokens.eng)).status).toBe(
      200,
    );
  });

  it('tells any valid token its role and subject at /tokens/me', async () => {
    const me = await call<{ role: string; subject: string | null; tokenId: string }>(
      'GET',
      '/api/v1/tokens/me',
      tokens.gree,
    );
    expect(me).toMatchObject({ status: 200, body: { role: 'manufacturer', subject: 'Gree' } });
    expect(me.body.tokenId).toMatch(/^t/);
    expect((await call('GET', '/api/v1/tokens/me', tokens.owner)).body).toMatchObject({
      role: 'owner',
      subject: 'owner-1',
    });
    expect((await call('GET', '/api/v1/tokens/me', tokens.single)).body).toMatchObject({
      role: 'manufacturer',
      subject: null,
    });
    expect((await call('GET', '/api/v1/tokens/me', svc.adminToken)).body).toMatchObject({
      role: 'admin',
      tokenId: 'admin-env',
    });
    expect((await call('GET', '/api/v1/tokens/me')).status).toBe(401);
  });
});
