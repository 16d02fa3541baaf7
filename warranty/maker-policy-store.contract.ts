import { expect, it } from 'vitest';
import { MakerPolicySchema, type MakerPolicy } from './maker-policy.ts';
import type { WarrantyStore } from './warranty-store.ts';

/**
 * The maker-policy part of the WarrantyStore contract (run by describeWarrantyStoreContract on
 * every backend): versions are append-only, ordered by effective date, and an append is a
 * compare-and-set on the latest version, so concurrent saves cannot reorder the timeline.
 */
export function describeMakerPolicyContract(store: () => WarrantyStore, tag: string): void {
  const doc = (model: string, version: string, effectiveFrom: string, months = 24): MakerPolicy =>
    MakerPolicySchema.parse({
      manufacturer: `Acme-${tag}`,
      category: 'air_conditioner',
      model,
      version,
      effectiveFrom,
      title: 'Acme 三包服务承诺',
      terms: { wholeUnitMonths: { value: months, clause: '第二条' } },
      mainParts: ['compressor', '压缩机'],
    });
  const meta = (savedAt: string) => ({ savedAt, savedBy: 'tok-1' });

  it('maker policies: appends versions and lists them by effective date, documents intact', async () => {
    const s = store();
    const v1 = doc('KFR-1', 'v1', '2024-01-01');
    const saved = await s.appendMakerPolicy(v1, meta('2024-01-01T00:00:00Z'), null);
    expect(saved).toEqual({ ...v1, savedAt: '2024-01-01T00:00:00Z', savedBy: 'tok-1' });
    const v2 = doc('KFR-1', 'v2', '2025-03-01', 36);
    await s.appendMakerPolicy(v2, { savedAt: '2025-01-01T00:00:00Z' }, 'v1');
    await s.appendMakerPolicy(doc('KFR-2', 'v1', '2023-01-01'), meta('2023-01-01T00:00:00Z'), null);
    const one = await s.listMakerPolicies({ manufacturer: `Acme-${tag}`, model: 'KFR-1' });
    expect(one.map((p) => p.version)).toEqual(['v1', 'v2']);
    expect(one[1]).toEqual({ ...v2, savedAt: '2025-01-01T00:00:00Z' });
    const all = await s.listMakerPolicies({ manufacturer: `Acme-${tag}` });
    expect(all.map((p) => `${p.model}/${p.version}`)).toEqual(['KFR-1/v1', 'KFR-1/v2', 'KFR-2/v1']);
    expect(await s.listMakerPolicies({ manufacturer: 'nobody' })).toEqual([]);
  });

  it('maker policies: refuses a taken version, a date not after the latest, a stale expectation', async () => {
    const s = store();
    await s.appendMakerPolicy(doc('KFR-3', 'v1', '2024-01-01'), meta('t1'), null);
    await s.appendMakerPolicy(doc('KFR-3', 'v2', '2024-06-01'), meta('t2'), 'v1');
    const refused = (p: MakerPolicy, expected: string | null, why: RegExp) =>
      expect(s.appendMakerPolicy(p, meta('t3'), expected)).rejects.toMatchObject({
        code: 'WARRANTY_ERR_POLICY_VERSION_CONFLICT',
        message: expect.stringMatching(why),
      });
    await refused(doc('KFR-3', 'v2', '2025-01-01'), 'v2', /already saved/);
    await refused(doc('KFR-3', 'v3', '2024-06-01'), 'v2', /must be after 2024-06-01/);
    await refused(doc('KFR-3', 'v3', '2024-03-01'), 'v2', /must be after 2024-06-01/);
    await refused(doc('KFR-3', 'v3', '2025-01-01'), 'v1', /saved meanwhile/);
    await refused(doc('KFR-3', 'v3', '2025-01-01'), null, /saved meanwhile/);
    const list = await s.listMakerPolicies({ model: 'KFR-3', manufacturer: `Acme-${tag}` });
    expect(list.map((p) => p.version)).toEqual(['v1', 'v2']);
  });

  it('maker policies: of concurrent saves expecting the same latest version, exactly one wins', async () => {
    const s = store();
    await s.appendMakerPolicy(doc('KFR-4', 'v1', '2024-01-01'), meta('t1'), null);
    const results = await Promise.allSettled(
      ['2025-01-01', '2025-02-01', '2025-03-01'].map((d, i) =>
        s.appendMakerPolicy(doc('KFR-4', `v${i + 2}`, d), meta('t2'), 'v1'),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(await s.listMakerPolicies({ model: 'KFR-4', manufacturer: `Acme-${tag}` })).toHaveLength(
      2,
    );
  });
}
