import type { CategoryProfileInput } from './schema.ts';
import { down, downRel, limit, railAt, SUDDEN, t, up } from './dsl.ts';

/**
 * Electric (storage) and gas (instantaneous) water heaters. Electric: "heating" is element
 * power above a few hundred watts. Gas: "heating" is the gas valve open; the outlet is judged
 * against the setpoint, since a healthy heater holds it.
 */
export const waterHeaterElectricProfile: CategoryProfileInput = {
  category: 'water_heater_electric',
  expectedIntervalMs: 60_000,
  conditions: { heating: [[{ metric: 'heater_power_w', min: 300 }]] },
  watch: [
    'tank_temp_c',
    'heater_power_w',
    'inlet_temp_c',
    'anode_current_ma',
    'leakage_current_ma',
  ],
  modes: [
    {
      id: 'scale_buildup',
      name: t('加热管结垢', 'Scale on the heating element'),
      kind: 'degradation',
      component: 'heating_element',
      mainPart: false,
      parts: ['heating element (descale or replace)', 'tank flush'],
      indicators: [
        downRel('heating_rate_c_per_h', 0.45, { when: 'heating' }),
        downRel('heater_power_w', 0.08, { when: 'heating' }),
      ],
      faultCodes: ['E4'],
      spanDays: { min: 180, max: 900 },
      action: t(
        '上门除垢或更换加热管，并冲洗内胆。',
        'Descale or replace the element and flush the tank.',
      ),
    },
    {
      id: 'anode_depletion',
      name: t('镁棒耗尽', 'Anode rod depleted'),
      kind: 'degradation',
      component: 'anode_rod',
      mainPart: false,
      parts: ['magnesium anode rod'],
      indicators: [downRel('anode_current_ma', 0.9)],
      faultCodes: ['ANODE'],
      spanDays: { min: 365, max: 1500 },
      action: t(
        '更换镁棒，防止内胆腐蚀漏水。',
        'Replace the magnesium anode before the tank corrodes.',
      ),
      severity: { otherwise: 'info', instant: 'minor' },
    },
    {
      id: 'element_insulation_breakdown',
      name: t('加热管绝缘击穿', 'Element insulation breakdown'),
      kind: 'degradation',
      growth: 'accelerating',
      component: 'heating_element',
      mainPart: false,
      parts: ['heating element', 'leakage protection (RCD) test'],
      indicators: [up('leakage_current_ma', 12, { when: 'heating' })],
      limits: [limit('leakage_current_ma', { above: 10 }, { persist: 2, severity: 'critical' })],
      faultCodes: ['E1'],
      spanDays: { min: 30, max: 300 },
      action: t(
        '存在触电风险：通知用户断电停用，尽快更换加热管。',
        'Shock hazard: tell the owner to switch off and stop using it; replace the element urgently.',
      ),
      severity: {
        instant: 'critical',
        criticalWithinDays: 14,
        majorWithinDays: 60,
        otherwise: 'major',
      },
    },
    {
      id: 'tank_sensor_open_circuit',
      name: t('内胆温度传感器开路', 'Tank sensor open circuit'),
      kind: 'sudden',
      component: 'temperature_sensor',
      mainPart: false,
      parts: ['tank NTC sensor'],
      // Element power is 0 most of the time anyway (thermostat off): a weak, supporting sign.
      indicators: [
        railAt('tank_temp_c', 'down', -10),
        railAt('heater_power_w', 'down', 0, { weight: 0.25 }),
      ],
      limits: [limit('tank_temp_c', { below: -9.5 })],
      faultCodes: ['E3'],
      spanDays: SUDDEN,
      action: t('更换内胆温度传感器。', 'Replace the tank temperature sensor.'),
    },
  ],
};

export const waterHeaterGasProfile: CategoryProfileInput = {
  category: 'water_heater_gas',
  expectedIntervalMs: 60_000,
  conditions: { heating: [[{ metric: 'gas_valve_pct', min: 5 }]] },
  watch: ['outlet_temp_c', 'inlet_temp_c', 'flame_current_ua', 'fan_rpm', 'flue_temp_c', 'co_ppm'],
  modes: [
    {
      id: 'heat_exchanger_scaling',
      name: t('热交换器结垢', 'Heat exchanger scaling'),
      kind: 'degradation',
      component: 'heat_exchanger',
      mainPart: false,
      parts: ['heat exchanger descaling (or exchanger)', 'thermal fuse check'],
      indicators: [
        // A modulating burner: flue temperature and fan speed follow the firing rate (the gas
        // valve), which follows the season; judge what the firing rate does not explain.
        up('flue_temp_c', 60, { when: 'heating', minus: 'gas_valve_pct', minusFactor: 1.1 }),
        down('outlet_temp_c', 5, { when: 'heating', minus: 'setpoint_c' }),
        up('gas_valve_pct', 12, { when: 'heating', weight: 0.5 }),
      ],
      faultCodes: ['16', '14'],
      spanDays: { min: 365, max: 1200 },
      action: t(
        '上门清洗热交换器水垢，检查温度保险丝。',
        'Descale the heat exchanger and check the thermal fuse.',
      ),
    },
    {
      id: 'flame_sensor_fouling',
      name: t('火焰感应针氧化', 'Flame sensor fouling'),
      kind: 'degradation',
      component: 'flame_sensor',
      mainPart: false,
      parts: ['flame rod (clean or replace)'],
      indicators: [
        downRel('flame_current_ua', 0.75, { when: 'heating' }),
        up('ignition_attempts', 4, { when: 'heating' }),
      ],
      faultCodes: ['12', '11'],
      spanDays: { min: 90, max: 600 },
      action: t('清洁或更换火焰感应针。', 'Clean or replace the flame rod.'),
    },
    {
      id: 'combustion_fan_wear',
      name: t('燃烧风机磨损', 'Combustion fan wear'),
      kind: 'degradation',
      growth: 'accelerating',
      component: 'combustion_fan',
      mainPart: false,
      parts: ['combustion fan', 'air intake cleaning', 'CO test'],
      indicators: [
        // 30 % of the fan speed at a typical firing rate (1,800 + 35 rpm per % of valve).
        down('fan_rpm', 1100, { when: 'heating', minus: 'gas_valve_pct', minusFactor: 35 }),
        up('co_ppm', 350, { when: 'heating' }),
        up('flue_temp_c', 25, {
          when: 'heating',
          weight: 0.5,
          minus: 'gas_valve_pct',
          minusFactor: 1.1,
        }),
      ],
      // A worn fan shows in CO and fan speed together; flue heat with a fan that merely looks
      // slow is the heat exchanger scaling (its gas valve opens, which the fan normalisation
      // reads as a slower fan).
      minAgreement: 0.8,
      limits: [
        limit('co_ppm', { above: 400 }, { persist: 2, when: 'heating', severity: 'critical' }),
      ],
      faultCodes: ['61'],
      spanDays: { min: 120, max: 800 },
      action: t(
        '一氧化碳风险：提醒用户保持通风，尽快更换燃烧风机并做烟气检测。',
        'CO hazard: tell the owner to ventilate; replace the combustion fan and test the flue gas soon.',
      ),
      severity: { instant: 'critical', criticalWithinDays: 14, majorWithinDays: 60 },
    },
    {
      id: 'outlet_sensor_open_circuit',
      name: t('出水温度传感器开路', 'Outlet sensor open circuit'),
      kind: 'sudden',
      component: 'temperature_sensor',
      mainPart: false,
      parts: ['outlet water NTC sensor'],
      indicators: [railAt('outlet_temp_c', 'down', -10)],
      limits: [limit('outlet_temp_c', { below: -9.5 })],
      faultCodes: ['32'],
      spanDays: SUDDEN,
      action: t('更换出水温度传感器。', 'Replace the outlet temperature sensor.'),
    },
  ],
};
