import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from './helpers/clients.ts';
import { startService, type RunningService } from './helpers/service.ts';

/**
 * Owner verification codes (issue 24, finding 5), through HTTP: the server makes every code (50
 * random bits), a client can neither choose one nor send a hash, only a keyed hash is stored,
 * and wrong codes are limited per serial (5) and per client (20) in a 15-minute window with
 * exponential backoff — past the limit the right code is refused too, until the wait is over.
 */
describe('owner verification codes', () => {
  let svc: RunningService;
  const codes = new Map<string, string>();
  const register = async (serial: string) => {
    const r = await api<{ verificationCode: string }>(
      svc.httpUrl,
      'POST',
      '/api/v1/warranty/units',
      svc.adminToken,
      { serial, category: 'tv', model: '55E3F', manufacturer: 'Midea', invoiceDate: '2025-06-01' },
    );
    expect(r.status).toBe(201);
    codes.set(serial, r.body.verificationCode);
    return r.body.verificationCode;
  };
  const lookUp = async (serial: string, code: string) => {
    const res = await fetch(`${svc.httpUrl}/api/v1/units/${serial}/warranty`, {
      headers: { 'x-verification-code': code },
    });
    await res.body?.cancel();
    return { status: res.status, retryAfter: Number(res.headers.get('retry-after') ?? NaN) };
  };

  beforeAll(async () => {
    svc = await startService();
  });
  afterAll(async () => {
    await svc?.stop();
  });

  it('makes a different code of at least 40 bits for every unit; a client may not choose or hash one', async () => {
    const a = await register('OC-A');
    const b = await register('OC-B');
    expect(a).toMatch(/^[0-9A-Z]{5}-[0-9A-Z]{5}$/); // 10 × 5 bits
    expect(a).not.toBe(b);
    for (const [field, value] of [
      ['verificationCode', '000000'],
      ['verificationCodeHash', createHash('sha256').update('1').digest('hex')],
    ] as const) {
      const r = await api<{ error: string; details: Array<{ path: string }> }>(
        svc.httpUrl,
        'POST',
        '/api/v1/warranty/units',
        svc.adminToken,
        {
          serial: 'OC-CHOSEN',
          category: 'tv',
          model: 'x',
          invoiceDate: '2025-06-01',
          [field]: value,
        },
      );
      expect(r.status, field).toBe(400);
      expect(r.body.details[0]?.path, field).toBe(`body.${field}`);
    }
    expect((await lookUp('OC-CHOSEN', '000000')).status).toBe(401);
  });

  it('stores only an HMAC under a key kept outside the database', async () => {
    const { rows } = await svc.service.sql.query<{ verification_code_hash: string }>(
      "SELECT verification_code_hash FROM warranty_units WHERE serial = 'OC-A'",
    );
    const stored = rows[0]!.verification_code_hash;
    expect(stored).toMatch(/^h1:[0-9a-f]{64}$/);
    const code = codes.get('OC-A')!;
    for (const plain of [code, code.replace('-', '')])
      expect(stored).not.toContain(createHash('sha256').update(plain).digest('hex'));
    const key = await stat(path.join(svc.dataDir, 'owner-code.key'));
    expect(key.mode & 0o777).toBe(0o600);
  });

  it('blocks a serial after 5 wrong codes — the right one too — and each try while blocked starts the wait over', async () => {
    const serial = 'OC-A';
    for (let i = 0; i < 5; i++) expect((await lookUp(serial, `WRONG-${i}`)).status).toBe(401);
    const first = await lookUp(serial, codes.get(serial)!);
    expect(first.status).toBe(429);
    expect(first.retryAfter).toBeGreaterThan(60);
    // Backoff: a try while blocked starts the whole wait over (else it would be a second less).
    await new Promise((r) => setTimeout(r, 1100));
    const second = await lookUp(serial, 'WRONG-X');
    expect(second.status).toBe(429);
    expect(second.retryAfter).toBeGreaterThanOrEqual(first.retryAfter);
    // Another serial is not blocked by this one (this client has 5 wrong codes of its 20).
    expect((await lookUp('OC-B', codes.get('OC-B')!)).status).toBe(200);
  });

  it('blocks a client after 20 wrong codes spread over serials', async () => {
    // This client has 6 wrong codes so far (OC-CHOSEN's, OC-A's five; the tries while OC-A was
    // blocked count against the serial only): 14 more, never more than 3 on one serial.
    for (let s = 0; s < 5; s++) {
      const serial = `OC-SPREAD-${s}`;
      await register(serial);
      for (let i = 0; i < (s < 4 ? 3 : 2); i++)
        expect((await lookUp(serial, `WRONG-${i}`)).status).toBe(401);
    }
    // 20 wrong codes from this client: now even a right code for a fresh serial waits.
    const fresh = await register('OC-FRESH');
    const r = await lookUp('OC-FRESH', fresh);
    expect(r.status).toBe(429);
    expect(r.retryAfter).toBeGreaterThan(0);
    // Staff with a token are not slowed by the owner-code limit.
    const staff = await api(svc.httpUrl, 'GET', '/api/v1/units/OC-FRESH/warranty', svc.adminToken);
    expect(staff.status).toBe(200);
  });

  it('lets staff issue a new code; the old one stops working', async () => {
    const before = codes.get('OC-FRESH')!;
    const r = await api<{ serial: string; verificationCode: string }>(
      svc.httpUrl,
      'POST',
      '/api/v1/units/OC-FRESH/verification-code',
      svc.adminToken,
    );
    expect(r.status).toBe(201);
    expect(r.body.verificationCode).not.toBe(before);
    const { rows } = await svc.service.sql.query<{ h: string }>(
      "SELECT verification_code_hash AS h FROM warranty_units WHERE serial = 'OC-FRESH'",
    );
    expect(rows[0]!.h).toMatch(/^h1:/);
  });
});
