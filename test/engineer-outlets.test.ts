import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, raiseFaultAlert } from './helpers/clients.ts';
import { describeOnPostgresDb } from './helpers/postgres.ts';
import { startService, type RunningService } from './helpers/service.ts';
import { SessionClient } from './helpers/session-client.ts';

/**
 * "Engineer with the outlets they serve" (issue 25) through HTTP on the whole service: an admin
 * lists an engineer's outlets when creating the user and changes them later; signed in, that
 * engineer opens, closes and cancels repair orders only at those outlets (403 naming them),
 * while an engineer with none listed and every API token — the user's own included — keep
 * today's behaviour. Only engineers serve outlets. On PGlite and on PostgreSQL.
 */
interface Order {
  id: string;
  serial: string;
  outletId: string;
  status: string;
}
interface Err {
  error: string;
  message: string;
  details?: Array<{ path: string }>;
}

const days = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);

function suite(start: () => Promise<RunningService>): void {
  let svc: RunningService;
  let eng: string;
  const call = <T>(method: string, url: string, token: string, body?: unknown) =>
    api<T>(svc.httpUrl, method, url, token, body);
  const admin = <T>(method: string, url: string, body?: unknown) =>
    call<T>(method, url, svc.adminToken, body);

  /** An alert on a device linked to a warranty unit, ready for a repair order. */
  async function alertOnUnit(): Promise<string> {
    const a = await raiseFaultAlert<{ id: string; deviceId: string }>(svc);
    const u = await call('POST', '/api/v1/warranty/units', eng, {
      serial: `AC-${a.deviceId}`,
      category: 'air_conditioner',
      model: 'KFR-35GW',
      manufacturer: 'Gree',
      deviceId: a.deviceId,
      invoiceDate: days(-400),
      priceCNY: 3_000,
    });
    expect(u.status, JSON.stringify(u.body)).toBe(201);
    return a.id;
  }

  /** A user made by the admin, signed in with their own password. */
  async function engineer(username: string, outlets?: string[]) {
    const made = await admin<{ user: { id: string; outlets: string[] }; password: string }>(
      'POST',
      '/api/v1/users',
      { username, role: 'engineer', ...(outlets ? { outlets } : {}) },
    );
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const b = new SessionClient(svc.httpUrl);
    await b.signInFirstTime(username, made.body.password, `${username} own passphrase`);
    return { id: made.body.user.id, outlets: made.body.user.outlets, b };
  }

  const closeBody = {
    parts: [{ name: 'refrigerant R32', number: 'R32-1KG', genuine: true }],
    signatures: { repairer: 'eng' },
  };

  beforeAll(async () => {
    svc = await start();
    const issue = async (role: string, subject: string) =>
      (await admin<{ token: string }>('POST', '/api/v1/tokens', { role, subject })).body.token;
    eng = await issue('engineer', 'eng-token');
    const maker = await issue('manufacturer', 'Gree');
    for (const id of ['OUT-A', 'OUT-B']) {
      const o = await call('POST', '/api/v1/warranty/outlets', maker, {
        id,
        name: `格力授权服务站 ${id}`,
        manufacturer: 'Gree',
        servicePhone: '400-836-5315',
        authorizedFrom: days(-365),
      });
      expect(o.status, JSON.stringify(o.body)).toBe(201);
    }
  }, 60_000);

  afterAll(async () => {
    await svc?.stop();
  });

  it('an engineer restricted to outlet A cannot open, close or cancel orders at outlet B', async () => {
    const a = await engineer('eng.a', ['OUT-A']);
    expect(a.outlets).toEqual(['OUT-A']);
    const me = await a.b.call<{ user: { outlets: string[] } }>('GET', '/api/v1/session');
    expect(me.body.user.outlets).toEqual(['OUT-A']);

    // An order at outlet B, opened with an (unrestricted) engineer token.
    const atB = await call<Order>('POST', '/api/v1/repair-orders', eng, {
      alertIds: [await alertOnUnit()],
      outletId: 'OUT-B',
    });
    expect(atB.status, JSON.stringify(atB.body)).toBe(201);

    const close = await a.b.call<Err>(
      'POST',
      `/api/v1/repair-orders/${atB.body.id}/close`,
      closeBody,
    );
    expect(close.status).toBe(403);
    expect(close.body.error).toBe('QUALITY_ERR_OUTLET_NOT_SERVED');
    expect(close.body.message).toBe(
      `engineer eng.a serves outlets OUT-A only: repair order ${atB.body.id} is at outlet OUT-B`,
    );
    const cancel = await a.b.call<Err>('POST', `/api/v1/repair-orders/${atB.body.id}/cancel`, {
      reason: 'not mine',
    });
    expect(cancel.status).toBe(403);
    expect(cancel.body.error).toBe('QUALITY_ERR_OUTLET_NOT_SERVED');
    // Refused, the order is untouched.
    expect(
      (await call<Order>('GET', `/api/v1/repair-orders/${atB.body.id}`, eng)).body.status,
    ).toBe('open');

    // Opening: at B refused, at A allowed, and closing there works.
    const alert = await alertOnUnit();
    const openB = await a.b.call<Err>('POST', '/api/v1/repair-orders', {
      alertIds: [alert],
      outletId: 'OUT-B',
    });
    expect(openB.status).toBe(403);
    expect(openB.body.message).toMatch(/a new repair order is at outlet OUT-B/);
    const openA = await a.b.call<Order>('POST', '/api/v1/repair-orders', {
      alertIds: [alert],
      outletId: 'OUT-A',
    });
    expect(openA.status, JSON.stringify(openA.body)).toBe(201);
    const closedA = await a.b.call<{ order: Order }>(
      'POST',
      `/api/v1/repair-orders/${openA.body.id}/close`,
      closeBody,
    );
    expect(closedA.status, JSON.stringify(closedA.body)).toBe(200);
    expect(closedA.body.order.status).toBe('closed');
    // The unit's history names its order, opened and closed, after the unit's registration.
    await svc.service.audit.flush();
    const history = await admin<{ entries: Array<{ route: string; userId: string }> }>(
      'GET',
      `/api/v1/audit/history?resource=unit:${openA.body.serial}`,
    );
    expect(history.body.entries.map((e) => [e.route, e.userId])).toEqual([
      ['/api/v1/repair-orders/:id/close', a.id],
      ['/api/v1/repair-orders', a.id],
      ['/api/v1/warranty/units', null],
    ]);

    // The list filters by outlet (reading is not restricted).
    const listA = await a.b.call<{ orders: Order[] }>('GET', '/api/v1/repair-orders?outlet=OUT-A');
    expect(listA.body.orders.map((o) => o.id)).toEqual([openA.body.id]);
    const listAll = await a.b.call<{ total: number }>('GET', '/api/v1/repair-orders');
    expect(listAll.body.total).toBe(2);

    // The user's own API token is not restricted (documented: tokens keep today's behaviour).
    const tok = await admin<{ token: string }>('POST', `/api/v1/users/${a.id}/tokens`, {});
    const viaToken = await call<Order>(
      'POST',
      `/api/v1/repair-orders/${atB.body.id}/cancel`,
      tok.body.token,
      { reason: 'owner withdrew' },
    );
    expect(viaToken.status, JSON.stringify(viaToken.body)).toBe(200);
    expect(viaToken.body.status).toBe('cancelled');
  }, 60_000);

  it('an admin changes the outlets; an engineer with none listed works anywhere', async () => {
    const b = await engineer('eng.b', ['OUT-A']);
    const free = await engineer('eng.free');
    expect(free.outlets).toEqual([]);
    const order = await call<Order>('POST', '/api/v1/repair-orders', eng, {
      alertIds: [await alertOnUnit()],
      outletId: 'OUT-B',
    });
    expect(order.status).toBe(201);
    const refused = await b.b.call<Err>('POST', `/api/v1/repair-orders/${order.body.id}/cancel`, {
      reason: 'x',
    });
    expect(refused.status).toBe(403);
    // The admin adds outlet B: the engineer's session follows at once.
    const set = await admin<{ outlets: string[] }>('PUT', `/api/v1/users/${b.id}/outlets`, {
      outlets: ['OUT-A', 'OUT-B'],
    });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    expect(set.body.outlets).toEqual(['OUT-A', 'OUT-B']);
    const closed = await b.b.call<{ order: Order }>(
      'POST',
      `/api/v1/repair-orders/${order.body.id}/close`,
      closeBody,
    );
    expect(closed.status, JSON.stringify(closed.body)).toBe(200);

    // No outlets listed: any outlet, as before.
    const other = await call<Order>('POST', '/api/v1/repair-orders', eng, {
      alertIds: [await alertOnUnit()],
      outletId: 'OUT-A',
    });
    const cancelled = await free.b.call<Order>(
      'POST',
      `/api/v1/repair-orders/${other.body.id}/cancel`,
      { reason: 'duplicate' },
    );
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
  }, 60_000);

  it('only engineers serve outlets; the list is checked', async () => {
    const maker = await admin<Err>('POST', '/api/v1/users', {
      username: 'gree.staff',
      role: 'manufacturer',
      subject: 'Gree',
      outlets: ['OUT-A'],
    });
    expect(maker.status).toBe(400);
    expect(JSON.stringify(maker.body)).toMatch(/outlets.*only an engineer serves outlets/);
    const twice = await admin<Err>('POST', '/api/v1/users', {
      username: 'eng.twice',
      role: 'engineer',
      outlets: ['OUT-A', 'OUT-A'],
    });
    expect(twice.status).toBe(400);
    expect(JSON.stringify(twice.body)).toMatch(/each outlet once/);
    const staff = await admin<{ user: { id: string } }>('POST', '/api/v1/users', {
      username: 'gree.staff',
      role: 'manufacturer',
      subject: 'Gree',
    });
    const put = await admin<Err>('PUT', `/api/v1/users/${staff.body.user.id}/outlets`, {
      outlets: ['OUT-A'],
    });
    expect(put.status).toBe(409);
    expect(put.body).toMatchObject({
      error: 'ACCOUNTS_ERR_NOT_AN_ENGINEER',
      message: 'user gree.staff is a manufacturer: only an engineer serves outlets',
    });
    const unknown = await admin<Err>('PUT', '/api/v1/users/u-nobody/outlets', { outlets: [] });
    expect(unknown.status).toBe(404);
  });
}

describe('engineers with the outlets they serve (PGlite)', () => suite(() => startService()));
await describeOnPostgresDb('engineers with the outlets they serve (PostgreSQL)', (db) =>
  suite(() => startService({ DATABASE_URL: db().url })),
);
