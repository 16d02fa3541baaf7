import type { z } from 'zod';
import type { CurrentFaultSchema, RepairFactSchema } from './schemas.ts';

/**
 * Builders of valid evaluation cases for the warranty tests (input shapes, as a client sends
 * them). Defaults: bought and delivered Monday 2025-03-03, a day with no holiday nearby.
 */
export type RepairInput = z.input<typeof RepairFactSchema>;
export type FaultInput = z.input<typeof CurrentFaultSchema>;

export interface CaseInput {
  category: string;
  policy?: unknown;
  facts: Record<string, unknown> & { repairs?: RepairInput[]; currentFault?: FaultInput };
}

/** A car case: 200,000 CNY, n = 0.5 %, odometer 1,000 km unless overridden. */
export function carCase(facts: Partial<CaseInput['facts']> = {}, policy?: unknown): CaseInput {
  return {
    category: 'household_car',
    ...(policy === undefined ? {} : { policy }),
    facts: {
      invoiceDate: '2025-03-03',
      evaluationDate: '2025-03-20',
      mileageKm: 1_000,
      priceCNY: 200_000,
      usageCompensationCoefficient: 0.005,
      hasInvoice: true,
      hasWarrantyCertificate: true,
      repairs: [],
      ...facts,
    },
  };
}

/** An appliance / phone / PC case of `category`, 3,000 CNY. */
export function goodsCase(
  category: string,
  facts: Partial<CaseInput['facts']> = {},
  policy?: unknown,
): CaseInput {
  return {
    category,
    ...(policy === undefined ? {} : { policy }),
    facts: {
      invoiceDate: '2025-03-03',
      evaluationDate: '2025-03-20',
      priceCNY: 3_000,
      hasInvoice: true,
      hasWarrantyCertificate: true,
      repairs: [],
      ...facts,
    },
  };
}

/** A quality fault on `component` on `date`. */
export function fault(
  date: string,
  component: string,
  extra: Partial<FaultInput> = {},
): FaultInput {
  return {
    date,
    faultCode: `F-${component}`,
    description: `${component} fault`,
    component,
    cause: 'quality',
    ...extra,
  };
}

/** A completed quality repair of `component` from `date` to `returnedDate`. */
export function repair(
  date: string,
  returnedDate: string,
  component: string,
  extra: Partial<RepairInput> = {},
): RepairInput {
  return {
    date,
    returnedDate,
    faultCode: `F-${component}`,
    description: `${component} repair`,
    component,
    partsReplaced: [],
    cause: 'quality',
    ...extra,
  };
}

/** `n` one-day repairs of the same problem, a week apart from 2025-04-07. */
export function sameProblemRepairs(
  n: number,
  component: string,
  extra: Partial<RepairInput> = {},
): RepairInput[] {
  return Array.from({ length: n }, (_, i) => {
    const d = new Date(Date.UTC(2025, 3, 7 + i * 7)).toISOString().slice(0, 10);
    return repair(`${d}T09:00:00+08:00`, `${d}T17:00:00+08:00`, component, extra);
  });
}
