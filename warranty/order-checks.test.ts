import { describe, expect, it } from 'vitest';
import {
  checkFeesOnPriceList,
  checkOutlet,
  checkPartsMatchDiagnosis,
  checkTechnician,
} from './order-checks.ts';
import { reviewOrder } from './order-review.ts';
import { RepairRecordBodySchema, type Unit } from './repair-record-schema.ts';

const ac: Unit = {
  serial: 'AC-1',
  category: 'air_conditioner',
  model: 'KFR',
  invoiceDate: '2025-03-03',
  priceCNY: 3_000,
};
const order = (extra: Record<string, unknown> = {}) =>
  RepairRecordBodySchema.parse({
    outletId: 'o-1',
    technicianCertificate: 'T-1',
    droppedOffAt: '2025-08-01T09:00:00+08:00',
    handedBackAt: '2025-08-01T15:00:00+08:00',
    reportedFault: '不制冷',
    diagnosis: {
      faultCode: 'E1',
      component: 'compressor',
      cause: 'quality',
      partsCalledFor: ['capacitor'],
    },
    parts: [{ name: 'capacitor', number: 'CAP-1', genuine: true }],
    charges: { labourHours: 1, labourRateCNY: 80, materialsCNY: 120, towingCNY: 0 },
    workItems: ['更换电容'],
    signatures: { repairer: 'Li' },
    ...extra,
  });
const checks = (f: ReturnType<typeof reviewOrder>) =>
  f.filter((x) => x.severity !== 'unchecked').map((x) => `${x.check}:${x.severity}`);

describe('repair-order checks', () => {
  it('[部分商品三包 第十五条] charges inside the free period are a violation; a misuse repair may be charged', () => {
    const f = reviewOrder(ac, [], order());
    expect(f.find((x) => x.check === 'charges_inside_free_period')).toMatchObject({
      severity: 'violation',
      rule: 'P95 Art. 15',
    });
    const misuse = reviewOrder(
      ac,
      [],
      order({ diagnosis: { faultCode: 'E1', component: 'compressor', cause: 'consumer_misuse' } }),
    );
    expect(misuse.some((x) => x.check === 'charges_inside_free_period')).toBe(false);
    const late = reviewOrder(
      ac,
      [],
      order({
        droppedOffAt: '2026-03-10',
        handedBackAt: '2026-03-10',
        diagnosis: { faultCode: 'E9', component: 'remote_control', cause: 'quality' },
      }),
    );
    expect(late.some((x) => x.check === 'charges_inside_free_period')).toBe(false);
  });

  it('[汽车三包 第十六条] a non-genuine part is a violation', () => {
    const f = reviewOrder(
      ac,
      [],
      order({ parts: [{ name: 'capacitor', number: 'X', genuine: false }], charges: {} }),
    );
    expect(checks(f)).toEqual(['genuine_parts:violation']);
  });

  it('[侵害消费者权益行为处罚办法 第十三条] parts the diagnosis does not call for are flagged (小病大治)', () => {
    const f = checkPartsMatchDiagnosis({
      order: order({
        parts: [
          { name: 'capacitor', number: 'C', genuine: true },
          { name: 'mainboard', number: 'M', genuine: true },
        ],
      }),
    });
    expect(f).toEqual([
      expect.objectContaining({
        check: 'parts_match_diagnosis',
        severity: 'warning',
        message: expect.objectContaining({ en: expect.stringContaining('mainboard') }),
      }),
    ]);
  });

  it('technician certificate: missing or expired → violation; unregistered → unchecked; valid → nothing', () => {
    expect(
      checkTechnician({ order: order({ technicianCertificate: undefined }) })[0]?.severity,
    ).toBe('violation');
    expect(checkTechnician({ order: order() })[0]?.severity).toBe('unchecked');
    expect(
      checkTechnician({
        order: order(),
        technician: {
          certificate: 'T-1',
          name: 'Li',
          validFrom: '2024-01-01',
          validTo: '2025-07-31',
        },
      })[0]?.severity,
    ).toBe('violation');
    expect(
      checkTechnician({
        order: order(),
        technician: {
          certificate: 'T-1',
          name: 'Li',
          validFrom: '2024-01-01',
          validTo: '2025-08-01',
        },
      }),
    ).toEqual([]);
  });

  it('outlet authorization period is checked on the drop-off date', () => {
    expect(checkOutlet({ order: order() })[0]?.severity).toBe('unchecked');
    expect(
      checkOutlet({
        order: order(),
        outlet: { id: 'o-1', name: 'Outlet 1', authorizedFrom: '2025-08-02' },
      })[0]?.severity,
    ).toBe('violation');
    expect(
      checkOutlet({
        order: order(),
        outlet: { id: 'o-1', name: 'Outlet 1', authorizedFrom: '2025-01-01' },
      }),
    ).toEqual([]);
  });

  it('[明码标价 第八条] fees above the published list or not on it are violations', () => {
    const f = checkFeesOnPriceList({
      order: order({ workItems: ['更换电容', '清洗费'] }),
      priceList: { labourRateCNY: 60, workItems: ['更换电容'] },
    });
    expect(f.map((x) => x.message.en)).toEqual([
      'labour rate 80 above the published 60',
      'fee item "清洗费" is not on the published price list',
    ]);
    expect(checkFeesOnPriceList({ order: order() })[0]?.severity).toBe('unchecked');
  });
});
