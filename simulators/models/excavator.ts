import { isWeekend, localDay, localHour, outdoorTemp } from '../environment.ts';
import { approach, get, md, Usage, type DeviceModel } from '../model.ts';
import { unitHash } from '../prng.ts';

/**
 * 20-t crawler excavator. Works two shifts (07–12, 13–18) six days a week, with idle and
 * rest slots; a site is closed some days (weather, no work). Digging raises pump pressure,
 * oil temperature and vibration; engine hours and boom cycles are counters.
 */
export const excavator: DeviceModel = {
  category: 'excavator',
  name: 'SY215C',
  intervalS: 60,
  metrics: {
    engine_hours: md(0, 1),
    engine_rpm: md(15, 0),
    coolant_temp_c: md(0.4, 1),
    hydraulic_pressure_bar: md(6, 0),
    hydraulic_oil_temp_c: md(0.4, 1),
    vibration_mm_s: md(0.3, 2),
    fuel_rate_lph: md(0.5, 1),
    boom_cycles: md(0, 0),
  },
  init: (p, rng) => ({
    hours: rng.range(200, 6000) * p.owner.intensity,
    cycles: rng.range(1e4, 4e5),
  }),
  step(p, s, t, dtS) {
    const h = localHour(t);
    const siteOpen =
      !(isWeekend(t) && localDay(t) % 7 === 3) && unitHash(p.seed, localDay(t)) < 0.88;
    const shift = siteOpen && ((h >= 7 && h < 12) || (h >= 13 && h < 18));
    const u = new Usage(p.seed, 10 * 60_000, () =>
      shift ? 0.8 * Math.min(1, p.owner.intensity) + 0.15 : 0,
    );
    const working = u.on(t);
    const idling = shift && !working;
    const engineOn = working || idling;
    // Minutes since the shift started (engine warm-up) or ended (cool-down).
    const sinceShiftStart = (h >= 13 ? h - 13 : h - 7) * 60;
    const sinceShiftEnd = (h >= 18 ? h - 18 : h >= 12 && h < 13 ? h - 12 : h + 6) * 60;
    const minutes = engineOn ? sinceShiftStart : siteOpen ? sinceShiftEnd : 24 * 60;
    const out = outdoorTemp(p.climate, p.weatherSeed, t);
    // Counters advance by their mean rate over long intervals.
    const onShare = dtS > 600 ? (siteOpen ? 10 / 24 : 0) * 0.9 : engineOn ? 1 : 0;
    const workShare = dtS > 600 ? onShare * 0.85 : working ? 1 : 0;
    const state = {
      hours: get(s, 'hours') + (onShare * dtS) / 3600,
      cycles: get(s, 'cycles') + Math.round(workShare * dtS * 0.05),
    };
    const load = working ? 0.7 + 0.3 * u.draw(t, 1) : 0;
    const warm = Math.exp(-minutes / 12);
    return {
      state,
      metrics: {
        engine_hours: state.hours,
        engine_rpm: working ? 1900 : idling ? 950 : 0,
        coolant_temp_c: engineOn
          ? out + (86 - out) * (1 - warm) + 4 * load
          : approach(85, out, minutes, 60),
        hydraulic_pressure_bar: working ? 220 + 100 * load : idling ? 35 : 0,
        hydraulic_oil_temp_c: engineOn
          ? out + (55 - out) * (1 - warm) + 10 * load
          : approach(60, out, minutes, 90),
        vibration_mm_s: working ? 4 + 3 * load : idling ? 1.5 : 0.1,
        fuel_rate_lph: working ? 12 + 12 * load : idling ? 4 : 0,
        boom_cycles: state.cycles,
      },
      flags: { running: engineOn, working },
    };
  },
};
