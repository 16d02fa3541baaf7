import type { CategoryProfileInput } from './schema.ts';
import { down, downRel, limit, railAt, SUDDEN, t, up } from './dsl.ts';

/**
 * Household cars, combustion and electric. "running" is engine speed for a combustion car and
 * road speed for an electric one (no rpm reported); the 12 V battery is judged at rest, where
 * its open-circuit voltage tells its state (driving or charging shows the charger's voltage).
 */
export const householdCarProfile: CategoryProfileInput = {
  category: 'household_car',
  expectedIntervalMs: 60_000,
  conditions: {
    running: [[{ metric: 'rpm', min: 300 }], [{ metric: 'speed_kmh', min: 3 }]],
    resting: [
      [
        { metric: 'speed_kmh', max: 0.5 },
        { metric: 'battery_12v_v', max: 13.4 },
      ],
    ],
    soc_normal: [[{ metric: 'traction_soc_pct', min: 25 }]],
  },
  watch: [
    'coolant_temp_c',
    'battery_12v_v',
    'oil_pressure_kpa',
    'brake_pad_mm',
    'traction_soh_pct',
    'cell_voltage_spread_mv',
    'motor_temp_c',
  ],
  modes: [
    {
      id: 'brake_pad_wear',
      name: t('刹车片异常磨损', 'Brake pad wear'),
      kind: 'degradation',
      component: 'brake_pads',
      mainPart: false,
      parts: ['front brake pads (axle set)', 'caliper slide pins / piston service'],
      indicators: [down('brake_pad_mm', 7)],
      limits: [limit('brake_pad_mm', { below: 3 }, { persist: 3, severity: 'critical' })],
      faultCodes: ['BRAKE_PAD_WARN'],
      spanDays: { min: 60, max: 240 },
      action: t(
        '预约更换刹车片并检查卡钳活塞是否卡滞。',
        'Book a brake pad replacement and check the caliper piston for sticking.',
      ),
      severity: { instant: 'major', criticalWithinDays: 7, majorWithinDays: 21 },
    },
    {
      id: 'thermostat_stuck_open',
      name: t('节温器常开', 'Thermostat stuck open'),
      kind: 'sudden',
      component: 'thermostat',
      mainPart: false,
      parts: ['thermostat', 'thermostat gasket', 'coolant top-up'],
      // A cold engine is normal for the first minutes of a drive. A healthy one is above 70 °C
      // 10 minutes in even at −20 °C outside (75 °C), a stuck-open one warms slower to a 58–74
      // °C plateau (~45–63 °C at 10 minutes). So: below 70 °C on running samples spanning ≥ 10
      // minutes — 11 at one a minute, 2 in a row at one every 10 minutes. The ECU's own check
      // (P0128) comes at the moment a healthy engine would regulate, also when it sticks warm.
      indicators: [down('coolant_temp_c', 25, { when: 'running' })],
      limits: [
        limit(
          'coolant_temp_c',
          { below: 70 },
          { persistMinutes: 11, when: 'running', severity: 'minor' },
        ),
      ],
      persistMinutes: 15,
      faultCodes: ['P0128'],
      spanDays: SUDDEN,
      action: t('更换节温器并补充冷却液。', 'Replace the thermostat and top up the coolant.'),
      severity: { instant: 'minor' },
    },
    {
      id: 'battery_12v_degradation',
      name: t('12V 蓄电池老化', '12 V battery degradation'),
      kind: 'degradation',
      growth: 'accelerating',
      component: 'battery_12v',
      mainPart: false,
      parts: ['12 V lead-acid battery'],
      indicators: [down('battery_12v_v', 1.8, { when: 'resting' })],
      faultCodes: ['P0562'],
      spanDays: { min: 90, max: 400 },
      action: t(
        '检测蓄电池内阻与静态电压，必要时更换蓄电池。',
        'Test the battery (internal resistance, rest voltage); replace it if weak.',
      ),
    },
    {
      id: 'engine_bearing_wear',
      name: t('发动机轴承磨损', 'Engine bearing wear'),
      kind: 'degradation',
      growth: 'accelerating',
      component: 'engine',
      mainPart: true,
      parts: ['main and connecting-rod bearings', 'engine oil and filter', 'oil pump check'],
      // Oil pressure rises ~0.11 kPa per rpm on a healthy pump: judge what the rpm does not explain.
      indicators: [
        downRel('oil_pressure_kpa', 0.6, { when: 'running', minus: 'rpm', minusFactor: 0.11 }),
      ],
      faultCodes: ['P0521', 'P0524'],
      spanDays: { min: 120, max: 720 },
      action: t(
        '尽快进站检测机油压力与轴承间隙；发动机属三包主要总成，保留维修记录。',
        'Bring the car in to check oil pressure and bearing clearance; the engine is a 三包 main assembly, keep the records.',
      ),
      severity: { instant: 'critical', criticalWithinDays: 7, majorWithinDays: 30 },
    },
    {
      id: 'coolant_sensor_open_circuit',
      name: t('冷却液温度传感器开路', 'Coolant temperature sensor open circuit'),
      kind: 'sudden',
      component: 'coolant_temp_sensor',
      mainPart: false,
      parts: ['ECT sensor', 'sensor connector'],
      indicators: [railAt('coolant_temp_c', 'down', -40)],
      limits: [limit('coolant_temp_c', { below: -39.5 })],
      faultCodes: ['P0118'],
      spanDays: SUDDEN,
      action: t(
        '更换冷却液温度传感器，检查插头与线束。',
        'Replace the coolant temperature sensor; check connector and harness.',
      ),
    },
    {
      id: 'traction_battery_capacity_fade',
      name: t('动力电池容量衰减', 'Traction battery capacity fade'),
      kind: 'degradation',
      component: 'power_battery',
      mainPart: true,
      parts: ['traction battery module(s)', 'BMS balancing service'],
      indicators: [
        down('traction_soh_pct', 22),
        up('cell_voltage_spread_mv', 150, { when: 'soc_normal' }),
      ],
      faultCodes: ['P0A7F', 'P0A80'],
      spanDays: { min: 180, max: 900 },
      action: t(
        '进站做动力电池健康检测与均衡；容量低于三包承诺值时更换电池模组。',
        'Run a traction battery health check and balancing; replace modules if capacity is below the warranted level.',
      ),
    },
    {
      id: 'drive_motor_bearing_wear',
      name: t('驱动电机轴承磨损', 'Drive motor bearing wear'),
      kind: 'degradation',
      growth: 'accelerating',
      component: 'drive_motor',
      mainPart: true,
      parts: ['drive motor bearings', 'motor coolant check'],
      // No outdoor sensor in the car: the traction battery temperature stands in for the weather.
      indicators: [up('motor_temp_c', 35, { when: 'running', minus: 'traction_battery_temp_c' })],
      faultCodes: ['P0A2F'],
      spanDays: { min: 90, max: 540 },
      action: t(
        '进站检测驱动电机温升与噪声，更换轴承。',
        'Check drive-motor temperature rise and noise; replace the bearings.',
      ),
    },
  ],
};
