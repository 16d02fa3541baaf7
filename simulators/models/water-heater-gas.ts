import { mainsWaterTemp, roomTemp } from '../environment.ts';
import { atHome, between, clamp, get, md, Usage, type DeviceModel } from '../model.ts';

/**
 * 16-litre instantaneous gas water heater with a fan-assisted sealed burner. It only fires
 * while hot water is drawn (showers in the morning and evening, short draws otherwise); the
 * proportional gas valve follows the heat the flow needs.
 */
export const waterHeaterGas: DeviceModel = {
  category: 'water_heater_gas',
  name: 'JSQ32-16L',
  intervalS: 60,
  metrics: {
    outlet_temp_c: md(0.3, 1),
    inlet_temp_c: md(0.2, 1),
    setpoint_c: md(0, 0),
    flow_lpm: md(0.15, 1),
    flame_current_ua: md(0.3, 1),
    fan_rpm: md(40, 0),
    gas_valve_pct: md(0.8, 0),
    flue_temp_c: md(2, 0),
    co_ppm: md(4, 0),
    ignition_attempts: md(0, 0),
  },
  init: (_p, rng) => ({ setpoint: rng.pick([40, 42, 45, 48, 50]), flame: rng.range(8, 12) }),
  step(p, s, t) {
    const draws = new Usage(p.seed, 10 * 60_000, (tt) =>
      between(tt, p.owner.wakeHour, p.owner.wakeHour + 1) || between(tt, 19.5, 23)
        ? 0.35 * p.owner.intensity * atHome(p.owner, tt)
        : 0.05 * atHome(p.owner, tt),
    );
    const inlet = mainsWaterTemp(p.climate, t);
    const room = roomTemp(p.climate, p.weatherSeed, t);
    const setpoint = get(s, 'setpoint');
    const on = draws.on(t);
    const flow = on ? 5 + 5 * draws.draw(t, 1) : 0;
    // 16 L/min × 25 K ≈ 28 kW at 100 % valve.
    const valve = on ? clamp((flow * (setpoint - inlet)) / 4, 15, 100) * p.unitFactor : 0;
    return {
      state: s,
      metrics: {
        outlet_temp_c: on ? setpoint : room,
        inlet_temp_c: inlet,
        setpoint_c: setpoint,
        flow_lpm: flow,
        flame_current_ua: on ? get(s, 'flame') : 0,
        fan_rpm: on ? 1800 + valve * 35 : 0,
        gas_valve_pct: valve,
        flue_temp_c: on ? 110 + valve * 1.1 : room,
        co_ppm: on ? 30 + valve * 0.3 : 0,
        ignition_attempts: 1,
      },
      flags: { running: on, heating: on },
    };
  },
};
