import type { FailureModeInput } from '../failure-modes.ts';
import { code, down, downRel, shaped, stuck, SUDDEN, up } from './dsl.ts';

/**
 * Household cars (combustion and electric variants) and excavators. Car codes are SAE J2012
 * OBD-II DTCs; excavator codes are SAE J1939 SPN-FMI pairs as a machine's ECU reports them.
 * A mode applies to a device model only if the model reports every metric the mode moves
 * (engine modes skip electric cars, traction-battery modes skip combustion cars).
 */
export const MACHINE_MODES: FailureModeInput[] = [
  {
    id: 'brake_pad_wear',
    category: 'household_car',
    kind: 'degradation',
    component: 'brake_pads',
    mainPart: false, // a wear part, not a 制动系统 main part (制动主缸, 轮缸, 助力器…)
    description: 'Accelerated pad wear from a sticking caliper piston',
    spanDays: { min: 60, max: 240 },
    curve: 'linear',
    effects: [down('brake_pad_mm', 7)],
    failureCriterion: 'pad thickness below 3 mm (wear limit)',
    codes: [code('BRAKE_PAD_WARN', 'warning', 0.85, 'vendor', 'pad wear sensor contact closed')],
  },
  {
    id: 'thermostat_stuck_open',
    category: 'household_car',
    kind: 'sudden',
    component: 'thermostat',
    mainPart: false,
    description: 'Thermostat stuck open: engine never reaches regulating temperature',
    spanDays: SUDDEN,
    curve: 'step',
    // The radiator is in circuit from cold: the car model warms the engine slower, to a plateau
    // of 58–74 °C instead of 90 °C (lower in the cold and at speed); stuck while warm, the
    // coolant sinks to that plateau within minutes. A cold engine looks the same either way.
    effects: [shaped('coolant_temp_c', 'down', 25, 'running')],
    failureCriterion: 'coolant below 75 °C once a healthy engine would regulate (≥ 80 °C)',
    observable: { metric: 'coolant_temp_c', healthyMin: 80, faultyBelow: 75 },
    codes: [
      code('P0128', 'warning', 1, 'obd2', 'coolant below thermostat regulating temperature', {
        monitor: true,
      }),
    ],
  },
  {
    id: 'battery_12v_degradation',
    category: 'household_car',
    kind: 'degradation',
    component: 'battery_12v',
    mainPart: false,
    description: 'Sulphation of the 12 V lead-acid battery: falling rest and cranking voltage',
    spanDays: { min: 90, max: 400 },
    curve: 'accelerating',
    effects: [down('battery_12v_v', 1.8)],
    failureCriterion: 'rest voltage below 11.0 V: no cranking on a cold morning',
    codes: [code('P0562', 'warning', 0.8, 'obd2', 'system voltage low')],
  },
  {
    id: 'engine_bearing_wear',
    category: 'household_car',
    kind: 'degradation',
    component: 'engine',
    mainPart: true, // 主轴承, 连杆轴承 are engine main parts (GB/T 29632-2013 list)
    description: 'Main/connecting-rod bearing wear: clearance grows, oil pressure falls',
    spanDays: { min: 120, max: 720 },
    curve: 'accelerating',
    effects: [downRel('oil_pressure_kpa', 0.6, 'running')],
    failureCriterion: 'hot idle oil pressure below 100 kPa',
    codes: [
      code('P0521', 'warning', 0.7, 'obd2', 'engine oil pressure sensor range/performance'),
      code('P0524', 'critical', 1, 'obd2', 'engine oil pressure too low', { repeatHours: 24 }),
    ],
  },
  {
    id: 'coolant_sensor_open_circuit',
    category: 'household_car',
    kind: 'sudden',
    component: 'coolant_temp_sensor',
    mainPart: false,
    description: 'ECT sensor circuit open: the ECU reads the −40 °C rail',
    spanDays: SUDDEN,
    curve: 'step',
    effects: [stuck('coolant_temp_c', 'down', -40)],
    failureCriterion: 'coolant temperature reads −40 °C with the engine warm',
    codes: [code('P0118', 'error', 1, 'obd2', 'ECT sensor circuit high input')],
  },
  {
    id: 'traction_battery_capacity_fade',
    category: 'household_car',
    kind: 'degradation',
    component: 'power_battery',
    mainPart: true, // 动力蓄电池 (cells, enclosure), GB/T 29632-2021
    description: 'Cell capacity fade and growing imbalance in the traction battery',
    spanDays: { min: 180, max: 900 },
    curve: 'linear',
    effects: [down('traction_soh_pct', 22), up('cell_voltage_spread_mv', 150)],
    failureCriterion: 'state of health below 80 % of rated capacity',
    codes: [
      code('P0A7F', 'warning', 0.8, 'obd2', 'hybrid/EV battery pack deterioration'),
      code('P0A80', 'error', 1, 'obd2', 'replace hybrid/EV battery pack', { repeatHours: 24 }),
    ],
  },
  {
    id: 'drive_motor_bearing_wear',
    category: 'household_car',
    kind: 'degradation',
    component: 'drive_motor',
    mainPart: true, // 行驶驱动电机: 轴承 (bearings), GB/T 29632-2021
    description: 'Drive-motor bearing wear: friction heat raises winding temperature',
    spanDays: { min: 90, max: 540 },
    curve: 'accelerating',
    effects: [up('motor_temp_c', 35, 'running')],
    failureCriterion: 'motor temperature above derating limit (≈ 120 °C) under normal load',
    codes: [code('P0A2F', 'error', 0.9, 'obd2', 'drive motor "A" temperature too high')],
  },
  {
    id: 'hydraulic_pump_wear',
    category: 'excavator',
    kind: 'degradation',
    component: 'hydraulic_pump',
    mainPart: false,
    description: 'Main pump internal leakage: pressure drops, oil heats, pump vibrates',
    spanDays: { min: 180, max: 1000 },
    curve: 'accelerating',
    effects: [
      downRel('hydraulic_pressure_bar', 0.2, 'working'),
      up('hydraulic_oil_temp_c', 15, 'working'),
      up('vibration_mm_s', 6, 'working'),
    ],
    failureCriterion: 'relief pressure 20 % below rating; cycle times too slow to work',
    codes: [code('SPN1638-FMI16', 'warning', 0.9, 'j1939', 'hydraulic oil temperature high')],
  },
  {
    id: 'radiator_clogging',
    category: 'excavator',
    kind: 'degradation',
    component: 'cooling_system',
    mainPart: false,
    description: 'Dust and debris block the radiator and oil-cooler cores',
    spanDays: { min: 30, max: 200 },
    curve: 'linear',
    effects: [up('coolant_temp_c', 18, 'working'), up('hydraulic_oil_temp_c', 8, 'working')],
    failureCriterion: 'coolant above 103 °C under load: engine derates',
    codes: [
      code('SPN110-FMI16', 'warning', 0.8, 'j1939', 'coolant temperature moderately high'),
      code('SPN110-FMI0', 'critical', 1, 'j1939', 'coolant temperature high, engine derate'),
    ],
  },
  {
    id: 'swing_bearing_wear',
    category: 'excavator',
    kind: 'degradation',
    component: 'swing_bearing',
    mainPart: false,
    description: 'Slewing ring raceway wear; no ECU check covers it, only vibration shows it',
    spanDays: { min: 365, max: 1500 },
    curve: 'accelerating',
    effects: [up('vibration_mm_s', 18, 'working')],
    failureCriterion: 'vibration above 25 mm/s (ISO 10816 zone D) while swinging',
    codes: [],
  },
  {
    id: 'coolant_sensor_open_circuit',
    category: 'excavator',
    kind: 'sudden',
    component: 'coolant_temp_sensor',
    mainPart: false,
    description: 'Coolant temperature sensor open circuit: the ECU sees the high-voltage rail',
    spanDays: SUDDEN,
    curve: 'step',
    effects: [stuck('coolant_temp_c', 'down', -40)],
    failureCriterion: 'coolant temperature reads −40 °C with the engine running',
    codes: [code('SPN110-FMI3', 'error', 1, 'j1939', 'coolant temp sensor voltage above normal')],
  },
];
