import { Writable } from 'node:stream';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installInputGuards } from './input-guards.ts';
import { AppErrors, installErrorHandler } from './errors.ts';

/**
 * The one error handler (issue 24, finding 7): a 5xx that is not one of our coded errors is
 * answered with a generic message that never echoes it (a driver's message names tables and
 * values), logged once with its stack; client errors are answered precisely and logged without
 * a stack; a database data exception (SQLSTATE class 22) is the request's fault: 400.
 */
describe('error handler', () => {
  const lines: Array<{ level: number; msg: string; err?: { stack?: string } }> = [];
  const app = Fastify({
    loggerInstance: pino(
      { level: 'info' },
      new Writable({
        write(chunk: Buffer, _enc, done) {
          lines.push(JSON.parse(chunk.toString()) as (typeof lines)[number]);
          done();
        },
      }),
    ) as FastifyBaseLogger,
    disableRequestLogging: true,
  });

  beforeAll(async () => {
    installErrorHandler(app);
    installInputGuards(app);
    app.get('/internal', async () => {
      throw new Error('relation "secret_table" does not exist at /srv/sanbao/core/db.ts:42');
    });
    app.get('/db-internal', async () => {
      throw Object.assign(new Error('column "x" of relation "api_tokens" is ambiguous'), {
        code: '42702',
      });
    });
    app.get('/unavailable', async () => {
      throw new AppErrors.Unavailable('database');
    });
    app.get('/data', async () => {
      throw Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), {
        code: '22021',
      });
    });
    app.post('/echo', async (req) => req.body);
    await app.ready();
  });
  afterAll(() => app.close());

  it('answers an internal error with a generic message, logged once with its stack', async () => {
    for (const url of ['/internal', '/db-internal']) {
      lines.length = 0;
      const r = await app.inject({ method: 'GET', url });
      expect(r.statusCode).toBe(500);
      expect(r.json()).toEqual({ error: 'APP_ERR_INTERNAL', message: 'internal error' });
      expect(r.body).not.toMatch(/secret_table|api_tokens|srv/);
      expect(lines.filter((l) => l.level >= 50)).toHaveLength(1);
      expect(lines[0]?.err?.stack).toContain('Error');
    }
  });

  it('keeps the message of our own coded 5xx errors', async () => {
    const r = await app.inject({ method: 'GET', url: '/unavailable' });
    expect(r.statusCode).toBe(503);
    expect(r.json()).toEqual({
      error: 'APP_ERR_UNAVAILABLE',
      message: 'database is unavailable',
    });
  });

  it('answers a database data exception with 400, without its message or a stack in the log', async () => {
    lines.length = 0;
    const r = await app.inject({ method: 'GET', url: '/data' });
    expect(r.statusCode).toBe(400);
    expect(r.json()).toEqual({
      error: 'APP_ERR_VALIDATION',
      message: 'invalid request: a value cannot be stored (SQLSTATE 22021)',
    });
    expect(lines.filter((l) => l.level >= 50)).toEqual([]);
    expect(lines.some((l) => l.err?.stack)).toBe(false);
  });

  it('logs nothing for a refused client input', async () => {
    lines.length = 0;
    const r = await app.inject({ method: 'POST', url: '/echo', payload: { a: '\u0000' } });
    expect(r.statusCode).toBe(400);
    expect(r.json()).toMatchObject({ details: [{ path: 'body.a' }] });
    const bad = await app.inject({
      method: 'POST',
      url: '/echo',
      headers: { 'content-type': 'application/json' },
      payload: '{"a": ',
    });
    expect(bad.statusCode).toBe(400);
    expect(lines).toEqual([]);
  });
});
