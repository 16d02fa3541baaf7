import { roomTemp } from '../environment.ts';
import {
  atHome,
  between,
  clamp,
  get,
  md,
  Usage,
  type DeviceModel,
  type DeviceParams,
} from '../model.ts';

/**
 * Microcomputers in two variants: a notebook (battery, 19.5 V adapter) and a desktop tower
 * (no battery, no external adapter). Used in working hours by people who work from home and
 * in the evening by everyone; CPU load per half hour, temperature and fan follow the load.
 */
function usage(p: DeviceParams): Usage {
  return new Usage(p.seed, 30 * 60_000, (t) => {
    const work = p.owner.homeByDay && between(t, 9, 18) ? 0.7 : 0;
    const evening = between(t, 19, 23) ? 0.45 : 0.03;
    return clamp(Math.max(work, evening) * p.owner.intensity * atHome(p.owner, t) * 1.1, 0, 0.95);
  });
}

function readings(p: DeviceParams, t: number) {
  const u = usage(p);
  const on = u.on(t);
  const load = on ? 8 + 80 * u.draw(t, 1) ** 2 : 0;
  const room = roomTemp(p.climate, p.weatherSeed, t);
  return {
    on,
    room,
    cpu_load_pct: load,
    cpu_temp_c: on ? room + 18 + load * 0.45 : room,
    fan_rpm: on ? (1100 + load * 28) * p.unitFactor : 0,
    disk_temp_c: on ? room + 12 : room,
  };
}

const common = {
  cpu_temp_c: md(0.8, 1),
  cpu_load_pct: md(2, 0),
  fan_rpm: md(25, 0),
  disk_reallocated_sectors: md(0, 0),
  disk_temp_c: md(0.4, 1),
  memory_errors: md(0, 0),
};

export const notebook: DeviceModel = {
  category: 'microcomputer',
  name: 'ThinkBook 14 G6',
  intervalS: 60,
  metrics: { ...common, battery_health_pct: md(0.05, 1), psu_voltage_v: md(0.03, 2) },
  init: (_p, rng) => ({ health: rng.range(92, 100), realloc: rng.chance(0.05) ? rng.int(8) : 0 }),
  step(p, s, t, dtS) {
    const r = readings(p, t);
    const health = get(s, 'health') - (6 * dtS) / (365 * 86_400);
    return {
      state: { ...s, health },
      metrics: {
        cpu_temp_c: r.cpu_temp_c,
        cpu_load_pct: r.cpu_load_pct,
        fan_rpm: r.fan_rpm,
        disk_reallocated_sectors: get(s, 'realloc'),
        disk_temp_c: r.disk_temp_c,
        memory_errors: 0,
        battery_health_pct: health,
        psu_voltage_v: r.on ? 19.5 : 20,
      },
      flags: { running: r.on },
    };
  },
};

export const desktop: DeviceModel = {
  category: 'microcomputer',
  name: 'Tower M70t',
  intervalS: 60,
  metrics: common,
  init: (_p, rng) => ({ realloc: rng.chance(0.05) ? rng.int(8) : 0 }),
  step(p, s, t) {
    const r = readings(p, t);
    return {
      state: s,
      metrics: {
        cpu_temp_c: r.cpu_temp_c,
        cpu_load_pct: r.cpu_load_pct,
        fan_rpm: r.fan_rpm,
        disk_reallocated_sectors: get(s, 'realloc'),
        disk_temp_c: r.disk_temp_c,
        memory_errors: 0,
      },
      flags: { running: r.on },
    };
  },
};
