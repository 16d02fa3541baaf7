import { afterEach, describe, expect, it } from 'vitest';
import { createAuth } from '../core/auth.ts';
import { buildTestApp, type TestApp } from './test-app.ts';

/**
 * A maker's own registry, listed (issue 25: the maker's page reads them): technicians with their
 * certificates' validity, product models, genuine parts. A token confined to a maker lists its
 * own only and is refused another's; the test clock is 2025-07-01.
 */
let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function build() {
  t = await buildTestApp();
  const auth = createAuth(t.sql);
  const other = (await auth.issue({ role: 'manufacturer', subject: 'Other' })).token;
  const app = t.app;
  const call = async (method: 'GET' | 'POST', url: string, token?: string, payload?: unknown) => {
    const r = await app.inject({
      method,
      url: `/api/v1${url}`,
      headers: token ? { authorization: `Bearer ${token}` } : {},
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
    return { status: r.statusCode, body: r.json() };
  };
  return { call, ...t.tokens, other };
}

describe("a maker's registry lists", () => {
  it('lists its technicians with whether each certificate is valid today, its models and parts; another maker sees none and is refused by name', async () => {
    const { call, manufacturer: acme, other, admin, owner, engineer } = await build();
    const ok = async (p: Promise<{ status: number; body: unknown }>) =>
      expect((await p).status).toBe(201);
    await ok(
      call('POST', '/warranty/outlets', acme, {
        id: 'A-1',
        name: '站',
        authorizedFrom: '2024-01-01',
      }),
    );
    await ok(
      call('POST', '/warranty/outlets', other, {
        id: 'B-1',
        name: '站',
        authorizedFrom: '2024-01-01',
      }),
    );
    for (const [certificate, validTo] of [
      ['C-2', '2025-06-30'],
      ['C-1', '2026-12-31'],
    ] as const)
      await ok(
        call('POST', '/warranty/technicians', acme, {
          certificate,
          name: '李伟',
          outletId: 'A-1',
          validFrom: '2024-01-01',
          validTo,
        }),
      );
    await ok(
      call('POST', '/warranty/technicians', other, {
        certificate: 'OC-1',
        name: 'x',
        outletId: 'B-1',
        validFrom: '2024-01-01',
      }),
    );
    await ok(
      call('POST', '/warranty/models', acme, {
        manufacturer: 'Acme',
        category: 'air_conditioner',
        model: 'KFR-1',
        mainParts: ['compressor'],
      }),
    );
    await ok(
      call('POST', '/warranty/parts', acme, {
        number: 'P-1',
        manufacturer: 'Acme',
        name: '压缩机',
        component: 'compressor',
        serials: ['S1', 'S2'],
      }),
    );

    const techs = await call('GET', '/warranty/technicians', acme);
    expect(techs.body).toEqual({
      asOf: '2025-07-01',
      technicians: [
        {
          certificate: 'C-1',
          name: '李伟',
          outletId: 'A-1',
          validFrom: '2024-01-01',
          validTo: '2026-12-31',
          validNow: true,
        },
        {
          certificate: 'C-2',
          name: '李伟',
          outletId: 'A-1',
          validFrom: '2024-01-01',
          validTo: '2025-06-30',
          validNow: false,
        },
      ],
    });
    expect((await call('GET', '/warranty/models', acme)).body).toEqual({
      models: [
        {
          manufacturer: 'Acme',
          category: 'air_conditioner',
          model: 'KFR-1',
          mainParts: ['compressor'],
        },
      ],
    });
    expect((await call('GET', '/warranty/parts', acme)).body).toEqual({
      parts: [
        {
          number: 'P-1',
          name: '压缩机',
          manufacturer: 'Acme',
          component: 'compressor',
          serialCount: 2,
        },
      ],
    });

    // The other maker: its own only; naming Acme is refused.
    expect((await call('GET', '/warranty/technicians', other)).body.technicians).toMatchObject([
      { certificate: 'OC-1' },
    ]);
    expect((await call('GET', '/warranty/models', other)).body).toEqual({ models: [] });
    expect((await call('GET', '/warranty/parts', other)).body).toEqual({ parts: [] });
    for (const what of ['technicians', 'models', 'parts']) {
      const r = await call('GET', `/warranty/${what}?manufacturer=Acme`, other);
      expect(r.status).toBe(403);
      expect(r.body.error).toBe('APP_ERR_OTHER_TENANT');
      expect((await call('GET', `/warranty/${what}`, owner)).status).toBe(403);
      expect((await call('GET', `/warranty/${what}`, engineer)).status).toBe(403);
    }
    // An admin picks a maker, or sees every maker's.
    expect(
      (await call('GET', '/warranty/technicians?manufacturer=Acme', admin)).body.technicians,
    ).toHaveLength(2);
    expect((await call('GET', '/warranty/technicians', admin)).body.technicians).toHaveLength(3);
  });
});
