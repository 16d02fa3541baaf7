import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Sql } from '../core/index.ts';
import type { Alert, AlertService } from '../diagnostics/index.ts';
import {
  caseForUnit,
  CauseSchema,
  DateOrDateTimeSchema,
  evaluateCase,
  PartUsedSchema,
  recordInForce,
  registriesFor,
  RepairRecordBodySchema,
  reviewOrder,
  unitTerms,
  type Evaluation,
  type Finding,
  type HolidayCalendar,
  type StoredRepairRecord,
  type WarrantyStore,
} from '../warranty/index.ts';
import { QualityErrors } from './errors.ts';

/**
 * Repair orders opened from alerts (issue 7): the alerts' evidence, suspected component and
 * parts travel with the order; closing it appends the repair record to the unit's hash chain
 * (warranty/) and resolves the alerts; afterwards telemetry verifies the repair — the failure
 * mode must come back to health within the verification window, and if the same mode alerts
 * again on the device it is a repeat failure: the same quality problem for 三包, escalated at
 * once with what the law gives the owner now.
 */

export const VerificationSchema = z.enum([
  'pending',
  'verifying',
  'verified',
  'not_recovered',
  'no_telemetry',
  'repeat_failure',
]);

export const RepairOrderSchema = z
  .object({
    id: z.string(),
    serial: z.string(),
    deviceId: z.string().nullable(),
    status: z.enum(['open', 'closed', 'cancelled']),
    alertIds: z.array(z.string()),
    modeIds: z.array(z.string()),
    suspectedComponent: z.string().nullable(),
    partsCalledFor: z.array(z.string()),
    evidence: z.array(z.unknown()).describe("the alerts' evidence when the order was opened"),
    outletId: z.string(),
    technicianCertificate: z.string().nullable(),
    droppedOffAt: z.string(),
    handedBackAt: z.string().nullable(),
    note: z.string().nullable(),
    openedBy: z.string(),
    openedAt: z.string(),
    closedBy: z.string().nullable(),
    closedAt: z.string().nullable(),
    recordSeq: z.number().int().nullable().describe("the repair record in the unit's chain"),
    recordHash: z
      .string()
      .nullable()
      .describe("that record's hash: a copy of the link, checked by the unit's chain verification"),
    verification: VerificationSchema.describe(
      'telemetry check after the repair: verifying until verifyUntil, then verified, not_recovered or no_telemetry; repeat_failure when the same mode alerted again',
    ),
    verifyUntil: z.string().nullable(),
    repeatAlertId: z.string().nullable(),
  })
  .meta({ id: 'RepairOrder' });
export type RepairOrder = z.infer<typeof RepairOrderSchema>;

export const OpenOrderSchema = z
  .object({
    alertIds: z.array(z.string().min(1).max(100)).min(1).max(20),
    outletId: z.string().min(1).max(64),
    technicianCertificate: z.string().min(1).max(64).optional(),
    droppedOffAt: DateOrDateTimeSchema.optional().describe('default: now'),
    note: z.string().max(2000).optional(),
  })
  .meta({ id: 'RepairOrderOpen' });
export type OpenOrder = z.infer<typeof OpenOrderSchema>;

/**
 * What the engineer records when the unit is handed back. Everything the order already knows
 * (outlet, technician, drop-off, alert, component, parts called for) is filled in; the rest is
 * the repair record's own schema (warranty/repair-record-schema.ts), checked by it.
 */
export const CloseOrderSchema = z
  .object({
    handedBackAt: DateOrDateTimeSchema.optional().describe('default: now'),
    reportedFault: z.string().min(1).optional().describe("default: the alerts' failure modes"),
    inspectionResult: z.string().optional(),
    diagnosis: z
      .object({
        faultCode: z
          .string()
          .min(1)
          .optional()
          .describe(
            'default: the fault code of the earlier repair of the same failure mode, else the mode id — the same code makes it the same quality problem for 三包',
          ),
        component: z.string().min(1).optional(),
        cause: CauseSchema.optional().describe('default: quality'),
        isMainPart: z.boolean().optional(),
        isSeriousSafetyFault: z.boolean().optional(),
      })
      .prefault({}),
    workItems: z.array(z.string()).optional(),
    parts: z.array(PartUsedSchema).optional(),
    charges: RepairRecordBodySchema.shape.charges.optional(),
    remedyGranted: z.enum(['repair', 'exchange', 'return']).optional(),
    odometerKm: z.number().nonnegative().finite().optional(),
    waitingForPartsFromProducer: z.boolean().optional(),
    delayCause: RepairRecordBodySchema.shape.delayCause,
    excludedHours: z.number().nonnegative().optional(),
    postRepairState: z.string().optional(),
    signatures: z.object({ repairer: z.string().min(1), consumer: z.string().optional() }),
  })
  .meta({ id: 'RepairOrderClose' });
export type CloseOrder = z.infer<typeof CloseOrderSchema>;

interface OrderRow {
  id: string;
  serial: string;
  device_id: string | null;
  status: RepairOrder['status'];
  alert_ids: string[] | string;
  mode_ids: string[] | string;
  suspected_component: string | null;
  parts_called_for: string[] | string;
  evidence: unknown[] | string;
  outlet_id: string;
  technician_certificate: string | null;
  dropped_off_at: string;
  handed_back_at: string | null;
  note: string | null;
  opened_by: string;
  opened_at: Date | string;
  closed_by: string | null;
  closed_at: Date | string | null;
  record_seq: number | null;
  record_hash: string | null;
  verification: RepairOrder['verification'];
  verify_until: Date | string | null;
  repeat_alert_id: string | null;
}

const json = <T>(v: T | string): T => (typeof v === 'string' ? (JSON.parse(v) as T) : v);
const isoOf = (v: Date | string | null): string | null =>
  v === null ? null : new Date(v).toISOString();

function toOrder(r: OrderRow): RepairOrder {
  return {
    id: r.id,
    serial: r.serial,
    deviceId: r.device_id,
    status: r.status,
    alertIds: json(r.alert_ids),
    modeIds: json(r.mode_ids),
    suspectedComponent: r.suspected_component,
    partsCalledFor: json(r.parts_called_for),
    evidence: json(r.evidence),
    outletId: r.outlet_id,
    technicianCertificate: r.technician_certificate,
    droppedOffAt: r.dropped_off_at,
    handedBackAt: r.handed_back_at,
    note: r.note,
    openedBy: r.opened_by,
    openedAt: isoOf(r.opened_at)!,
    closedBy: r.closed_by,
    closedAt: isoOf(r.closed_at),
    recordSeq: r.record_seq,
    recordHash: r.record_hash,
    verification: r.verification,
    verifyUntil: isoOf(r.verify_until),
    repeatAlertId: r.repeat_alert_id,
  };
}

export interface OrderFilter {
  status?: RepairOrder['status'] | undefined;
  serial?: string | undefined;
  deviceId?: string | undefined;
  outletId?: string | undefined;
  verification?: RepairOrder['verification'] | undefined;
  /** Only the orders of this manufacturer's units; null: every order (core/tenant.ts). */
  manufacturer: string | null;
  limit: number;
  offset: number;
}

export interface RepairOrdersDeps {
  sql: Sql;
  warranty: WarrantyStore;
  alerts: AlertService;
  /** Health score (0–100) per failure mode of a device, and when the engine last saw it. */
  modeHealth: (deviceId: string) => Promise<{ ts: number; modes: Map<string, number> } | undefined>;
  now?: () => Date;
  /** How long after hand-back the failure mode must be healthy again (default 72 h). */
  verifyWindowMs?: number;
  /** The health score a repaired mode must reach (default 80). */
  minHealth?: number;
  onError?: (err: unknown, what: string) => void;
  /** The holiday calendar in force; default the built-in one. */
  calendar?: () => HolidayCalendar;
}

export interface RepeatFailure {
  order: RepairOrder;
  alert: Alert;
  evaluation: Evaluation;
}

export interface RepairOrders {
  open(input: OpenOrder, by: string): Promise<RepairOrder>;
  get(id: string): Promise<RepairOrder | undefined>;
  list(f: OrderFilter): Promise<{ orders: RepairOrder[]; total: number }>;
  close(
    id: string,
    input: CloseOrder,
    by: string,
  ): Promise<{ order: RepairOrder; record: StoredRepairRecord; checks: Finding[] }>;
  cancel(id: string, reason: string, by: string): Promise<RepairOrder>;
  /** The links of a unit's chain its closed orders keep (seq and hash), for verification. */
  links(serial: string): Promise<Array<{ seq: number; hash: string; source: string }>>;
  /** Checks orders whose verification window has passed; returns those it settled. */
  verifyDue(): Promise<RepairOrder[]>;
  /** Called for every newly opened alert: a repeat of a repaired mode is escalated. */
  onAlertOpened(alert: Alert): Promise<RepeatFailure | undefined>;
  /** Resolves when the repeat checks started so far are done (tests, shutdown). */
  idle(): Promise<void>;
}

export function createRepairOrders(d: RepairOrdersDeps): RepairOrders {
  const now = d.now ?? (() => new Date());
  const windowMs = d.verifyWindowMs ?? 72 * 3_600_000;
  const minHealth = d.minHealth ?? 80;
  const closing = new Set<string>();
  let pending: Promise<unknown> = Promise.resolve();

  async function get(id: string): Promise<RepairOrder | undefined> {
    const r = await d.sql.query<OrderRow>('SELECT * FROM repair_orders WHERE id = $1', [id]);
    return r.rows[0] && toOrder(r.rows[0]);
  }
  async function openOr404(id: string): Promise<RepairOrder> {
    const o = await get(id);
    if (!o) throw new QualityErrors.UnknownOrder(id);
    if (o.status !== 'open') throw new QualityErrors.NotOpen(id, o.status);
    return o;
  }

  /** The fault code of the record in force for the last record that closed an order of this mode. */
  async function earlierFaultCode(serial: string, modeIds: string[]): Promise<string | undefined> {
    const r = await d.sql.query<{ record_seq: number }>(
      `SELECT record_seq FROM repair_orders
        WHERE serial = $1 AND status = 'closed' AND record_seq IS NOT NULL AND mode_ids ?| $2::text[]
        ORDER BY closed_at DESC LIMIT 1`,
      [serial, modeIds],
    );
    const seq = r.rows[0]?.record_seq;
    if (seq === undefined) return undefined;
    // The record itself, or the record in force after its corrections.
    return recordInForce(await d.warranty.listRepairs(serial), seq)?.body.diagnosis.faultCode;
  }

  async function repeatCheck(alert: Alert): Promise<RepeatFailure | undefined> {
    const r = await d.sql.query<OrderRow>(
      `SELECT * FROM repair_orders
        WHERE device_id = $1 AND status = 'closed' AND mode_ids ? $2
          AND verification IN ('verifying', 'verified', 'not_recovered', 'no_telemetry')
        ORDER BY closed_at DESC LIMIT 1`,
      [alert.deviceId, alert.modeId],
    );
    const row = r.rows[0];
    if (!row) return undefined;
    const updated = await d.sql.query<OrderRow>(
      `UPDATE repair_orders SET verification = 'repeat_failure', repeat_alert_id = $2
        WHERE id = $1 AND verification <> 'repeat_failure' RETURNING *`,
      [row.id, alert.id],
    );
    if (!updated.rows[0]) return undefined; // another check got there first
    const order = toOrder(updated.rows[0]);
    const unit = await d.warranty.getUnit(order.serial);
    if (!unit) return undefined;
    const records = await d.warranty.listRepairs(order.serial);
    const faultCode = (await earlierFaultCode(order.serial, [alert.modeId])) ?? alert.modeId;
    const date = now().toISOString();
    // Under the terms the unit was sold with: its maker's policy in force, its model's parts.
    const c = caseForUnit(unit, records, date, undefined, await unitTerms(d.warranty, unit));
    c.facts.currentFault = {
      date,
      faultCode,
      description: alert.modeName,
      component: alert.component,
      cause: 'quality',
    };
    const calendar = d.calendar?.();
    const evaluation = evaluateCase(c, calendar ? { calendar } : {});
    const counters = evaluation.counters
      .map((x) => `${x.explanation.en} (${x.count}/${x.limit}, ${x.clause})`)
      .join('; ');
    const reason =
      `Repeat failure: ${alert.modeName} came back after repair order ${order.id} ` +
      `(record #${order.recordSeq ?? '?'}, closed ${order.closedAt ?? '?'}): the same quality ` +
      `problem (${faultCode}) for 三包. Remedy the owner has now: ${evaluation.remedy}` +
      (counters ? `. Counters: ${counters}` : '') +
      ` / 修复后同一故障再次出现（同一质量问题）；当前三包救济：${evaluation.remedy}`;
    const escalated = await d.alerts.escalate(alert.id, 'critical', 'quality', reason);
    return { order, alert: escalated, evaluation };
  }

  return {
    get,
    async open(input, by) {
      const alerts: Alert[] = [];
      for (const id of new Set(input.alertIds)) {
        const a = await d.alerts.store.get(id);
        if (!a) throw new QualityErrors.UnknownAlert(id);
        if (a.status === 'resolved' || a.status === 'dismissed')
          throw new QualityErrors.AlertClosed(id, a.status);
        alerts.push(a);
      }
      const devices = [...new Set(alerts.map((a) => a.deviceId))];
      if (devices.length > 1) throw new QualityErrors.MixedDevices(devices.join(', '));
      const deviceId = devices[0]!;
      const taken = await d.sql.query<{ id: string; alert: string }>(
        `SELECT o.id, x.alert FROM repair_orders o, jsonb_array_elements_text(o.alert_ids) AS x(alert)
          WHERE o.status = 'open' AND o.device_id = $1 AND x.alert = ANY($2::text[]) LIMIT 1`,
        [deviceId, alerts.map((a) => a.id)],
      );
      if (taken.rows[0]) throw new QualityErrors.AlertTaken(taken.rows[0].alert, taken.rows[0].id);
      const unitRow = await d.sql.query<{ serial: string }>(
        'SELECT serial FROM warranty_units_v WHERE device_id = $1 ORDER BY created_at DESC LIMIT 1',
        [deviceId],
      );
      const serial = unitRow.rows[0]?.serial;
      if (!serial) throw new QualityErrors.NoUnit(deviceId, deviceId);
      if (!(await d.warranty.getOutlet(input.outletId)))
        throw new QualityErrors.UnknownOutlet(input.outletId);
      // The most severe alert names the suspected component; parts are the union.
      const sorted = [...alerts].sort((a, b) => rank(b.severity) - rank(a.severity));
      const id = `ro_${randomUUID()}`;
      const at = now();
      const r = await d.sql.query<OrderRow>(
        `INSERT INTO repair_orders (id, serial, device_id, status, alert_ids, mode_ids,
            suspected_component, parts_called_for, evidence, outlet_id, technician_certificate,
            dropped_off_at, note, opened_by, opened_at)
         VALUES ($1, $2, $3, 'open', $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING *`,
        [
          id,
          serial,
          deviceId,
          JSON.stringify(alerts.map((a) => a.id)),
          JSON.stringify([...new Set(alerts.map((a) => a.modeId))]),
          sorted[0]!.component,
          JSON.stringify([...new Set(alerts.flatMap((a) => a.parts))]),
          JSON.stringify(alerts.flatMap((a) => a.evidence)),
          input.outletId,
          input.technicianCertificate ?? null,
          input.droppedOffAt ?? at.toISOString(),
          input.note ?? null,
          by,
          at,
        ],
      );
      for (const a of alerts) {
        if (a.status === 'open') await d.alerts.acknowledge(a.id, by);
        await d.alerts.comment(a.id, by, `repair order ${id} opened at outlet ${input.outletId}`);
      }
      return toOrder(r.rows[0]!);
    },
    async list(f) {
      const where: string[] = [];
      const params: unknown[] = [];
      const add = (clause: string, v: unknown) => {
        params.push(v);
        where.push(clause.replace('?', `$${params.length}`));
      };
      if (f.status) add('status = ?', f.status);
      if (f.serial) add('serial = ?', f.serial);
      if (f.deviceId) add('device_id = ?', f.deviceId);
      if (f.outletId) add('outlet_id = ?', f.outletId);
      if (f.verification) add('verification = ?', f.verification);
      if (f.manufacturer !== null)
        add(
          'serial IN (SELECT serial FROM warranty_units_v WHERE manufacturer = ?)',
          f.manufacturer,
        );
      const w = where.length ? `WHERE ${where.join(' AND ')}` : '';
      const [rows, total] = await Promise.all([
        d.sql.query<OrderRow>(
          `SELECT * FROM repair_orders ${w} ORDER BY opened_at DESC, id LIMIT ${f.limit} OFFSET ${f.offset}`,
          params,
        ),
        d.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM repair_orders ${w}`, params),
      ]);
      return { orders: rows.rows.map(toOrder), total: total.rows[0]?.n ?? 0 };
    },
    async close(id, input, by) {
      if (closing.has(id)) throw new QualityErrors.NotOpen(id, 'being closed');
      closing.add(id);
      try {
        const order = await openOr404(id);
        const unit = await d.warranty.getUnit(order.serial);
        if (!unit) throw new QualityErrors.NoUnit(order.deviceId ?? '?', order.deviceId ?? '?');
        const at = now();
        const faultCode =
          input.diagnosis.faultCode ??
          (await earlierFaultCode(order.serial, order.modeIds)) ??
          order.modeIds[0]!;
        const parsed = RepairRecordBodySchema.safeParse({
          outletId: order.outletId,
          ...(order.technicianCertificate
            ? { technicianCertificate: order.technicianCertificate }
            : {}),
          droppedOffAt: order.droppedOffAt,
          handedBackAt: input.handedBackAt ?? at.toISOString(),
          ...(input.odometerKm === undefined ? {} : { odometerKm: input.odometerKm }),
          reportedFault: input.reportedFault ?? order.modeIds.join(', '),
          inspectionResult: input.inspectionResult ?? '',
          diagnosis: {
            faultCode,
            component: input.diagnosis.component ?? order.suspectedComponent ?? 'unknown',
            cause: input.diagnosis.cause ?? 'quality',
            ...(input.diagnosis.isMainPart === undefined
              ? {}
              : { isMainPart: input.diagnosis.isMainPart }),
            ...(input.diagnosis.isSeriousSafetyFault === undefined
              ? {}
              : { isSeriousSafetyFault: input.diagnosis.isSeriousSafetyFault }),
            alertId: order.alertIds[0],
            partsCalledFor: order.partsCalledFor,
          },
          ...(input.workItems ? { workItems: input.workItems } : {}),
          ...(input.parts ? { parts: input.parts } : {}),
          ...(input.charges === undefined ? {} : { charges: input.charges }),
          ...(input.remedyGranted ? { remedyGranted: input.remedyGranted } : {}),
          ...(input.waitingForPartsFromProducer === undefined
            ? {}
            : { waitingForPartsFromProducer: input.waitingForPartsFromProducer }),
          ...(input.delayCause ? { delayCause: input.delayCause } : {}),
          ...(input.excludedHours === undefined ? {} : { excludedHours: input.excludedHours }),
          ...(input.postRepairState ? { postRepairState: input.postRepairState } : {}),
          signatures: input.signatures,
        });
        // Paths as the caller sent them (the order's own fields cannot be wrong here).
        if (!parsed.success)
          throw new z.ZodError(
            parsed.error.issues.map((i) => ({ ...i, path: ['body', ...i.path] })),
          );
        const body = parsed.data;
        const checks = reviewOrder(
          unit,
          await d.warranty.listRepairs(unit.serial),
          body,
          await registriesFor(d.warranty, unit, body),
        );
        const record = await d.warranty.appendRepair(unit.serial, body, at.toISOString());
        const handBack = Date.parse(body.handedBackAt ?? at.toISOString());
        const verifyUntil = new Date(
          (Number.isFinite(handBack) ? Math.max(handBack, at.getTime()) : at.getTime()) + windowMs,
        );
        const r = await d.sql.query<OrderRow>(
          `UPDATE repair_orders SET status = 'closed', closed_by = $2, closed_at = $3,
              handed_back_at = $4, record_seq = $5, record_hash = $7,
              verification = CASE WHEN device_id IS NULL THEN 'no_telemetry' ELSE 'verifying' END,
              verify_until = $6
            WHERE id = $1 AND status = 'open' RETURNING *`,
          [id, by, at, body.handedBackAt ?? null, record.seq, verifyUntil, record.hash],
        );
        const ref = `${id}#${record.seq}`;
        for (const alertId of order.alertIds) {
          const a = await d.alerts.store.get(alertId);
          if (a && (a.status === 'open' || a.status === 'acknowledged'))
            await d.alerts.resolve(alertId, by, ref);
        }
        return { order: toOrder(r.rows[0]!), record, checks };
      } finally {
        closing.delete(id);
      }
    },
    async cancel(id, reason, by) {
      await openOr404(id);
      const r = await d.sql.query<OrderRow>(
        `UPDATE repair_orders SET status = 'cancelled', closed_by = $2, closed_at = $3,
            note = coalesce(note || E'\\n', '') || $4
          WHERE id = $1 AND status = 'open' RETURNING *`,
        [id, by, now(), `cancelled: ${reason}`],
      );
      if (!r.rows[0]) throw new QualityErrors.NotOpen(id, 'no longer open');
      return toOrder(r.rows[0]);
    },
    async links(serial) {
      const r = await d.sql.query<{ id: string; record_seq: number; record_hash: string }>(
        `SELECT id, record_seq, record_hash FROM repair_orders
          WHERE serial = $1 AND record_seq IS NOT NULL AND record_hash IS NOT NULL`,
        [serial],
      );
      return r.rows.map((o) => ({
        seq: o.record_seq,
        hash: o.record_hash,
        source: `repair order ${o.id}`,
      }));
    },
    async verifyDue() {
      const due = await d.sql.query<OrderRow>(
        `SELECT * FROM repair_orders WHERE verification = 'verifying' AND verify_until <= $1
          ORDER BY verify_until LIMIT 1000`,
        [now()],
      );
      const out: RepairOrder[] = [];
      for (const row of due.rows) {
        const o = toOrder(row);
        // In a cluster the device may be held by another node: its saved state answers.
        const h = o.deviceId ? await d.modeHealth(o.deviceId) : undefined;
        const since = Date.parse(o.handedBackAt ?? o.closedAt ?? '');
        let verdict: RepairOrder['verification'];
        if (!h || !(h.ts > since)) verdict = 'no_telemetry';
        else
          verdict = o.modeIds.every((m) => (h.modes.get(m) ?? 100) >= minHealth)
            ? 'verified'
            : 'not_recovered';
        const r = await d.sql.query<OrderRow>(
          `UPDATE repair_orders SET verification = $2 WHERE id = $1 AND verification = 'verifying' RETURNING *`,
          [o.id, verdict],
        );
        if (r.rows[0]) out.push(toOrder(r.rows[0]));
      }
      return out;
    },
    onAlertOpened(alert) {
      const p = pending.then(() => repeatCheck(alert));
      pending = p.catch((err: unknown) => d.onError?.(err, 'repeat-failure check failed'));
      return p;
    },
    idle: () => pending.then(() => undefined),
  };
}

const RANK: Record<string, number> = { info: 0, minor: 1, major: 2, critical: 3 };
const rank = (s: string) => RANK[s] ?? 0;
