import { describe, expect, it } from 'vitest';
import { evaluateCase } from './eligibility.ts';
import type { Evaluation } from './evaluation-schema.ts';
import { fault, goodsCase, repair } from './fixtures.ts';

const kinds = (e: Evaluation) => e.remedies.map((r) => r.kind).sort();
const byKind = (e: Evaluation, k: string) => e.remedies.find((r) => r.kind === k);
const at = (
  category: string,
  date: string,
  component: string,
  facts: Record<string, unknown> = {},
  extra = {},
) =>
  evaluateCase(
    goodsCase(category, {
      evaluationDate: date,
      currentFault: fault(date, component, extra),
      ...facts,
    }),
  );

describe('appliances under P95 (部分商品修理更换退货责任规定)', () => {
  it('[部分商品三包 第九条] performance failure on day 7 → return, exchange or repair; day 8 → exchange or repair', () => {
    const d7 = at('tv', '2025-03-10', 'logic_board');
    expect(d7.remedy).toBe('return');
    expect(byKind(d7, 'return')).toMatchObject({ clause: 'P95 Art. 9', free: true });
    expect(kinds(d7)).toEqual(['exchange', 'free_repair', 'return']);
    const d8 = at('tv', '2025-03-11', 'logic_board');
    expect(d8.remedy).toBe('exchange');
    expect(byKind(d8, 'exchange')?.clause).toBe('P95 Art. 10');
  });

  it('[部分商品三包 第十条] day 15 → free exchange; day 16 → free repair', () => {
    expect(at('washing_machine', '2025-03-18', 'motor')).toMatchObject({
      remedy: 'exchange',
      free: true,
    });
    const d16 = at('washing_machine', '2025-03-19', 'motor');
    expect(d16).toMatchObject({ remedy: 'repair', free: true });
    expect(byKind(d16, 'free_repair')?.clause).toBe('P95 Art. 15');
  });

  it('[部分商品三包 第十一条][第十三条] repaired twice and still failing → free exchange, or return with depreciation when the seller has the same model', () => {
    const twice = [
      repair('2025-05-06', '2025-05-08', 'compressor'),
      repair('2025-06-03', '2025-06-05', 'compressor'),
    ];
    const e = at('air_conditioner', '2025-07-01', 'compressor', {
      repairs: twice,
      sellerHasSameModel: true,
    });
    expect(byKind(e, 'exchange')).toMatchObject({ clause: 'P95 Art. 11', free: true });
    // 120 days since 2025-03-03, minus 4 repair days = 116 days × 0.1 % × 3,000 CNY = 348 CNY.
    expect(e).toMatchObject({ remedy: 'return', free: false, amountOwedCNY: 348 });
    expect(byKind(e, 'return')?.amountBasis?.inputs).toEqual({
      depreciationPerDay: 0.001,
      usedDays: 116,
      priceCNY: 3_000,
    });
    expect(e.counters.find((c) => c.key === 'repairs_toward_exchange')).toMatchObject({
      count: 2,
      limit: 2,
      reached: true,
    });

    const noStock = at('air_conditioner', '2025-07-01', 'compressor', {
      repairs: twice,
      sellerHasSameModel: false,
      consumerAcceptsOtherModel: false,
    });
    expect(noStock).toMatchObject({ remedy: 'return', free: true, amountOwedCNY: 0 });
    expect(byKind(noStock, 'return')?.clause).toBe('P95 Art. 13');

    const once = at('air_conditioner', '2025-07-01', 'compressor', { repairs: twice.slice(0, 1) });
    expect(once).toMatchObject({ remedy: 'repair', free: true });
  });

  it('[部分商品三包 第八条] the period is extended by repair days: 2026-01-06 + 10 days → 2026-01-16', () => {
    const facts = {
      invoiceDate: '2025-01-06',
      repairs: [repair('2025-06-02', '2025-06-12', 'logic_board')],
    };
    const inside = at('tv', '2026-01-16', 'speaker', facts);
    expect(inside.deadlines.find((d) => d.key === 'whole_unit_period')).toMatchObject({
      nominalEnd: '2026-01-16',
      end: '2026-01-16',
      extendedByDays: 10,
    });
    expect(inside).toMatchObject({ remedy: 'repair', free: true });
    // Issue 20, class 1: after the period 三包 owes nothing; a paid repair is an offer only.
    expect(at('tv', '2026-01-17', 'speaker', facts)).toMatchObject({
      remedy: 'none',
      free: false,
      offers: [expect.objectContaining({ kind: 'paid_repair' })],
    });
    expect(at('tv', '2026-01-16', 'speaker', { invoiceDate: '2025-01-06' })).toMatchObject({
      free: false,
    });
  });

  it('[部分商品三包 catalogue] the main-part period (3 years) outlives the whole-unit period (1 year)', () => {
    const compressor = at('air_conditioner', '2027-03-01', 'compressor');
    expect(compressor).toMatchObject({ remedy: 'repair', free: true });
    expect(byKind(compressor, 'free_repair')).toMatchObject({
      scope: 'part',
      target: 'compressor',
    });
    expect(at('air_conditioner', '2027-03-01', 'remote_control')).toMatchObject({
      remedy: 'none',
      free: false,
    });
  });

  it('[部分商品三包 第十四条] after an exchange the period restarts and earlier repairs do not count', () => {
    const repairs = [
      repair('2025-05-06', '2025-05-07', 'display_panel'),
      repair('2025-06-03', '2025-06-04', 'display_panel'),
    ];
    const e = at('tv', '2026-08-20', 'speaker', { exchangeDate: '2025-09-01', repairs });
    expect(e.periodStart).toBe('2025-09-01');
    expect(e).toMatchObject({ remedy: 'repair', free: true });
    expect(e.counters.find((c) => c.key === 'repairs_toward_exchange')?.count).toBe(0);
    expect(at('tv', '2026-08-20', 'speaker')).toMatchObject({ free: false });
  });

  it('[部分商品三包 第十二条] waiting for the producer’s parts 90 days → no exchange yet; 91 days → free exchange', () => {
    const waiting = [
      {
        ...repair('2025-04-01', '2025-04-01', 'compressor', { waitingForPartsFromProducer: true }),
        returnedDate: undefined,
      },
    ];
    const d90 = evaluateCase(
      goodsCase('refrigerator', { evaluationDate: '2025-06-30', repairs: waiting }),
    );
    expect(d90.counters.find((c) => c.key === 'parts_waiting_days')).toMatchObject({
      count: 90,
      reached: false,
    });
    // Still in the shop: the open repair is the current fault, repaired free (issue 20, class 2).
    expect(d90).toMatchObject({ remedy: 'repair', free: true });
    expect(byKind(d90, 'exchange')).toBeUndefined();
    const d91 = evaluateCase(
      goodsCase('refrigerator', { evaluationDate: '2025-07-01', repairs: waiting }),
    );
    expect(byKind(d91, 'exchange')).toMatchObject({ clause: 'P95 Art. 12', free: true });
  });

  it('[部分商品三包 exclusions] no invoice and no 三包凭证 → no 三包, paid repair; misuse → paid repair', () => {
    const noDocs = at('tv', '2025-03-08', 'logic_board', {
      hasInvoice: false,
      hasWarrantyCertificate: false,
    });
    expect(noDocs).toMatchObject({ remedy: 'none', free: false, remedies: [] });
    expect(noDocs.exclusions[0]?.reason).toBe('no_invoice_no_certificate');
    const invoiceOnly = at('tv', '2025-03-08', 'logic_board', {
      hasInvoice: true,
      hasWarrantyCertificate: false,
    });
    expect(invoiceOnly.remedy).toBe('return');
    const misuse = at('refrigerator', '2025-03-08', 'compressor', {}, { cause: 'consumer_misuse' });
    expect(misuse).toMatchObject({ remedy: 'none', free: false, remedies: [] });
    expect(misuse.exclusions[0]?.reason).toBe('consumer_misuse');
  });

  it('[液晶电视 2011年第20号公告] the period of a TV starts when installation is complete', () => {
    const e = at('tv', '2025-03-13', 'backlight', { installationCompletedDate: '2025-03-06' });
    expect(e.periodStart).toBe('2025-03-06');
    // The notice moves the 三包有效期 only; P95 Art. 9/10 count "自售出之日起": day 10 from the sale.
    expect(e.remedy).toBe('exchange');
    expect(e.deadlines.find((d) => d.key === 'whole_unit_period')?.end).toBe('2026-03-06');
  });

  it('uncertain catalogue facts are flagged in the decision (range hood row NOT FOUND)', () => {
    const e = at('range_hood', '2025-04-01', 'motor');
    expect(e.policy.uncertainFacts.map((u) => u.key)).toEqual(
      expect.arrayContaining(['terms.wholeUnitMonths', 'terms.depreciationPerDay']),
    );
  });
});

describe('mobile phones (PHONE), computers (PC), 消法 default', () => {
  it('[移动电话三包 第十一条][第十二条] day 7 → return; day 8 to 15 → exchange; day 16 → repair', () => {
    expect(at('mobile_phone', '2025-03-10', 'host').remedy).toBe('return');
    expect(at('mobile_phone', '2025-03-11', 'host').remedy).toBe('exchange');
    expect(at('mobile_phone', '2025-03-18', 'host').remedy).toBe('exchange');
    expect(at('mobile_phone', '2025-03-19', 'host')).toMatchObject({
      remedy: 'repair',
      free: true,
    });
  });

  it('[移动电话三包 第十三条][第十八条] host failing after two repairs → free exchange; return only if no same model', () => {
    const repairs = [
      repair('2025-04-01', '2025-04-03', 'host'),
      repair('2025-05-06', '2025-05-08', 'host'),
    ];
    const e = at('mobile_phone', '2025-06-03', 'host', { repairs });
    expect(e.remedy).toBe('exchange');
    expect(byKind(e, 'exchange')?.clause).toBe('PHONE Art. 13');
    const noStock = at('mobile_phone', '2025-06-03', 'host', {
      repairs,
      sellerHasSameModel: false,
    });
    expect(noStock).toMatchObject({ remedy: 'return', free: true });
    expect(byKind(noStock, 'return')?.clause).toBe('PHONE Art. 18');
  });

  it('[移动电话三包 第十四条] battery (6 months) → free exchange; after 2 exchanges → free return; month 7 → paid', () => {
    const bat = at('mobile_phone', '2025-08-01', 'battery');
    expect(byKind(bat, 'exchange')).toMatchObject({
      scope: 'accessory',
      target: 'battery',
      free: true,
    });
    const exchanged = [
      repair('2025-04-01', '2025-04-01', 'battery'),
      repair('2025-05-06', '2025-05-06', 'battery'),
    ];
    expect(
      byKind(at('mobile_phone', '2025-08-01', 'battery', { repairs: exchanged }), 'return'),
    ).toMatchObject({ scope: 'accessory', clause: 'PHONE Art. 14' });
    expect(at('mobile_phone', '2025-09-04', 'battery')).toMatchObject({
      remedy: 'none',
      free: false,
    });
  });

  it('[移动电话三包 第十五条][第十六条] not repaired in 7 days → loaner; parts missing over 60 days → exchange', () => {
    const waiting = [
      {
        ...repair('2025-04-01', '2025-04-01', 'host', { waitingForPartsFromProducer: true }),
        returnedDate: undefined,
      },
    ];
    const d60 = evaluateCase(
      goodsCase('mobile_phone', { evaluationDate: '2025-05-31', repairs: waiting }),
    );
    expect(d60).toMatchObject({ remedy: 'repair', free: true }); // the host is in the shop
    expect(d60.notes.some((n) => n.clause === 'PHONE Art. 15')).toBe(true);
    const d61 = evaluateCase(
      goodsCase('mobile_phone', { evaluationDate: '2025-06-01', repairs: waiting }),
    );
    expect(byKind(d61, 'exchange')?.clause).toBe('PHONE Art. 16');
  });

  it('[微型计算机三包 第九条] without invoice and certificate: exchange and repair, no return', () => {
    const e = at('microcomputer', '2025-03-06', 'motherboard', {
      hasInvoice: false,
      hasWarrantyCertificate: false,
    });
    expect(kinds(e)).toEqual(['exchange', 'free_repair']);
    expect(e.remedy).toBe('exchange');
  });

  it('[消法 第二十四条] water purifier: return within 7 days of receipt; later exchange or repair (no statutory period, flagged)', () => {
    const facts = { deliveryDate: '2025-03-05' };
    const d7 = at('water_purifier', '2025-03-12', 'pump', facts);
    expect(d7.periodStart).toBe('2025-03-05');
    expect(byKind(d7, 'return')).toMatchObject({ clause: '消法 Art. 24', free: true });
    const d8 = at('water_heater_electric', '2025-03-13', 'heating_element', facts);
    expect(d8.remedy).toBe('exchange');
    expect(byKind(d8, 'exchange')?.uncertain).toBe(true);
    expect(d8.warnings.map((w) => w.en).join(' ')).toMatch(/no statutory 三包 period/);
    expect(d8.warnings.map((w) => w.zh).join(' ')).toMatch(/无法定三包有效期/);
  });
});
