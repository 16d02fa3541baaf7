import { z } from 'zod';
import type { Sql } from '../core/index.ts';
import { PROFILES } from '../diagnostics/index.ts';
import { unitScopeSql, type FleetScope } from './scope.ts';

/**
 * Confirmed repairs as labels for the alerts that preceded them (issue 7): per model and
 * failure mode, how many alerts were right (precision), how many confirmed failures were
 * announced (recall), and how early (lead time).
 *
 * A *confirmed failure* is an effective repair record with a quality cause on a unit linked to
 * a device. It confirms the failure modes of the repair order it closed, or — for a repair
 * recorded without an order — the modes of that category whose component is the one repaired.
 * An alert is *right* when a failure confirming its mode was dropped off within `lookbackDays`
 * after the alert opened (or on the same day before it); *wrong* when it was dismissed, or when
 * `horizonDays` passed without such a failure; otherwise it is *pending* and not scored yet.
 * A failure was *announced* when such an alert opened at most `lookbackDays` before it; its
 * lead time is the time from the first of those alerts to the drop-off.
 */
export const AccuracyQuery = {
  category: z.string().min(1).max(64).optional(),
  model: z.string().min(1).max(128).optional(),
  lookbackDays: z.coerce.number().int().min(1).max(730).default(90),
  horizonDays: z.coerce.number().int().min(1).max(730).default(90),
};

const Row = z.object({
  category: z.string(),
  model: z.string(),
  mode: z.string(),
  alerts: z.number().int(),
  right: z.number().int(),
  wrong: z.number().int(),
  pending: z.number().int(),
  dismissedThenConfirmed: z
    .number()
    .int()
    .describe('alerts dismissed by a person that a confirmed failure later proved right'),
  precision: z.number().nullable(),
  failures: z.number().int(),
  announced: z.number().int(),
  recall: z.number().nullable(),
  leadDaysMedian: z.number().nullable(),
  leadDaysP10: z.number().nullable(),
});
export const AccuracySchema = z
  .object({
    asOf: z.string(),
    lookbackDays: z.number(),
    horizonDays: z.number(),
    rows: z.array(Row),
    overall: Row.omit({ category: true, model: true, mode: true }),
  })
  .meta({ id: 'AlertAccuracy' });
export type Accuracy = z.infer<typeof AccuracySchema>;

const DAY = 86_400_000;

/** Modes of a category by component, from the diagnostics profiles. */
const MODES_BY_COMPONENT = new Map<string, string[]>();
for (const p of PROFILES)
  for (const m of p.modes) {
    const k = `${p.category}\u0000${m.component}`;
    MODES_BY_COMPONENT.set(k, [...(MODES_BY_COMPONENT.get(k) ?? []), m.id]);
  }

/**
 * The failure modes a confirmed failure confirms: its repair order's, or the modes of the
 * category whose component was repaired (a pseudo-mode `component:…` when no profile has it).
 */
function modesConfirmed(f: {
  category: string;
  component: string;
  mode_ids: string[] | string | null;
}): string[] {
  const ordered =
    typeof f.mode_ids === 'string' ? (JSON.parse(f.mode_ids) as string[]) : f.mode_ids;
  if (ordered?.length) return ordered;
  return (
    MODES_BY_COMPONENT.get(`${f.category}\u0000${f.component}`) ?? [`component:${f.component}`]
  );
}

const quantile = (xs: number[], q: number) => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  return s[lo]! + (s[Math.min(lo + 1, s.length - 1)]! - s[lo]!) * (pos - lo);
};
const ratio = (a: number, b: number) => (b > 0 ? a / b : null);
const dateMs = (s: string) => Date.parse(s.length === 10 ? `${s}T00:00:00+08:00` : s);

export async function alertAccuracy(
  sql: Sql,
  scope: FleetScope,
  q: {
    category?: string | undefined;
    model?: string | undefined;
    lookbackDays: number;
    horizonDays: number;
  },
  now: Date,
): Promise<Accuracy> {
  const us = unitScopeSql({ ...scope, category: q.category ?? scope.category }, 2);
  const model = q.model ? `AND u.model = $1` : `AND $1::text IS NULL`;
  const [alerts, failures] = await Promise.all([
    sql.query<{
      device_id: string;
      category: string;
      model: string;
      mode_id: string;
      opened_at: Date | string;
      status: string;
    }>(
      `SELECT a.device_id, u.category, u.model, a.mode_id, a.opened_at, a.status
         FROM alerts_v a JOIN warranty_units_v u ON u.device_id = a.device_id
        WHERE ${us.where} ${model}`,
      [q.model ?? null, ...us.params],
    ),
    sql.query<{
      device_id: string;
      category: string;
      model: string;
      component: string;
      dropped_off_at: string;
      mode_ids: string[] | string | null;
    }>(
      `SELECT u.device_id, u.category, u.model, e.component, e.dropped_off_at, o.mode_ids
         FROM warranty_records_in_force e
         JOIN warranty_units_v u ON u.serial = e.serial
         LEFT JOIN repair_orders o ON o.serial = e.serial AND o.record_seq = e.origin
        WHERE e.cause = 'quality' AND u.device_id IS NOT NULL AND ${us.where} ${model}`,
      [q.model ?? null, ...us.params],
    ),
  ]);

  interface Acc {
    category: string;
    model: string;
    mode: string;
    alerts: number;
    right: number;
    wrong: number;
    pending: number;
    dismissedThenConfirmed: number;
    failures: number;
    announced: number;
    leads: number[];
  }
  const rows = new Map<string, Acc>();
  const acc = (category: string, m: string, mode: string) => {
    const k = `${category}\u0000${m}\u0000${mode}`;
    let a = rows.get(k);
    if (!a) {
      a = {
        category,
        model: m,
        mode,
        alerts: 0,
        right: 0,
        wrong: 0,
        pending: 0,
        dismissedThenConfirmed: 0,
        failures: 0,
        announced: 0,
        leads: [],
      };
      rows.set(k, a);
    }
    return a;
  };
  // Failures per device and mode: drop-off instants.
  const confirmed = new Map<string, number[]>();
  for (const f of failures.rows) {
    const modes = modesConfirmed(f);
    const t = dateMs(f.dropped_off_at);
    for (const mode of modes) {
      const k = `${f.device_id}\u0000${mode}`;
      confirmed.set(k, [...(confirmed.get(k) ?? []), t]);
    }
  }
  const alertTimes = new Map<string, number[]>();
  const lookback = q.lookbackDays * DAY;
  const nowMs = now.getTime();
  for (const a of alerts.rows) {
    const t = new Date(a.opened_at).getTime();
    const k = `${a.device_id}\u0000${a.mode_id}`;
    alertTimes.set(k, [...(alertTimes.get(k) ?? []), t]);
    const r = acc(a.category, a.model, a.mode_id);
    r.alerts++;
    const hit = (confirmed.get(k) ?? []).some((f) => f >= t - DAY && f - t <= lookback);
    if (hit) {
      r.right++;
      if (a.status === 'dismissed') r.dismissedThenConfirmed++;
    } else if (a.status === 'dismissed' || nowMs - t > q.horizonDays * DAY) r.wrong++;
    else r.pending++;
  }
  for (const f of failures.rows) {
    const modes = modesConfirmed(f);
    const t = dateMs(f.dropped_off_at);
    // One failure counts once per model: for the mode that announced it first, else the first mode.
    let best: { mode: string; lead: number } | undefined;
    for (const mode of modes) {
      const before = (alertTimes.get(`${f.device_id}\u0000${mode}`) ?? []).filter(
        (a) => a <= t + DAY && t - a <= lookback,
      );
      if (before.length) {
        const lead = (t - Math.min(...before)) / DAY;
        if (!best || lead > best.lead) best = { mode, lead };
      }
    }
    const r = acc(f.category, f.model, best?.mode ?? modes[0]!);
    r.failures++;
    if (best) {
      r.announced++;
      r.leads.push(Math.max(0, best.lead));
    }
  }
  const out = [...rows.values()]
    .sort((a, b) => (a.category + a.model + a.mode).localeCompare(b.category + b.model + b.mode))
    .map((r) => ({
      category: r.category,
      model: r.model,
      mode: r.mode,
      alerts: r.alerts,
      right: r.right,
      wrong: r.wrong,
      pending: r.pending,
      dismissedThenConfirmed: r.dismissedThenConfirmed,
      precision: ratio(r.right, r.right + r.wrong),
      failures: r.failures,
      announced: r.announced,
      recall: ratio(r.announced, r.failures),
      leadDaysMedian: quantile(r.leads, 0.5),
      leadDaysP10: quantile(r.leads, 0.1),
    }));
  const sum = (
    k:
      | 'alerts'
      | 'right'
      | 'wrong'
      | 'pending'
      | 'dismissedThenConfirmed'
      | 'failures'
      | 'announced',
  ) => out.reduce((s, r) => s + r[k], 0);
  const leads = [...rows.values()].flatMap((r) => r.leads);
  return {
    asOf: now.toISOString(),
    lookbackDays: q.lookbackDays,
    horizonDays: q.horizonDays,
    rows: out,
    overall: {
      alerts: sum('alerts'),
      right: sum('right'),
      wrong: sum('wrong'),
      pending: sum('pending'),
      dismissedThenConfirmed: sum('dismissedThenConfirmed'),
      precision: ratio(sum('right'), sum('right') + sum('wrong')),
      failures: sum('failures'),
      announced: sum('announced'),
      recall: ratio(sum('announced'), sum('failures')),
      leadDaysMedian: quantile(leads, 0.5),
      leadDaysP10: quantile(leads, 0.1),
    },
  };
}
