import type { CategoryProfileInput } from './schema.ts';
import { limit, railAt, SUDDEN, t, up, upRel } from './dsl.ts';

/**
 * Washing machines. The programme phase is read from the readings: "washing" = drum full of
 * water (the drum must turn then), "spinning" = drum speed of a spin. The heater's own state is
 * not reported apart from its power, so an open heater looks like a cold programme: that mode
 * rests on the machine's HE code (and on the cold water only as evidence).
 */
export const washingMachineProfile: CategoryProfileInput = {
  category: 'washing_machine',
  expectedIntervalMs: 60_000,
  conditions: {
    washing: [[{ metric: 'water_level_mm', min: 100 }]],
    spinning: [[{ metric: 'drum_rpm', min: 600 }]],
  },
  watch: ['water_temp_c', 'fill_time_s', 'drain_time_s'],
  modes: [
    {
      id: 'drum_bearing_wear',
      name: t('滚筒轴承磨损', 'Drum bearing wear'),
      kind: 'degradation',
      growth: 'accelerating',
      component: 'drum_bearing',
      mainPart: false,
      parts: ['drum bearings', 'drum shaft seal'],
      indicators: [
        up('vibration_mm_s', 25, { when: 'spinning', weight: 2 }),
        upRel('motor_current_a', 0.2, { when: 'spinning' }),
      ],
      faultCodes: ['UE'],
      // A spin lasts ~14 minutes of a programme: 24 h of spinning took 100 programmes, months
      // in which a worn drum went unjudged. Three hours is a dozen programmes; spin vibration
      // and current are steady (σ a few % of their failure moves) once the drum is at speed.
      warmupHours: 3,
      spanDays: { min: 180, max: 1000 },
      action: t(
        '更换滚筒轴承与油封（需拆外筒，预留半天）。',
        'Replace drum bearings and seal (tub must come apart; allow half a day).',
      ),
    },
    {
      id: 'drain_pump_clogging',
      name: t('排水泵堵塞', 'Drain pump clogged'),
      kind: 'degradation',
      growth: 'accelerating',
      component: 'drain_pump',
      mainPart: false,
      parts: ['drain pump filter cleaning', 'drain pump (if damaged)'],
      indicators: [upRel('drain_time_s', 3)],
      faultCodes: ['OE'],
      spanDays: { min: 30, max: 300 },
      action: t(
        '指导用户清理排水泵过滤器；无效则上门更换排水泵。',
        'Walk the owner through cleaning the drain filter; replace the pump if that fails.',
      ),
      severity: { instant: 'minor' },
    },
    {
      id: 'inlet_valve_clogging',
      name: t('进水阀堵塞', 'Inlet valve clogged'),
      kind: 'degradation',
      component: 'inlet_valve',
      mainPart: false,
      parts: ['inlet valve screen cleaning', 'inlet valve'],
      indicators: [upRel('fill_time_s', 3)],
      faultCodes: ['IE'],
      spanDays: { min: 60, max: 500 },
      action: t(
        '指导用户清洗进水阀滤网并检查水压；必要时更换进水阀。',
        'Have the owner clean the inlet screen and check water pressure; replace the valve if needed.',
      ),
      severity: { instant: 'minor' },
    },
    {
      id: 'heater_failure',
      name: t('加热管断路', 'Heater open circuit'),
      kind: 'sudden',
      component: 'heater',
      mainPart: false,
      parts: ['heating element', 'heater thermal fuse'],
      indicators: [],
      faultCodes: ['HE'],
      spanDays: SUDDEN,
      action: t('更换加热管。', 'Replace the heating element.'),
    },
    {
      id: 'motor_control_board_failure',
      name: t('电机驱动板故障', 'Motor control board failure'),
      kind: 'sudden',
      component: 'control_board',
      mainPart: true,
      parts: ['main control board (motor inverter)', 'motor connector check'],
      indicators: [
        railAt('drum_rpm', 'down', 0, { when: 'washing' }),
        railAt('motor_current_a', 'down', 0, { when: 'washing' }),
      ],
      limits: [limit('drum_rpm', { below: 5 }, { persist: 2, when: 'washing' })],
      faultCodes: ['LE'],
      spanDays: SUDDEN,
      action: t(
        '更换主控板（电机驱动部分属主要部件）。',
        'Replace the main control board (motor drive: a main part).',
      ),
    },
  ],
};
