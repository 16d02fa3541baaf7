import { z } from 'zod';

/**
 * Product categories: one identifier each, used in topics, payloads, policies and the API
 * (docs/design.md "Product categories").
 */
export const CATEGORIES = [
  'household_car',
  'air_conditioner',
  'tv',
  'water_heater_electric',
  'water_heater_gas',
  'refrigerator',
  'water_purifier',
  'range_hood',
  'mobile_phone',
  'microcomputer',
  'washing_machine',
  'excavator',
] as const;

export const CategorySchema = z.enum(CATEGORIES);
export type Category = z.infer<typeof CategorySchema>;

/** A metric a category's devices are known to report, with its unit and plausible range. */
export interface MetricSpec {
  unit: string;
  /** Values outside [min, max] are physically implausible for this category: refused. */
  min: number;
  max: number;
  description: string;
}

const m = (unit: string, min: number, max: number, description: string): MetricSpec => ({
  unit,
  min,
  max,
  description,
});

/**
 * Known metrics per category. Ranges are deliberately wide (sensor limits, not normal
 * operation): they catch unit mix-ups and garbage, while diagnostics judges what is normal.
 * Metrics not listed here are accepted and counted as unknown (newer firmware).
 */
export const METRICS: Record<Category, Record<string, MetricSpec>> = {
  household_car: {
    odometer_km: m('km', 0, 2_000_000, 'odometer reading'),
    speed_kmh: m('km/h', 0, 400, 'vehicle speed (OBD PID 0D)'),
    rpm: m('1/min', 0, 12_000, 'engine speed (OBD PID 0C)'),
    coolant_temp_c: m('°C', -40, 215, 'engine coolant temperature (OBD PID 05)'),
    battery_12v_v: m('V', 0, 20, '12 V battery voltage'),
    fuel_level_pct: m('%', 0, 100, 'fuel tank level (OBD PID 2F)'),
    oil_pressure_kpa: m('kPa', 0, 1_000, 'engine oil pressure'),
    brake_pad_mm: m('mm', 0, 30, 'brake pad thickness estimate'),
    traction_soc_pct: m('%', 0, 100, 'traction battery state of charge (EV)'),
    traction_soh_pct: m('%', 0, 110, 'traction battery state of health (EV)'),
    cell_voltage_spread_mv: m('mV', 0, 2_000, 'max - min cell voltage (EV)'),
    traction_battery_temp_c: m('°C', -40, 120, 'traction battery temperature (EV)'),
    motor_temp_c: m('°C', -40, 250, 'drive motor temperature (EV)'),
  },
  air_conditioner: {
    indoor_temp_c: m('°C', -30, 60, 'room air temperature'),
    outdoor_temp_c: m('°C', -40, 60, 'outdoor ambient temperature'),
    setpoint_c: m('°C', 10, 35, 'target temperature'),
    supply_air_temp_c: m('°C', -10, 80, 'indoor coil outlet air temperature'),
    compressor_current_a: m('A', 0, 60, 'compressor current'),
    compressor_freq_hz: m('Hz', 0, 150, 'inverter compressor frequency'),
    discharge_temp_c: m('°C', -30, 150, 'compressor discharge temperature'),
    evaporator_temp_c: m('°C', -40, 60, 'evaporator coil temperature'),
    condenser_temp_c: m('°C', -40, 90, 'condenser coil temperature'),
    suction_pressure_kpa: m('kPa', 0, 3_000, 'suction pressure'),
    fan_rpm: m('1/min', 0, 3_000, 'indoor fan speed'),
    power_w: m('W', 0, 10_000, 'electrical power'),
  },
  tv: {
    power_w: m('W', 0, 1_000, 'electrical power'),
    on: m('bool', 0, 1, 'screen on'),
    backlight_current_ma: m('mA', 0, 5_000, 'LED backlight string current'),
    board_temp_c: m('°C', -20, 120, 'main board temperature'),
    panel_temp_c: m('°C', -20, 100, 'panel temperature'),
    brightness_nits: m('cd/m²', 0, 5_000, 'measured luminance'),
    tuner_snr_db: m('dB', -10, 60, 'tuner signal-to-noise ratio'),
    reboot_count: m('count', 0, 1e9, 'reboots since manufacture'),
  },
  water_heater_electric: {
    tank_temp_c: m('°C', -10, 110, 'tank water temperature'),
    setpoint_c: m('°C', 30, 90, 'target temperature'),
    heater_power_w: m('W', 0, 10_000, 'heating element power'),
    heating_rate_c_per_h: m('°C/h', -50, 100, 'tank heating rate'),
    inlet_temp_c: m('°C', -10, 50, 'cold water inlet temperature'),
    anode_current_ma: m('mA', 0, 200, 'sacrificial anode current'),
    leakage_current_ma: m('mA', 0, 100, 'earth leakage current'),
    flow_lpm: m('L/min', 0, 50, 'hot water draw'),
  },
  water_heater_gas: {
    outlet_temp_c: m('°C', -10, 100, 'hot water outlet temperature'),
    inlet_temp_c: m('°C', -10, 50, 'cold water inlet temperature'),
    setpoint_c: m('°C', 30, 75, 'target temperature'),
    flow_lpm: m('L/min', 0, 50, 'water flow'),
    flame_current_ua: m('µA', 0, 50, 'flame rectification current'),
    fan_rpm: m('1/min', 0, 10_000, 'combustion fan speed'),
    gas_valve_pct: m('%', 0, 100, 'proportional gas valve opening'),
    flue_temp_c: m('°C', -10, 400, 'flue gas temperature'),
    co_ppm: m('ppm', 0, 10_000, 'CO concentration at the flue'),
    ignition_attempts: m('count', 0, 20, 'ignition attempts for the last start'),
  },
  refrigerator: {
    fridge_temp_c: m('°C', -10, 30, 'fresh-food compartment temperature'),
    freezer_temp_c: m('°C', -40, 20, 'freezer compartment temperature'),
    ambient_temp_c: m('°C', -10, 50, 'room temperature'),
    compressor_on: m('bool', 0, 1, 'compressor running'),
    compressor_current_a: m('A', 0, 10, 'compressor current'),
    evaporator_temp_c: m('°C', -45, 30, 'evaporator temperature'),
    condenser_temp_c: m('°C', -10, 80, 'condenser temperature'),
    defrost_heater_on: m('bool', 0, 1, 'defrost heater energised'),
    door_open: m('bool', 0, 1, 'a door is open'),
    power_w: m('W', 0, 1_500, 'electrical power'),
  },
  water_purifier: {
    inlet_tds_ppm: m('ppm', 0, 3_000, 'feed water total dissolved solids'),
    outlet_tds_ppm: m('ppm', 0, 3_000, 'product water total dissolved solids'),
    inlet_pressure_kpa: m('kPa', 0, 1_000, 'feed pressure'),
    membrane_pressure_kpa: m('kPa', 0, 2_000, 'pressure before the RO membrane'),
    flow_lpm: m('L/min', 0, 20, 'product water flow'),
    pump_current_a: m('A', 0, 10, 'booster pump current'),
    water_temp_c: m('°C', 0, 60, 'water temperature'),
    filter_life_pct: m('%', 0, 100, 'remaining filter life as estimated by the unit'),
  },
  range_hood: {
    fan_rpm: m('1/min', 0, 3_000, 'fan speed'),
    motor_current_a: m('A', 0, 10, 'motor current'),
    motor_temp_c: m('°C', -10, 150, 'motor winding temperature'),
    airflow_m3h: m('m³/h', 0, 3_000, 'air flow'),
    static_pressure_pa: m('Pa', 0, 2_000, 'static pressure'),
    vibration_mm_s: m('mm/s', 0, 100, 'vibration velocity RMS'),
    light_on: m('bool', 0, 1, 'lamp on'),
    speed_level: m('level', 0, 5, 'selected speed level'),
  },
  mobile_phone: {
    battery_pct: m('%', 0, 100, 'battery charge level'),
    battery_temp_c: m('°C', -30, 90, 'battery temperature'),
    battery_voltage_v: m('V', 0, 5.5, 'battery voltage'),
    battery_health_pct: m('%', 0, 110, 'battery capacity relative to design'),
    charge_cycles: m('count', 0, 1e5, 'full charge cycles'),
    cpu_temp_c: m('°C', -30, 130, 'SoC temperature'),
    signal_dbm: m('dBm', -150, 0, 'cellular signal strength'),
    storage_free_pct: m('%', 0, 100, 'free storage'),
    crash_count: m('count', 0, 1e9, 'app and system crashes since boot'),
  },
  microcomputer: {
    cpu_temp_c: m('°C', -20, 130, 'CPU package temperature'),
    cpu_load_pct: m('%', 0, 100, 'CPU utilisation'),
    fan_rpm: m('1/min', 0, 10_000, 'CPU fan speed'),
    disk_reallocated_sectors: m('count', 0, 1e6, 'SMART 05 reallocated sectors'),
    disk_temp_c: m('°C', -20, 100, 'drive temperature'),
    memory_errors: m('count', 0, 1e9, 'corrected memory errors'),
    battery_health_pct: m('%', 0, 110, 'notebook battery capacity relative to design'),
    psu_voltage_v: m('V', 0, 25, 'power adapter output voltage'),
  },
  washing_machine: {
    drum_rpm: m('1/min', 0, 2_000, 'drum speed'),
    motor_current_a: m('A', 0, 15, 'motor current'),
    water_temp_c: m('°C', -5, 100, 'wash water temperature'),
    water_level_mm: m('mm', 0, 500, 'water level'),
    fill_time_s: m('s', 0, 3_600, 'time to fill for the last cycle'),
    drain_time_s: m('s', 0, 3_600, 'time to drain for the last cycle'),
    vibration_mm_s: m('mm/s', 0, 200, 'vibration velocity RMS'),
    heater_power_w: m('W', 0, 4_000, 'heater power'),
  },
  excavator: {
    engine_hours: m('h', 0, 200_000, 'engine hour meter'),
    engine_rpm: m('1/min', 0, 4_000, 'engine speed'),
    coolant_temp_c: m('°C', -40, 150, 'engine coolant temperature'),
    hydraulic_pressure_bar: m('bar', 0, 500, 'main pump pressure'),
    hydraulic_oil_temp_c: m('°C', -40, 150, 'hydraulic oil temperature'),
    vibration_mm_s: m('mm/s', 0, 200, 'swing/pump vibration velocity RMS'),
    fuel_rate_lph: m('L/h', 0, 200, 'fuel consumption'),
    boom_cycles: m('count', 0, 1e9, 'boom cycles'),
  },
};
