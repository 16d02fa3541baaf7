import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GENESIS_HASH } from './hash-chain.ts';
import { describeMakerPolicyContract } from './maker-policy-store.contract.ts';
import {
  RepairRecordBodySchema,
  type RepairRecordBody,
  type UnitInput,
} from './repair-record-schema.ts';
import type { WarrantyStore } from './warranty-store.ts';

/**
 * The behaviour every WarrantyStore backend must have (docs/style.md §1). `makeStore` returns a
 * fresh, migrated store; `cleanup` releases what it made. Tamper tests that edit storage behind
 * the store's back are backend-specific and live with each backend.
 */
export function describeWarrantyStoreContract(
  name: string,
  makeStore: () => Promise<{ store: WarrantyStore; cleanup?: () => Promise<void> }>,
): void {
  describe(`WarrantyStore contract: ${name}`, () => {
    let store: WarrantyStore;
    let cleanup: (() => Promise<void>) | undefined;
    let n = 0;
    const serial = () => `SN-${name.replace(/\W/g, '')}-${++n}`;
    const unit = (s: string): UnitInput => ({
      serial: s,
      category: 'air_conditioner',
      model: 'KFR-35GW',
      invoiceDate: '2025-03-03',
      priceCNY: 3_000,
    });
    const body = (i: number, extra: Partial<Record<string, unknown>> = {}): RepairRecordBody =>
      RepairRecordBodySchema.parse({
        outletId: 'outlet-1',
        technicianCertificate: 'CERT-9',
        droppedOffAt: `2025-0${4 + i}-01T09:00:00+08:00`,
        handedBackAt: `2025-0${4 + i}-02T17:30:00+08:00`,
        reportedFault: '不制冷 — not cooling',
        diagnosis: { faultCode: 'E1', component: 'compressor', cause: 'quality', isMainPart: true },
        parts: [{ name: 'compressor', number: 'C-100', serial: `S${i}`, genuine: true }],
        charges: { labourHours: 1.5, labourRateCNY: 0, materialsCNY: 0, towingCNY: 0 },
        signatures: { repairer: 'Li Wei', consumer: 'Wang Fang' },
        ...extra,
      });

    // Opening PGlite takes 10 s and more on a loaded 2-core machine: more than the default 10 s.
    beforeAll(async () => {
      ({ store, cleanup } = await makeStore());
    }, 60_000);
    afterAll(async () => {
      await store?.close();
      await cleanup?.();
    });

    it('registers a unit and reads it back; an unknown serial is undefined', async () => {
      const s = serial();
      const u = {
        ...unit(s),
        deliveryDate: '2025-03-05',
        seller: '某电器商场',
        ownerContactHash: 'a'.repeat(64),
      };
      expect(await store.registerUnit(u)).toEqual(u);
      expect(await store.getUnit(s)).toEqual(u);
      expect(await store.getUnit('no-such-serial')).toBeUndefined();
    });

    it('stores a verification-code hash and replaces it when a new code is issued', async () => {
      const s = serial();
      await store.registerUnit({ ...unit(s), verificationCodeHash: `h1:${'a'.repeat(64)}` });
      expect((await store.getUnit(s))?.verificationCodeHash).toBe(`h1:${'a'.repeat(64)}`);
      expect(await store.setVerificationCodeHash(s, `h1:${'b'.repeat(64)}`)).toBe(true);
      expect((await store.getUnit(s))?.verificationCodeHash).toBe(`h1:${'b'.repeat(64)}`);
      expect(await store.setVerificationCodeHash('no-such-serial', 'h1:x')).toBe(false);
    });

    it('keeps production facts (batch, date, component suppliers) for analytics', async () => {
      const s = serial();
      const u: UnitInput = {
        ...unit(s),
        productionBatch: 'B2025-07',
        productionDate: '2025-01-15',
        components: [
          { component: 'compressor', supplier: 'GMCC', batch: 'C-2507' },
          { component: 'fan_motor' },
        ],
      };
      expect(await store.registerUnit(u)).toEqual(u);
      expect(await store.getUnit(s)).toEqual(u);
    });

    it('finds the units linked to a device', async () => {
      const [a, b] = [serial(), serial()];
      const device = `dev-${a}`;
      await store.registerUnit({ ...unit(a), deviceId: device });
      await store.registerUnit({ ...unit(b), deviceId: device });
      expect((await store.unitsByDevice(device)).map((u) => u.serial)).toEqual([a, b].sort());
      expect(await store.unitsByDevice('no-device')).toEqual([]);
    });

    it('refuses a second unit with the same serial', async () => {
      const s = serial();
      await store.registerUnit(unit(s));
      await expect(store.registerUnit(unit(s))).rejects.toMatchObject({
        code: 'WARRANTY_ERR_UNIT_EXISTS',
        statusCode: 409,
      });
    });

    it('imports a batch of units all or nothing', async () => {
      const [a, b, taken] = [serial(), serial(), serial()];
      await store.registerUnit(unit(taken));
      await expect(store.registerUnits([unit(a), unit(b), unit(taken)])).rejects.toMatchObject({
        code: 'WARRANTY_ERR_UNIT_EXISTS',
      });
      expect(await store.getUnit(a)).toBeUndefined();
      expect((await store.registerUnits([unit(a), unit(b)])).map((u) => u.serial)).toEqual([a, b]);
      expect(await store.getUnit(b)).toEqual(unit(b));
    });

    it('saves outlets (upsert), finds them by service phone digits; saves technicians', async () => {
      const id = `outlet-${serial()}`;
      const o = {
        id,
        name: '某某授权服务站',
        servicePhone: '400-800-1234',
        authorizedFrom: '2024-01-01',
        priceList: { labourRateCNY: 60, workItems: ['更换电容'] },
      };
      expect(await store.saveOutlet(o)).toEqual(o);
      const renewed = { ...o, authorizedTo: '2026-12-31' };
      await store.saveOutlet(renewed);
      expect(await store.getOutlet(id)).toEqual(renewed);
      expect((await store.findOutletsByPhone('4008001234')).map((x) => x.id)).toContain(id);
      expect(await store.findOutletsByPhone('400-000-0000')).toEqual([]);
      expect(await store.getOutlet('nope')).toBeUndefined();
      const t = {
        certificate: `CERT-${serial()}`,
        name: '李伟',
        outletId: id,
        validFrom: '2024-01-01',
        validTo: '2026-01-01',
      };
      expect(await store.saveTechnician(t)).toEqual(t);
      expect(await store.getTechnician(t.certificate)).toEqual(t);
      expect(await store.getTechnician('none')).toBeUndefined();
    });

    it("lists a manufacturer's technicians (through their outlets), models and parts", async () => {
      const [maker, other] = [`M-${serial()}`, `M-${serial()}`];
      const [mine, theirs] = [`o-${serial()}`, `o-${serial()}`];
      await store.saveOutlet({
        id: mine,
        name: 'x',
        manufacturer: maker,
        authorizedFrom: '2024-01-01',
      });
      await store.saveOutlet({
        id: theirs,
        name: 'y',
        manufacturer: other,
        authorizedFrom: '2024-01-01',
      });
      const tech = (certificate: string, outletId?: string) => ({
        certificate,
        name: '王芳',
        ...(outletId ? { outletId } : {}),
        validFrom: '2024-01-01',
      });
      const [b, a] = [`CB-${serial()}`, `CA-${serial()}`];
      for (const t of [
        tech(b, mine),
        tech(a, mine),
        tech(`CX-${serial()}`, theirs),
        tech(`CN-${serial()}`),
      ])
        await store.saveTechnician(t);
      expect(await store.listTechnicians(maker)).toEqual([tech(a, mine), tech(b, mine)]);
      expect((await store.listTechnicians()).length).toBeGreaterThanOrEqual(4);

      const model = (m: string) => ({
        manufacturer: maker,
        category: 'tv',
        model: m,
        mainParts: ['panel'],
      });
      await store.saveModel(model('Z-2'));
      await store.saveModel(model('A-1'));
      await store.saveModel({ ...model('Q'), manufacturer: other });
      expect(await store.listModels(maker)).toEqual([model('A-1'), model('Z-2')]);
      expect((await store.listModels()).length).toBeGreaterThanOrEqual(3);

      const n = `PN-${serial()}`;
      await store.savePart({ number: n, name: '面板', manufacturer: maker, serials: ['S1'] });
      await store.savePart({
        number: `PX-${serial()}`,
        name: 'y',
        manufacturer: other,
        serials: [],
      });
      expect(await store.listParts(maker)).toEqual([
        { number: n, name: '面板', manufacturer: maker, serialCount: 1 },
      ]);
      expect(await store.listParts(`M-${serial()}`)).toEqual([]);
    });

    it("lists a manufacturer's outlets; keeps product models and genuine parts with their serials", async () => {
      const maker = `M-${serial()}`;
      const ids = [`o2-${serial()}`, `o1-${serial()}`];
      for (const id of ids)
        await store.saveOutlet({
          id,
          name: 'x',
          manufacturer: maker,
          authorizedFrom: '2024-01-01',
        });
      expect((await store.listOutlets(maker)).map((o) => o.id)).toEqual([...ids].sort());
      expect((await store.listOutlets()).length).toBeGreaterThanOrEqual(2);

      const m = {
        manufacturer: maker,
        category: 'air_conditioner',
        model: `KFR-${serial()}`,
        mainParts: ['compressor', 'evaporator'],
      };
      expect(await store.saveModel(m)).toEqual(m);
      const replaced = { ...m, mainParts: ['compressor'], policyId: 'p95-air_conditioner' };
      await store.saveModel(replaced);
      expect(await store.getModel(m.category, m.model)).toEqual(replaced);
      expect(await store.getModel(m.category, 'none')).toBeUndefined();

      const number = `QXA-${serial()}`;
      expect(await store.hasParts(maker)).toBe(false);
      const part = { number, name: 'compressor', manufacturer: maker, component: 'compressor' };
      expect(await store.savePart({ ...part, serials: ['S1', 'S2'] })).toEqual({
        ...part,
        serialCount: 2,
      });
      // Saving again adds serials and never removes one.
      expect(await store.savePart({ ...part, serials: ['S2', 'S3'] })).toEqual({
        ...part,
        serialCount: 3,
      });
      expect(await store.getPart(number)).toEqual({ ...part, serialCount: 3 });
      expect(await store.partSerialKnown(number, 'S1')).toBe(true);
      expect(await store.partSerialKnown(number, 'S9')).toBe(false);
      expect(await store.getPart('nope')).toBeUndefined();
      expect(await store.hasParts(maker)).toBe(true);
    });

    it('refuses records for an unknown unit', async () => {
      await expect(
        store.appendRepair('ghost', body(1), '2025-05-01T00:00:00Z'),
      ).rejects.toMatchObject({ code: 'WARRANTY_ERR_UNKNOWN_UNIT' });
      await expect(store.listRepairs('ghost')).rejects.toMatchObject({
        code: 'WARRANTY_ERR_UNKNOWN_UNIT',
      });
    });

    it('chains records: seq from 1, each pointing at the previous hash; verify passes', async () => {
      const s = serial();
      await store.registerUnit(unit(s));
      const a = await store.appendRepair(s, body(1), '2025-05-02T10:00:00Z');
      const b = await store.appendRepair(s, body(2), '2025-06-02T10:00:00Z');
      const c = await store.appendRepair(s, body(3), '2025-07-02T10:00:00Z');
      expect([a.seq, b.seq, c.seq]).toEqual([1, 2, 3]);
      expect(a.prevHash).toBe(GENESIS_HASH);
      expect(b.prevHash).toBe(a.hash);
      expect(c.prevHash).toBe(b.hash);
      expect(await store.listRepairs(s)).toEqual([a, b, c]);
      expect(await store.verifyRepairs(s)).toEqual({
        ok: true,
        count: 3,
        head: c.hash,
        anchor: { count: 3, head: c.hash },
        linksChecked: 0,
      });
      expect(await store.chainAnchor(s)).toEqual({ count: 3, head: c.hash });
      expect(await store.chainAnchor('no-such-serial')).toBeUndefined();
      // Another copy of a link (a repair order, a receipt) is compared too.
      expect(
        await store.verifyRepairs(s, [{ seq: 2, hash: b.hash, source: 'receipt' }]),
      ).toMatchObject({ ok: true, linksChecked: 1 });
      expect(
        await store.verifyRepairs(s, [{ seq: 2, hash: a.hash, source: 'receipt' }]),
      ).toMatchObject({
        ok: false,
        firstBroken: { seq: 2, reason: 'anchor_mismatch', source: 'receipt' },
      });
    });

    it('keeps one chain per unit', async () => {
      const [s1, s2] = [serial(), serial()];
      await store.registerUnit(unit(s1));
      await store.registerUnit(unit(s2));
      await store.appendRepair(s1, body(1), '2025-05-02T10:00:00Z');
      const other = await store.appendRepair(s2, body(1), '2025-05-02T10:00:00Z');
      expect(other).toMatchObject({ seq: 1, prevHash: GENESIS_HASH });
      expect((await store.listRepairs(s2)).length).toBe(1);
    });

    it('records a correction as a new record pointing at the one it corrects; the original stays', async () => {
      const s = serial();
      await store.registerUnit(unit(s));
      const a = await store.appendRepair(s, body(1), '2025-05-02T10:00:00Z');
      const fix = await store.appendRepair(
        s,
        body(1, { kind: 'correction', corrects: 1, inspectionResult: '压缩机卡缸' }),
        '2025-05-03T10:00:00Z',
      );
      expect(fix).toMatchObject({ seq: 2, body: { kind: 'correction', corrects: 1 } });
      expect((await store.listRepairs(s))[0]).toEqual(a);
      await expect(
        store.appendRepair(s, body(1, { kind: 'correction', corrects: 9 }), '2025-05-04T10:00:00Z'),
      ).rejects.toMatchObject({
        code: 'WARRANTY_ERR_BAD_CORRECTION',
      });
      expect((await store.verifyRepairs(s)).ok).toBe(true);
    });

    it('round-trips bodies exactly (unicode, fractions, nested objects), so hashes re-verify', async () => {
      const s = serial();
      await store.registerUnit(unit(s));
      const b = body(1, {
        charges: { labourHours: 0.25, labourRateCNY: 88.8, materialsCNY: 1234.56, towingCNY: 0 },
        workItems: ['更换压缩机', 'vacuum & recharge R32'],
      });
      const rec = await store.appendRepair(s, b, '2025-05-02T10:00:00.123Z');
      const [back] = await store.listRepairs(s);
      expect(back).toEqual(rec);
      expect(back?.body).toEqual(b);
      expect((await store.verifyRepairs(s)).ok).toBe(true);
    });

    it('serialises concurrent appends into one unbroken chain', async () => {
      const s = serial();
      await store.registerUnit(unit(s));
      const recs = await Promise.all(
        [1, 2, 3, 4, 5].map((i) => store.appendRepair(s, body(i), `2025-05-0${i}T10:00:00Z`)),
      );
      expect(recs.map((r) => r.seq).sort()).toEqual([1, 2, 3, 4, 5]);
      expect(await store.verifyRepairs(s)).toMatchObject({ ok: true, count: 5 });
    });

    describeMakerPolicyContract(() => store, name.replace(/\W/g, ''));
  });
}
