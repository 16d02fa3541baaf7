import { normalizeName } from './vocabulary.ts';

/**
 * Words for faults, causes and categories as records and owners write them (issue 20, class 3).
 *
 * - CAR21 Art. 23 names five failures (转向系统失效, 制动系统失效, 车身开裂, 燃油泄漏, 动力蓄电池起火); a
 *   record may say 刹车失灵 or 电池包起火. `art23Type` maps the words to the five, and nothing else.
 * - Any other serious failure is judged by the CAR21 Art. 40 definition of 严重安全性能故障: a
 *   quality problem that endangers people or property so that the car cannot be used safely,
 *   including safety devices that fail to protect and fire risk. `seriousSafetyWords` finds those
 *   words in a fault's type or description; an explicit `isSeriousSafetyFault` always wins.
 */
export const ART23_TYPES = [
  '转向系统失效',
  '制动系统失效',
  '车身开裂',
  '燃油泄漏',
  '动力蓄电池起火',
] as const;
export type Art23Type = (typeof ART23_TYPES)[number];

const ART23_WORDS: ReadonlyArray<[Art23Type, readonly string[]]> = [
  [
    '转向系统失效',
    [
      '转向失效',
      '转向失灵',
      '方向失灵',
      '方向盘失灵',
      '转向系统失灵',
      '转向卡死',
      '方向盘卡死',
      'steering failure',
      'steering_failure',
      'loss of steering',
    ],
  ],
  [
    '制动系统失效',
    [
      '制动失效',
      '制动失灵',
      '刹车失灵',
      '刹车失效',
      '刹车系统失效',
      '制动系统失灵',
      '刹不住车',
      'brake failure',
      'brake_failure',
      'loss of braking',
    ],
  ],
  [
    '车身开裂',
    [
      '车身断裂',
      '车身裂纹',
      '车架开裂',
      '车架断裂',
      'body cracking',
      'body_cracking',
      'body crack',
    ],
  ],
  [
    '燃油泄漏',
    [
      '燃油泄露',
      '漏油',
      '燃油渗漏',
      '油箱漏油',
      '油管漏油',
      'fuel leak',
      'fuel_leak',
      'fuel leakage',
    ],
  ],
  [
    '动力蓄电池起火',
    [
      '动力电池起火',
      '电池起火',
      '电池包起火',
      '动力电池着火',
      '电池着火',
      '电池自燃',
      '动力电池自燃',
      'battery fire',
      'battery_fire',
      'power battery fire',
    ],
  ],
];

/** The CAR21 Art. 23 failure a word names, or undefined (then Art. 40 decides, not Art. 23). */
export function art23Type(words: string | undefined): Art23Type | undefined {
  if (!words) return undefined;
  const n = normalizeName(words);
  for (const [type, syn] of ART23_WORDS)
    if (normalizeName(type) === n || syn.some((s) => normalizeName(s) === n)) return type;
  return undefined;
}

/**
 * CAR21 Art. 40 "严重安全性能故障": words that say people or property are endangered so that the car
 * cannot be used safely — safety devices failing (airbags, belts, ABS/ESP, brakes, steering),
 * fire, loss of control. Matched inside a fault's type or description.
 */
const ART40_WORDS: readonly string[] = [
  '起火',
  '着火',
  '自燃',
  '冒烟',
  '爆炸',
  '安全气囊',
  '气囊',
  '安全带',
  '失控',
  '制动失效',
  '制动失灵',
  '刹车失灵',
  '刹车失效',
  '转向失效',
  '转向失灵',
  '方向失灵',
  '转向卡死',
  '方向盘卡死',
  '断轴',
  '车轮脱落',
  '球头脱落',
  '悬架断裂',
  '车架断裂',
  '车身开裂',
  '突然熄火',
  '行驶中熄火',
  '高速熄火',
  '动力中断',
  '非预期加速',
  '意外加速',
  '燃油泄漏',
  '燃油泄露',
  '漏燃油',
  '高压漏电',
  'fire',
  'airbag',
  'seat belt',
  'loss of control',
  'stall while driving',
  'unintended acceleration',
  'brake failure',
  'steering failure',
  'fuel leak',
];
/** "Not serious" markers: an indicator light or a noise alone is not a safety failure. */
const NOT_SERIOUS: readonly string[] = [
  '异响',
  '故障灯',
  '提示灯',
  '警告灯',
  'noise',
  'warning light',
];

/** The Art. 40 words found in `text` (empty when none). */
export function seriousSafetyWords(text: string | undefined): string[] {
  if (!text) return [];
  const n = normalizeName(text);
  const hits = ART40_WORDS.filter((w) => n.includes(normalizeName(w)));
  if (hits.length === 0) return [];
  // "气囊故障灯亮" alone is a warning light; "气囊故障灯亮，气囊不能弹出" is a failure to protect.
  const onlyLight =
    NOT_SERIOUS.some((w) => n.includes(normalizeName(w))) &&
    !/不能|无法|未能|没有|不|失|断|火|漏|脱/.test(n.replace(/故障灯|提示灯|警告灯/g, ''));
  return onlyLight ? [] : hits;
}

/** Causes as records write them, to the engine's cause ids (CauseSchema). */
export const CAUSE_WORDS: Readonly<Record<string, readonly string[]>> = {
  quality: [
    '质量问题',
    '产品质量问题',
    '质量故障',
    '性能故障',
    '本身质量',
    'quality problem',
    'defect',
  ],
  consumer_misuse: [
    '使用不当',
    '人为损坏',
    '人为',
    '误用',
    '未按说明书使用',
    '使用保管不当',
    '进水',
    '摔落',
    '跌落',
    'misuse',
    'user damage',
  ],
  consumer_no_maintenance: [
    '未按规定保养',
    '未保养',
    '未按要求维护保养',
    '缺少保养',
    '维护不当',
    'no maintenance',
    'missing maintenance',
  ],
  consumer_modification: ['改装', '私自改装', '调整', '自行改装', 'modification', 'modified'],
  unauthorized_disassembly: [
    '私自拆机',
    '私拆',
    '非授权拆修',
    '非三包修理者拆动',
    '拆动',
    '自行拆卸',
    '拆卸',
    'unauthorised disassembly',
    'unauthorized_repair',
    'tampered',
  ],
  force_majeure: [
    '不可抗力',
    '自然灾害',
    '水灾',
    '泡水',
    '雷击',
    '地震',
    '火灾（外部）',
    'flood',
    'natural disaster',
  ],
  disclosed_defect: ['已书面告知瑕疵', '购买时已告知瑕疵', '瑕疵已告知', 'disclosed defect'],
  improper_handling: ['自行处置不当', '处置不当', '故障后继续使用', 'improper handling'],
  certificate_mismatch: [
    '三包凭证型号不符',
    '凭证涂改',
    '型号不符',
    'certificate mismatch',
    'altered certificate',
  ],
};

/** A cause id from an id or a word, or the input unchanged (the schema then names the field). */
export function causeId(raw: unknown): unknown {
  if (typeof raw !== 'string') return raw;
  const n = normalizeName(raw);
  for (const [id, words] of Object.entries(CAUSE_WORDS))
    if (normalizeName(id) === n || words.some((w) => normalizeName(w) === n)) return id;
  return raw;
}

/** Category names as people write them, to the category ids. */
const CATEGORY_WORDS: Readonly<Record<string, readonly string[]>> = {
  household_car: ['家用汽车', '家用汽车产品', '汽车', '乘用车', '轿车', '皮卡车', 'car'],
  air_conditioner: ['空调', '家用空调器', '空调器', '空调机'],
  tv: ['电视', '电视机', '液晶电视', '液晶电视机', '平板电视', '等离子电视机', 'television'],
  water_heater_electric: ['电热水器'],
  water_heater_gas: ['燃气热水器'],
  refrigerator: ['冰箱', '电冰箱', '家用电冰箱', 'fridge'],
  water_purifier: ['净水机', '净水器'],
  range_hood: ['抽油烟机', '吸排油烟机', '油烟机'],
  mobile_phone: ['手机', '移动电话', '移动电话机', 'phone', 'smartphone'],
  microcomputer: [
    '微型计算机',
    '电脑',
    '计算机',
    '笔记本电脑',
    '台式机',
    '台式电脑',
    '笔记本',
    'computer',
    'laptop',
    'notebook',
    'pc',
  ],
  washing_machine: ['洗衣机'],
};

/** A category id from an id or a name, or the input unchanged. */
export function categoryId(raw: unknown): unknown {
  if (typeof raw !== 'string') return raw;
  const n = normalizeName(raw);
  for (const [id, words] of Object.entries(CATEGORY_WORDS))
    if (normalizeName(id) === n || words.some((w) => normalizeName(w) === n)) return id;
  return raw;
}
