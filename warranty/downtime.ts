import { z } from 'zod';
import type { Point, TelemetryStore } from '../ingest/index.ts';
import {
  daysBetween,
  hoursBetween,
  parseInstant,
  repairHoursToDays,
  type Instant,
} from './calendar.ts';
import { baselineVersions, type UnitCategory } from './policies/index.ts';
import { effectiveRecords } from './repair-facts.ts';
import type { StoredRepairRecord, Unit } from './repair-record-schema.ts';

/**
 * Downtime from telemetry (issue 7): how long a unit was really out of service for each of its
 * repair records, measured from its own readings, next to the days the record gives
 * (drop-off → hand-back), with the discrepancies flagged.
 *
 * The out-of-service interval is the silence of the device around the recorded repair: from
 * its last reading before it went silent to its first reading after it came back. It is found
 * on a bounded window (drop-off − 3 days … hand-back + 3 days) with one aggregated query (count
 * of the category's presence metric per hour), then both edges are refined to the exact
 * reading with a raw query on their hour. The device registry only keeps the current
 * connection status (online, last seen), not its history, and a device may stay connected
 * while it does not operate; the readings, stamped by the device, are the record of its past.
 *
 * Categories differ in what silence and readings mean:
 * - drop-off (送修) products — cars, phones, computers — leave the owner at drop-off. Silence
 *   is the unit switched off or disconnected at the outlet; readings that show it operating
 *   during the recorded repair (a car driven, a phone or computer in use) contradict the
 *   record: `running_while_at_outlet`.
 * - installed appliances — air conditioners, water heaters, fridges, washing machines, range
 *   hoods, water purifiers, TVs — are repaired at home (上门维修). The record's drop-off is the
 *   repair request, and the unit may legitimately keep running (partly) until and even while
 *   it is repaired, so readings during the repair are no discrepancy. Silence there means
 *   power cut off for the repair, the unit removed to a workshop, or a dead unit (a silence
 *   that starts before the request: `telemetry_longer` says the failure began before it was
 *   reported); it can also be a power cut or a failed network module, so it is evidence to
 *   review, not a verdict. When an installed unit never went silent, the record's days stand.
 */

/** The telemetry this needs: aggregated and raw queries. */
export type DowntimeSource = Pick<TelemetryStore, 'query'>;

export const DOWNTIME_FLAGS = [
  'telemetry_longer',
  'telemetry_shorter',
  'running_while_at_outlet',
  'no_telemetry',
  'no_silence',
] as const;
export type DowntimeFlag = (typeof DOWNTIME_FLAGS)[number];

export interface DowntimeProfile {
  repair: 'drop_off' | 'on_site';
  /** A metric the device reports in every reading set: its hourly count says "alive". */
  presence: string;
  /**
   * What "operating" means when a reading alone does not (a parked car still reports): the
   * presence metric above `above`. The hourly query then asks for its max instead of a count
   * (empty hours are omitted either way), and one query tells both.
   */
  activity?: { above: number; what: string };
}

/** Per category: where it is repaired and which readings show it alive or operating. */
export const DOWNTIME_PROFILES: Readonly<Record<UnitCategory, DowntimeProfile>> = {
  household_car: {
    repair: 'drop_off',
    // OBD speed is in every reading set: one hourly max says both "reporting" and "driven".
    presence: 'speed_kmh',
    activity: { above: 3, what: 'driven' },
  },
  mobile_phone: { repair: 'drop_off', presence: 'battery_pct' },
  microcomputer: { repair: 'drop_off', presence: 'cpu_temp_c' },
  // Flat-panel TVs are installed (P95: period from installation): repaired on site.
  tv: { repair: 'on_site', presence: 'power_w' },
  air_conditioner: { repair: 'on_site', presence: 'indoor_temp_c' },
  water_heater_electric: { repair: 'on_site', presence: 'tank_temp_c' },
  water_heater_gas: { repair: 'on_site', presence: 'inlet_temp_c' },
  refrigerator: { repair: 'on_site', presence: 'fridge_temp_c' },
  water_purifier: { repair: 'on_site', presence: 'inlet_tds_ppm' },
  range_hood: { repair: 'on_site', presence: 'fan_rpm' },
  washing_machine: { repair: 'on_site', presence: 'drum_rpm' },
  // Repaired where it works, by a service truck; an idle machine still reports its engine speed.
  excavator: {
    repair: 'on_site',
    presence: 'engine_rpm',
    activity: { above: 300, what: 'running' },
  },
};

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

export const DowntimeOptionsSchema = z.object({
  toleranceDays: z.coerce
    .number()
    .min(0)
    .max(30)
    .default(1)
    .describe('telemetry and record days may differ by this much before it is flagged'),
  minSilenceHours: z.coerce
    .number()
    .min(1)
    .max(72)
    .default(2)
    .describe('shortest silence taken as out of service (above the device’s reporting gaps)'),
});
export interface DowntimeOptions {
  toleranceDays: number;
  minSilenceHours: number;
  /** Search window around the recorded repair, days (default 3). */
  marginDays?: number;
  /** Ignored at each end of the recorded repair for `running_while_at_outlet`, h (default 2). */
  graceHours?: number;
}
export const DEFAULT_DOWNTIME: DowntimeOptions = { toleranceDays: 1, minSilenceHours: 2 };

/** A silence found in a series of bins, with the live bins on either side. */
export interface Outage {
  /** Start of the last bin with readings before the silence; null = silent since the window start. */
  lastBin: number | null;
  /** Start of the first bin with readings after it; null = still silent at the window end. */
  firstBin: number | null;
  /** Bins with readings inside the outage (the unit briefly powered up, e.g. for a test). */
  liveBinsInside: number;
}

/**
 * The out-of-service interval in a series of bins with readings (`live`: bin starts, sorted,
 * each bin `binMs` long) inside `window`: the silences of at least `minSilenceMs` that overlap
 * the recorded repair `[recorded.from, recorded.to)`; the first gives the start, the last the
 * end. Undefined when no silence overlaps it. Pure.
 */
export function findOutage(
  live: readonly number[],
  o: {
    binMs: number;
    window: { from: number; to: number };
    recorded: { from: number; to: number };
    minSilenceMs: number;
  },
): Outage | undefined {
  const silences: Array<{
    from: number;
    to: number;
    lastBin: number | null;
    firstBin: number | null;
  }> = [];
  let prevEnd = o.window.from;
  let prevBin: number | null = null;
  for (const b of live) {
    if (b - prevEnd >= o.minSilenceMs)
      silences.push({ from: prevEnd, to: b, lastBin: prevBin, firstBin: b });
    prevEnd = Math.max(prevEnd, b + o.binMs);
    prevBin = b;
  }
  if (o.window.to - prevEnd >= o.minSilenceMs)
    silences.push({ from: prevEnd, to: o.window.to, lastBin: prevBin, firstBin: null });
  const around = silences.filter((s) => s.from < o.recorded.to && s.to > o.recorded.from);
  const first = around[0];
  const last = around.at(-1);
  if (!first || !last) return undefined;
  return {
    lastBin: first.lastBin,
    firstBin: last.firstBin,
    liveBinsInside: live.filter((b) => b >= first.to && b < last.from).length,
  };
}

/** Days of a repair interval by the rule the engine uses for the category's regime. */
export function repairDays(category: string, from: Instant, to: Instant): number {
  // CAR21 Art. 40: hours, each started 24 h is a day (case-context.ts `days`); the goods
  // regimes count calendar days, the start day not counted (Civil Code Art. 201, `occupiedDays`).
  return dayRule(category) === 'hours'
    ? repairHoursToDays(hoursBetween(from, to))
    : Math.max(0, daysBetween(from.date, to.date));
}

function dayRule(category: string): 'hours' | 'calendar_days' {
  return baselineVersions(category)[0]?.regime === 'CAR21' ? 'hours' : 'calendar_days';
}

export interface RecordDowntime {
  seq: number;
  droppedOffAt: string;
  handedBackAt?: string;
  /** Days from the record (drop-off → hand-back, or → now while in repair). */
  recordDays: number;
  /** Days from telemetry; null when it could not measure. */
  telemetryDays: number | null;
  /** The telemetry days are a lower bound (the silence runs past an edge of the window). */
  telemetryDaysAtLeast: boolean;
  interval: {
    lastReadingBefore: string | null;
    firstReadingAfter: string | null;
    liveHoursInside: number;
  } | null;
  /** Hours in which the unit was seen operating during the recorded repair (drop-off only). */
  operatingHours: number;
  /** Whether the telemetry interval can stand in for the record's dates in the 三包 counts. */
  usable: boolean;
  flags: DowntimeFlag[];
  note: string;
}

export interface UnitDowntime {
  serial: string;
  category: string;
  deviceId: string | null;
  repair: 'drop_off' | 'on_site';
  dayRule: 'hours' | 'calendar_days';
  toleranceDays: number;
  records: RecordDowntime[];
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Measures one record against the device's telemetry. `nowMs` bounds an ongoing repair (and
 * the window). At most three queries: the hourly series and the two edges of the silence.
 */
export async function measureRecord(
  src: DowntimeSource,
  unit: Pick<Unit, 'category' | 'deviceId'>,
  record: StoredRepairRecord,
  nowMs: number,
  opts: DowntimeOptions = DEFAULT_DOWNTIME,
): Promise<RecordDowntime> {
  const b = record.body;
  const profile = DOWNTIME_PROFILES[unit.category];
  const from = parseInstant(b.droppedOffAt);
  const to = b.handedBackAt ? parseInstant(b.handedBackAt) : instantAt(nowMs);
  const recordDays = repairDays(unit.category, from, to);
  const base = {
    seq: record.seq,
    droppedOffAt: b.droppedOffAt,
    ...(b.handedBackAt ? { handedBackAt: b.handedBackAt } : {}),
    recordDays,
  };
  const none = (flag: DowntimeFlag, note: string): RecordDowntime => ({
    ...base,
    telemetryDays: null,
    telemetryDaysAtLeast: false,
    interval: null,
    operatingHours: 0,
    usable: false,
    flags: [flag],
    note,
  });
  if (!unit.deviceId) return none('no_telemetry', 'the unit is linked to no device');
  const deviceId = unit.deviceId;
  const margin = (opts.marginDays ?? 3) * DAY_MS;
  const window = { from: from.ms - margin, to: Math.min(nowMs, to.ms + margin) };
  if (window.to <= window.from) return none('no_telemetry', 'the repair lies in the future');
  // Empty hours are omitted (TelemetryStore contract): every hour returned had readings.
  const hourly = await src.query({
    deviceId,
    metric: profile.presence,
    from: window.from,
    to: window.to,
    every: HOUR_MS,
    agg: profile.activity ? 'max' : 'count',
    limit: Math.ceil((window.to - window.from) / HOUR_MS) + 2,
  });
  const live = hourly.map((p) => p.ts);
  if (live.length === 0)
    return none(
      'no_telemetry',
      `no ${profile.presence} readings from device ${deviceId} between ${iso(window.from)} and ${iso(window.to)}`,
    );

  const flags: DowntimeFlag[] = [];
  const notes: string[] = [];
  const operating =
    profile.repair === 'drop_off' ? operatingHours(profile, hourly, from.ms, to.ms, opts) : 0;
  if (operating > 0) {
    flags.push('running_while_at_outlet');
    notes.push(
      `${profile.activity ? profile.activity.what : 'reporting'} in ${operating} h of the recorded repair`,
    );
  }
  const outage = findOutage(live, {
    binMs: HOUR_MS,
    window,
    recorded: { from: from.ms, to: to.ms },
    minSilenceMs: opts.minSilenceHours * HOUR_MS,
  });
  if (!outage) {
    flags.push('no_silence');
    notes.push(
      profile.repair === 'on_site'
        ? 'the unit kept reporting: expected for an on-site repair, the record’s days stand'
        : 'the device kept reporting through the recorded repair: telemetry cannot measure it',
    );
    return {
      ...base,
      telemetryDays: null,
      telemetryDaysAtLeast: false,
      interval: null,
      operatingHours: operating,
      usable: false,
      flags,
      note: notes.join('; '),
    };
  }
  const lastBefore =
    outage.lastBin === null
      ? null
      : await lastReading(src, deviceId, profile, outage.lastBin, window);
  const firstAfter =
    outage.firstBin === null ? null : await firstReading(src, deviceId, profile, outage.firstBin);
  const ongoing = b.handedBackAt === undefined;
  const start = instantAt(lastBefore ?? window.from);
  const end = instantAt(firstAfter ?? (ongoing ? nowMs : window.to));
  const atLeast = lastBefore === null || (firstAfter === null && !ongoing);
  const telemetryDays = repairDays(unit.category, start, end);
  const diff = telemetryDays - recordDays;
  if (diff > opts.toleranceDays) flags.push('telemetry_longer');
  else if (diff < -opts.toleranceDays && !atLeast) flags.push('telemetry_shorter');
  if (lastBefore === null)
    notes.push('silent since before the search window: the start is unknown');
  if (firstAfter === null)
    notes.push(
      ongoing
        ? 'still silent: out of service until now'
        : 'no reading within the window after the hand-back',
    );
  if (outage.liveBinsInside > 0)
    notes.push(`readings in ${outage.liveBinsInside} h inside the silence`);
  return {
    ...base,
    telemetryDays,
    telemetryDaysAtLeast: atLeast,
    interval: {
      lastReadingBefore: lastBefore === null ? null : iso(lastBefore),
      firstReadingAfter: firstAfter === null ? null : iso(firstAfter),
      liveHoursInside: outage.liveBinsInside,
    },
    operatingHours: operating,
    usable: lastBefore !== null && (firstAfter !== null || ongoing),
    flags,
    note: notes.join('; ') || 'telemetry agrees with the record',
  };
}

function instantAt(ms: number): Instant {
  return parseInstant(iso(ms));
}

/**
 * Hours with the unit operating in the recorded repair, its first and last `graceHours` left
 * out, from the hourly series (counts, or the presence metric's maxima when it has `activity`).
 */
function operatingHours(
  profile: DowntimeProfile,
  hourly: readonly Point[],
  fromMs: number,
  toMs: number,
  opts: DowntimeOptions,
): number {
  const grace = (opts.graceHours ?? 2) * HOUR_MS;
  const span = { from: fromMs + grace, to: toMs - grace };
  const a = profile.activity;
  // Hours wholly inside the span: a reading just before it is the drive to the outlet.
  return hourly.filter(
    (p) => p.ts >= span.from && p.ts + HOUR_MS <= span.to && (!a || p.value > a.above),
  ).length;
}

/** The last reading in the bin starting at `bin` (within the window). */
async function lastReading(
  src: DowntimeSource,
  deviceId: string,
  profile: DowntimeProfile,
  bin: number,
  window: { from: number },
): Promise<number | null> {
  const pts = await src.query({
    deviceId,
    metric: profile.presence,
    from: Math.max(bin, window.from),
    to: bin + HOUR_MS,
    limit: 100_000,
  });
  return pts.at(-1)?.ts ?? null;
}

/** The first reading in the bin starting at `bin`. */
async function firstReading(
  src: DowntimeSource,
  deviceId: string,
  profile: DowntimeProfile,
  bin: number,
): Promise<number | null> {
  const pts = await src.query({
    deviceId,
    metric: profile.presence,
    from: bin,
    to: bin + HOUR_MS,
    limit: 1,
  });
  return pts[0]?.ts ?? null;
}

/** Every effective repair record of a unit, measured against its device's telemetry. */
export async function measureUnitDowntime(
  src: DowntimeSource,
  unit: Unit,
  records: readonly StoredRepairRecord[],
  nowMs: number,
  opts: DowntimeOptions = DEFAULT_DOWNTIME,
): Promise<UnitDowntime> {
  const out: RecordDowntime[] = [];
  for (const r of effectiveRecords(records))
    out.push(await measureRecord(src, unit, r, nowMs, opts));
  return {
    serial: unit.serial,
    category: unit.category,
    deviceId: unit.deviceId ?? null,
    repair: DOWNTIME_PROFILES[unit.category].repair,
    dayRule: dayRule(unit.category),
    toleranceDays: opts.toleranceDays,
    records: out,
  };
}

export type DaysSource = 'records' | 'telemetry';

/**
 * The records with drop-off and hand-back replaced by the telemetry interval where it was
 * measured (`usable`), for the 三包 repair-day counts; each effective record says which source
 * it used and, on a fallback to the record, why. `downtime` undefined: nothing was measured
 * (`why` says so). A telemetry start before the purchase is not used (the engine refuses it).
 */
export function repairDatesFromTelemetry(
  unit: Pick<Unit, 'invoiceDate' | 'deliveryDate'>,
  records: readonly StoredRepairRecord[],
  downtime: UnitDowntime | undefined,
  why = 'no telemetry store',
): { records: StoredRepairRecord[]; sources: Map<number, { source: DaysSource; note: string }> } {
  const sources = new Map<number, { source: DaysSource; note: string }>();
  const byseq = new Map(downtime?.records.map((d) => [d.seq, d]));
  const purchase = [unit.invoiceDate, unit.deliveryDate]
    .filter((d): d is string => d !== undefined)
    .map((d) => parseInstant(d).date)
    .sort()[0] as string;
  const replaced = records.map((r) => {
    const d = byseq.get(r.seq);
    if (!downtime) {
      sources.set(r.seq, { source: 'records', note: `${why}: the record's dates are used` });
      return r;
    }
    if (!d) return r; // superseded by a correction: not in the effective records
    const i = d.interval;
    const start = i?.lastReadingBefore;
    if (!d.usable || !i || !start) {
      sources.set(r.seq, {
        source: 'records',
        note: `telemetry could not measure this repair (${d.flags.join(', ') || d.note}): the record's dates are used`,
      });
      return r;
    }
    if (daysBetween(purchase, parseInstant(start).date) < 0) {
      sources.set(r.seq, {
        source: 'records',
        note: `telemetry silence starts before the purchase (${start}): the record's dates are used`,
      });
      return r;
    }
    const end = i.firstReadingAfter;
    sources.set(r.seq, {
      source: 'telemetry',
      note: `out of service ${start} → ${end ?? 'now'} from device ${downtime.deviceId} telemetry: ${d.telemetryDays} d (record: ${d.recordDays} d)`,
    });
    const { handedBackAt: _h, ...body } = r.body;
    return {
      ...r,
      body: { ...body, droppedOffAt: start, ...(end === null ? {} : { handedBackAt: end }) },
    };
  });
  return { records: replaced, sources };
}
