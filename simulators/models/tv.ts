import { roomTemp } from '../environment.ts';
import { approach, atHome, between, clamp, get, md, Usage, type DeviceModel } from '../model.ts';

/**
 * 55-inch LED-backlit LCD TV. Watched in the evening (and at weekend midday), more by heavy
 * users; brightness follows the content; the board and panel warm up while on.
 */
export const tv: DeviceModel = {
  category: 'tv',
  name: '55E3F LCD',
  intervalS: 60,
  metrics: {
    power_w: md(3, 0),
    on: md(0, 0),
    backlight_current_ma: md(8, 0),
    board_temp_c: md(0.3, 1),
    panel_temp_c: md(0.3, 1),
    brightness_nits: md(6, 0),
    tuner_snr_db: md(0.6, 1),
    reboot_count: md(0, 0),
  },
  init: (_p, rng) => ({ reboots: rng.int(30), snr: rng.range(26, 36) }),
  step(p, s, t, dtS) {
    const u = new Usage(p.seed, 30 * 60_000, (tt) => {
      const base = between(tt, 19, 23) ? 0.75 : between(tt, 11.5, 14) ? 0.25 : 0.06;
      return clamp(base * p.owner.intensity * atHome(p.owner, tt), 0, 0.95);
    });
    const on = u.on(t);
    const minutes = u.minutesInState(t);
    const room = roomTemp(p.climate, p.weatherSeed, t);
    const content = 0.6 + 0.4 * u.draw(t, 1);
    // A reboot now and then (firmware updates, power cuts): about one per 60 days.
    const reboots = get(s, 'reboots') + (u.draw(t, 2) < dtS / (60 * 86_400) ? 1 : 0);
    const backlight = on ? 520 * p.unitFactor * content : 0;
    return {
      state: { ...s, reboots },
      metrics: {
        power_w: on ? 45 + backlight * 0.11 : 0.5,
        on: on ? 1 : 0,
        backlight_current_ma: backlight,
        board_temp_c: on
          ? approach(room, room + 22, minutes, 15)
          : approach(room + 22, room, minutes, 20),
        panel_temp_c: on
          ? approach(room, room + 12, minutes, 20)
          : approach(room + 12, room, minutes, 25),
        brightness_nits: on ? 380 * content : 0,
        tuner_snr_db: on ? get(s, 'snr') : 0,
        reboot_count: reboots,
      },
      flags: { running: on },
    };
  },
};
