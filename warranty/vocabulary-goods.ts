import { e, type VocabEntry } from './vocabulary-entry.ts';

/**
 * Tables for goods (vocabulary.ts): catalogue rows (P95; TV rows [R], others [S] or NOT FOUND),
 * the PHONE host and 附录1 accessories, the PC main parts [S] (docs/sanbao-rules.md §2–§4).
 */
export const TV: readonly VocabEntry[] = [
  e(
    'display_panel',
    '显示屏',
    'display panel',
    'main_part',
    ['屏幕', '屏', '液晶屏', '液晶面板', '面板', '屏体', '等离子屏', 'panel', 'screen'],
    { source: 'R' },
  ),
  e(
    'backlight',
    '背光组件',
    'backlight',
    'main_part',
    ['背光', '背光灯条', '灯条', '背光模组', '背光板', 'led灯条'],
    { source: 'R' },
  ),
  e(
    'logic_board',
    '逻辑组件',
    'logic board',
    'main_part',
    ['逻辑板', 'tcon板', 't-con板', '逻辑组件板'],
    { source: 'R' },
  ),
  e('tuner', '高频调谐器', 'tuner', 'main_part', ['高频头', '调谐器', '高频调谐器组件'], {
    source: 'R',
  }),
  e('drive_board', '驱动组件', 'drive board', 'main_part', ['驱动板', '驱动组件板'], {
    source: 'R',
  }),
  e(
    'main_board',
    '主板',
    'main board',
    'part',
    ['电视主板', '信号板', 'mainboard', 'motherboard'],
    { source: 'R' },
  ),
  e('power_board', '电源板', 'power board', 'part', ['电源组件', '电源'], { source: 'R' }),
  e('remote', '遥控器', 'remote control', 'part', ['遥控', 'remote control'], { source: 'R' }),
  e('speaker', '扬声器', 'speaker', 'part', ['喇叭'], { source: 'R' }),
];

export const AIR_CONDITIONER: readonly VocabEntry[] = [
  e('compressor', '压缩机', 'compressor', 'main_part', ['空调压缩机', '压缩机总成']),
  e('fan_motor', '风扇电机', 'fan motor', 'main_part', [
    '风机',
    '电机',
    '室内风机',
    '室外风机',
    '内风机',
    '外风机',
    '风扇马达',
  ]),
  e('thermostat', '温控器', 'thermostat', 'main_part', ['温度控制器']),
  e('control_board', '电脑板', 'control board', 'part', [
    '主板',
    '控制板',
    '主控板',
    '电控板',
    '电路板',
  ]),
  e('remote', '遥控器', 'remote control', 'part', ['遥控']),
  e('four_way_valve', '四通阀', 'four-way valve', 'part', []),
  e('capacitor', '电容', 'capacitor', 'part', ['启动电容']),
  e('refrigerant', '制冷剂', 'refrigerant', 'part', ['冷媒', '氟利昂']),
];

export const REFRIGERATOR: readonly VocabEntry[] = [
  e('compressor', '压缩机', 'compressor', 'main_part', ['冰箱压缩机', '压缩机总成']),
  e('refrigeration_system', '制冷系统', 'refrigeration system', 'main_part', [
    '制冷管路',
    '管路系统',
  ]),
  e('evaporator', '蒸发器', 'evaporator', 'main_part', []),
  e('condenser', '冷凝器', 'condenser', 'main_part', []),
  e('control_board', '电脑板', 'control board', 'part', ['主板', '控制板', '主控板', '电路板']),
  e('door_seal', '门封条', 'door seal', 'part', ['门封', '密封条']),
  e('lamp', '照明灯', 'lamp', 'part', ['灯泡', '冷藏灯']),
];

export const WASHING_MACHINE: readonly VocabEntry[] = [
  e('motor', '电机', 'motor', 'main_part', ['洗涤电机', '电动机', '马达', '直驱电机', '变频电机']),
  e('control_board', '程控器', 'program controller', 'main_part', [
    '电脑板',
    '主板',
    '控制板',
    '程序控制器',
    '主控板',
  ]),
  e('drain_pump', '排水泵', 'drain pump', 'part', ['排水阀']),
  e('door_lock', '门锁', 'door lock', 'part', []),
  e('belt', '皮带', 'belt', 'part', []),
];

export const WATER_HEATER_GAS: readonly VocabEntry[] = [
  e('heat_exchanger', '热交换器', 'heat exchanger', 'main_part', ['换热器', '水箱'], {
    source: 'NOT_FOUND',
  }),
  e('gas_valve', '燃气阀', 'gas valve', 'main_part', ['比例阀', '燃气比例阀', '电磁阀'], {
    source: 'NOT_FOUND',
  }),
  e('controller', '控制器', 'controller', 'main_part', ['脉冲控制器', '电脑板', '主板', '控制板'], {
    source: 'NOT_FOUND',
  }),
  e('fan', '风机', 'fan', 'main_part', ['风扇', '排风电机'], { source: 'NOT_FOUND' }),
  e('igniter', '点火针', 'igniter', 'part', ['点火器'], { source: 'NOT_FOUND' }),
];

export const RANGE_HOOD: readonly VocabEntry[] = [
  e('motor', '电机', 'motor', 'main_part', ['风机', '电动机', '马达'], { source: 'NOT_FOUND' }),
  e('control_board', '控制板', 'control board', 'part', ['电脑板', '主板'], {
    source: 'NOT_FOUND',
  }),
  e('lamp', '照明灯', 'lamp', 'part', ['灯'], { source: 'NOT_FOUND' }),
];

export const MOBILE_PHONE: readonly VocabEntry[] = [
  e(
    'host',
    '主机',
    'host',
    'host',
    [
      '手机',
      '机身',
      '整机',
      '手机主机',
      '主板',
      '屏幕',
      '显示屏',
      '屏',
      '摄像头',
      '听筒',
      '扬声器',
      '按键',
      '外壳',
      'sim卡座',
      'phone',
      'handset',
      'mainboard',
      'screen',
      'display',
    ],
    { source: 'R' },
  ),
  e('battery', '电池', 'battery', 'accessory', ['手机电池', '锂电池', '电池组'], { source: 'R' }),
  e('charger', '充电器', 'charger', 'accessory', ['充电头', '电源适配器', '适配器', '充电座'], {
    source: 'R',
  }),
  e('sim_card', '移动终端卡', 'mobile terminal card', 'accessory', ['终端卡', '存储卡', '内存卡'], {
    source: 'R',
  }),
  e(
    'headset',
    '外接有线耳机',
    'wired headset',
    'accessory',
    ['有线耳机', '耳机', '外接耳机', 'earphone', 'earphones', 'headphones'],
    { source: 'R' },
  ),
  e('data_card', '数据接口卡', 'data interface card', 'accessory', ['数据卡', '接口卡'], {
    source: 'R',
  }),
];

export const MICROCOMPUTER: readonly VocabEntry[] = [
  e('motherboard', '主板', 'motherboard', 'main_part', [
    '主机板',
    '系统板',
    'mainboard',
    'main board',
  ]),
  e('cpu', 'CPU', 'CPU', 'main_part', ['处理器', '中央处理器', 'processor']),
  e('memory', '内存', 'memory', 'main_part', ['内存条', 'ram']),
  e('display', '显示器', 'display', 'main_part', [
    '显示屏',
    '屏幕',
    '液晶屏',
    '屏',
    'lcd',
    'screen',
    'monitor',
  ]),
  e('hard_disk', '硬盘驱动器', 'hard disk', 'main_part', [
    '硬盘',
    '固态硬盘',
    '机械硬盘',
    'ssd',
    'hdd',
    'hard drive',
  ]),
  e('keyboard', '键盘', 'keyboard', 'main_part', []),
  e('power_adapter', '电源适配器', 'power adapter', 'main_part', [
    '适配器',
    '充电器',
    '电源',
    'adapter',
    'charger',
  ]),
  e('mouse', '鼠标', 'mouse', 'part', ['触控板', 'touchpad']),
  e('battery', '电池', 'battery', 'part', ['笔记本电池']),
  e('fan', '风扇', 'fan', 'part', ['散热风扇']),
  e('optical_drive', '光驱', 'optical drive', 'part', []),
  e('case', '机箱', 'case', 'part', ['外壳']),
];
