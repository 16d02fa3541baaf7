import { mainsWaterTemp, roomTemp } from '../environment.ts';
import { atHome, between, clamp, get, md, Usage, type DeviceModel } from '../model.ts';

/**
 * 60-litre electric storage water heater, 2 kW element, thermostat with 5 K hysteresis.
 * The tank temperature is the state: it is integrated over the sampling interval in steps of
 * at most 5 minutes (heating, standing loss, hot-water draws in the morning and evening).
 */
const VOLUME_L = 60;
const SUBSTEP_S = 300;

export const waterHeaterElectric: DeviceModel = {
  category: 'water_heater_electric',
  name: 'EC6002-R 60L',
  intervalS: 60,
  metrics: {
    tank_temp_c: md(0.2, 1),
    setpoint_c: md(0, 0),
    heater_power_w: md(10, 0),
    heating_rate_c_per_h: md(0.5, 1),
    inlet_temp_c: md(0.2, 1),
    anode_current_ma: md(0.4, 1),
    leakage_current_ma: md(0.03, 2),
    flow_lpm: md(0.1, 1),
  },
  init: (p, rng) => ({
    tank: rng.range(40, 60),
    setpoint: rng.pick([50, 55, 60, 65]),
    heating: 0,
    anode: rng.range(18, 30) * p.unitFactor,
  }),
  step(p, s, t, dtS) {
    const draws = new Usage(p.seed, 10 * 60_000, (tt) =>
      between(tt, p.owner.wakeHour, p.owner.wakeHour + 1) || between(tt, 20, 22.5)
        ? 0.3 * p.owner.intensity * atHome(p.owner, tt)
        : 0.02,
    );
    const inlet = mainsWaterTemp(p.climate, t);
    const room = roomTemp(p.climate, p.weatherSeed, t);
    const setpoint = get(s, 'setpoint');
    const powerW = 2000 * p.unitFactor;
    let tank = get(s, 'tank');
    let heating = get(s, 'heating') > 0;
    let flow = 0;
    const n = Math.max(1, Math.ceil(dtS / SUBSTEP_S));
    for (let i = 0; i < n; i++) {
      const ti = t - (n - 1 - i) * (dtS / n) * 1000;
      flow = draws.on(ti) ? 6 + 3 * draws.draw(ti, 1) : 0;
      if (tank < setpoint - 5) heating = true;
      if (tank >= setpoint) heating = false;
      const h = dtS / n / 3600;
      const gain = heating ? powerW / (VOLUME_L * 1.163) : 0; // K/h: water holds 1.163 Wh/(L·K)
      const mix = (flow * 60 * h) / VOLUME_L; // fraction of the tank replaced
      tank += gain * h - 0.012 * h * (tank - room); // standing loss ≈ 0.5 K/h at 40 K
      tank = tank * (1 - Math.min(mix, 1)) + inlet * Math.min(mix, 1);
    }
    const rate = heating
      ? powerW / (VOLUME_L * 1.163) - (flow > 0 ? 20 : 0)
      : -0.4 - (flow > 0 ? 25 : 0);
    const anode = get(s, 'anode') * Math.exp(-dtS / (6 * 365 * 86_400));
    return {
      state: { ...s, tank: clamp(tank, inlet - 1, 95), heating: heating ? 1 : 0, anode },
      metrics: {
        tank_temp_c: tank,
        setpoint_c: setpoint,
        heater_power_w: heating ? powerW : 0,
        heating_rate_c_per_h: rate,
        inlet_temp_c: inlet,
        anode_current_ma: anode * (0.7 + tank / 200),
        leakage_current_ma: heating ? 0.35 : 0.08,
        flow_lpm: flow,
      },
      flags: { running: heating, heating },
    };
  },
};
