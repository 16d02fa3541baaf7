import type { CategoryProfileInput } from './schema.ts';
import { downRel, railAt, SUDDEN, t, up, upRel } from './dsl.ts';

/**
 * Refrigerators: "running" is the compressor flag the appliance reports; condenser
 * temperature is judged above the room's (ambient_temp_c), compressor current only while it
 * runs (it cycles on and off every few tens of minutes).
 */
export const refrigeratorProfile: CategoryProfileInput = {
  category: 'refrigerator',
  expectedIntervalMs: 60_000,
  conditions: {
    running: [[{ metric: 'compressor_on', min: 0.5 }]],
    cooling: [[{ metric: 'compressor_on', min: 0.5 }]],
  },
  watch: [
    'fridge_temp_c',
    'freezer_temp_c',
    'ambient_temp_c',
    'evaporator_temp_c',
    'condenser_temp_c',
  ],
  modes: [
    {
      id: 'refrigerant_leak',
      name: t('制冷剂泄漏', 'Refrigerant leak'),
      kind: 'degradation',
      component: 'refrigeration_system',
      mainPart: true,
      parts: ['refrigerant (R600a) charge', 'evaporator or brazed-joint repair', 'drier filter'],
      indicators: [
        up('freezer_temp_c', 14),
        up('fridge_temp_c', 6),
        up('evaporator_temp_c', 12, { when: 'running' }),
        downRel('compressor_current_a', 0.15, { when: 'running', weight: 0.5 }),
      ],
      faultCodes: ['HT'],
      spanDays: { min: 60, max: 540 },
      action: t(
        '上门检漏，修复泄漏点，更换干燥过滤器，抽真空后定量加注制冷剂；提醒用户转移冷冻食品。',
        'Visit to find and fix the leak, replace the drier, evacuate and recharge; tell the owner to move frozen food.',
      ),
    },
    {
      id: 'compressor_wear',
      name: t('压缩机磨损', 'Compressor wear'),
      kind: 'degradation',
      growth: 'accelerating',
      component: 'compressor',
      mainPart: true,
      parts: ['compressor', 'start relay / overload protector', 'refrigerant charge'],
      indicators: [
        // A compressor draws ~1 % more per °C of room temperature (condensing pressure): judge
        // what the room does not explain, or every summer looks like wear.
        upRel('compressor_current_a', 0.4, {
          when: 'running',
          minus: 'ambient_temp_c',
          minusFactor: 0.01,
        }),
        upRel('power_w', 0.35, { when: 'running', minus: 'ambient_temp_c', minusFactor: 1.25 }),
        up('condenser_temp_c', 6, { when: 'running', minus: 'ambient_temp_c', weight: 0.5 }),
      ],
      faultCodes: ['E5'],
      spanDays: { min: 180, max: 1200 },
      action: t(
        '检测压缩机启动与运行电流；确认磨损后更换压缩机（主要部件）。',
        'Check compressor start and running current; replace the compressor if worn (a main part).',
      ),
    },
    {
      id: 'condenser_fan_seizure',
      name: t('冷凝风机卡死', 'Condenser fan seized'),
      kind: 'sudden',
      component: 'condenser_fan',
      mainPart: false,
      parts: ['condenser fan motor'],
      indicators: [
        up('condenser_temp_c', 15, { when: 'running', minus: 'ambient_temp_c', weight: 2 }),
        upRel('compressor_current_a', 0.2, { when: 'running' }),
        up('fridge_temp_c', 2, { weight: 0.5 }),
      ],
      faultCodes: ['E6'],
      spanDays: SUDDEN,
      action: t(
        '更换冷凝风机电机；检查压缩机是否过热。',
        'Replace the condenser fan motor; check the compressor for overheating.',
      ),
    },
    {
      id: 'freezer_sensor_open_circuit',
      name: t('冷冻室传感器开路', 'Freezer sensor open circuit'),
      kind: 'sudden',
      component: 'temperature_sensor',
      mainPart: false,
      parts: ['freezer NTC sensor', 'sensor harness'],
      indicators: [railAt('freezer_temp_c', 'down', -40)],
      limits: [{ metric: 'freezer_temp_c', below: -39.5 }],
      faultCodes: ['F2'],
      spanDays: SUDDEN,
      action: t('更换冷冻室温度传感器。', 'Replace the freezer temperature sensor.'),
    },
  ],
};
