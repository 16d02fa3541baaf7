import { outdoorTemp, roomTemp } from '../environment.ts';
import {
  approach,
  atHome,
  clamp,
  get,
  md,
  Usage,
  type DeviceModel,
  type DeviceParams,
} from '../model.ts';

/**
 * Split inverter air conditioner (R32). Runs when someone is home and the weather calls for
 * it: cooling above ~25 °C outdoors, heating below ~12 °C where there is no district heating,
 * and through hot nights. Inverter frequency follows the load and the pull-down after start.
 */
function usage(p: DeviceParams): Usage {
  return new Usage(p.owner.seed ^ p.seed, 30 * 60_000, (t) => {
    const out = outdoorTemp(p.climate, p.weatherSeed, t);
    const cool = clamp((out - 25) / 6, 0, 1);
    const heat = p.climate.districtHeating ? 0 : 0.8 * clamp((12 - out) / 8, 0, 1);
    const home = Math.max(atHome(p.owner, t), out > 27 ? 0.6 : 0);
    return clamp(home * Math.max(cool, heat) * p.owner.intensity, 0, 0.97);
  });
}

export const airConditioner: DeviceModel = {
  category: 'air_conditioner',
  name: 'KFR-35GW inverter',
  intervalS: 60,
  metrics: {
    indoor_temp_c: md(0.1, 1),
    outdoor_temp_c: md(0.2, 1),
    setpoint_c: md(0, 0),
    supply_air_temp_c: md(0.3, 1),
    compressor_current_a: md(0.08, 2),
    compressor_freq_hz: md(0.5, 1),
    discharge_temp_c: md(0.5, 1),
    evaporator_temp_c: md(0.3, 1),
    condenser_temp_c: md(0.4, 1),
    suction_pressure_kpa: md(10, 0),
    fan_rpm: md(12, 0),
    power_w: md(12, 0),
  },
  init: (_p, rng) => ({
    setCool: Math.round(rng.range(24, 27.5)),
    setHeat: Math.round(rng.range(20, 24)),
  }),
  step(p, s, t) {
    const u = usage(p);
    const out = outdoorTemp(p.climate, p.weatherSeed, t);
    const free = roomTemp(p.climate, p.weatherSeed, t) + (out > 22 ? 2 : 0);
    const on = u.on(t);
    const minutes = u.minutesInState(t);
    const cooling = out >= 18;
    const setpoint = cooling ? get(s, 'setCool') : get(s, 'setHeat');
    const m: Record<string, number> = { outdoor_temp_c: out, setpoint_c: setpoint };
    if (!on) {
      const indoor = approach(setpoint, free, minutes, 45);
      Object.assign(m, {
        indoor_temp_c: indoor,
        supply_air_temp_c: indoor,
        compressor_current_a: 0,
        compressor_freq_hz: 0,
        discharge_temp_c: approach(60, out, minutes, 20),
        evaporator_temp_c: indoor,
        condenser_temp_c: out,
        suction_pressure_kpa: clamp(1000 + 30 * (out - 20), 300, 2500),
        fan_rpm: 0,
        power_w: 3,
      });
      return { state: s, metrics: m, flags: { running: false } };
    }
    const indoor = approach(free, setpoint, minutes, 15);
    const pull = Math.exp(-minutes / 20);
    const load = Math.abs(free - setpoint) + 0.25 * Math.abs(out - setpoint);
    const freq = clamp((25 + 3.2 * load + 40 * pull) * p.unitFactor, 20, 110);
    const current = 0.075 * freq;
    const fan = 800 + 500 * Math.floor(u.draw(t, 1) * 3) * 0.5;
    if (cooling) {
      const evap = 9 - 0.03 * freq;
      const cond = out + 8 + 0.08 * freq;
      Object.assign(m, {
        evaporator_temp_c: evap,
        supply_air_temp_c: evap + 6,
        condenser_temp_c: cond,
        discharge_temp_c: cond + 15 + 0.15 * freq,
        suction_pressure_kpa: 850 + 25 * (evap - 7),
      });
    } else {
      const coil = 35 + 0.12 * freq;
      const outdoorCoil = out - 5 - 0.04 * freq;
      Object.assign(m, {
        evaporator_temp_c: coil,
        supply_air_temp_c: coil - 5,
        condenser_temp_c: outdoorCoil,
        discharge_temp_c: coil + 20 + 0.1 * freq,
        suction_pressure_kpa: clamp(600 + 22 * outdoorCoil, 150, 2000),
      });
    }
    Object.assign(m, {
      indoor_temp_c: indoor,
      compressor_freq_hz: freq,
      compressor_current_a: current,
      power_w: current * 220 * 0.95 + 40,
      fan_rpm: fan,
    });
    return { state: s, metrics: m, flags: { running: true, cooling, heating: !cooling } };
  },
};
