import { roomTemp } from '../environment.ts';
import { atHome, between, clamp, md, Usage, type DeviceModel } from '../model.ts';

/**
 * Two-door frost-free refrigerator. The compressor cycles on a thermostat: the cycle is a
 * closed-form function of time (period ≈ 40 min, duty rising with room temperature), so any
 * sampling interval sees the same physics. A defrost heater runs 20 min every 8 h.
 */
const PERIOD_MIN = 40;
const DEFROST_EVERY_H = 8;
const DEFROST_MIN = 20;

export const refrigerator: DeviceModel = {
  category: 'refrigerator',
  name: 'BCD-452WDPF',
  intervalS: 60,
  metrics: {
    fridge_temp_c: md(0.15, 1),
    freezer_temp_c: md(0.2, 1),
    ambient_temp_c: md(0.2, 1),
    compressor_on: md(0, 0),
    compressor_current_a: md(0.03, 2),
    evaporator_temp_c: md(0.3, 1),
    condenser_temp_c: md(0.3, 1),
    defrost_heater_on: md(0, 0),
    door_open: md(0, 0),
    power_w: md(2, 0),
  },
  init: (_p, rng) => ({
    phaseMin: rng.range(0, PERIOD_MIN),
    defrostPhaseH: rng.range(0, DEFROST_EVERY_H),
  }),
  step(p, s, t) {
    const room = roomTemp(p.climate, p.weatherSeed, t);
    const minutes = t / 60_000 + (s.phaseMin ?? 0);
    const hoursInDefrost = (t / 3_600_000 + (s.defrostPhaseH ?? 0)) % DEFROST_EVERY_H;
    const defrost = hoursInDefrost < DEFROST_MIN / 60;
    const doors = new Usage(p.seed, 5 * 60_000, (tt) =>
      between(tt, 6.5, 8) || between(tt, 11.5, 13) || between(tt, 17.5, 20)
        ? 0.25 * p.owner.intensity * atHome(p.owner, tt)
        : 0.03 * atHome(p.owner, tt),
    );
    const doorOpen = doors.on(t);
    const duty = clamp(
      (0.3 + 0.014 * (room - 20)) * p.unitFactor + (doorOpen ? 0.1 : 0),
      0.15,
      0.9,
    );
    const phase = (minutes % PERIOD_MIN) / PERIOD_MIN;
    const on = !defrost && phase < duty;
    // Sawtooth: temperature falls while on, rises while off, between cut-in and cut-out.
    const x = on ? phase / duty : 1 - (phase - duty) / (1 - duty);
    const fridge = 5.5 - 3 * x + (doorOpen ? 1.5 : 0) + (defrost ? 1 : 0);
    const freezer = -16.5 - 3.5 * x + (defrost ? 2 : 0);
    const evaporator = defrost ? 5 : on ? -24 - 2 * x : -12 - 4 * x;
    const current = on ? 0.85 * p.unitFactor + 0.01 * (room - 20) : 0;
    return {
      state: s,
      metrics: {
        fridge_temp_c: fridge,
        freezer_temp_c: freezer,
        ambient_temp_c: room,
        compressor_on: on ? 1 : 0,
        compressor_current_a: current,
        evaporator_temp_c: evaporator,
        condenser_temp_c: on ? room + 14 : room + 3,
        defrost_heater_on: defrost ? 1 : 0,
        door_open: doorOpen ? 1 : 0,
        power_w: (on ? current * 125 : 2) + (defrost ? 160 : 0) + (doorOpen ? 2 : 0),
      },
      flags: { running: on, cooling: on },
    };
  },
};
