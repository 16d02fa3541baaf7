import type { CategoryProfileInput } from './schema.ts';
import { down, downRel, limit, railAt, SUDDEN, t, up, upRel } from './dsl.ts';

/**
 * Split inverter air conditioners. Devices report readings, not their controller's state, so
 * "running" is a compressor frequency above the inverter's minimum and cooling/heating follow
 * the outdoor temperature (the changeover the controller applies). Indicators are normalised
 * where the environment explains most of the variation: discharge minus outdoor temperature,
 * room minus setpoint, current and power per compressor Hz (wear is "more current at equal
 * frequency").
 */
export const airConditionerProfile: CategoryProfileInput = {
  category: 'air_conditioner',
  expectedIntervalMs: 60_000,
  conditions: {
    running: [[{ metric: 'compressor_freq_hz', min: 15 }]],
    cooling: [
      [
        { metric: 'compressor_freq_hz', min: 15 },
        { metric: 'outdoor_temp_c', min: 18 },
      ],
    ],
    heating: [
      [
        { metric: 'compressor_freq_hz', min: 15 },
        { metric: 'outdoor_temp_c', max: 18 },
      ],
    ],
  },
  // power_w is left out: it is current × mains voltage, so it would only repeat the current.
  watch: [
    'indoor_temp_c',
    'supply_air_temp_c',
    'compressor_current_a',
    'discharge_temp_c',
    'evaporator_temp_c',
    'condenser_temp_c',
    'suction_pressure_kpa',
    'fan_rpm',
  ],
  modes: [
    {
      id: 'refrigerant_leak',
      name: t('冷媒泄漏', 'Refrigerant leak'),
      kind: 'degradation',
      component: 'refrigeration_system',
      mainPart: false,
      parts: ['R32 refrigerant charge', 'flare nuts / brazed joint repair', 'leak detector check'],
      indicators: [
        downRel('suction_pressure_kpa', 0.45, { when: 'cooling' }),
        up('discharge_temp_c', 22, { when: 'cooling', minus: 'outdoor_temp_c' }),
        up('supply_air_temp_c', 7, { when: 'cooling' }),
        up('compressor_freq_hz', 25, { when: 'running', weight: 0.25 }),
        up('indoor_temp_c', 3, { when: 'cooling', minus: 'setpoint_c', weight: 0.5 }),
        // Heating, the outdoor coil is the evaporator: an undercharge shows in the same low
        // suction pressure and hot discharge. Heating suction follows the outdoor temperature
        // (~22 kPa/°C), so it is judged net of it; without these a leak that starts in autumn
        // stayed invisible until the unit's own F0 code (85 % of the way to failure).
        downRel('suction_pressure_kpa', 0.45, {
          when: 'heating',
          minus: 'outdoor_temp_c',
          minusFactor: 22,
        }),
        up('discharge_temp_c', 22, { when: 'heating' }),
      ],
      limits: [limit('discharge_temp_c', { above: 115 }, { persist: 3, severity: 'critical' })],
      faultCodes: ['F0', 'E4'],
      spanDays: { min: 60, max: 540 },
      action: t(
        '上门检漏（重点查连接管喇叭口与焊点），修复后抽真空并按铭牌定量加注冷媒。',
        'Visit to leak-test (flare joints and brazed points first), repair, evacuate and recharge to the nameplate charge.',
      ),
    },
    {
      id: 'compressor_wear',
      name: t('压缩机磨损', 'Compressor wear'),
      kind: 'degradation',
      growth: 'accelerating',
      component: 'compressor',
      mainPart: true,
      parts: ['compressor', 'compressor capacitor/driver check', 'refrigerant charge'],
      indicators: [
        upRel('compressor_current_a', 0.35, { when: 'running', per: 'compressor_freq_hz' }),
        upRel('power_w', 0.3, { when: 'running', per: 'compressor_freq_hz' }),
        up('discharge_temp_c', 12, { when: 'cooling', minus: 'outdoor_temp_c', weight: 0.5 }),
      ],
      faultCodes: ['H3', 'E5'],
      spanDays: { min: 180, max: 1000 },
      action: t(
        '安排技师检测压缩机电流与绝缘；确认磨损后更换压缩机（三包主要部件）。',
        'Send a technician to measure compressor current and insulation; replace the compressor if worn (a 三包 main part).',
      ),
    },
    {
      id: 'indoor_fan_motor_seizure',
      name: t('室内风机卡死', 'Indoor fan motor seized'),
      kind: 'sudden',
      component: 'fan_motor',
      mainPart: true,
      parts: ['indoor fan motor', 'fan motor capacitor', 'cross-flow fan'],
      indicators: [
        railAt('fan_rpm', 'down', 0, { when: 'running', weight: 2 }),
        down('evaporator_temp_c', 10, { when: 'cooling' }),
        up('indoor_temp_c', 4, { when: 'running', minus: 'setpoint_c' }),
      ],
      faultCodes: ['H6'],
      spanDays: SUDDEN,
      action: t(
        '建议用户停机，防止蒸发器结冰；上门更换室内风机电机。',
        'Ask the owner to switch off (the coil ices up); replace the indoor fan motor.',
      ),
      severity: { instant: 'major' },
    },
    {
      id: 'indoor_temp_sensor_open_circuit',
      name: t('室内温度传感器开路', 'Room temperature sensor open circuit'),
      kind: 'sudden',
      component: 'thermostat',
      mainPart: true,
      parts: ['indoor ambient NTC sensor', 'sensor connector'],
      indicators: [railAt('indoor_temp_c', 'down', -30)],
      limits: [limit('indoor_temp_c', { below: -29.5 }, { persist: 1 })],
      faultCodes: ['F1'],
      spanDays: SUDDEN,
      action: t(
        '更换室内环境温度传感器并检查插头。',
        'Replace the indoor ambient temperature sensor and check its connector.',
      ),
    },
    {
      id: 'air_filter_clogging',
      name: t('过滤网脏堵', 'Air filter clogged'),
      kind: 'degradation',
      component: 'air_filter',
      mainPart: false,
      parts: ['air filter (clean or replace)'],
      indicators: [
        down('evaporator_temp_c', 6, { when: 'cooling' }),
        up('indoor_temp_c', 2, { when: 'cooling', minus: 'setpoint_c' }),
      ],
      faultCodes: ['CL'],
      spanDays: { min: 60, max: 240 },
      action: t(
        '提醒用户清洗过滤网；无需上门。',
        'Remind the owner to clean the air filter; no visit needed.',
      ),
      severity: { instant: 'info', otherwise: 'info', majorWithinDays: 3, criticalWithinDays: 0.5 },
    },
  ],
};
