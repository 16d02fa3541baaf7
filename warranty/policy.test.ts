import { describe, expect, it } from 'vitest';
import { evaluateCase } from './eligibility.ts';
import { carCase, fault, goodsCase } from './fixtures.ts';
import { BASELINES, baselineFor, policyById } from './policies/index.ts';
import { applyPolicyOverride, checkPolicyNotWeaker, findPolicyWeaknesses } from './policy-check.ts';
import { PolicySchema, uncertainFacts } from './policy-schema.ts';

const car = policyById('cn-car21-household_car');

describe('三包 policies as data', () => {
  it('every national baseline validates and every number carries a clause and source', () => {
    expect(BASELINES).toHaveLength(11);
    for (const p of BASELINES) {
      expect(PolicySchema.safeParse(p).success).toBe(true);
      for (const t of Object.values(p.terms)) expect(t?.clause).toMatch(/\S/);
    }
  });

  it('facts marked [S] or NOT FOUND in the reference are flagged uncertain with a note', () => {
    const hood = baselineFor('range_hood', '2025-01-01');
    expect(hood?.terms.wholeUnitMonths).toMatchObject({ source: 'NOT_FOUND', uncertain: true });
    const phone = baselineFor('mobile_phone', '2025-01-01');
    expect(phone?.accessories.find((a) => a.name === 'charger')?.months.note).toMatch(/6 months/);
    expect(uncertainFacts(car!).map((u) => u.key)).toContain('terms.assemblyReplacementLimit');
    expect(car?.terms.cumulativeRepairDaysLimit).toMatchObject({
      value: 30,
      source: 'P',
      uncertain: false,
    });
  });

  it('[汽车三包 第四十二条] the baseline is chosen by the start date: CAR21 from 2022-01-01, none before (CAR13 not encoded)', () => {
    expect(baselineFor('household_car', '2022-01-01')?.id).toBe('cn-car21-household_car');
    expect(baselineFor('household_car', '2021-12-31')).toBeUndefined();
    expect(() =>
      evaluateCase(carCase({ invoiceDate: '2021-06-01', evaluationDate: '2021-07-01' })),
    ).toThrow(/WARRANTY_ERR_NO_POLICY_IN_FORCE|no 三包 policy/);
  });

  it('[汽车三包 第四条] a manufacturer policy weaker than the baseline is refused, naming the clause', () => {
    const weak = applyPolicyOverride(car!, {
      manufacturer: 'X',
      terms: { wholeUnitMonths: 12, sameProblemRepairLimit: 6 },
    });
    expect(findPolicyWeaknesses(weak, car!).map((w) => w.clause)).toEqual([
      'CAR21 Art. 18 ¶1',
      'CAR21 Art. 24 ¶1(4)',
    ]);
    expect(() => checkPolicyNotWeaker(weak, car!)).toThrow(/CAR21 Art. 18 ¶1/);
    try {
      checkPolicyNotWeaker(weak, car!);
    } catch (err) {
      expect(err).toMatchObject({ code: 'WARRANTY_ERR_POLICY_WEAKER', statusCode: 422 });
    }
    const noExtension = applyPolicyOverride(baselineFor('tv', '2025-01-01')!, {
      extendsByRepairDays: false,
    });
    expect(findPolicyWeaknesses(noExtension, baselineFor('tv', '2025-01-01')!)[0]?.clause).toBe(
      'P95 Art. 8',
    );
  });

  it('[汽车三包 第四条] a more generous manufacturer policy is accepted and applied', () => {
    const generous = {
      manufacturer: 'Y',
      terms: { wholeUnitMonths: 36, wholeUnitKm: 100_000, usageCoefficientMax: 0.003 },
    };
    expect(findPolicyWeaknesses(applyPolicyOverride(car!, generous), car!)).toEqual([]);
    const e = evaluateCase(
      carCase(
        {
          usageCompensationCoefficient: undefined,
          evaluationDate: '2027-06-01',
          mileageKm: 10_000,
          currentFault: fault('2027-06-01', 'engine'),
        },
        generous,
      ),
    );
    expect(e.policy).toMatchObject({
      issuer: 'manufacturer',
      basedOn: 'cn-car21-household_car@2022-01-01',
    });
    expect(e.deadlines.find((d) => d.key === 'sanbao_period')).toMatchObject({
      end: '2028-03-03',
      passed: false,
    });
  });

  it('evaluate refuses a weaker inline policy and a policy of another category', () => {
    expect(() => evaluateCase(goodsCase('tv', {}, { terms: { wholeUnitMonths: 6 } }))).toThrow(
      /P95 catalogue/,
    );
    expect(() => evaluateCase(goodsCase('tv', {}, 'cn-car21-household_car'))).toThrow(
      /is for household_car/,
    );
  });
});
