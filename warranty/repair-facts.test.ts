import { describe, expect, it } from 'vitest';
import { chainRecord } from './hash-chain.ts';
import { caseForUnit, effectiveRecords, toRepairFact } from './repair-facts.ts';
import { RepairRecordBodySchema, type StoredRepairRecord } from './repair-record-schema.ts';

const body = (code: string, extra: Record<string, unknown> = {}) =>
  RepairRecordBodySchema.parse({
    outletId: 'o',
    droppedOffAt: '2025-04-01T09:00:00+08:00',
    handedBackAt: '2025-04-02T09:00:00+08:00',
    odometerKm: 1200,
    reportedFault: 'noise',
    diagnosis: { faultCode: code, component: 'engine', cause: 'quality' },
    parts: [{ name: 'crankshaft', number: 'CS-1', genuine: true, isMainPart: true }],
    excludedHours: 3,
    signatures: { repairer: 'Li' },
    ...extra,
  });

function chain(bodies: ReturnType<typeof body>[]): StoredRepairRecord[] {
  const out: StoredRepairRecord[] = [];
  for (const b of bodies) out.push(chainRecord('S', out.at(-1), b, '2025-04-02T00:00:00Z'));
  return out;
}

describe('stored records → engine facts', () => {
  it('a correction replaces its original, a correction of a correction replaces that, order kept', () => {
    const recs = chain([
      body('A'),
      body('B'),
      body('A2', { kind: 'correction', corrects: 1 }),
      body('A3', { kind: 'correction', corrects: 3 }),
    ]);
    expect(effectiveRecords(recs).map((r) => r.body.diagnosis.faultCode)).toEqual(['A3', 'B']);
  });

  it('[汽车三包 第十七条][第四十条] maps the record fields the engine needs', () => {
    expect(toRepairFact(body('A'))).toEqual({
      date: '2025-04-01T09:00:00+08:00',
      returnedDate: '2025-04-02T09:00:00+08:00',
      faultCode: 'A',
      description: 'noise',
      component: 'engine',
      partsReplaced: ['crankshaft'],
      isMainPart: true,
      cause: 'quality',
      mileageKm: 1200,
      excludedHours: 3,
    });
  });
});

describe('caseForUnit with the product model from the registry', () => {
  const unit = {
    serial: 'U',
    category: 'air_conditioner' as const,
    model: 'M',
    invoiceDate: '2025-03-01',
  };
  const plain = (component: string) =>
    body('E1', {
      diagnosis: { faultCode: 'E1', component, cause: 'quality' },
      parts: [{ name: component, number: 'P', genuine: true }],
    });

  it("takes main parts the model lists for records that do not say, and the model's policy", () => {
    const records = chain([plain('inverter_board'), plain('remote_control')]);
    const c = caseForUnit(unit, records, '2025-06-01', undefined, {
      mainParts: ['inverter_board'],
      policyId: 'cn-p95-air_conditioner',
    });
    expect(c.policy).toBe('cn-p95-air_conditioner');
    const repairs = c.facts.repairs as Array<{ component: string; isMainPart?: boolean }>;
    expect(repairs.map((r) => [r.component, r.isMainPart])).toEqual([
      ['inverter_board', true],
      ['remote_control', undefined],
    ]);
    // Without a model nothing is assumed.
    const none = caseForUnit(unit, records, '2025-06-01');
    expect(none.policy).toBeUndefined();
    expect((none.facts.repairs as Array<{ isMainPart?: boolean }>)[0]!.isMainPart).toBeUndefined();
  });

  it('keeps what a record says over the model', () => {
    const records = chain([
      body('E2', {
        diagnosis: {
          faultCode: 'E2',
          component: 'inverter_board',
          cause: 'quality',
          isMainPart: false,
        },
        parts: [],
      }),
    ]);
    const c = caseForUnit(unit, records, '2025-06-01', undefined, {
      mainParts: ['inverter_board'],
    });
    expect((c.facts.repairs as Array<{ isMainPart?: boolean }>)[0]!.isMainPart).toBe(false);
  });

  it('[汽车三包 第九条 第六项] the model’s list in Chinese matches records in ids, and the reverse (vocabulary)', () => {
    const records = chain([plain('compressor'), plain('遥控器'), plain('风扇电机')]);
    const c = caseForUnit(unit, records, '2025-06-01', undefined, {
      mainParts: ['压缩机', 'fan_motor'],
    });
    const repairs = c.facts.repairs as Array<{ component: string; isMainPart?: boolean }>;
    expect(repairs.map((r) => r.isMainPart)).toEqual([true, undefined, true]);
  });
});
