import { daysBetween, parseInstant } from './calendar.ts';
import { t } from './case-context.ts';
import type { Evaluation, Text } from './evaluation-schema.ts';
import type { z } from 'zod';
import type { Outlet, PriceListSchema, Technician } from './registry-schema.ts';
import type { RepairRecordBody } from './repair-record-schema.ts';

/**
 * Checks on a repair order, each reported with the rule it enforces (docs/design.md "Repair
 * orders"). A named step array (docs/style.md §5): each step is small, pure and tested alone.
 * Steps whose inputs are missing (no outlet registry, no price list) say so instead of passing.
 */
export type PriceList = z.infer<typeof PriceListSchema>;

export interface CheckContext {
  order: RepairRecordBody;
  /** The decision for this unit at drop-off, with this order's fault as the current fault. */
  evaluation?: Evaluation;
  outlet?: Outlet;
  technician?: Technician;
  priceList?: PriceList;
  /**
   * What the genuine-part registry says about the order's parts marked genuine, when the unit's
   * manufacturer keeps one (absent otherwise: nothing to check against).
   */
  partRegistry?: {
    /** part number → registered, and how many serials it has on file. */
    parts: ReadonlyMap<string, { registered: boolean; serialCount: number }>;
    /** `${number}\u0000${serial}` → issued by the manufacturer. */
    serials: ReadonlyMap<string, boolean>;
  };
}

export interface Finding {
  check: string;
  severity: 'violation' | 'warning' | 'unchecked';
  rule: string;
  message: Text;
}

type Step = (c: CheckContext) => Finding[];
const at = (c: CheckContext) => parseInstant(c.order.droppedOffAt).date;
const valid = (date: string, from: string, to?: string) =>
  daysBetween(parseInstant(from).date, date) >= 0 &&
  (to === undefined || daysBetween(date, parseInstant(to).date) >= 0);

export const checkOutlet: Step = (c) => {
  const rule = 'P95 Art. 6; manufacturer authorization of 三包 repairers';
  if (!c.outlet)
    return [
      {
        check: 'outlet_authorized',
        severity: 'unchecked',
        rule,
        message: t(
          `维修网点${c.order.outletId}不在授权名录中`,
          `outlet ${c.order.outletId} is not in the authorized-outlet registry`,
        ),
      },
    ];
  if (valid(at(c), c.outlet.authorizedFrom, c.outlet.authorizedTo)) return [];
  return [
    {
      check: 'outlet_authorized',
      severity: 'violation',
      rule,
      message: t(
        `送修日维修网点${c.outlet.id}不在授权期内`,
        `outlet ${c.outlet.id} was not authorized on the drop-off date`,
      ),
    },
  ];
};

export const checkTechnician: Step = (c) => {
  const rule = 'GB/T 18760-2025 专业可靠 (clause text NOT FOUND)';
  if (!c.order.technicianCertificate)
    return [
      {
        check: 'technician_certified',
        severity: 'violation',
        rule,
        message: t('维修记录未载明技术人员证书', 'no technician certificate on the order'),
      },
    ];
  if (!c.technician)
    return [
      {
        check: 'technician_certified',
        severity: 'unchecked',
        rule,
        message: t('证书未登记，无法核验', 'certificate not registered: cannot verify'),
      },
    ];
  if (valid(at(c), c.technician.validFrom, c.technician.validTo)) return [];
  return [
    {
      check: 'technician_certified',
      severity: 'violation',
      rule,
      message: t(
        `证书${c.technician.certificate}在送修日无效`,
        `certificate ${c.technician.certificate} was not valid on the drop-off date`,
      ),
    },
  ];
};

export const checkChargesInsideFreePeriod: Step = (c) => {
  const ch = c.order.charges;
  const total = ch.labourHours * ch.labourRateCNY + ch.materialsCNY + ch.towingCNY;
  const free = c.evaluation?.remedies.find(
    (r) => r.kind === 'free_repair' || r.kind === 'assembly_swap',
  );
  if (!free || total <= 0) return [];
  return [
    {
      check: 'charges_inside_free_period',
      severity: 'violation',
      rule: free.clause,
      message: t(
        `三包期内应免费修理，却收取${total}元`,
        `repair is free under 三包 but ${total} CNY was charged`,
      ),
    },
  ];
};

export const checkGenuineParts: Step = (c) =>
  c.order.parts
    .filter((p) => !p.genuine)
    .map((p) => ({
      check: 'genuine_parts',
      severity: 'violation' as const,
      rule: 'CAR21 Art. 16; 侵害消费者权益行为处罚办法 Art. 13(1)',
      message: t(
        `零件${p.name}（${p.number}）非原厂或未经认可`,
        `part ${p.name} (${p.number}) is not genuine or approved`,
      ),
    }));

export const checkPartsInRegistry: Step = (c) => {
  const reg = c.partRegistry;
  if (!reg) return [];
  const rule =
    'CAR21 Art. 16; 侵害消费者权益行为处罚办法 Art. 13(1); manufacturer genuine-part registry';
  const out: Finding[] = [];
  for (const p of c.order.parts.filter((x) => x.genuine)) {
    const known = reg.parts.get(p.number);
    if (!known?.registered)
      out.push({
        check: 'genuine_part_registered',
        severity: 'violation',
        rule,
        message: t(
          `标为原厂的零件${p.name}（${p.number}）不在生产者的原厂配件名录中`,
          `part ${p.name} (${p.number}) is marked genuine but its number is not in the manufacturer's genuine-part registry`,
        ),
      });
    else if (p.serial && known.serialCount > 0 && !reg.serials.get(`${p.number}\u0000${p.serial}`))
      out.push({
        check: 'genuine_part_serial',
        severity: 'violation',
        rule,
        message: t(
          `零件${p.name}（${p.number}）的序列号${p.serial}不是生产者发放的`,
          `serial ${p.serial} of part ${p.name} (${p.number}) was not issued by the manufacturer`,
        ),
      });
  }
  return out;
};

export const checkPartsMatchDiagnosis: Step = (c) => {
  const called = c.order.diagnosis.partsCalledFor;
  if (!called) return [];
  const allowed = new Set([...called, c.order.diagnosis.component]);
  return c.order.parts
    .filter((p) => !allowed.has(p.name))
    .map((p) => ({
      check: 'parts_match_diagnosis',
      severity: 'warning' as const,
      rule: '侵害消费者权益行为处罚办法 Art. 13(1) (小病大治)',
      message: t(
        `更换的${p.name}不在诊断所涉零件之内`,
        `replaced ${p.name}, which the diagnosis does not call for`,
      ),
    }));
};

export const checkFeesOnPriceList: Step = (c) => {
  const rule = '明码标价和禁止价格欺诈规定 Art. 7 ¶2, Art. 8';
  const ch = c.order.charges;
  const charged = ch.labourHours * ch.labourRateCNY + ch.towingCNY > 0;
  if (!c.priceList)
    return charged
      ? [
          {
            check: 'fees_on_price_list',
            severity: 'unchecked',
            rule,
            message: t(
              '无公示价目表，无法核对收费',
              'no published price list to check the fees against',
            ),
          },
        ]
      : [];
  const out: Finding[] = [];
  const pl = c.priceList;
  if (pl.labourRateCNY !== undefined && ch.labourRateCNY > pl.labourRateCNY)
    out.push({
      check: 'fees_on_price_list',
      severity: 'violation',
      rule,
      message: t(
        `工时单价${ch.labourRateCNY}元高于公示${pl.labourRateCNY}元`,
        `labour rate ${ch.labourRateCNY} above the published ${pl.labourRateCNY}`,
      ),
    });
  if (pl.towingCNY !== undefined && ch.towingCNY > pl.towingCNY)
    out.push({
      check: 'fees_on_price_list',
      severity: 'violation',
      rule,
      message: t(
        `拖车费${ch.towingCNY}元高于公示${pl.towingCNY}元`,
        `towing ${ch.towingCNY} above the published ${pl.towingCNY}`,
      ),
    });
  if (pl.workItems && charged)
    for (const w of c.order.workItems.filter((x) => !pl.workItems?.includes(x)))
      out.push({
        check: 'fees_on_price_list',
        severity: 'violation',
        rule,
        message: t(`收费项目“${w}”未公示`, `fee item "${w}" is not on the published price list`),
      });
  return out;
};

/** The checks in the order they run; the array reads as documentation. */
export const ORDER_CHECKS: ReadonlyArray<[string, Step]> = [
  ['checkOutlet', checkOutlet],
  ['checkTechnician', checkTechnician],
  ['checkChargesInsideFreePeriod', checkChargesInsideFreePeriod],
  ['checkGenuineParts', checkGenuineParts],
  ['checkPartsInRegistry', checkPartsInRegistry],
  ['checkPartsMatchDiagnosis', checkPartsMatchDiagnosis],
  ['checkFeesOnPriceList', checkFeesOnPriceList],
];

/** Runs every check on a repair order. Pure. */
export function checkRepairOrder(c: CheckContext): Finding[] {
  return ORDER_CHECKS.flatMap(([, step]) => step(c));
}
