import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from './helpers/clients.ts';
import { startService, type RunningService } from './helpers/service.ts';

interface ErrorBody {
  error: string;
  message: string;
  details?: Array<{ path: string; message: string }>;
}

/** A raw HTTP request: bytes as given (fetch would re-encode an invalid body or URL). */
function raw(
  base: string,
  method: string,
  path: string,
  body?: Buffer,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: ErrorBody }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          body: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as ErrorBody,
        }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Bad text and far-future dates at the HTTP boundary (issue 24, findings 7 and 8): NUL, other
 * control characters, lone UTF-16 surrogates and invalid UTF-8 get a precise 400 that names the
 * field (refused, never stripped), on public and authenticated routes alike, and nothing is
 * stored; dates outside 1970–2199 get a 400 naming the field. The systematic pass over every
 * operation is test/input-fuzz.test.ts.
 */
describe('bad input at the HTTP boundary', () => {
  let svc: RunningService;
  const call = <T = ErrorBody>(method: string, url: string, token?: string, body?: unknown) =>
    api<T>(svc.httpUrl, method, url, token, body);
  const unit = (over: Record<string, unknown> = {}) => ({
    serial: 'BAD-1',
    category: 'air_conditioner',
    model: 'KFR-35GW',
    invoiceDate: '2025-01-10',
    ...over,
  });

  beforeAll(async () => {
    svc = await startService();
  });
  afterAll(async () => {
    await svc?.stop();
  });

  it('[finding 7] refuses NUL in a body field with a 400 naming the field, and stores nothing', async () => {
    const r = await call(
      'POST',
      '/api/v1/warranty/units',
      svc.adminToken,
      unit({ seller: 'a\u0000b' }),
    );
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({
      error: 'APP_ERR_VALIDATION',
      details: [{ path: 'body.seller', message: expect.stringContaining('U+0000 (NUL)') }],
    });
    expect(r.body.message).toContain('refused, not stripped');
    expect((await call('GET', '/api/v1/units/BAD-1', svc.adminToken)).status).toBe(404);
  });

  it('[finding 7] refuses NUL on public routes: body, query and path', async () => {
    const evaluate = await call('POST', '/api/v1/warranty/evaluate', undefined, {
      category: 'air_conditioner',
      facts: { invoiceDate: '2025-01-10', evaluationDate: '2025-03-01', repairs: [] },
      note: '\u0000',
    });
    expect(evaluate).toMatchObject({ status: 400, body: { details: [{ path: 'body.note' }] } });
    const phone = await call('GET', '/api/v1/warranty/outlets/verify?phone=400%00123');
    expect(phone).toMatchObject({
      status: 400,
      body: { error: 'APP_ERR_VALIDATION', details: [{ path: 'querystring.phone' }] },
    });
    // The owner's route asks for a code (or a token) first, from the headers alone (401
    // without); with one, the serial's NUL is refused before anything is looked up.
    expect((await call('GET', '/api/v1/units/AB%00C/warranty')).status).toBe(401);
    const res = await fetch(`${svc.httpUrl}/api/v1/units/AB%00C/warranty`, {
      headers: { 'x-verification-code': 'ABCDE-FGHIJ' },
    });
    expect({ status: res.status, body: await res.json() }).toMatchObject({
      status: 400,
      body: { error: 'APP_ERR_VALIDATION', details: [{ path: 'params.serial' }] },
    });
    const part = await call('GET', '/api/v1/warranty/parts/verify?number=%00');
    expect(part.status).toBe(400);
  });

  it('[finding 7] refuses other control characters, lone surrogates and keys with NUL; keeps tabs and line breaks', async () => {
    for (const [value, what] of [
      ['bell\u0007', 'U+0007'],
      ['esc\u001b[31m', 'U+001B'],
      ['c1\u0085', 'U+0085'],
      ['lone \ud800 high', 'lone UTF-16 surrogate (U+D800)'],
      ['lone \udc00 low', 'lone UTF-16 surrogate (U+DC00)'],
    ]) {
      const r = await call(
        'POST',
        '/api/v1/warranty/units',
        svc.adminToken,
        unit({ seller: value }),
      );
      expect(r.status, what).toBe(400);
      expect(r.body.details?.[0]).toMatchObject({ path: 'body.seller' });
      expect(r.body.details?.[0]?.message, what).toContain(what);
    }
    const key = await call('POST', '/api/v1/warranty/units', svc.adminToken, {
      ...unit(),
      'x\u0000': 1,
    });
    expect(key.status).toBe(400);
    expect(key.body.details?.[0]?.path).toContain('key');
    // A pair of surrogates is one character (an emoji): fine.
    const ok = await call<{ seller: string }>(
      'POST',
      '/api/v1/warranty/units',
      svc.adminToken,
      unit({ serial: 'BAD-OK', seller: 'line one\n\tline two 😀' }),
    );
    expect(ok.status).toBe(201);
    expect(ok.body.seller).toBe('line one\n\tline two 😀');
  });

  it('[finding 7] refuses a body that is not valid UTF-8 instead of storing U+FFFD', async () => {
    const json = Buffer.concat([
      Buffer.from(JSON.stringify(unit({ serial: 'BAD-UTF8' })).slice(0, -1) + ',"seller":"'),
      Buffer.from([0xc3, 0x28, 0xed, 0xa0, 0x80]),
      Buffer.from('"}'),
    ]);
    const r = await raw(svc.httpUrl, 'POST', '/api/v1/warranty/units', json, {
      'content-type': 'application/json',
      authorization: `Bearer ${svc.adminToken}`,
    });
    expect(r).toMatchObject({
      status: 400,
      body: {
        error: 'APP_ERR_VALIDATION',
        details: [{ path: 'body', message: 'not valid UTF-8' }],
      },
    });
    expect((await call('GET', '/api/v1/units/BAD-UTF8', svc.adminToken)).status).toBe(404);
  });

  it('[finding 7] refuses a huge string (over 65,536 characters) with a 400', async () => {
    const r = await call(
      'POST',
      '/api/v1/warranty/units',
      svc.adminToken,
      unit({ serial: 'BAD-HUGE', inspection: 'x'.repeat(70_000) }),
    );
    expect(r.status).toBe(400);
    expect(r.body.details?.[0]?.message).toContain('longer than 65536');
  });

  it('[finding 8] refuses dates outside 1970–2199 with a 400 naming the field; stores nothing', async () => {
    const far = await call(
      'POST',
      '/api/v1/warranty/units',
      svc.adminToken,
      unit({ serial: 'BAD-9999', invoiceDate: '9999-12-31' }),
    );
    expect(far.status).toBe(400);
    expect(far.body.details).toEqual([
      { path: 'body.invoiceDate', message: 'outside the accepted dates 1970-01-01 … 2199-12-31' },
    ]);
    expect((await call('GET', '/api/v1/units/BAD-9999', svc.adminToken)).status).toBe(404);
    const reg = await call(
      'POST',
      '/api/v1/warranty/units',
      svc.adminToken,
      unit({ serial: 'BAD-D' }),
    );
    expect(reg.status).toBe(201);
    for (const url of [
      '/api/v1/units/BAD-D/warranty?evaluationDate=9999-01-01',
      '/api/v1/units/BAD-D/warranty?evaluationDate=1969-12-31T23:00:00Z',
      '/api/v1/reports/outlets?quarter=9999Q1',
      '/api/v1/reports/outlets?from=2025-01-01&to=9999-01-01',
    ]) {
      const r = await call('GET', url, svc.adminToken);
      expect(r.status, url).toBe(400);
      expect(r.body.error, url).toBe('APP_ERR_VALIDATION');
    }
    const dev = await call<{ id: string }>('POST', '/api/v1/devices', svc.adminToken, {
      category: 'air_conditioner',
      model: 'KFR-35GW',
      serial: 'BAD-DEV',
    });
    for (const q of ['to=9999-01-01T00:00:00Z', 'to=253402300800000'])
      expect(
        (
          await call(
            'GET',
            `/api/v1/devices/${dev.body.id}/telemetry?metric=x&${q}`,
            svc.adminToken,
          )
        ).status,
        q,
      ).toBe(400);
    const evaluate = await call('POST', '/api/v1/warranty/evaluate', undefined, {
      category: 'air_conditioner',
      facts: { invoiceDate: '9999-01-10', evaluationDate: '9999-03-01', repairs: [] },
    });
    expect(evaluate.status).toBe(400);
  });
});
