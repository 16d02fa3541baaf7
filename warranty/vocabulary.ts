import type { SourceTag } from './policy-schema.ts';

/**
 * The words repair records use for parts, as data (issue 20, class 3). A 维修工单 names parts in
 * Chinese (发动机总成, 变速箱, 压缩机, 主板, 显示屏 …) or in the engine's snake_case ids; each
 * table maps every synonym to one id with its role:
 *
 * - `assembly`: CAR21 engine, transmission, power battery, drive motor (Art. 20, 22, 24 ¶1(2));
 *   a replaced assembly is the whole assembly (发动机总成), counted apart from its main parts
 *   (Art. 24 ¶2);
 * - `system`: the CAR21 Art. 24 ¶1(3) systems (转向系统, 制动系统 …);
 * - `main_part`: a main part of its `system` (cars: GB/T 29632 via the 三包凭证, CAR21 Art. 41 and
 *   Art. 9(6); goods: the catalogue row). Whether it counts as a main part is still decided by the
 *   policy's list (a maker's 三包凭证 may list more), the table only names it;
 * - `part`: a known part that no catalogue lists as a main part (a TV's 主板, a phone's 屏幕 as
 *   part of the host …);
 * - `host` / `accessory`: PHONE host and 附录1 accessories.
 *
 * A name no table knows is never silently "not a main part": the engine warns (case-context.ts).
 * Sources: sanbao-rules.md §1.7 (car lists [S]), §2.2 (catalogue rows), §3 (phone), §4 (PC).
 */
export type PartRole = 'assembly' | 'system' | 'main_part' | 'part' | 'host' | 'accessory';

export interface VocabEntry {
  id: string;
  zh: string;
  en: string;
  role: PartRole;
  /** The assembly or system a part belongs to (cars), e.g. crankshaft → engine. */
  system?: string;
  synonyms: readonly string[];
  source: SourceTag;
}

const e = (
  id: string,
  zh: string,
  en: string,
  role: PartRole,
  synonyms: readonly string[],
  opts: { system?: string; source?: SourceTag } = {},
): VocabEntry => ({
  id,
  zh,
  en,
  role,
  synonyms,
  source: opts.source ?? 'S',
  ...(opts.system ? { system: opts.system } : {}),
});

/** Main part `id` of system `sys` (a helper for the car table). */
const mp = (sys: string, id: string, zh: string, en: string, synonyms: readonly string[]) =>
  e(id, zh, en, 'main_part', synonyms, { system: sys });

/** Household cars: CAR21 assemblies and systems [P]; main parts per GB/T 29632 readings [S]. */
const CAR: readonly VocabEntry[] = [
  e(
    'engine',
    '发动机',
    'engine',
    'assembly',
    ['发动机总成', '引擎', '发动机本体', '发动机长机', '长机', 'engine assembly', 'motor engine'],
    { source: 'P' },
  ),
  e(
    'transmission',
    '变速器',
    'transmission',
    'assembly',
    [
      '变速器总成',
      '变速箱',
      '变速箱总成',
      '自动变速器',
      '自动变速箱',
      '手动变速器',
      '手动变速箱',
      '双离合变速器',
      '双离合变速箱',
      '无级变速器',
      '无级变速箱',
      'cvt',
      'dct',
      'gearbox',
      'transmission assembly',
    ],
    { source: 'P' },
  ),
  e(
    'power_battery',
    '动力蓄电池',
    'power battery',
    'assembly',
    [
      '动力蓄电池总成',
      '动力电池',
      '动力电池包',
      '动力电池总成',
      '电池包',
      '高压电池',
      '高压电池包',
      '牵引电池',
      'traction battery',
      'battery pack',
      'power battery assembly',
    ],
    { source: 'P' },
  ),
  e(
    'drive_motor',
    '行驶驱动电机',
    'drive motor',
    'assembly',
    [
      '驱动电机',
      '驱动电机总成',
      '行驶驱动电机总成',
      '电驱总成',
      '驱动马达',
      'traction motor',
      'drive motor assembly',
    ],
    { source: 'P' },
  ),
  e('steering_system', '转向系统', 'steering system', 'system', ['转向系', '转向', 'steering'], {
    source: 'P',
  }),
  e(
    'brake_system',
    '制动系统',
    'brake system',
    'system',
    ['制动系', '刹车系统', '制动', '刹车', 'brakes', 'brake'],
    { source: 'P' },
  ),
  e(
    'suspension',
    '悬架系统',
    'suspension',
    'system',
    ['悬架', '悬挂', '悬挂系统', 'suspension system'],
    { source: 'P' },
  ),
  e('drivetrain', '传动系统', 'drivetrain', 'system', ['传动系', '驱动桥', '前后桥', 'driveline'], {
    source: 'P',
  }),
  e(
    'emission_control',
    '污染控制装置',
    'emission-control device',
    'system',
    ['排放控制装置', '排气污染控制装置', '排放系统', 'emission control', 'emission system'],
    { source: 'P' },
  ),
  e('body', '车身', 'body', 'system', ['车身系统', 'vehicle body', 'car body'], { source: 'P' }),
  mp('engine', 'crankshaft', '曲轴', 'crankshaft', ['发动机曲轴']),
  mp('engine', 'main_bearing', '主轴承', 'main bearing', ['曲轴主轴承', '主轴瓦']),
  mp('engine', 'connecting_rod', '连杆', 'connecting rod', ['发动机连杆']),
  mp('engine', 'connecting_rod_bearing', '连杆轴承', 'connecting-rod bearing', ['连杆轴瓦']),
  mp('engine', 'piston', '活塞', 'piston', []),
  mp('engine', 'piston_ring', '活塞环', 'piston ring', []),
  mp('engine', 'piston_pin', '活塞销', 'piston pin', []),
  mp('engine', 'cylinder_head', '气缸盖', 'cylinder head', ['缸盖', '汽缸盖']),
  mp('engine', 'camshaft', '凸轮轴', 'camshaft', []),
  mp('engine', 'valve', '气门', 'valve', ['进气门', '排气门']),
  mp('engine', 'cylinder_block', '气缸体', 'cylinder block', ['缸体', '汽缸体']),
  mp('transmission', 'transmission_housing', '变速器箱体', 'transmission housing', [
    '箱体',
    '变速箱壳体',
    '变速器壳体',
    '变速箱体',
  ]),
  mp('transmission', 'gear', '齿轮', 'gear', ['变速箱齿轮', '变速器齿轮']),
  mp('transmission', 'bearing', '变速器轴承', 'transmission bearing', ['轴承', '变速箱轴承']),
  mp('transmission', 'clutch', '离合器', 'clutch', ['离合器总成', '双离合器']),
  mp('transmission', 'transmission_brake', '变速器制动器', 'transmission brake', [
    '制动器',
    '变速箱制动器',
  ]),
  mp('transmission', 'differential', '差速器', 'differential', ['差速器总成']),
  e('valve_body', '阀体', 'valve body', 'part', ['变速箱阀体', '阀板', '液压阀体'], {
    system: 'transmission',
  }),
  e('solenoid', '电磁阀', 'solenoid valve', 'part', ['换挡电磁阀', 'solenoid valve'], {
    system: 'transmission',
  }),
  mp('steering_system', 'steering_gear', '转向机', 'steering gear', [
    '转向机总成',
    '转向器',
    '转向器总成',
    '方向机',
    '转向机构',
  ]),
  mp('steering_system', 'steering_column', '转向柱', 'steering column', ['转向管柱', '转向柱总成']),
  mp('steering_system', 'steering_universal_joint', '转向万向节', 'steering universal joint', [
    '万向节',
  ]),
  mp('steering_system', 'tie_rod', '转向拉杆', 'tie rod', ['转向横拉杆', '横拉杆', '转向直拉杆']),
  mp('steering_system', 'steering_knuckle', '转向节', 'steering knuckle', ['羊角']),
  mp('brake_system', 'brake_master_cylinder', '制动主缸', 'brake master cylinder', [
    '刹车总泵',
    '制动总泵',
  ]),
  mp('brake_system', 'wheel_cylinder', '制动轮缸', 'wheel cylinder', [
    '轮缸',
    '刹车分泵',
    '制动分泵',
  ]),
  mp('brake_system', 'brake_booster', '制动助力器', 'brake booster', [
    '助力器',
    '真空助力器',
    '刹车助力器',
  ]),
  mp('brake_system', 'brake_pedal', '制动踏板', 'brake pedal', ['刹车踏板', '制动踏板及其支架']),
  mp('suspension', 'shock_absorber', '减震器', 'shock absorber', [
    '减振器',
    '避震器',
    '减震器总成',
  ]),
  mp('suspension', 'stabilizer_bar', '稳定杆', 'stabilizer bar', ['横向稳定杆', '平衡杆']),
  mp('suspension', 'control_arm', '控制臂', 'control arm', [
    '摆臂',
    '下摆臂',
    '上摆臂',
    '下控制臂',
  ]),
  mp('suspension', 'suspension_link', '悬架连杆', 'suspension link', ['悬挂连杆']),
  mp('suspension', 'leaf_spring', '钢板弹簧', 'leaf spring', ['板簧']),
  mp('drivetrain', 'final_drive', '主减速器', 'final drive', ['主减速器及差速器']),
  mp('drivetrain', 'rear_axle', '后桥', 'rear axle', ['后轴', '后桥总成']),
  mp('drivetrain', 'drive_shaft', '传动轴', 'drive shaft', ['驱动轴', '半轴', '传动轴总成']),
  mp('body', 'body_frame', '车身骨架', 'body frame', ['车架']),
  mp('body', 'subframe', '副车架', 'subframe', []),
  mp('body', 'longitudinal_beam', '纵梁', 'longitudinal beam', ['前纵梁', '后纵梁']),
  mp('body', 'cross_beam', '横梁', 'cross beam', []),
  mp('body', 'door_body', '车门本体', 'door body', ['车门']),
  mp('power_battery', 'battery_cell', '电芯', 'battery cell', ['动力电池电芯', '电池模组']),
  mp('power_battery', 'battery_enclosure', '动力蓄电池箱体', 'battery enclosure', [
    '电池箱体',
    '电池包壳体',
  ]),
  mp('drive_motor', 'stator', '定子组件', 'stator assembly', ['定子']),
  mp('drive_motor', 'rotor', '转子组件', 'rotor assembly', ['转子']),
  mp('drive_motor', 'motor_bearing', '电机轴承', 'motor bearing', []),
  mp('drive_motor', 'motor_housing', '电机壳体', 'motor housing', []),
];

const TV: readonly VocabEntry[] = [
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

const AIR_CONDITIONER: readonly VocabEntry[] = [
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

const REFRIGERATOR: readonly VocabEntry[] = [
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

const WASHING_MACHINE: readonly VocabEntry[] = [
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

const WATER_HEATER_GAS: readonly VocabEntry[] = [
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

const RANGE_HOOD: readonly VocabEntry[] = [
  e('motor', '电机', 'motor', 'main_part', ['风机', '电动机', '马达'], { source: 'NOT_FOUND' }),
  e('control_board', '控制板', 'control board', 'part', ['电脑板', '主板'], {
    source: 'NOT_FOUND',
  }),
  e('lamp', '照明灯', 'lamp', 'part', ['灯'], { source: 'NOT_FOUND' }),
];

const MOBILE_PHONE: readonly VocabEntry[] = [
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

const MICROCOMPUTER: readonly VocabEntry[] = [
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

/** The tables per category. Categories under 消法 Art. 24 have no main-part rule: no table. */
export const VOCABULARY: Readonly<Record<string, readonly VocabEntry[]>> = {
  household_car: CAR,
  tv: TV,
  air_conditioner: AIR_CONDITIONER,
  refrigerator: REFRIGERATOR,
  washing_machine: WASHING_MACHINE,
  water_heater_gas: WATER_HEATER_GAS,
  range_hood: RANGE_HOOD,
  mobile_phone: MOBILE_PHONE,
  microcomputer: MICROCOMPUTER,
};

/** Lower case, no spaces, hyphens or brackets: "Engine Assembly" ≡ "engine_assembly" ≡ "engineassembly". */
export function normalizeName(s: string): string {
  return s
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s_\-()（）【】[\]"'“”]/g, '');
}

interface Index {
  exact: Map<string, VocabEntry>;
  /** [normalized synonym, entry], longest first, for names that contain a known word. */
  words: Array<[string, VocabEntry]>;
}
const indexes = new Map<string, Index>();

function indexFor(category: string): Index | undefined {
  const table = VOCABULARY[category];
  if (!table) return undefined;
  let ix = indexes.get(category);
  if (!ix) {
    const exact = new Map<string, VocabEntry>();
    const words: Array<[string, VocabEntry]> = [];
    for (const v of table)
      for (const s of [v.id, v.zh, v.en, ...v.synonyms]) {
        const n = normalizeName(s);
        if (!exact.has(n)) exact.set(n, v);
        if ([...n].length >= 2) words.push([n, v]);
      }
    words.sort((a, b) => b[0].length - a[0].length);
    ix = { exact, words };
    indexes.set(category, ix);
  }
  return ix;
}

/** How a name was recognised: exactly, after dropping 更换/总成-style affixes, or by a word it contains. */
export interface Resolved {
  entry: VocabEntry;
  match: 'exact' | 'affix' | 'contains';
}

const SPECIFIC: Record<PartRole, number> = {
  main_part: 0,
  part: 1,
  accessory: 1,
  host: 2,
  assembly: 3,
  system: 4,
};

/**
 * The table entry for a part or component name of `category`, or undefined when no table knows
 * it. A name that only contains a known word ("左前减震器") resolves to the most specific word it
 * contains, and says so (`match: 'contains'`), so the caller can show how it was read.
 */
export function resolvePart(category: string, name: string): Resolved | undefined {
  const ix = indexFor(category);
  if (!ix) return undefined;
  const n = normalizeName(name);
  const hit = ix.exact.get(n);
  if (hit) return { entry: hit, match: 'exact' };
  // Position words and 更换/总成-style affixes do not change the part: 左前减震器 is a 减震器.
  const bare = n.replace(AFFIX_START, '').replace(AFFIX_END, '');
  const affix = ix.exact.get(bare);
  if (affix && bare !== n) return { entry: affix, match: 'affix' };
  // A Chinese name containing a known word (车门把手 ∋ 车门) says where the part sits, not that it
  // is that part: the caller shows the reading and does not count it as a main part.
  if (!/[\u4e00-\u9fff]/.test(n)) return undefined;
  const found = ix.words
    .filter(([w]) => /[\u4e00-\u9fff]/.test(w) && n.includes(w))
    .map(([, v]) => v);
  if (found.length === 0) return undefined;
  found.sort((a, b) => SPECIFIC[a.role] - SPECIFIC[b.role]);
  return { entry: found[0] as VocabEntry, match: 'contains' };
}

const AFFIX_START = /^(更换|换新|换|新|(左|右)?(前|后)?(左|右)?(上|下)?(内|外)?(侧)?)+/;
const AFFIX_END = /(总成|组件|部件|assembly|assy)$/;

/** Whether the category has a vocabulary table (消法 Art. 24 categories have none). */
export const hasVocabulary = (category: string): boolean => VOCABULARY[category] !== undefined;

/** Display names of an id in a category (the id itself when unknown). */
export function partName(category: string, id: string): { zh: string; en: string } {
  const v = VOCABULARY[category]?.find((x) => x.id === id);
  return v ? { zh: v.zh, en: v.en } : { zh: id, en: id };
}
