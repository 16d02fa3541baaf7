import type { CategoryProfileInput } from './schema.ts';
import { down, limit, railAt, SUDDEN, t, up, upRel } from './dsl.ts';

/**
 * TVs, mobile phones and microcomputers. Backlight ageing is judged as luminance per backlight
 * milliamp (the driver raises current to hide the loss, and content changes both together).
 */
export const tvProfile: CategoryProfileInput = {
  category: 'tv',
  expectedIntervalMs: 60_000,
  conditions: { running: [[{ metric: 'on', min: 0.5 }]] },
  watch: ['board_temp_c', 'panel_temp_c', 'tuner_snr_db'],
  modes: [
    {
      id: 'backlight_degradation',
      name: t('背光衰减', 'Backlight degradation'),
      kind: 'degradation',
      growth: 'accelerating',
      component: 'backlight',
      mainPart: true,
      parts: ['LED backlight strips', 'backlight driver check'],
      indicators: [
        {
          metric: 'brightness_nits',
          direction: 'down',
          failureRel: 0.6,
          when: 'running',
          per: 'backlight_current_ma',
        },
        upRel('backlight_current_ma', 0.25, { when: 'running', weight: 0.5 }),
      ],
      faultCodes: ['BLINK6'],
      spanDays: { min: 180, max: 1200 },
      action: t(
        '更换背光灯条（背光组件为主要部件）。',
        'Replace the LED backlight strips (backlight assembly: a main part).',
      ),
    },
    {
      id: 'power_supply_capacitor_aging',
      name: t('电源板电容老化', 'Power board capacitor ageing'),
      kind: 'degradation',
      growth: 'accelerating',
      component: 'power_board',
      mainPart: false,
      parts: ['power supply board (or capacitor kit)'],
      // Board above panel temperature: both follow the room (seasons), only the board the capacitors.
      indicators: [
        up('board_temp_c', 15, { when: 'running', minus: 'panel_temp_c' }),
        up('reboot_count', 40),
        upRel('power_w', 0.1, { when: 'running', weight: 0.5 }),
      ],
      faultCodes: ['BLINK2'],
      spanDays: { min: 200, max: 900 },
      action: t('更换电源板。', 'Replace the power supply board.'),
    },
    {
      id: 'logic_board_failure',
      name: t('逻辑板故障', 'Logic (T-con) board failure'),
      kind: 'sudden',
      component: 'logic_board',
      mainPart: true,
      parts: ['T-con logic board', 'LVDS cable'],
      indicators: [railAt('brightness_nits', 'down', 0, { when: 'running' })],
      faultCodes: ['BLINK5'],
      spanDays: SUDDEN,
      action: t('更换逻辑板（主要部件）。', 'Replace the T-con logic board (a main part).'),
    },
    {
      id: 'tuner_failure',
      name: t('高频头故障', 'Tuner failure'),
      kind: 'sudden',
      component: 'tuner',
      mainPart: true,
      parts: ['tuner module'],
      indicators: [railAt('tuner_snr_db', 'down', 0, { when: 'running' })],
      faultCodes: ['TUNER'],
      spanDays: SUDDEN,
      action: t(
        '确认天线/信号正常后更换高频头。',
        'Confirm the aerial signal is good, then replace the tuner.',
      ),
      severity: { instant: 'minor' },
    },
  ],
};

export const mobilePhoneProfile: CategoryProfileInput = {
  category: 'mobile_phone',
  expectedIntervalMs: 300_000,
  watch: ['battery_temp_c', 'cpu_temp_c', 'signal_dbm'],
  modes: [
    {
      id: 'battery_capacity_fade',
      name: t('电池容量衰减', 'Battery capacity fade'),
      kind: 'degradation',
      component: 'battery',
      mainPart: false,
      parts: ['battery'],
      indicators: [
        down('battery_health_pct', 22),
        // Cell voltage follows the charge level (~7 mV per %): compare at equal charge.
        down('battery_voltage_v', 0.15, {
          weight: 0.3,
          minus: 'battery_pct',
          minusFactor: 0.0072,
        }),
      ],
      faultCodes: ['BATTERY_SERVICE'],
      spanDays: { min: 120, max: 700 },
      action: t(
        '预约更换电池（电池三包期 6 个月，按购机日期判断）。',
        'Book a battery replacement (battery 三包 period is 6 months from purchase).',
      ),
    },
    {
      id: 'mainboard_failure',
      name: t('主板虚焊', 'Mainboard solder failure'),
      kind: 'sudden',
      component: 'mainboard',
      mainPart: true,
      parts: ['mainboard'],
      indicators: [up('crash_count', 50, { weight: 2 }), up('cpu_temp_c', 8)],
      faultCodes: ['KERNEL_PANIC'],
      spanDays: SUDDEN,
      action: t(
        '提醒用户备份数据，送修更换主板（主机故障）。',
        'Ask the owner to back up; replace the mainboard (a host fault).',
      ),
    },
    {
      id: 'rf_degradation',
      name: t('射频性能下降', 'RF degradation'),
      kind: 'degradation',
      component: 'rf_module',
      mainPart: true,
      parts: ['antenna contacts', 'RF front-end module'],
      indicators: [down('signal_dbm', 25)],
      faultCodes: ['NO_SERVICE'],
      spanDays: { min: 60, max: 400 },
      action: t(
        '检测天线触点与射频模块，必要时更换。',
        'Check antenna contacts and the RF module; replace if needed.',
      ),
    },
  ],
};

export const microcomputerProfile: CategoryProfileInput = {
  category: 'microcomputer',
  expectedIntervalMs: 60_000,
  conditions: { running: [[{ metric: 'cpu_load_pct', min: 3 }]] },
  watch: ['cpu_temp_c', 'fan_rpm', 'disk_temp_c', 'psu_voltage_v'],
  modes: [
    {
      id: 'cpu_fan_wear',
      name: t('CPU 风扇磨损', 'CPU fan wear'),
      kind: 'degradation',
      growth: 'accelerating',
      component: 'cooling_fan',
      mainPart: false,
      parts: ['CPU fan', 'thermal paste'],
      indicators: [
        { metric: 'fan_rpm', direction: 'down', failureRel: 0.6, when: 'running' },
        up('cpu_temp_c', 25, { when: 'running' }),
      ],
      faultCodes: ['2000-0511'],
      spanDays: { min: 120, max: 900 },
      action: t(
        '更换 CPU 风扇并清灰、更换导热硅脂。',
        'Replace the CPU fan, clean the dust, renew the thermal paste.',
      ),
    },
    {
      id: 'disk_degradation',
      name: t('硬盘坏道增长', 'Disk degradation'),
      kind: 'degradation',
      growth: 'accelerating',
      component: 'hard_disk',
      mainPart: true,
      parts: ['hard disk drive'],
      indicators: [up('disk_reallocated_sectors', 800)],
      faultCodes: ['SMART_05', 'SMART_FAIL'],
      spanDays: { min: 60, max: 600 },
      action: t(
        '立即提醒用户备份数据；更换硬盘（主要部件）。',
        'Tell the owner to back up now; replace the drive (a main part).',
      ),
      severity: { instant: 'major', criticalWithinDays: 14, majorWithinDays: 60 },
    },
    {
      id: 'memory_failure',
      name: t('内存故障', 'Memory failure'),
      kind: 'sudden',
      component: 'memory',
      mainPart: true,
      parts: ['memory module (DIMM/SO-DIMM)'],
      indicators: [up('memory_errors', 500, { when: 'running' })],
      faultCodes: ['WHEA_19'],
      spanDays: SUDDEN,
      action: t(
        '运行内存诊断，更换故障内存条。',
        'Run a memory diagnostic and replace the failing module.',
      ),
    },
    {
      id: 'power_adapter_failure',
      name: t('电源适配器故障', 'Power adapter failure'),
      kind: 'sudden',
      component: 'power_adapter',
      mainPart: true,
      parts: ['power adapter'],
      indicators: [railAt('psu_voltage_v', 'down', 15.5)],
      limits: [limit('psu_voltage_v', { below: 17 }, { persist: 2 })],
      faultCodes: ['ADAPTER'],
      spanDays: SUDDEN,
      action: t(
        '寄送或更换电源适配器（主要部件）。',
        'Ship or swap the power adapter (a main part).',
      ),
    },
  ],
};
