import { roomTemp } from '../environment.ts';
import { approach, atHome, between, clamp, md, Usage, type DeviceModel } from '../model.ts';

/**
 * Side-draught range hood with an AC fan motor and three speed levels. Runs while cooking
 * (breakfast, lunch, dinner), with the lamp on in the evening.
 */
export const rangeHood: DeviceModel = {
  category: 'range_hood',
  name: 'CXW-260-J25',
  intervalS: 60,
  metrics: {
    fan_rpm: md(10, 0),
    motor_current_a: md(0.02, 2),
    motor_temp_c: md(0.3, 1),
    airflow_m3h: md(10, 0),
    static_pressure_pa: md(5, 0),
    vibration_mm_s: md(0.1, 2),
    light_on: md(0, 0),
    speed_level: md(0, 0),
  },
  init: () => ({}),
  step(p, s, t) {
    const u = new Usage(p.seed, 15 * 60_000, (tt) => {
      const meal = between(tt, 7, 7.75)
        ? 0.25
        : between(tt, 11.25, 12.5)
          ? 0.5
          : between(tt, 17.5, 19.5)
            ? 0.75
            : 0;
      return clamp(meal * p.owner.intensity * atHome(p.owner, tt), 0, 0.95);
    });
    const on = u.on(t);
    const minutes = u.minutesInState(t, 8);
    const level = on ? 1 + Math.floor(u.draw(t, 1) * 3) : 0;
    const room = roomTemp(p.climate, p.weatherSeed, t);
    return {
      state: s,
      metrics: {
        fan_rpm: on ? (700 + level * 280) * p.unitFactor : 0,
        motor_current_a: on ? 0.7 + level * 0.3 : 0,
        motor_temp_c: on
          ? approach(room, room + 20 + level * 6, minutes, 12)
          : approach(room + 30, room, minutes, 20),
        airflow_m3h: on ? (450 + level * 250) * p.unitFactor : 0,
        static_pressure_pa: on ? 120 + level * 70 : 0,
        vibration_mm_s: on ? 1.2 + level * 0.4 : 0.05,
        light_on: on && between(t, 17, 24) ? 1 : 0,
        speed_level: level,
      },
      flags: { running: on },
    };
  },
};
