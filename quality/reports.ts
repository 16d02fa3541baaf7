import { z } from 'zod';
import { type Sql, dateRangeIssue, inDateRange } from '../core/index.ts';
import { parseInstant } from '../warranty/index.ts';
import { chinaDateSql, chinaDateText } from './china-date.ts';
import { unitScopeSql, type FleetScope } from './scope.ts';

/**
 * The regulators' ledgers (一台账两清单) and the quarterly report per category (issue 7), as
 * tables that export.ts writes as CSV or XLSX:
 *
 * - `outlets`, 维修网点台账 — every authorized outlet, and every outlet that appears on a repair
 *   record without being in the registry: authorization, certified technicians, repairs in the
 *   period (free / charged), remedies, charges, average days out of service;
 * - `problems`, 问题清单 — the quality problems of the period: one row per unit and fault code
 *   repaired in the period for a quality cause, with how often that problem has been repaired
 *   in all, the remedy reached, and repairs that telemetry found did not hold;
 * - `rectifications`, 整改清单 — what was done about them: every repair record of the period and
 *   every repair order still open, with work, parts, charges and the telemetry verification;
 * - `quarterly`, 季度报告 — per category: units, exposure, failures, rate, MTBF, remedies and
 *   their cost, alerts, repair orders and their verification.
 *
 * Periods are China civil dates, `from` inclusive and `to` exclusive; records fall in a period
 * by their drop-off date.
 */

export const REPORT_KINDS = ['outlets', 'problems', 'rectifications', 'quarterly'] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];

export type Cell = string | number | boolean | null;
export interface Column {
  key: string;
  zh: string;
  en: string;
  type?: 'number' | 'money' | 'date' | 'text';
}
export interface ReportTable {
  kind: ReportKind;
  title: { zh: string; en: string };
  period: { from: string; to: string };
  columns: Column[];
  rows: Array<Record<string, Cell>>;
}

const civilDate = z.iso.date().refine(inDateRange, dateRangeIssue);

/** `2026Q3` → its first day and the first day of the next quarter. */
export const QuarterSchema = z
  .string()
  .regex(/^\d{4}Q[1-4]$/, 'a quarter like 2026Q3')
  .refine((q) => inDateRange(`${q.slice(0, 4)}-01-01`), dateRangeIssue)
  .transform((q) => {
    const year = Number(q.slice(0, 4));
    const n = Number(q.slice(5));
    const from = `${year}-${String((n - 1) * 3 + 1).padStart(2, '0')}-01`;
    const to = n === 4 ? `${year + 1}-01-01` : `${year}-${String(n * 3 + 1).padStart(2, '0')}-01`;
    return { from, to };
  });

/** A period: `quarter`, or `from` and `to`; the current quarter (China time) when none is given. */
export const PeriodFields = {
  quarter: QuarterSchema.optional().describe('e.g. 2026Q3'),
  from: civilDate.optional().describe('first day (inclusive)'),
  to: civilDate.optional().describe('end (exclusive)'),
};
type PeriodQuery = {
  quarter?: { from: string; to: string } | undefined;
  from?: string | undefined;
  to?: string | undefined;
};
export function checkPeriod(q: PeriodQuery, ctx: z.RefinementCtx): void {
  if (q.quarter && (q.from || q.to))
    ctx.addIssue({
      code: 'custom',
      path: ['quarter'],
      message: 'give a quarter or from/to, not both',
    });
  if ((q.from === undefined) !== (q.to === undefined))
    ctx.addIssue({
      code: 'custom',
      path: [q.from ? 'to' : 'from'],
      message: 'from and to go together',
    });
  if (q.from && q.to && q.from >= q.to)
    ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be after from' });
}

export function resolvePeriod(q: PeriodQuery, now: Date): { from: string; to: string } {
  if (q.quarter) return q.quarter;
  if (q.from && q.to) return { from: q.from, to: q.to };
  const china = new Date(now.getTime() + 8 * 3_600_000);
  const quarter = `${china.getUTCFullYear()}Q${Math.floor(china.getUTCMonth() / 3) + 1}`;
  return QuarterSchema.parse(quarter);
}

const TITLES: Record<ReportKind, { zh: string; en: string }> = {
  outlets: { zh: '维修网点台账', en: 'Repair-outlet ledger' },
  problems: { zh: '问题清单', en: 'Problem list' },
  rectifications: { zh: '整改清单', en: 'Rectification list' },
  quarterly: { zh: '季度三包报告（按品类）', en: 'Quarterly 三包 report by category' },
};

const COLUMNS: Record<ReportKind, Column[]> = {
  outlets: [
    { key: 'outletId', zh: '网点编号', en: 'outlet id' },
    { key: 'name', zh: '网点名称', en: 'name' },
    { key: 'manufacturer', zh: '授权厂家', en: 'manufacturer' },
    { key: 'address', zh: '地址', en: 'address' },
    { key: 'servicePhone', zh: '服务电话', en: 'service phone' },
    { key: 'registered', zh: '已备案', en: 'in registry' },
    { key: 'authorizedFrom', zh: '授权起', en: 'authorized from', type: 'date' },
    { key: 'authorizedTo', zh: '授权止', en: 'authorized to', type: 'date' },
    { key: 'authorizedInPeriod', zh: '期内有效授权', en: 'authorized in period' },
    { key: 'technicians', zh: '持证技师数', en: 'certified technicians', type: 'number' },
    { key: 'repairs', zh: '维修单数', en: 'repairs', type: 'number' },
    { key: 'freeRepairs', zh: '免费维修数', en: 'free repairs', type: 'number' },
    { key: 'exchanges', zh: '换货数', en: 'exchanges', type: 'number' },
    { key: 'returns', zh: '退货数', en: 'returns', type: 'number' },
    { key: 'chargesCNY', zh: '收费合计（元）', en: 'charges (CNY)', type: 'money' },
    { key: 'avgDaysOut', zh: '平均维修天数', en: 'mean days out of service', type: 'number' },
  ],
  problems: [
    { key: 'serial', zh: '产品序列号', en: 'serial' },
    { key: 'category', zh: '品类', en: 'category' },
    { key: 'model', zh: '型号', en: 'model' },
    { key: 'manufacturer', zh: '生产者', en: 'manufacturer' },
    { key: 'productionBatch', zh: '生产批次', en: 'production batch' },
    { key: 'faultCode', zh: '故障代码', en: 'fault code' },
    { key: 'component', zh: '故障部件', en: 'component' },
    { key: 'repairsInPeriod', zh: '期内修理次数', en: 'repairs in period', type: 'number' },
    {
      key: 'repairsTotal',
      zh: '累计修理次数（同一问题）',
      en: 'repairs of this problem in all',
      type: 'number',
    },
    { key: 'firstRepair', zh: '首次送修', en: 'first repair', type: 'date' },
    { key: 'lastRepair', zh: '最近送修', en: 'last repair', type: 'date' },
    { key: 'remedyReached', zh: '已给予的三包方式', en: 'remedy granted', type: 'text' },
    { key: 'repeat', zh: '重复故障', en: 'repeat failure' },
    { key: 'verification', zh: '远程监测验证', en: 'telemetry verification' },
  ],
  rectifications: [
    { key: 'serial', zh: '产品序列号', en: 'serial' },
    { key: 'recordSeq', zh: '维修记录号', en: 'record seq', type: 'number' },
    { key: 'orderId', zh: '维修工单', en: 'repair order' },
    { key: 'status', zh: '状态', en: 'status' },
    { key: 'category', zh: '品类', en: 'category' },
    { key: 'model', zh: '型号', en: 'model' },
    { key: 'outletId', zh: '维修网点', en: 'outlet' },
    { key: 'technician', zh: '技师证书', en: 'technician certificate' },
    { key: 'droppedOffAt', zh: '送修时间', en: 'dropped off', type: 'date' },
    { key: 'handedBackAt', zh: '交付时间', en: 'handed back', type: 'date' },
    { key: 'faultCode', zh: '故障代码', en: 'fault code' },
    { key: 'component', zh: '故障部件', en: 'component' },
    { key: 'cause', zh: '故障原因', en: 'cause' },
    { key: 'workDone', zh: '维修项目', en: 'work done' },
    { key: 'parts', zh: '更换零部件', en: 'parts replaced' },
    { key: 'nonGenuineParts', zh: '非原厂件数', en: 'non-genuine parts', type: 'number' },
    { key: 'chargesCNY', zh: '收费（元）', en: 'charges (CNY)', type: 'money' },
    { key: 'remedy', zh: '三包方式', en: 'remedy' },
    { key: 'alertIds', zh: '对应预警', en: 'alerts answered' },
    { key: 'verification', zh: '远程监测验证', en: 'telemetry verification' },
  ],
  quarterly: [
    { key: 'category', zh: '品类', en: 'category' },
    { key: 'units', zh: '在保登记台数', en: 'units registered', type: 'number' },
    { key: 'unitsSold', zh: '期内售出', en: 'sold in period', type: 'number' },
    {
      key: 'unitYears',
      zh: '期内暴露（台·年）',
      en: 'exposure in period (unit-years)',
      type: 'number',
    },
    { key: 'failures', zh: '质量故障修理次数', en: 'quality failures', type: 'number' },
    { key: 'failedUnits', zh: '故障台数', en: 'failed units', type: 'number' },
    {
      key: 'ratePerUnitYear',
      zh: '故障率（次/台·年）',
      en: 'failure rate (per unit-year)',
      type: 'number',
    },
    { key: 'mtbfDays', zh: '平均故障间隔（天）', en: 'MTBF (days)', type: 'number' },
    { key: 'repairs', zh: '修理', en: 'repairs', type: 'number' },
    { key: 'exchanges', zh: '换货', en: 'exchanges', type: 'number' },
    { key: 'returns', zh: '退货', en: 'returns', type: 'number' },
    { key: 'remedyCostCNY', zh: '三包费用（元）', en: 'remedy cost (CNY)', type: 'money' },
    { key: 'topComponent', zh: '故障最多部件', en: 'most failing component' },
    { key: 'alertsOpened', zh: '预警数', en: 'alerts opened', type: 'number' },
    { key: 'ordersClosed', zh: '工单完成数', en: 'repair orders closed', type: 'number' },
    { key: 'ordersVerified', zh: '监测验证通过', en: 'verified by telemetry', type: 'number' },
    { key: 'repeatFailures', zh: '重复故障', en: 'repeat failures', type: 'number' },
  ],
};

const r2 = (x: number | null) => (x === null ? null : Math.round(x * 100) / 100);
const r4 = (x: number | null) => (x === null ? null : Math.round(x * 10_000) / 10_000);

export async function buildReport(
  sql: Sql,
  kind: ReportKind,
  period: { from: string; to: string },
  scope: FleetScope,
): Promise<ReportTable> {
  const base = { kind, title: TITLES[kind], period, columns: COLUMNS[kind] };
  const rows = await ROWS[kind](sql, period, scope);
  return { ...base, rows };
}

type RowsFn = (
  sql: Sql,
  p: { from: string; to: string },
  scope: FleetScope,
) => Promise<Array<Record<string, Cell>>>;

/** Records of the period within scope: effective, dropped off in [from, to). */
const periodRecords = (scope: FleetScope) => {
  const us = unitScopeSql(scope, 3);
  return {
    sql: `SELECT e.*, u.category, u.model, u.manufacturer, u.production_batch, u.price_cny
            FROM warranty_records_in_force e JOIN warranty_units_v u ON u.serial = e.serial
           WHERE ${chinaDateText('e.dropped_off_at')} >= $1 AND ${chinaDateText('e.dropped_off_at')} < $2 AND ${us.where}`,
    params: us.params,
  };
};

const ROWS: Record<ReportKind, RowsFn> = {
  async outlets(sql, p, scope) {
    const pr = periodRecords(scope);
    const r = await sql.query<{
      outlet_id: string;
      name: string | null;
      manufacturer: string | null;
      address: string | null;
      service_phone: string | null;
      authorized_from: string | null;
      authorized_to: string | null;
      technicians: number;
      repairs: number;
      free_repairs: number;
      exchanges: number;
      returns: number;
      charges: number | null;
      avg_days: number | null;
    }>(
      `WITH pr AS (${pr.sql}),
       per AS (
         SELECT pr.body ->> 'outletId' AS outlet_id, count(*)::int AS repairs,
                (count(*) FILTER (WHERE pr.charges_cny = 0))::int AS free_repairs,
                (count(*) FILTER (WHERE pr.remedy = 'exchange'))::int AS exchanges,
                (count(*) FILTER (WHERE pr.remedy = 'return'))::int AS returns,
                sum(pr.charges_cny)::float8 AS charges,
                avg(${chinaDateSql("(pr.body ->> 'handedBackAt')")} - ${chinaDateSql('pr.dropped_off_at')})::float8 AS avg_days
           FROM pr GROUP BY 1)
       SELECT coalesce(o.id, per.outlet_id) AS outlet_id, o.name, o.manufacturer, o.address,
              o.service_phone, o.authorized_from, o.authorized_to,
              (SELECT count(*)::int FROM warranty_technicians_v t
                WHERE t.outlet_id = o.id AND ${chinaDateText('t.valid_from')} < $2
                  AND (t.valid_to IS NULL OR ${chinaDateText('t.valid_to')} >= $1)) AS technicians,
              coalesce(per.repairs, 0) AS repairs, coalesce(per.free_repairs, 0) AS free_repairs,
              coalesce(per.exchanges, 0) AS exchanges, coalesce(per.returns, 0) AS returns,
              coalesce(per.charges, 0) AS charges, per.avg_days
         FROM warranty_outlets_v o FULL JOIN per ON per.outlet_id = o.id
        WHERE ${scope.manufacturer === null ? 'TRUE' : '(o.manufacturer = $3 OR per.outlet_id IS NOT NULL)'}
        ORDER BY (o.id IS NULL) DESC, coalesce(o.id, per.outlet_id)`,
      [p.from, p.to, ...pr.params],
    );
    return r.rows.map((x) => ({
      outletId: x.outlet_id,
      name: x.name,
      manufacturer: x.manufacturer,
      address: x.address,
      servicePhone: x.service_phone,
      registered: x.name !== null,
      authorizedFrom: x.authorized_from,
      authorizedTo: x.authorized_to,
      authorizedInPeriod:
        x.authorized_from !== null &&
        parseInstant(x.authorized_from).date < p.to &&
        (x.authorized_to === null || parseInstant(x.authorized_to).date >= p.from),
      technicians: x.technicians,
      repairs: x.repairs,
      freeRepairs: x.free_repairs,
      exchanges: x.exchanges,
      returns: x.returns,
      chargesCNY: r2(x.charges ?? 0),
      avgDaysOut: x.avg_days === null ? null : r2(x.avg_days),
    }));
  },

  async problems(sql, p, scope) {
    const pr = periodRecords(scope);
    const r = await sql.query<{
      serial: string;
      category: string;
      model: string;
      manufacturer: string | null;
      production_batch: string | null;
      fault_code: string;
      component: string;
      in_period: number;
      total: number;
      first_repair: string;
      last_repair: string;
      remedy: string;
      verification: string | null;
    }>(
      `WITH pr AS (${pr.sql} AND e.cause = 'quality'),
       probs AS (
         SELECT serial, coalesce(nullif(body -> 'diagnosis' ->> 'faultCode', ''), component) AS fault_code,
                max(category) AS category, max(model) AS model, max(manufacturer) AS manufacturer,
                max(production_batch) AS production_batch, count(*)::int AS in_period
           FROM pr GROUP BY 1, 2),
       alltime AS (
         SELECT e.serial, coalesce(nullif(e.body -> 'diagnosis' ->> 'faultCode', ''), e.component) AS fault_code,
                count(*)::int AS total, min(e.dropped_off_at) AS first_repair,
                max(e.dropped_off_at) AS last_repair, max(e.component) AS component,
                CASE WHEN bool_or(e.remedy = 'return') THEN 'return'
                     WHEN bool_or(e.remedy = 'exchange') THEN 'exchange' ELSE 'repair' END AS remedy
           FROM warranty_records_in_force e
          WHERE e.cause = 'quality' AND e.serial IN (SELECT serial FROM probs)
            AND ${chinaDateText('e.dropped_off_at')} < $2
          GROUP BY 1, 2)
       SELECT probs.*, a.total, a.first_repair, a.last_repair, a.component, a.remedy,
              (SELECT o.verification FROM repair_orders o
                WHERE o.serial = probs.serial AND o.status = 'closed'
                ORDER BY o.closed_at DESC LIMIT 1) AS verification
         FROM probs JOIN alltime a ON a.serial = probs.serial AND a.fault_code = probs.fault_code
        ORDER BY a.total DESC, probs.serial, probs.fault_code`,
      [p.from, p.to, ...pr.params],
    );
    return r.rows.map((x) => ({
      serial: x.serial,
      category: x.category,
      model: x.model,
      manufacturer: x.manufacturer,
      productionBatch: x.production_batch,
      faultCode: x.fault_code,
      component: x.component,
      repairsInPeriod: x.in_period,
      repairsTotal: x.total,
      firstRepair: x.first_repair,
      lastRepair: x.last_repair,
      remedyReached: x.remedy,
      repeat: x.total >= 2,
      verification: x.verification,
    }));
  },

  async rectifications(sql, p, scope) {
    const pr = periodRecords(scope);
    const us = unitScopeSql(scope, 3);
    const [records, open] = await Promise.all([
      sql.query<{
        serial: string;
        seq: number;
        body: RecordBodyLike | string;
        category: string;
        model: string;
        charges_cny: number;
        remedy: string;
        order_id: string | null;
        alert_ids: string[] | string | null;
        verification: string | null;
      }>(
        `WITH pr AS (${pr.sql})
         SELECT pr.serial, pr.seq, pr.body, pr.category, pr.model, pr.charges_cny, pr.remedy,
                o.id AS order_id, o.alert_ids, o.verification
           FROM pr LEFT JOIN repair_orders o ON o.serial = pr.serial AND o.record_seq = pr.origin
          ORDER BY pr.dropped_off_at, pr.serial, pr.seq`,
        [p.from, p.to, ...pr.params],
      ),
      sql.query<{
        id: string;
        serial: string;
        category: string;
        model: string;
        outlet_id: string;
        technician_certificate: string | null;
        dropped_off_at: string;
        suspected_component: string | null;
        alert_ids: string[] | string;
      }>(
        `SELECT o.id, o.serial, u.category, u.model, o.outlet_id, o.technician_certificate,
                o.dropped_off_at, o.suspected_component, o.alert_ids
           FROM repair_orders o JOIN warranty_units_v u ON u.serial = o.serial
          WHERE o.status = 'open' AND ${chinaDateText('o.dropped_off_at')} < $2 AND $1::text IS NOT NULL
            AND ${us.where}
          ORDER BY o.dropped_off_at`,
        [p.from, p.to, ...us.params],
      ),
    ]);
    const list = (v: string[] | string | null) =>
      v === null ? '' : (typeof v === 'string' ? (JSON.parse(v) as string[]) : v).join(' ');
    const out: Array<Record<string, Cell>> = records.rows.map((x) => {
      const b = (typeof x.body === 'string' ? JSON.parse(x.body) : x.body) as RecordBodyLike;
      return {
        serial: x.serial,
        recordSeq: x.seq,
        orderId: x.order_id,
        status: 'repaired',
        category: x.category,
        model: x.model,
        outletId: b.outletId,
        technician: b.technicianCertificate ?? null,
        droppedOffAt: b.droppedOffAt,
        handedBackAt: b.handedBackAt ?? null,
        faultCode: b.diagnosis.faultCode,
        component: b.diagnosis.component,
        cause: b.diagnosis.cause,
        workDone: (b.workItems ?? []).join('; '),
        parts: (b.parts ?? [])
          .map((q) => `${q.name} ${q.number}${q.genuine ? '' : ' (非原厂)'}`)
          .join('; '),
        nonGenuineParts: (b.parts ?? []).filter((q) => !q.genuine).length,
        chargesCNY: r2(x.charges_cny),
        remedy: x.remedy,
        alertIds: list(x.alert_ids) || (b.diagnosis.alertId ?? ''),
        verification: x.verification ?? (x.order_id ? null : 'no repair order'),
      };
    });
    for (const o of open.rows)
      out.push({
        serial: o.serial,
        recordSeq: null,
        orderId: o.id,
        status: 'in progress',
        category: o.category,
        model: o.model,
        outletId: o.outlet_id,
        technician: o.technician_certificate,
        droppedOffAt: o.dropped_off_at,
        handedBackAt: null,
        faultCode: null,
        component: o.suspected_component,
        cause: null,
        workDone: '',
        parts: '',
        nonGenuineParts: 0,
        chargesCNY: null,
        remedy: null,
        alertIds: list(o.alert_ids),
        verification: 'pending',
      });
    return out;
  },

  async quarterly(sql, p, scope) {
    const us = unitScopeSql(scope, 3);
    const r = await sql.query<{
      category: string;
      units: number;
      sold: number;
      unit_days: number;
      failures: number;
      failed_units: number;
      repairs: number;
      exchanges: number;
      returns: number;
      cost: number;
      top_component: string | null;
      alerts: number;
      orders_closed: number;
      verified: number;
      repeats: number;
    }>(
      `WITH units AS (
         -- Only the columns used: both CTEs are materialised, and whole rows (record bodies,
         -- component lists) would go to temp files (bench:quality, 14 s → 8 s at 5M records).
         SELECT u.serial, u.category, u.invoice_date, u.price_cny, u.device_id
           FROM warranty_units_v u WHERE ${chinaDateText('u.invoice_date')} < $2 AND ${us.where}),
       pr AS (
         SELECT e.serial, e.cause, e.component, e.remedy, e.charges_cny, units.category,
                units.price_cny
           FROM warranty_records_in_force e
           JOIN units ON units.serial = e.serial
          WHERE ${chinaDateText('e.dropped_off_at')} >= $1 AND ${chinaDateText('e.dropped_off_at')} < $2),
       ex AS (
         SELECT category, count(*)::int AS units,
                (count(*) FILTER (WHERE ${chinaDateText('invoice_date')} >= $1))::int AS sold,
                sum(greatest($2::date - greatest(${chinaDateSql('invoice_date')}, $1::date), 0))::float8 AS unit_days
           FROM units GROUP BY category),
       rec AS (
         SELECT category,
                (count(*) FILTER (WHERE cause = 'quality'))::int AS failures,
                (count(DISTINCT serial) FILTER (WHERE cause = 'quality'))::int AS failed_units,
                (count(*) FILTER (WHERE remedy = 'repair'))::int AS repairs,
                (count(*) FILTER (WHERE remedy = 'exchange'))::int AS exchanges,
                (count(*) FILTER (WHERE remedy = 'return'))::int AS returns,
                sum(charges_cny + CASE WHEN remedy IN ('exchange', 'return')
                                       THEN coalesce(price_cny, 0) ELSE 0 END)::float8 AS cost
           FROM pr GROUP BY category),
       top AS (
         SELECT DISTINCT ON (category) category, component FROM (
           SELECT category, component, count(*) AS n FROM pr WHERE cause = 'quality'
            GROUP BY category, component) c
          ORDER BY category, n DESC, component),
       al AS (
         SELECT d.category, count(*)::int AS alerts FROM alerts_v a JOIN devices_v d ON d.id = a.device_id
          WHERE a.opened_at >= ($1::date - interval '8 hours') AND a.opened_at < ($2::date - interval '8 hours')
            AND ${
              scope.manufacturer !== null
                ? 'd.id IN (SELECT device_id FROM units WHERE device_id IS NOT NULL)'
                : scope.category !== null
                  ? 'd.category = $3'
                  : 'TRUE'
            }
          GROUP BY d.category),
       ord AS (
         SELECT units.category, count(*)::int AS closed,
                (count(*) FILTER (WHERE o.verification = 'verified'))::int AS verified,
                (count(*) FILTER (WHERE o.verification = 'repeat_failure'))::int AS repeats
           FROM repair_orders o JOIN units ON units.serial = o.serial
          WHERE o.status = 'closed'
            AND o.closed_at >= ($1::date - interval '8 hours') AND o.closed_at < ($2::date - interval '8 hours')
          GROUP BY units.category)
       SELECT ex.category, ex.units, ex.sold, ex.unit_days,
              coalesce(rec.failures, 0) AS failures, coalesce(rec.failed_units, 0) AS failed_units,
              coalesce(rec.repairs, 0) AS repairs, coalesce(rec.exchanges, 0) AS exchanges,
              coalesce(rec.returns, 0) AS returns, coalesce(rec.cost, 0) AS cost,
              top.component AS top_component, coalesce(al.alerts, 0) AS alerts,
              coalesce(ord.closed, 0) AS orders_closed, coalesce(ord.verified, 0) AS verified,
              coalesce(ord.repeats, 0) AS repeats
         FROM ex LEFT JOIN rec USING (category) LEFT JOIN top USING (category)
              LEFT JOIN al USING (category) LEFT JOIN ord USING (category)
        ORDER BY ex.category`,
      [p.from, p.to, ...us.params],
    );
    return r.rows.map((x) => ({
      category: x.category,
      units: x.units,
      unitsSold: x.sold,
      unitYears: r4(x.unit_days / 365.25),
      failures: x.failures,
      failedUnits: x.failed_units,
      ratePerUnitYear: x.unit_days > 0 ? r4(x.failures / (x.unit_days / 365.25)) : null,
      mtbfDays: x.failures > 0 ? r2(x.unit_days / x.failures) : null,
      repairs: x.repairs,
      exchanges: x.exchanges,
      returns: x.returns,
      remedyCostCNY: r2(x.cost),
      topComponent: x.top_component,
      alertsOpened: x.alerts,
      ordersClosed: x.orders_closed,
      ordersVerified: x.verified,
      repeatFailures: x.repeats,
    }));
  },
};

interface RecordBodyLike {
  outletId: string;
  technicianCertificate?: string;
  droppedOffAt: string;
  handedBackAt?: string;
  diagnosis: { faultCode: string; component: string; cause: string; alertId?: string };
  workItems?: string[];
  parts?: Array<{ name: string; number: string; genuine: boolean }>;
}
