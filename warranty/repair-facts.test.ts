import { describe, expect, it } from 'vitest';
import { chainRecord } from './hash-chain.ts';
import { effectiveRecords, toRepairFact } from './repair-facts.ts';
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
