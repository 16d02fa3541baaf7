/**
 * What people read about a failure mode, in both languages the pages speak (issue 19: mode
 * names, components, parts and actions in the page's language). Mode names and actions are
 * bilingual in the profiles themselves; components are identifiers (`cooling_system`) shared
 * with repair records, named here; parts are written in the profiles as English text (the
 * wording service manuals and parts catalogues use) or, in uploaded profiles, as `{zh, en}`,
 * and the built-in ones are translated here.
 */
export interface Text {
  zh: string;
  en: string;
}

/** A part as a profile lists it: English text, or text in both languages. */
export type Part = string | Text;

export const COMPONENT_NAMES: Readonly<Record<string, Text>> = {
  air_filter: { zh: '空气滤网', en: 'Air filter' },
  anode_rod: { zh: '镁棒', en: 'Anode rod' },
  backlight: { zh: '背光', en: 'Backlight' },
  battery: { zh: '电池', en: 'Battery' },
  battery_12v: { zh: '12 V 蓄电池', en: '12 V battery' },
  booster_pump: { zh: '增压泵', en: 'Booster pump' },
  brake_pads: { zh: '刹车片', en: 'Brake pads' },
  combustion_fan: { zh: '燃烧风机', en: 'Combustion fan' },
  compressor: { zh: '压缩机', en: 'Compressor' },
  condenser_fan: { zh: '冷凝风扇', en: 'Condenser fan' },
  connectivity: { zh: '通信连接', en: 'Connectivity' },
  control_board: { zh: '主控板', en: 'Control board' },
  coolant_temp_sensor: { zh: '冷却液温度传感器', en: 'Coolant temperature sensor' },
  cooling_fan: { zh: '散热风扇', en: 'Cooling fan' },
  cooling_system: { zh: '冷却系统', en: 'Cooling system' },
  drain_pump: { zh: '排水泵', en: 'Drain pump' },
  drive_motor: { zh: '驱动电机', en: 'Drive motor' },
  drum_bearing: { zh: '滚筒轴承', en: 'Drum bearing' },
  engine: { zh: '发动机', en: 'Engine' },
  evaporator: { zh: '蒸发器', en: 'Evaporator' },
  condenser: { zh: '冷凝器', en: 'Condenser' },
  fan_motor: { zh: '风机电机', en: 'Fan motor' },
  flame_sensor: { zh: '火焰感应针', en: 'Flame sensor' },
  grease_filter: { zh: '油网', en: 'Grease filter' },
  hard_disk: { zh: '硬盘', en: 'Hard disk' },
  heat_exchanger: { zh: '热交换器', en: 'Heat exchanger' },
  heater: { zh: '加热器', en: 'Heater' },
  heating_element: { zh: '加热管', en: 'Heating element' },
  hydraulic_pump: { zh: '液压主泵', en: 'Hydraulic pump' },
  inlet_valve: { zh: '进水阀', en: 'Inlet valve' },
  logic_board: { zh: '逻辑板', en: 'Logic board' },
  mainboard: { zh: '主板', en: 'Mainboard' },
  memory: { zh: '内存', en: 'Memory' },
  power_adapter: { zh: '电源适配器', en: 'Power adapter' },
  power_battery: { zh: '动力电池', en: 'Traction battery' },
  power_board: { zh: '电源板', en: 'Power board' },
  prefilter: { zh: '前置滤芯', en: 'Prefilter' },
  refrigeration_system: { zh: '制冷系统', en: 'Refrigeration system' },
  rf_module: { zh: '射频模块', en: 'RF module' },
  ro_membrane: { zh: 'RO 反渗透膜', en: 'RO membrane' },
  sensor: { zh: '传感器', en: 'Sensor' },
  swing_bearing: { zh: '回转支承', en: 'Swing bearing' },
  temperature_sensor: { zh: '温度传感器', en: 'Temperature sensor' },
  thermostat: { zh: '节温器', en: 'Thermostat' },
  tuner: { zh: '高频头', en: 'Tuner' },
  unknown: { zh: '未知部件', en: 'Unknown component' },
};

/** Chinese for the parts the built-in profiles list (keyed by their English text). */
export const PART_NAMES_ZH: Readonly<Record<string, string>> = {
  'front brake pads (axle set)': '前刹车片（整轴）',
  'caliper slide pins / piston service': '卡钳导销/活塞保养',
  thermostat: '节温器',
  'thermostat gasket': '节温器密封垫',
  'coolant top-up': '补充冷却液',
  '12 V lead-acid battery': '12 V 铅酸蓄电池',
  'main and connecting-rod bearings': '主轴瓦与连杆轴瓦',
  'engine oil and filter': '机油及机油滤清器',
  'oil pump check': '机油泵检查',
  'ECT sensor': '冷却液温度传感器',
  'sensor connector': '传感器插接件',
  'traction battery module(s)': '动力电池模组',
  'BMS balancing service': 'BMS 均衡维护',
  'drive motor bearings': '驱动电机轴承',
  'motor coolant check': '电机冷却液检查',
  'R32 refrigerant charge': 'R32 冷媒加注',
  'flare nuts / brazed joint repair': '喇叭口螺母/焊接点修复',
  'leak detector check': '检漏仪检查',
  compressor: '压缩机',
  'compressor capacitor/driver check': '压缩机电容/驱动检查',
  'refrigerant charge': '冷媒加注',
  'indoor fan motor': '室内风机电机',
  'fan motor capacitor': '风机电容',
  'cross-flow fan': '贯流风叶',
  'indoor ambient NTC sensor': '室内环境温度传感器（NTC）',
  'air filter (clean or replace)': '空气滤网（清洗或更换）',
  'LED backlight strips': 'LED 背光灯条',
  'backlight driver check': '背光驱动检查',
  'power supply board (or capacitor kit)': '电源板（或电容套件）',
  'T-con logic board': 'T-con 逻辑板',
  'LVDS cable': 'LVDS 屏线',
  'tuner module': '高频头模块',
  'heating element (descale or replace)': '加热管（除垢或更换）',
  'tank flush': '内胆冲洗',
  'magnesium anode rod': '镁棒',
  'heating element': '加热管',
  'leakage protection (RCD) test': '漏电保护测试',
  'tank NTC sensor': '内胆温度传感器（NTC）',
  'heat exchanger descaling (or exchanger)': '热交换器除垢（或更换）',
  'thermal fuse check': '温度保险丝检查',
  'flame rod (clean or replace)': '火焰感应针（清洁或更换）',
  'combustion fan': '燃烧风机',
  'air intake cleaning': '进风口清洁',
  'CO test': '一氧化碳检测',
  'outlet water NTC sensor': '出水温度传感器（NTC）',
  'refrigerant (R600a) charge': 'R600a 冷媒加注',
  'evaporator or brazed-joint repair': '蒸发器或焊接点修复',
  'drier filter': '干燥过滤器',
  'start relay / overload protector': '启动继电器/过载保护器',
  'condenser fan motor': '冷凝风扇电机',
  'freezer NTC sensor': '冷冻室温度传感器（NTC）',
  'sensor harness': '传感器线束',
  'PP/carbon prefilter cartridge': 'PP 棉/活性炭前置滤芯',
  'RO membrane element': 'RO 膜滤芯',
  'booster pump': '增压泵',
  'pump transformer/adapter check': '泵变压器/适配器检查',
  'grease filter (clean or replace)': '油网（清洗或更换）',
  'fan motor (or bearings)': '风机电机（或轴承）',
  'impeller cleaning': '叶轮清洁',
  'fan motor': '风机电机',
  'motor capacitor': '电机电容',
  battery: '电池',
  mainboard: '主板',
  'antenna contacts': '天线触点',
  'RF front-end module': '射频前端模块',
  'CPU fan': 'CPU 风扇',
  'thermal paste': '导热硅脂',
  'hard disk drive': '硬盘',
  'memory module (DIMM/SO-DIMM)': '内存条（DIMM/SO-DIMM）',
  'power adapter': '电源适配器',
  'drum bearings': '滚筒轴承',
  'drum shaft seal': '滚筒轴封',
  'drain pump filter cleaning': '排水泵过滤器清洁',
  'drain pump (if damaged)': '排水泵（如已损坏）',
  'inlet valve screen cleaning': '进水阀滤网清洁',
  'inlet valve': '进水阀',
  'heater thermal fuse': '加热器温度保险丝',
  'main control board (motor inverter)': '主控板（电机变频器）',
  'motor connector check': '电机插接件检查',
  'main hydraulic pump (or rotating group kit)': '液压主泵（或泵芯组件）',
  'hydraulic oil and filters': '液压油及滤芯',
  'radiator/oil-cooler cleaning (compressed air or wash)':
    '散热器/油冷器清洁（压缩空气吹扫或水洗）',
  'slewing ring bearing': '回转支承',
  'swing gear grease': '回转齿圈润滑脂',
  'coolant temperature sensor': '冷却液温度传感器',
  'sensor of the flagged metric': '报警读数对应的传感器',
  'sensor harness/connector': '传感器线束/插接件',
  'communication module': '通信模块',
  'per the maker’s service manual for the code': '按厂家维修手册中该故障码所列',
};

/** A component's name; an identifier nobody named yet reads as itself in both languages. */
export function componentName(id: string): Text {
  return COMPONENT_NAMES[id] ?? { zh: id.replace(/_/g, ' '), en: id.replace(/_/g, ' ') };
}

/** A part in both languages (English text stays English where no translation is known). */
export function partName(p: Part): Text {
  return typeof p === 'string' ? { zh: PART_NAMES_ZH[p] ?? p, en: p } : p;
}

/** A part as the identifier repair orders and parts lists carry: its English text. */
export function partId(p: Part): string {
  return typeof p === 'string' ? p : p.en;
}
