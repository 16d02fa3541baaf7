import { localHour, roomTemp } from '../environment.ts';
import { clamp, get, md, Usage, type DeviceModel } from '../model.ts';
import { unitHash } from '../prng.ts';

/**
 * Smartphone with a 4500 mAh Li-ion battery. Used through the waking day, charged at night;
 * charge cycles wear the battery (≈ 0.02 % capacity per cycle); signal depends on where the
 * owner is (home, work, underway).
 */
export const mobilePhone: DeviceModel = {
  category: 'mobile_phone',
  name: 'Mate X 5G',
  intervalS: 300,
  metrics: {
    battery_pct: md(0, 0),
    battery_temp_c: md(0.3, 1),
    battery_voltage_v: md(0.01, 3),
    battery_health_pct: md(0.05, 1),
    charge_cycles: md(0, 0),
    cpu_temp_c: md(0.8, 1),
    signal_dbm: md(2.5, 0),
    storage_free_pct: md(0, 1),
    crash_count: md(0, 0),
  },
  init: (_p, rng) => ({
    pct: rng.range(30, 100),
    health: rng.range(96, 100),
    cycles: rng.int(300),
    free: rng.range(15, 70),
    crashes: rng.int(5),
  }),
  step(p, s, t, dtS) {
    const h = localHour(t);
    const wake = p.owner.wakeHour;
    const asleep = h < wake || h >= 23.5;
    const active = new Usage(p.seed, 15 * 60_000, () =>
      asleep ? 0.02 : 0.35 * p.owner.intensity,
    ).on(t);
    const charging = asleep && get(s, 'pct') < 100;
    const hours = dtS / 3600;
    // Long intervals: a day's net effect is a full discharge and recharge.
    const delta = charging ? 40 * hours : -(active ? 9 : 1.2) * p.owner.intensity * hours;
    const pct =
      dtS > 3 * 3600 ? clamp(get(s, 'pct'), 20, 100) : clamp(get(s, 'pct') + delta, 3, 100);
    // A cycle is 100 % of charge actually taken in: a full battery topped up on the charger
    // takes in only what it lost, not the charger's nominal rate.
    const cycles =
      get(s, 'cycles') +
      (dtS > 3 * 3600
        ? (0.8 * p.owner.intensity * dtS) / 86_400
        : Math.max(0, pct - get(s, 'pct')) / 100);
    const health = get(s, 'health') - (cycles - get(s, 'cycles')) * 0.02;
    const crashes = get(s, 'crashes') + (unitCrash(p.seed, t, dtS) ? 1 : 0);
    const room = roomTemp(p.climate, p.weatherSeed, t);
    const place = Math.floor(t / 3_600_000) % 3;
    return {
      state: { ...s, pct, cycles, health, crashes, free: get(s, 'free') - dtS * 1e-7 },
      metrics: {
        battery_pct: Math.round(pct),
        battery_temp_c: room + 4 + (active ? 6 : 0) + (charging ? 8 : 0),
        battery_voltage_v: 3.45 + 0.0072 * pct + (charging ? 0.1 : 0),
        battery_health_pct: health,
        charge_cycles: Math.floor(cycles),
        cpu_temp_c: room + 8 + (active ? 17 : 0),
        signal_dbm: -75 - 12 * place,
        storage_free_pct: get(s, 'free'),
        crash_count: crashes,
      },
      flags: { running: active },
    };
  },
};

/** About one crash per ten days. */
function unitCrash(seed: number, t: number, dtS: number): boolean {
  return unitHash(seed ^ 0x5bd1e995, Math.floor(t / 60_000)) < dtS / 864_000;
}
