import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createAuth, migrate, openPglite, type Sql } from '../core/index.ts';
import { bodyText, redact, resourcesOf } from './recorder.ts';
import { createAuditTrail } from './index.ts';

const silent = Fastify({ logger: false }).log;

describe('audit trail', () => {
  let sql: Sql | undefined;
  afterEach(async () => {
    await sql?.close();
    sql = undefined;
  });

  /** An app whose routes change nothing, with the trail installed and an admin token. */
  async function setUp() {
    sql = await openPglite();
    await migrate(sql);
    const auth = createAuth(sql);
    const admin = await auth.issue({ role: 'admin' });
    const trail = createAuditTrail({ sql, auth, log: silent, retryMs: 5 });
    const app = Fastify({ logger: false });
    trail.install(app);
    app.post('/api/v1/alerts/:id/ack', { preHandler: auth.require('engineer') }, async () => ({
      ok: true,
    }));
    app.post('/api/v1/things', { preHandler: auth.require('engineer') }, async () => ({
      id: 'th-1',
    }));
    const post = (url: string, body?: unknown) =>
      app.inject({
        method: 'POST',
        url,
        headers: { authorization: `Bearer ${admin.token}` },
        ...(body === undefined ? {} : { payload: body as object }),
      });
    return { sql, trail, app, post };
  }

  it('keeps keys that name secrets out, at any depth', () => {
    expect(
      redact({
        username: 'li',
        password: 'p',
        nested: [{ clientSecret: 's', apiKey: 'k', note: 'fine' }],
        verificationCode: 'ABCDE-12345',
      }),
    ).toEqual({
      username: 'li',
      password: '[redacted]',
      nested: [{ clientSecret: '[redacted]', apiKey: '[redacted]', note: 'fine' }],
      verificationCode: '[redacted]',
    });
    expect(JSON.parse(bodyText('a,b\n1,2\n', 'text/csv')!)).toMatchObject({
      contentType: 'text/csv',
      bytes: 8,
    });
    expect(JSON.parse(bodyText({ big: 'x'.repeat(20_000) }, undefined)!)).toMatchObject({
      truncated: true,
    });
  });

  it('names what a request addressed: path, body references and what it created', () => {
    expect(
      resourcesOf(
        '/api/v1/units/:serial/cases/:id',
        { serial: 'S1', id: 'c1' },
        { alertIds: ['a1', 'a2'] },
        undefined,
      ),
    ).toEqual(['unit:S1', 'case:c1', 'alert:a1', 'alert:a2']);
    expect(resourcesOf('/api/v1/repair-orders', {}, { outletId: 'o1' }, 'ro-9')).toEqual([
      'outlet:o1',
      'repairOrder:ro-9',
    ]);
    // An action answering with the resource it acted on names it once, not as a new one.
    expect(resourcesOf('/api/v1/alerts/:id/dismiss', { id: 'a1' }, { reason: 'x' }, 'a1')).toEqual([
      'alert:a1',
    ]);
    expect(resourcesOf('/api/v1/users/:id/tokens', { id: 'u1' }, {}, 't9')).toEqual([
      'user:u1',
      'token:t9',
    ]);
  });

  it('finds the last entries deleted, and a gap in the chain', async () => {
    const { trail, post } = await setUp();
    for (let i = 0; i < 5; i++) await post(`/api/v1/alerts/a${i}/ack`, { note: `n${i}` });
    await post('/api/v1/things', { name: 'x' });
    await trail.flush();
    expect(await trail.store.verify()).toEqual({ ok: true, count: 6, head: expect.any(String) });
    const created = await trail.store.search({ resource: 'thing:th-1' });
    expect(created.total).toBe(1);
    await sql!.exec('ALTER TABLE audit_log DISABLE TRIGGER USER');
    await sql!.query('DELETE FROM audit_log WHERE seq = 6');
    expect(await trail.store.verify()).toMatchObject({
      ok: false,
      firstBroken: { seq: 6, reason: 'missing_entry' },
    });
    await sql!.query('DELETE FROM audit_log WHERE seq = 3');
    expect(await trail.store.verify()).toMatchObject({
      ok: false,
      firstBroken: { seq: 3, reason: 'missing_entry' },
    });
  });

  it('loses no entry when the database refuses writes for a while', async () => {
    const { trail, post, sql: db } = await setUp();
    // The anchor made unwritable: every append fails until it is given back.
    await db.exec('ALTER TABLE audit_anchor RENAME TO audit_anchor_away');
    for (let i = 0; i < 3; i++) await post(`/api/v1/alerts/b${i}/ack`);
    await new Promise((r) => setTimeout(r, 50));
    expect(trail.pending).toBe(3);
    await db.exec('ALTER TABLE audit_anchor_away RENAME TO audit_anchor');
    await trail.flush();
    expect(trail.pending).toBe(0);
    const r = await trail.store.search({ route: '/api/v1/alerts/:id/ack' });
    expect(r.entries.map((e) => e.resources[0])).toEqual(['alert:b2', 'alert:b1', 'alert:b0']);
    expect(await trail.store.verify()).toMatchObject({ ok: true, count: 3 });
  });
});
