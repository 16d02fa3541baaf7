import { mainsWaterTemp } from '../environment.ts';
import { atHome, clamp, get, md, Usage, type DeviceModel } from '../model.ts';

/**
 * Front-loading washer with a direct-drive motor and a heater. A programme takes 90 minutes:
 * fill, wash (heated in hot programmes), rinse, spin; it starts in a 90-minute slot with a
 * probability set by how much the household washes. Fill and drain times are the last
 * programme's, as the controller reports them.
 */
const PROGRAM_MIN = 90;

export const washingMachine: DeviceModel = {
  category: 'washing_machine',
  name: 'TG100V88WMUIADY5',
  intervalS: 60,
  metrics: {
    drum_rpm: md(4, 0),
    motor_current_a: md(0.05, 2),
    water_temp_c: md(0.3, 1),
    water_level_mm: md(3, 0),
    fill_time_s: md(3, 0),
    drain_time_s: md(2, 0),
    vibration_mm_s: md(0.3, 2),
    heater_power_w: md(15, 0),
  },
  init: (_p, rng) => ({ fill: rng.range(70, 110), drain: rng.range(45, 70) }),
  step(p, s, t) {
    const u = new Usage(p.seed, PROGRAM_MIN * 60_000, (tt) =>
      clamp(0.12 * p.owner.intensity * atHome(p.owner, tt), 0, 0.6),
    );
    const on = u.on(t);
    const minute = (t / 60_000) % PROGRAM_MIN;
    const hot = u.draw(t, 1) < 0.4;
    const inlet = mainsWaterTemp(p.climate, t);
    const target = hot ? (u.draw(t, 2) < 0.5 ? 40 : 60) : inlet;
    const phase = !on
      ? 'idle'
      : minute < 4
        ? 'fill'
        : minute < 55
          ? 'wash'
          : minute < 72
            ? 'rinse'
            : minute < 86
              ? 'spin'
              : 'drain';
    const heating = on && hot && minute >= 4 && minute < 25;
    const spinning = phase === 'spin';
    const washing = phase === 'wash' || phase === 'rinse';
    const water = heating
      ? inlet + (target - inlet) * ((minute - 4) / 21)
      : phase === 'wash'
        ? target
        : inlet;
    return {
      state: s,
      metrics: {
        drum_rpm: spinning ? 1200 * p.unitFactor : washing ? 48 : 0,
        motor_current_a: spinning ? 2.6 : washing ? 1.1 : 0,
        water_temp_c: on ? water : inlet,
        water_level_mm: phase === 'fill' ? 60 : washing ? 120 : 0,
        fill_time_s: get(s, 'fill'),
        drain_time_s: get(s, 'drain'),
        vibration_mm_s: spinning ? 7 : washing ? 2.5 : 0.05,
        heater_power_w: heating ? 1950 : 0,
      },
      flags: { running: on, spinning, heating },
    };
  },
};
