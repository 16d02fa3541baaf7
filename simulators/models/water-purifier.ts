import { mainsWaterTemp } from '../environment.ts';
import { atHome, clamp, get, md, Usage, type DeviceModel } from '../model.ts';

/**
 * Under-sink reverse-osmosis purifier with a booster pump and a 5-stage filter set. It makes
 * water in bursts after draws; feed TDS is a property of the site. The unit's own filter-life
 * estimate counts down with the water made and resets when the owner replaces the filters.
 */
export const waterPurifier: DeviceModel = {
  category: 'water_purifier',
  name: 'MRO1891-400G',
  intervalS: 60,
  metrics: {
    inlet_tds_ppm: md(4, 0),
    outlet_tds_ppm: md(0.8, 0),
    inlet_pressure_kpa: md(5, 0),
    membrane_pressure_kpa: md(8, 0),
    flow_lpm: md(0.04, 2),
    pump_current_a: md(0.02, 2),
    water_temp_c: md(0.2, 1),
    filter_life_pct: md(0, 0),
  },
  init: (_p, rng) => ({
    tds: rng.range(120, 650),
    mains: rng.range(180, 380),
    life: rng.range(20, 100),
  }),
  step(p, s, t, dtS) {
    const u = new Usage(p.seed, 10 * 60_000, (tt) =>
      clamp(0.12 * p.owner.intensity * (0.3 + atHome(p.owner, tt)), 0, 0.8),
    );
    const on = u.on(t);
    const flow = on ? 1.3 * p.unitFactor : 0;
    const meanFlow = dtS > 600 ? 1.3 * 0.12 * p.owner.intensity : flow;
    let life = get(s, 'life') - (meanFlow * dtS) / 60 / 40; // 4000 L per filter set
    if (life <= 0) life = 100; // the owner replaced the filters
    const inlet = get(s, 'tds');
    return {
      state: { ...s, life },
      metrics: {
        inlet_tds_ppm: inlet,
        outlet_tds_ppm: on ? inlet * 0.03 : inlet * 0.05,
        inlet_pressure_kpa: get(s, 'mains') - (on ? 20 : 0),
        membrane_pressure_kpa: on ? 650 * p.unitFactor : get(s, 'mains'),
        flow_lpm: flow,
        pump_current_a: on ? 0.9 * p.unitFactor : 0,
        water_temp_c: mainsWaterTemp(p.climate, t),
        filter_life_pct: Math.ceil(life),
      },
      flags: { running: on },
    };
  },
};
