import type { CategoryProfileInput } from './schema.ts';
import { downRel, limit, railAt, SUDDEN, t, up } from './dsl.ts';

/**
 * Excavators (SAE J1939 codes). "working" is main-pump pressure well above idle; most effects
 * only show under load, so idle and parked samples are left out of those indicators.
 */
export const excavatorProfile: CategoryProfileInput = {
  category: 'excavator',
  expectedIntervalMs: 60_000,
  conditions: {
    running: [[{ metric: 'engine_rpm', min: 500 }]],
    working: [[{ metric: 'hydraulic_pressure_bar', min: 150 }]],
  },
  watch: [
    'engine_rpm',
    'coolant_temp_c',
    'hydraulic_pressure_bar',
    'hydraulic_oil_temp_c',
    'vibration_mm_s',
    'fuel_rate_lph',
  ],
  modes: [
    {
      id: 'hydraulic_pump_wear',
      name: t('主泵内泄磨损', 'Hydraulic pump wear'),
      kind: 'degradation',
      growth: 'accelerating',
      component: 'hydraulic_pump',
      mainPart: false,
      parts: ['main hydraulic pump (or rotating group kit)', 'hydraulic oil and filters'],
      indicators: [
        downRel('hydraulic_pressure_bar', 0.2, { when: 'working' }),
        up('hydraulic_oil_temp_c', 15, { when: 'working' }),
        up('vibration_mm_s', 6, { when: 'working' }),
      ],
      // Internal leakage shows in all three together; vibration with a warm summer's oil is
      // the swing bearing (its vibration move is three times this mode's).
      minAgreement: 0.8,
      faultCodes: ['SPN1638-FMI16'],
      spanDays: { min: 180, max: 1000 },
      action: t(
        '安排服务工程师测试主泵流量与压力，准备泵芯组件与液压油。',
        'Send a field engineer to test pump flow and relief pressure; bring a rotating-group kit and oil.',
      ),
    },
    {
      id: 'radiator_clogging',
      name: t('散热器堵塞', 'Radiator clogging'),
      kind: 'degradation',
      component: 'cooling_system',
      mainPart: false,
      parts: ['radiator/oil-cooler cleaning (compressed air or wash)'],
      indicators: [
        up('coolant_temp_c', 18, { when: 'working' }),
        up('hydraulic_oil_temp_c', 8, { when: 'working' }),
      ],
      limits: [
        limit(
          'coolant_temp_c',
          { above: 105 },
          { persist: 3, when: 'running', severity: 'critical' },
        ),
      ],
      faultCodes: ['SPN110-FMI16', 'SPN110-FMI0'],
      spanDays: { min: 30, max: 200 },
      action: t(
        '通知机手清理散热器与油冷器芯体。',
        'Tell the operator to clean the radiator and oil-cooler cores.',
      ),
    },
    {
      id: 'swing_bearing_wear',
      name: t('回转支承磨损', 'Swing bearing wear'),
      kind: 'degradation',
      growth: 'accelerating',
      component: 'swing_bearing',
      mainPart: false,
      parts: ['slewing ring bearing', 'swing gear grease'],
      indicators: [up('vibration_mm_s', 18, { when: 'working' })],
      // A worn hydraulic pump adds up to 6 mm/s of vibration (a third of this mode's move):
      // alert above what the pump alone can do.
      alertThreshold: 0.4,
      spanDays: { min: 365, max: 1500 },
      action: t(
        '检查回转支承游隙与润滑，计划更换回转支承。',
        'Measure slewing-ring play, grease it, and plan its replacement.',
      ),
    },
    {
      id: 'coolant_sensor_open_circuit',
      name: t('冷却液温度传感器开路', 'Coolant temperature sensor open circuit'),
      kind: 'sudden',
      component: 'coolant_temp_sensor',
      mainPart: false,
      parts: ['coolant temperature sensor', 'sensor connector'],
      indicators: [railAt('coolant_temp_c', 'down', -40)],
      limits: [limit('coolant_temp_c', { below: -39.5 })],
      faultCodes: ['SPN110-FMI3'],
      spanDays: SUDDEN,
      action: t(
        '更换冷却液温度传感器并检查线束。',
        'Replace the coolant temperature sensor and check the harness.',
      ),
    },
  ],
};
