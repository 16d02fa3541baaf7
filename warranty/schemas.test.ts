import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { zodIssues } from '../core/errors.ts';
import { evaluateCase } from './eligibility.ts';
import { EvaluationSchema } from './evaluation-schema.ts';
import { carCase, fault, goodsCase, repair } from './fixtures.ts';

/** The issue paths of the ZodError `evaluateCase(input)` throws. */
function pathsOf(input: unknown): string[] {
  try {
    evaluateCase(input);
  } catch (err) {
    if (err instanceof z.ZodError) return zodIssues(err.issues).map((d) => d.path);
    throw err;
  }
  throw new Error('expected a ZodError');
}

describe('evaluate request schema', () => {
  it('malformed dates name the field', () => {
    expect(pathsOf(carCase({ invoiceDate: '2025-02-30' }))).toEqual(['facts.invoiceDate']);
    expect(pathsOf(carCase({ evaluationDate: '20.03.2025' }))).toEqual(['facts.evaluationDate']);
    expect(
      pathsOf(
        carCase({
          evaluationDate: '2025-06-01',
          repairs: [repair('2025-04-01', 'soon', 'engine')],
        }),
      ),
    ).toEqual(['facts.repairs[0].returnedDate']);
  });

  it('repairs and faults before the purchase are refused with their path', () => {
    expect(
      pathsOf(
        carCase({
          repairs: [
            repair('2025-03-05', '2025-03-06', 'engine'),
            repair('2025-02-01', '2025-02-02', 'engine'),
          ],
        }),
      ),
    ).toEqual(['facts.repairs[1].date']);
    expect(pathsOf(carCase({ repairs: [repair('2025-04-01', '2025-04-02', 'engine')] }))).toEqual([
      'facts.repairs[0].date',
    ]); // after evaluationDate
    expect(pathsOf(carCase({ currentFault: fault('2025-01-01', 'engine') }))).toEqual([
      'facts.currentFault.date',
    ]);
    expect(pathsOf(carCase({ evaluationDate: '2025-03-01' }))).toContain('facts.evaluationDate');
    expect(
      pathsOf(
        carCase({
          evaluationDate: '2025-06-01',
          repairs: [repair('2025-04-02', '2025-04-01', 'engine')],
        }),
      ),
    ).toEqual(['facts.repairs[0].returnedDate']);
  });

  it('negative mileage and unknown categories are refused', () => {
    expect(pathsOf(carCase({ mileageKm: -1 }))).toEqual(['facts.mileageKm']);
    expect(
      pathsOf(
        carCase({
          evaluationDate: '2025-06-01',
          repairs: [repair('2025-04-01', '2025-04-02', 'engine', { mileageKm: -5 })],
        }),
      ),
    ).toEqual(['facts.repairs[0].mileageKm']);
    expect(pathsOf(goodsCase('toaster'))).toEqual(['category']);
    expect(pathsOf(goodsCase('excavator'))).toEqual(['category']);
  });

  it('an unknown cause names the field; a failure type in other words is accepted (CAR21 Art. 40 decides)', () => {
    expect(
      pathsOf(
        carCase({
          currentFault: fault('2025-03-05', 'engine', { cause: 'bad_luck' as 'quality' }),
        }),
      ),
    ).toEqual(['facts.currentFault.cause']);
    const words = evaluateCase(
      carCase({ currentFault: fault('2025-03-05', 'engine', { failureType: 'explosion' }) }),
    );
    expect(words.remedies.map((r) => r.clause)).not.toContain('CAR21 Art. 23');
    expect(words.warnings.map((w) => w.code)).toContain('not_art23_type');
  });

  it('unknown fields are ignored, date-times accepted, and the decision matches EvaluationSchema', () => {
    const unknown = { vin: 'LSVAB4BR0NN000000' };
    const input = carCase({
      colour: 'red',
      evaluationDate: '2025-03-20T10:30:00+08:00',
      currentFault: { ...fault('2025-03-20T09:00:00Z', 'engine'), ...unknown },
    });
    const e = evaluateCase({ ...input, requestedBy: 'consumer association' });
    expect(e.evaluationDate).toBe('2025-03-20');
    expect(EvaluationSchema.safeParse(e).success).toBe(true);
  });
});
