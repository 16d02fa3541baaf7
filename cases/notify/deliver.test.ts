import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, openPglite, type Sql } from '../../core/db.ts';
import { SqlCaseStore } from '../stores/sql-cases.ts';
import { aCase } from '../testing.ts';
import { createNotifier } from './deliver.ts';

/**
 * Case webhooks are delivered through the alert webhooks' POST (issue 24, finding 11): to a
 * public address only, checked as the delivery connects, unless WEBHOOK_ALLOW_PRIVATE. A receiver
 * on 127.0.0.1 (this test's own) stands for a webhook registered while private addresses were
 * allowed: without the setting nothing reaches it; with it, the delivery is signed and arrives.
 */
let sql: Sql;
let store: SqlCaseStore;
let server: Server;
const received: Array<{ event: string; delivery: string }> = [];
const log = pino({ level: 'silent' }) as unknown as FastifyBaseLogger;

beforeAll(async () => {
  sql = await openPglite();
  await migrate(sql);
  store = new SqlCaseStore(sql);
  server = createServer((req, res) => {
    received.push({
      event: String(req.headers['x-sanbao-event']),
      delivery: String(req.headers['x-sanbao-delivery']),
    });
    req.resume();
    req.on('end', () => res.writeHead(204).end());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
});
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  await sql?.close();
});

/** A case with one webhook notification owed to a hook at this test's receiver. */
async function owe(id: string): Promise<string> {
  const hook = await store.addWebhook({
    manufacturer: 'Changan',
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/cases`,
    secret: 'case-webhook-secret-0001',
    createdAt: '2026-03-02T02:00:00.000Z',
    createdBy: 'Changan',
  });
  const c = aCase({ id });
  const at = c.openedAt;
  await store.insert({
    next: c,
    events: [{ at, actor: 'owner', type: 'opened', data: {} }],
    findings: [],
    notifications: [
      {
        caseId: c.id,
        serial: c.serial,
        event: 'case.opened',
        channel: 'webhook',
        target: hook.id,
        payload: { case: { id: c.id } },
        createdAt: at,
        firstAttemptAt: at,
      },
    ],
    openSurvey: false,
  });
  return id;
}

const notification = async (id: string) => (await store.notifications(id))[0]!;

describe('case webhook delivery', () => {
  it('does not connect to a loopback address unless private addresses are allowed', async () => {
    const id = await owe('C20260302-PRIV01');
    const refusing = createNotifier({ store, log, maxAttempts: 1, pollMs: 60_000 });
    await refusing.idle();
    await refusing.close();
    expect(await notification(id)).toMatchObject({ status: 'failed', attempts: 1 });
    expect((await notification(id)).lastError).toMatch(/127\.0\.0\.1 is not a public address/);
    expect(received).toEqual([]);

    const id2 = await owe('C20260302-PRIV02');
    const allowing = createNotifier({ store, log, pollMs: 60_000, allowPrivate: true });
    await allowing.idle();
    await allowing.close();
    expect(await notification(id2)).toMatchObject({ status: 'sent', attempts: 1 });
    expect(received).toEqual([{ event: 'case.opened', delivery: (await notification(id2)).id }]);
  });
});
