import { isWeekend, localHour, outdoorTemp } from '../environment.ts';
import {
  approach,
  clamp,
  get,
  md,
  Usage,
  type DeviceModel,
  type DeviceParams,
  type ModelFault,
} from '../model.ts';

/**
 * Household cars, OBD-II style, in a combustion and an electric variant. Trips are 15-minute
 * slots drawn around commuting hours (weekends: midday); speed depends on the trip (urban or
 * expressway). Counters (odometer, fuel, SOC, pad wear) integrate the expected distance when
 * the sampling interval is longer than a slot.
 */
const SLOT_MS = 15 * 60_000;

function trips(p: DeviceParams): Usage {
  return new Usage(p.owner.seed ^ p.seed, SLOT_MS, (t) => {
    const h = localHour(t);
    // Expected distance ≈ 38 km a day at intensity 1, the figure the coarse branch of drive()
    // integrates (weekdays: ~3.6 slots ≈ 43 km, weekends: ~2.3 slots ≈ 27 km at ~48 km/h).
    const base = isWeekend(t)
      ? h >= 9 && h < 20
        ? 0.05
        : 0.003
      : (h >= 7 && h < 9) || (h >= 17 && h < 19.5)
        ? 0.15
        : h >= 9 && h < 22
          ? 0.02
          : 0.002;
    return clamp(base * p.owner.intensity, 0, 0.9);
  });
}

/** Speed of the current trip slot, km/h; kilometres driven during dtS seconds. */
function drive(p: DeviceParams, u: Usage, t: number, dtS: number) {
  const driving = u.on(t);
  const highway = u.draw(t, 1) < 0.3;
  const speed = driving ? (highway ? 85 : 32) * (0.8 + 0.4 * u.draw(t, 2)) : 0;
  const km = dtS * 1000 <= SLOT_MS ? (speed * dtS) / 3600 : (38 * p.owner.intensity * dtS) / 86_400;
  return { driving, speed, km, minutes: u.minutesInState(t, 12) };
}

/** Regulated coolant temperature of a healthy engine, °C, and its warm-up time constant, min. */
const REGULATED_C = 90;
const WARMUP_TAU_MIN = 5;
/** An ECU's P0128 check: its model says ≥ 80 °C (thermostat open) and the sensor reads < 75. */
const THERMOSTAT_OPEN_C = 80;
const P0128_BELOW_C = 75;

/**
 * Coolant plateau of an engine whose thermostat is stuck open: the radiator is in circuit from
 * cold, so the coolant settles where the engine's heat equals what the radiator sheds —
 * lower in the cold and at speed (more airflow through the radiator), 58–74 °C.
 */
const stuckOpenPlateau = (out: number, speed: number): number =>
  clamp(66 + 0.25 * out - 0.08 * (speed - 40), 58, 74);

/**
 * Coolant temperature `minutes` into a drive that started at `start` (epoch ms), with the
 * thermostat stuck open from `onset` (Infinity: healthy). From cold it warms with a longer
 * time constant (8 min) to the plateau; stuck while warm, it sinks to the plateau in minutes.
 */
function drivingCoolant(out: number, speed: number, minutes: number, start: number, onset: number) {
  const healthy = approach(out, REGULATED_C, minutes, WARMUP_TAU_MIN);
  const at = (onset - start) / 60_000; // minutes into the drive when it stuck
  if (at > minutes) return healthy;
  const plateau = stuckOpenPlateau(out, speed);
  if (at <= 0) return approach(out, plateau, minutes, 8);
  const stuck = approach(out, REGULATED_C, at, WARMUP_TAU_MIN);
  return approach(stuck, plateau, minutes - at, stuck > plateau ? 2 : 8);
}

/**
 * The ECU's P0128 rationality check over the drive [start, end] (epoch ms): trips at the first
 * moment its coolant model (a healthy warm-up from the ambient temperature) is at the
 * thermostat's opening temperature and the sensor reads below 75 °C. Checked every half
 * minute, as an ECU checks continuously however rarely the telematics unit samples.
 */
function p0128Trips(out: number, speed: number, start: number, end: number, onset: number) {
  if (onset >= end) return false;
  const minutes = (end - start) / 60_000;
  const from = Math.max(0, (onset - start) / 60_000);
  for (let m = from; ; m = Math.min(minutes, m + 0.5)) {
    const healthy = approach(out, REGULATED_C, m, WARMUP_TAU_MIN);
    if (healthy >= THERMOSTAT_OPEN_C && drivingCoolant(out, speed, m, start, onset) < P0128_BELOW_C)
      return true;
    if (m >= minutes) return false;
  }
}

/** Codes the engine's ECU sets by t under the fault the model carries (P0128 for a stuck thermostat). */
function ecuCodes(
  p: DeviceParams,
  u: Usage,
  t: number,
  dtS: number,
  d: { driving: boolean; speed: number; minutes: number },
  out: number,
  fault: ModelFault | undefined,
): readonly string[] | undefined {
  if (fault?.mode !== 'thermostat_stuck_open') return undefined;
  if (d.driving) {
    const start = t - d.minutes * 60_000;
    return p0128Trips(out, d.speed, start, t, fault.onset) ? P0128 : undefined;
  }
  // Parked: a drive that ended since the last sample may have tripped the check on the way.
  if (d.minutes * 60 > dtS + 60) return undefined;
  const end = t - d.minutes * 60_000;
  const last = drive(p, u, end - 1, 60);
  if (!last.driving) return undefined;
  const start = end - 1 - last.minutes * 60_000;
  return p0128Trips(out, last.speed, start, end, fault.onset) ? P0128 : undefined;
}
const P0128 = Object.freeze(['P0128']);

export const combustionCar: DeviceModel = {
  category: 'household_car',
  name: 'Sedan 1.5T',
  intervalS: 60,
  metrics: {
    odometer_km: md(0, 1),
    speed_kmh: md(1.5, 0),
    rpm: md(40, 0),
    coolant_temp_c: md(0.5, 0),
    battery_12v_v: md(0.04, 2),
    fuel_level_pct: md(0.4, 1),
    oil_pressure_kpa: md(8, 0),
    brake_pad_mm: md(0.05, 2),
  },
  init: (p, rng) => ({
    odometer: rng.range(0, 60_000) * p.owner.intensity,
    fuel: rng.range(30, 95),
    pad: rng.range(9, 12),
  }),
  step(p, s, t, dtS, _rng, fault) {
    const out = outdoorTemp(p.climate, p.weatherSeed, t);
    const u = trips(p);
    const d = drive(p, u, t, dtS);
    let fuel = get(s, 'fuel') - d.km * 0.14 * p.unitFactor;
    if (fuel < 12) fuel = 95; // refuelled
    const state = { odometer: get(s, 'odometer') + d.km, fuel, pad: get(s, 'pad') - d.km * 6e-5 };
    const rpm = d.driving ? 800 + d.speed * 24 : 0;
    const stuckFrom = fault?.mode === 'thermostat_stuck_open' ? fault.onset : Infinity;
    const coolant = d.driving
      ? drivingCoolant(out, d.speed, d.minutes, t - d.minutes * 60_000, stuckFrom)
      : approach(REGULATED_C, out, d.minutes + (d.minutes > 170 ? 600 : 0), 90);
    const codes = ecuCodes(p, u, t, dtS, d, out, fault);
    return {
      state,
      metrics: {
        odometer_km: state.odometer,
        speed_kmh: d.speed,
        rpm,
        coolant_temp_c: coolant,
        battery_12v_v: d.driving ? 14.1 : 12.6 + 0.006 * (out - 20),
        fuel_level_pct: fuel,
        oil_pressure_kpa: d.driving ? (140 + rpm * 0.11) * (coolant < 60 ? 1.2 : 1) : 0,
        brake_pad_mm: state.pad,
      },
      flags: { running: d.driving },
      ...(codes ? { codes } : {}),
    };
  },
};

export const electricCar: DeviceModel = {
  category: 'household_car',
  name: 'Compact EV 60 kWh',
  intervalS: 60,
  metrics: {
    odometer_km: md(0, 1),
    speed_kmh: md(1.5, 0),
    battery_12v_v: md(0.04, 2),
    brake_pad_mm: md(0.05, 2),
    traction_soc_pct: md(0.2, 1),
    traction_soh_pct: md(0.15, 1),
    cell_voltage_spread_mv: md(1.5, 0),
    traction_battery_temp_c: md(0.3, 1),
    motor_temp_c: md(0.5, 1),
  },
  init: (p, rng) => ({
    odometer: rng.range(0, 50_000) * p.owner.intensity,
    soc: rng.range(40, 90),
    soh: rng.range(96, 100),
    spread: rng.range(8, 20),
    pad: rng.range(9, 12),
  }),
  step(p, s, t, dtS) {
    const out = outdoorTemp(p.climate, p.weatherSeed, t);
    const d = drive(p, trips(p), t, dtS);
    const h = localHour(t);
    const charging = !d.driving && (h >= 22 || h < 6) && get(s, 'soc') < 90;
    const chargedPct = charging ? (11.7 * Math.min(dtS, 8 * 3600)) / 3600 : 0;
    const soc = clamp(get(s, 'soc') - d.km * 0.25 * p.unitFactor + chargedPct, 5, 100);
    const years = dtS / (365 * 86_400);
    const state = {
      odometer: get(s, 'odometer') + d.km,
      soc,
      soh: get(s, 'soh') - 2 * years,
      spread: get(s, 'spread') + 5 * years,
      pad: get(s, 'pad') - d.km * 2e-5,
    };
    const motor = d.driving
      ? approach(out, out + 25 + d.speed * 0.35, d.minutes, 10)
      : approach(out + 40, out, d.minutes, 25);
    return {
      state,
      metrics: {
        odometer_km: state.odometer,
        speed_kmh: d.speed,
        battery_12v_v: d.driving || charging ? 13.9 : 12.6 + 0.006 * (out - 20),
        brake_pad_mm: state.pad,
        traction_soc_pct: soc,
        traction_soh_pct: state.soh,
        cell_voltage_spread_mv: state.spread * (soc < 20 ? 1.6 : 1),
        traction_battery_temp_c: clamp(out, 5, 40) + (d.driving ? 7 : charging ? 10 : 0),
        motor_temp_c: motor,
      },
      flags: { running: d.driving },
    };
  },
};
