import type { CategoryProfileInput } from './schema.ts';
import { downRel, railAt, SUDDEN, t, up, upRel } from './dsl.ts';

/**
 * Water purifiers (RO) and range hoods. A purifier is "running" while it makes water (flow,
 * or the booster pump drawing current); a hood while a speed level is selected, which stays
 * true when its motor has seized.
 */
export const waterPurifierProfile: CategoryProfileInput = {
  category: 'water_purifier',
  expectedIntervalMs: 60_000,
  conditions: {
    running: [[{ metric: 'flow_lpm', min: 0.1 }], [{ metric: 'pump_current_a', min: 0.2 }]],
  },
  watch: ['inlet_tds_ppm', 'outlet_tds_ppm', 'inlet_pressure_kpa', 'water_temp_c'],
  modes: [
    {
      id: 'prefilter_clogging',
      name: t('前置滤芯堵塞', 'Prefilter clogged'),
      kind: 'degradation',
      growth: 'accelerating',
      component: 'prefilter',
      mainPart: false,
      parts: ['PP/carbon prefilter cartridge'],
      indicators: [
        downRel('membrane_pressure_kpa', 0.35, { when: 'running' }),
        downRel('flow_lpm', 0.4, { when: 'running' }),
      ],
      faultCodes: ['FL'],
      spanDays: { min: 60, max: 300 },
      action: t(
        '提醒用户更换前置滤芯（可寄送滤芯）。',
        'Remind the owner to change the prefilter (ship a cartridge).',
      ),
      severity: { instant: 'minor', otherwise: 'info' },
    },
    {
      id: 'ro_membrane_fouling',
      name: t('RO 膜污堵老化', 'RO membrane fouling'),
      kind: 'degradation',
      component: 'ro_membrane',
      mainPart: false,
      parts: ['RO membrane element'],
      indicators: [
        upRel('outlet_tds_ppm', 3, { when: 'running' }),
        downRel('flow_lpm', 0.3, { when: 'running', weight: 0.5 }),
        up('membrane_pressure_kpa', 80, { when: 'running' }),
      ],
      faultCodes: ['TDS'],
      spanDays: { min: 180, max: 900 },
      action: t(
        '更换 RO 膜，确认出水 TDS 恢复。',
        'Replace the RO membrane and confirm product TDS recovers.',
      ),
    },
    {
      id: 'booster_pump_failure',
      name: t('增压泵故障', 'Booster pump failure'),
      kind: 'sudden',
      component: 'booster_pump',
      mainPart: false,
      parts: ['booster pump', 'pump transformer/adapter check'],
      indicators: [
        railAt('pump_current_a', 'down', 0, { when: 'running', weight: 2 }),
        downRel('membrane_pressure_kpa', 0.6, { when: 'running' }),
        downRel('flow_lpm', 0.85, { when: 'running' }),
      ],
      faultCodes: ['E1'],
      // Water made with the pump at 0 A and the membrane near mains pressure is the failure
      // itself, in one sample. The unit makes water in short bursts: at 10-minute sampling the
      // next sample that makes water may be hours later, so waiting for a second one would
      // not be "at once". One sample must then match the whole template (step.ts).
      persist: 1,
      spanDays: SUDDEN,
      action: t('上门更换增压泵。', 'Replace the booster pump.'),
    },
  ],
};

export const rangeHoodProfile: CategoryProfileInput = {
  category: 'range_hood',
  expectedIntervalMs: 60_000,
  conditions: { running: [[{ metric: 'speed_level', min: 1 }]] },
  watch: [
    'fan_rpm',
    'motor_current_a',
    'motor_temp_c',
    'airflow_m3h',
    'static_pressure_pa',
    'vibration_mm_s',
  ],
  modes: [
    {
      id: 'grease_filter_clogging',
      name: t('油网堵塞', 'Grease filter clogged'),
      kind: 'degradation',
      component: 'grease_filter',
      mainPart: false,
      parts: ['grease filter (clean or replace)'],
      indicators: [
        // Fan curves are close to linear in the speed level: compare at equal level.
        downRel('airflow_m3h', 0.4, { when: 'running', minus: 'speed_level', minusFactor: 250 }),
        up('static_pressure_pa', 150, { when: 'running', minus: 'speed_level', minusFactor: 70 }),
        downRel('motor_current_a', 0.12, {
          when: 'running',
          minus: 'speed_level',
          minusFactor: 0.3,
          weight: 0.5,
        }),
      ],
      faultCodes: ['CL'],
      spanDays: { min: 60, max: 365 },
      action: t('提醒用户清洗油网。', 'Remind the owner to clean the grease filter.'),
      severity: { instant: 'info', otherwise: 'info' },
    },
    {
      id: 'motor_bearing_wear',
      name: t('电机轴承磨损', 'Fan motor bearing wear'),
      kind: 'degradation',
      growth: 'accelerating',
      component: 'fan_motor',
      mainPart: false,
      parts: ['fan motor (or bearings)', 'impeller cleaning'],
      indicators: [
        up('vibration_mm_s', 8, { when: 'running', minus: 'speed_level', minusFactor: 0.4 }),
        up('motor_temp_c', 20, { when: 'running', weight: 0.5 }),
        upRel('motor_current_a', 0.15, { when: 'running', minus: 'speed_level', minusFactor: 0.3 }),
      ],
      faultCodes: ['E2'],
      spanDays: { min: 180, max: 900 },
      action: t(
        '安排更换电机或轴承，并清洁叶轮。',
        'Replace the motor or its bearings and clean the impeller.',
      ),
    },
    {
      id: 'motor_seizure',
      name: t('电机堵转', 'Fan motor seized'),
      kind: 'sudden',
      component: 'fan_motor',
      mainPart: false,
      parts: ['fan motor', 'motor capacitor'],
      indicators: [
        railAt('fan_rpm', 'down', 0, { when: 'running' }),
        railAt('airflow_m3h', 'down', 0, { when: 'running' }),
        up('motor_temp_c', 40, { when: 'running', weight: 0.5 }),
      ],
      faultCodes: ['E1'],
      spanDays: SUDDEN,
      action: t(
        '提醒用户关机以防电机过热，上门更换电机。',
        'Ask the owner to switch off (overheating); replace the motor.',
      ),
    },
  ],
};
