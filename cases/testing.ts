import { planDeadlines } from './deadlines.ts';
import type { Case } from './model.ts';

/**
 * A valid case for tests: a car owner's claim for an exchange, opened on Monday 2026-03-02 at
 * 10:00 China time, owed the exchange (CAR21 Art. 24 ¶1(4)), with the deadlines the law sets.
 */
export function aCase(over: Partial<Case> = {}): Case {
  const openedAt = over.openedAt ?? '2026-03-02T02:00:00.000Z';
  const kind = over.kind ?? 'claim';
  const request = over.request ?? {
    description: '第五次变速箱故障，要求换车',
    contact: { name: '李女士', email: 'li@example.cn', phone: '138 0000 0000' },
    notify: { email: true, webhook: false },
    fault: { code: 'P0700', component: 'transmission' },
    requestedRemedy: 'exchange' as const,
  };
  const category = over.category ?? 'household_car';
  return {
    id: 'C20260302-AAAAAA',
    kind,
    status: 'open',
    serial: 'LSGKB54H5RA000318',
    category,
    model: 'Sedan 1.5T',
    manufacturer: 'Changan',
    seller: '石家庄长安4S店',
    outletId: 'O-1',
    assignee: null,
    channel: 'owner_page',
    openedBy: 'owner',
    openedAt,
    request,
    decision:
      kind === 'claim'
        ? {
            evaluationDate: '2026-03-02',
            policy: 'cn-car21-household_car@2022-01-01',
            remedy: 'return',
            owed: { remedy: 'exchange', clause: 'CAR21 Art. 24 ¶1(4)' },
            remedies: [],
            amountOwedCNY: 9000,
            mileageSource: 'given',
            warnings: [],
          }
        : null,
    deadlines: planDeadlines({
      kind,
      category,
      requestedRemedy: request.requestedRemedy,
      openedAt,
    }),
    escalation: 'none',
    answer: null,
    resolution: null,
    repeatOf: null,
    closedAt: null,
    version: 1,
    ...over,
  };
}
