import { z } from 'zod';
import type { Sql } from '../core/index.ts';
import {
  caseForUnit,
  daysBetween,
  evaluateCase,
  isMakerOnlyCategory,
  parseInstant,
  SqlWarrantyStore,
  unitTermsResolver,
  type HolidayCalendar,
  type RepairRecordBody,
  type StoredRepairRecord,
  type Unit,
  type UnitTerms,
} from '../warranty/index.ts';
import { chinaDateSql, chinaToday } from './china-date.ts';
import { componentLife, type ComponentLifeQuery } from './reliability.ts';
import { unitScopeSql, type FleetScope } from './scope.ts';
import {
  fitWeibull,
  forecastWarrantyFailures,
  lifeDataFromGroups,
  mergeLifeData,
  type UnitWindow,
} from './stats/index.ts';

/**
 * Warranty exposure forecast (issue 7): how many units of a category will fail in the next 30
 * and 90 days *while a failure still gives the owner an exchange or a return* — remaining useful
 * life (the component's fitted Weibull, conditioned on the unit's age) against each unit's
 * remaining 三包 window.
 *
 * A unit's window is not a table lookup: it is what the eligibility engine (warranty/) answers
 * for a failure of that component on a given day, with the unit's own repair history. Only two
 * kinds of unit can have an open window, so only they are evaluated: units younger than the
 * longest short window of any policy (60 days: the car rules' main-part window; goods have 7
 * and 15 days), and units with an earlier quality repair of the component (repeat-repair
 * grounds). For each, the window's end is found by bisection over the horizon (the answer is
 * "exchange/return" up to a day and "repair" after it). Car mileage is not known here and is
 * left out (the engine then assumes the mileage limits are not passed).
 *
 * The failure probability of a unit that was repaired is taken from the time since its last
 * repair of the component (a replaced compressor starts a new life); of an unrepaired unit,
 * from its age.
 *
 * Each unit is judged under the terms it was sold with: its maker's policy version in force on
 * its start date where one is saved (a unit of a category without national rules and without
 * one has no window and is left out).
 */
export const ExposureQuery = {
  category: z.string().min(1).max(64),
  component: z.string().min(1).max(128),
  model: z.string().min(1).max(128).optional(),
  horizons: z
    .string()
    .regex(/^\d{1,3}(,\d{1,3})*$/, 'comma-separated days, e.g. 30,90')
    .default('30,90')
    .transform((s) => s.split(',').map(Number))
    .refine((h) => h.every((d) => d >= 1 && d <= 366), 'each horizon between 1 and 366 days'),
};

const iv = z.object({ lower: z.number(), upper: z.number() });
export const ExposureSchema = z
  .object({
    asOf: z.string(),
    category: z.string(),
    component: z.string(),
    model: z.string().nullable(),
    weibull: z.union([
      z.object({ ok: z.literal(true), shape: z.number(), scale: z.number(), failures: z.number() }),
      z.object({ ok: z.literal(false), reason: z.string(), message: z.string() }),
    ]),
    evaluated: z.number().int().describe('units whose window the eligibility engine checked'),
    unitsAtRisk: z.number().int().describe('units whose exchange/return window is open today'),
    horizons: z.array(
      z.object({
        days: z.number(),
        expected: z.number().describe('expected failures giving an exchange or a return'),
        interval: iv,
        sd: z.number(),
      }),
    ),
    units: z
      .array(
        z.object({
          serial: z.string(),
          remedy: z.string(),
          windowEnds: z.string().describe('last day on which a failure still gives it'),
          ageDays: z.number(),
          probability: z.number().describe('of failing within the window or the first horizon'),
        }),
      )
      .describe('the units at risk, most likely first (at most 100)'),
  })
  .meta({ id: 'WarrantyExposure' });
export type Exposure = z.infer<typeof ExposureSchema>;

const SHORT_WINDOW_DAYS = 60;
const addDays = (date: string, d: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + d * 86_400_000).toISOString().slice(0, 10);

interface Candidate {
  unit: Unit;
  records: StoredRepairRecord[];
  lastRepair: string | null;
  faultCode: string | null;
}

export async function exposureForecast(
  sql: Sql,
  scope: FleetScope,
  q: Omit<ComponentLifeQuery, 'by'> & { horizons: number[] },
  now: Date,
  calendar?: HolidayCalendar,
): Promise<Exposure> {
  const today = chinaToday(now);
  const groups = await componentLife(sql, scope, { ...q, by: 'model' }, today);
  const data = groups.size
    ? mergeLifeData(...[...groups.values()].map((g) => lifeDataFromGroups(g.life)))
    : lifeDataFromGroups([]);
  const fit = fitWeibull(data);
  const base = {
    asOf: today,
    category: q.category,
    component: q.component,
    model: q.model ?? null,
  };
  if (!fit.ok)
    return {
      ...base,
      weibull: { ok: false, reason: fit.reason, message: fit.message },
      evaluated: 0,
      unitsAtRisk: 0,
      horizons: q.horizons.map((days) => ({
        days,
        expected: 0,
        interval: { lower: 0, upper: 0 },
        sd: 0,
      })),
      units: [],
    };

  const candidates = await loadCandidates(sql, scope, q, today);
  const maxH = Math.max(...q.horizons);
  const windows: Array<UnitWindow & { serial: string; remedy: string; windowEnds: string }> = [];
  const termsOf = unitTermsResolver(new SqlWarrantyStore(sql));
  for (const c of candidates) {
    const terms: UnitTerms = await termsOf(c.unit);
    if (isMakerOnlyCategory(c.unit.category) && !terms.makerPolicy) continue;
    const remedyOn = (d: number) => {
      const date = addDays(today, d);
      const facts = caseForUnit(c.unit, c.records, date, undefined, terms);
      facts.facts.currentFault = {
        date,
        faultCode: c.faultCode ?? q.component,
        component: q.component,
        cause: 'quality',
      };
      const r = evaluateCase(facts, calendar ? { calendar } : {}).remedy;
      return r === 'exchange' || r === 'return' ? r : undefined;
    };
    const now0 = remedyOn(0);
    if (!now0) continue;
    // Largest d in [0, maxH) with an open window (bisection; open at 0).
    let lo = 0;
    let hi = maxH;
    if (remedyOn(maxH - 1)) lo = maxH - 1;
    else
      while (hi - lo > 1) {
        const mid = (lo + hi) >> 1;
        if (remedyOn(mid)) lo = mid;
        else hi = mid;
      }
    const since = c.lastRepair ?? parseInstant(c.unit.invoiceDate).date;
    windows.push({
      serial: c.unit.serial,
      remedy: now0,
      windowEnds: addDays(today, lo),
      ageDays: Math.max(0, daysBetween(since, today)),
      remainingWindowDays: lo + 1,
    });
  }
  const forecast = forecastWarrantyFailures(fit.fit, windows, { horizonsDays: q.horizons });
  const { shape, scale } = fit.fit;
  const pOf = (w: UnitWindow) => {
    const m = Math.min(q.horizons[0]!, w.remainingWindowDays);
    const H = (t: number) => Math.pow(t / scale, shape);
    return -Math.expm1(-(H(w.ageDays + m) - H(w.ageDays)));
  };
  return {
    ...base,
    weibull: { ok: true, shape, scale, failures: fit.fit.failures },
    evaluated: candidates.length,
    unitsAtRisk: windows.length,
    horizons: forecast.horizons.map((h) => ({
      days: h.days,
      expected: h.expected,
      interval: h.interval,
      sd: h.sd,
    })),
    units: windows
      .map((w) => ({
        serial: w.serial,
        remedy: w.remedy,
        windowEnds: w.windowEnds,
        ageDays: w.ageDays,
        probability: pOf(w),
      }))
      .sort((a, b) => b.probability - a.probability)
      .slice(0, 100),
  };
}

async function loadCandidates(
  sql: Sql,
  scope: FleetScope,
  q: { category: string; component: string; model?: string | undefined },
  today: string,
): Promise<Candidate[]> {
  const us = unitScopeSql({ ...scope, category: q.category }, 5);
  const r = await sql.query<{
    serial: string;
    category: string;
    model: string;
    manufacturer: string | null;
    invoice_date: string;
    delivery_date: string | null;
    installation_completed_date: string | null;
    exchange_date: string | null;
    price_cny: number | null;
    records: Array<{ seq: number; recorded_at: string; body: RepairRecordBody }> | string | null;
  }>(
    `WITH c AS (
       SELECT u.* FROM warranty_units_v u
        WHERE ${us.where} ${q.model ? 'AND u.model = $3' : 'AND $3::text IS NULL'}
          AND ${chinaDateSql('u.invoice_date')} <= $1::date
          AND (${chinaDateSql('u.invoice_date')} > $1::date - $4::int
               OR EXISTS (SELECT 1 FROM warranty_repair_records_v r
                           WHERE r.serial = u.serial AND r.component = $2 AND r.cause = 'quality')))
     SELECT c.serial, c.category, c.model, c.manufacturer, c.invoice_date, c.delivery_date,
            c.installation_completed_date, c.exchange_date, c.price_cny,
            (SELECT json_agg(json_build_object('seq', r.seq, 'recorded_at', r.recorded_at, 'body', r.body)
                             ORDER BY r.seq)
               FROM warranty_repair_records_v r WHERE r.serial = c.serial) AS records
       FROM c`,
    [today, q.component, q.model ?? null, SHORT_WINDOW_DAYS, ...us.params],
  );
  return r.rows.map((x) => {
    const unit: Unit = {
      serial: x.serial,
      category: x.category as Unit['category'],
      model: x.model,
      ...(x.manufacturer ? { manufacturer: x.manufacturer } : {}),
      invoiceDate: x.invoice_date,
      ...(x.delivery_date ? { deliveryDate: x.delivery_date } : {}),
      ...(x.installation_completed_date
        ? { installationCompletedDate: x.installation_completed_date }
        : {}),
      ...(x.exchange_date ? { exchangeDate: x.exchange_date } : {}),
      ...(x.price_cny === null ? {} : { priceCNY: x.price_cny }),
    };
    const raw = typeof x.records === 'string' ? JSON.parse(x.records) : (x.records ?? []);
    const records: StoredRepairRecord[] = (
      raw as Array<{ seq: number; recorded_at: string; body: RepairRecordBody }>
    ).map((rr) => ({
      serial: x.serial,
      seq: rr.seq,
      recordedAt: rr.recorded_at,
      body: rr.body,
      prevHash: '',
      hash: '',
    }));
    const same = records.filter(
      (rr) => rr.body.diagnosis.component === q.component && rr.body.diagnosis.cause === 'quality',
    );
    const last = same.at(-1);
    return {
      unit,
      records,
      lastRepair: last ? parseInstant(last.body.handedBackAt ?? last.body.droppedOffAt).date : null,
      faultCode: last?.body.diagnosis.faultCode ?? null,
    };
  });
}
