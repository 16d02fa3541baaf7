/**
 * 三包 cases written by a second reader who did not write the engine (issue 20), from the primary
 * texts only, the way an outside judge sends them: CAR21 (SAMR Order 43, full text [P]); P95
 * (1995) Arts. 8–15 and its catalogue [R]; PHONE (2001) Arts. 11–16 and 附录1 [R]/[S]; PC (2002)
 * [R]/[S]; 消法 Art. 24 [P]; 民法典 Arts. 201–203 and 1259 [P]; the State Council holiday notices
 * for 2025 and 2026. Each case names its clause; the expectation is what the text gives, worked
 * out by hand (dates, working days, compensation arithmetic) before the engine was run.
 * second-reader-cases.test.ts runs each through the CLI and the HTTP API.
 */
export type Topic =
  | 'car'
  | 'goods'
  | 'phone'
  | 'pc'
  | 'cpl'
  | 'extension'
  | 'exchange_restart'
  | 'holiday'
  | 'compensation'
  | 'main_part_period'
  | 'accessory_period'
  | 'in_shop'
  | 'nulls'
  | 'generous_terms';

export interface SecondReaderExpect {
  remedy: 'return' | 'exchange' | 'repair' | 'none';
  free: boolean;
  /** CNY the owner pays for `remedy` (CAR21 Art. 27 compensation, P95 Art. 13 depreciation). */
  amountOwedCNY?: number | null;
  /** Key deadlines: key → last day included (after extension and Civil Code Art. 203). */
  deadlines?: Record<string, string>;
  /** Remedy kinds (`kind` or `kind:scope`) that must / must not be listed. */
  has?: string[];
  lacks?: string[];
  /** Counters: key → count. */
  counters?: Record<string, number>;
  /** Notes: a clause that must appear, optionally with text the note must contain. */
  notes?: Array<{ clause: string; includes?: string[] }>;
  /** Clauses no note may carry. */
  noNotes?: string[];
  periodStart?: string;
}

export interface SecondReaderCase {
  name: string;
  topics: Topic[];
  input: { category: string; policy?: unknown; facts: Record<string, unknown> };
  expect: SecondReaderExpect;
}

// ——— builders ———
const carBase = {
  priceCNY: 150_000,
  usageCompensationCoefficient: 0.004,
  hasInvoice: true,
  hasWarrantyCertificate: true,
};
const car = (facts: Record<string, unknown>, policy?: unknown) => ({
  category: '家用汽车',
  ...(policy === undefined ? {} : { policy }),
  facts: { ...carBase, ...facts },
});
const goods = (category: string, facts: Record<string, unknown>, policy?: unknown) => ({
  category,
  ...(policy === undefined ? {} : { policy }),
  facts: { priceCNY: 4_000, hasInvoice: true, hasWarrantyCertificate: true, ...facts },
});
/** A fault as a 维修工单 would describe it. */
const fault = (date: string, component: string, extra: Record<string, unknown> = {}) => ({
  date,
  component,
  description: `${component}故障`,
  ...extra,
});
/** A repair record; `returnedDate: null` = still in the shop. */
const repair = (
  date: string,
  returnedDate: string | null,
  component: string,
  extra: Record<string, unknown> = {},
) => ({ date, returnedDate, component, cause: '质量问题', ...extra });
/** A car repair from `start` (Beijing time) lasting `hours`. */
const carRepair = (
  start: string,
  hours: number,
  component: string,
  extra: Record<string, unknown> = {},
) => {
  const end = new Date(Date.parse(`${start}+08:00`) + hours * 3_600_000);
  const local = new Date(end.getTime() + 8 * 3_600_000).toISOString().slice(0, 19);
  return repair(`${start}+08:00`, `${local}+08:00`, component, extra);
};
/** `n` one-day repairs of the same problem `code`, four weeks apart from `from`. */
const sameProblem = (from: string, n: number, code: string, component: string) =>
  Array.from({ length: n }, (_, i) => {
    const d = new Date(Date.parse(`${from}T00:00:00Z`) + i * 28 * 86_400_000)
      .toISOString()
      .slice(0, 10);
    return carRepair(`${d}T09:00:00`, 6, component, { faultCode: code });
  });

export const SECOND_READER_CASES: SecondReaderCase[] = [
  // ————————————————— Household cars: CAR21 —————————————————
  {
    name: '[汽车三包 第十八条第二款][第二十二条] invoice 08-28, delivered 09-02: on day 7 from delivery the 缸体 cracks and must be replaced → free return',
    topics: ['car'],
    input: car({
      invoiceDate: '2025-08-28',
      deliveryDate: '2025-09-02',
      evaluationDate: '2025-09-09',
      mileageKm: 420,
      currentFault: fault('2025-09-09', '发动机', {
        mainPart: '缸体',
        requiresReplacement: true,
        description: '缸体裂纹，需更换',
      }),
    }),
    expect: {
      remedy: 'return',
      free: true,
      amountOwedCNY: 0,
      periodStart: '2025-09-02',
      deadlines: { return_or_exchange_7_days: '2025-09-09' },
      has: ['return', 'exchange'],
    },
  },
  {
    name: '[汽车三包 第二十二条][第二十条] the same car on day 8: no return; the 曲轴 (engine main part) at 500 km → free engine swap',
    topics: ['car'],
    input: car({
      invoiceDate: '2025-08-28',
      deliveryDate: '2025-09-02',
      evaluationDate: '2025-09-10',
      mileageKm: 500,
      currentFault: fault('2025-09-10', '发动机', { mainPart: '曲轴', requiresReplacement: true }),
    }),
    expect: {
      remedy: 'repair',
      free: true,
      has: ['assembly_swap:assembly'],
      lacks: ['return', 'exchange'],
    },
  },
  {
    name: '[汽车三包 第二十二条][民法典 第二百零三条] delivered 09-26: day 7 is National Day, the window runs to 10-09; the 变速器 needs replacing that day → free return',
    topics: ['car', 'holiday'],
    input: car({
      invoiceDate: '2025-09-26',
      evaluationDate: '2025-10-09',
      mileageKm: 900,
      currentFault: fault('2025-10-09', '变速器', { requiresReplacement: true }),
    }),
    expect: {
      remedy: 'return',
      free: true,
      amountOwedCNY: 0,
      deadlines: { return_or_exchange_7_days: '2025-10-09' },
    },
  },
  {
    name: '[汽车三包 第二十三条][民法典 第一千二百五十九条] 转向失灵 on day 60 at exactly 3,000 km (以内 includes both) → free return',
    topics: ['car'],
    input: car({
      invoiceDate: '2025-04-10',
      evaluationDate: '2025-06-09',
      mileageKm: 3_000,
      currentFault: fault('2025-06-09', '转向系统', { failureType: '转向失灵' }),
    }),
    expect: {
      remedy: 'return',
      free: true,
      amountOwedCNY: 0,
      deadlines: { safety_failure_60_days: '2025-06-09' },
    },
  },
  {
    name: '[汽车三包 第二十三条][第十九条] the same failure on day 61 at 2,000 km → free repair only',
    topics: ['car'],
    input: car({
      invoiceDate: '2025-04-10',
      evaluationDate: '2025-06-10',
      mileageKm: 2_000,
      currentFault: fault('2025-06-10', '转向系统', { failureType: '转向失灵' }),
    }),
    expect: { remedy: 'repair', free: true, lacks: ['return', 'exchange'] },
  },
  {
    name: '[汽车三包 第二十三条][民法典 第二百零三条] day 60 is a Saturday (11-01): the window runs to Monday 11-03; 刹车失灵 then at 2,500 km → free return',
    topics: ['car', 'holiday'],
    input: car({
      invoiceDate: '2025-09-02',
      evaluationDate: '2025-11-03',
      mileageKm: 2_500,
      currentFault: fault('2025-11-03', '制动系统', { failureType: '刹车失灵' }),
    }),
    expect: {
      remedy: 'return',
      free: true,
      deadlines: { safety_failure_60_days: '2025-11-03' },
    },
  },
  {
    name: '[汽车三包 第二十条] day 50 at exactly 3,000 km, a 变速器 齿轮 fails → free transmission swap',
    topics: ['car'],
    input: car({
      invoiceDate: '2025-05-06',
      evaluationDate: '2025-06-25',
      mileageKm: 3_000,
      currentFault: fault('2025-06-25', '变速器', { mainPart: '齿轮' }),
    }),
    expect: { remedy: 'repair', free: true, has: ['assembly_swap'] },
  },
  {
    name: '[汽车三包 第二十四条第一款第四项][第四十条] three repairs of exactly 240 h: 30 days is not more than 30 → free repair',
    topics: ['car'],
    input: car({
      invoiceDate: '2025-03-03',
      evaluationDate: '2025-07-01',
      mileageKm: 9_800,
      repairs: [
        carRepair('2025-04-01T09:00:00', 240, '空调系统', { faultCode: 'B1001' }),
        carRepair('2025-05-06T10:00:00', 240, '车身电器', { faultCode: 'B2002' }),
        carRepair('2025-06-03T08:00:00', 240, '多媒体', { faultCode: 'U3003' }),
      ],
      currentFault: fault('2025-07-01', '车窗', { faultCode: 'B4004' }),
    }),
    expect: { remedy: 'repair', free: true, counters: { cumulative_repair_days: 30 } },
  },
  {
    name: '[汽车三包 第二十四条第一款第四项][第四十条][第二十七条] one hour more (241 h → 11 days): 31 days → return, 150,000 × 9,800/1000 × 0.4 % = 5,880',
    topics: ['car', 'compensation'],
    input: car({
      invoiceDate: '2025-03-03',
      evaluationDate: '2025-07-01',
      mileageKm: 9_800,
      repairs: [
        carRepair('2025-04-01T09:00:00', 240, '空调系统', { faultCode: 'B1001' }),
        carRepair('2025-05-06T10:00:00', 240, '车身电器', { faultCode: 'B2002' }),
        carRepair('2025-06-03T08:00:00', 241, '多媒体', { faultCode: 'U3003' }),
      ],
      currentFault: null,
    }),
    expect: {
      remedy: 'return',
      free: false,
      amountOwedCNY: 5_880,
      has: ['exchange'],
      counters: { cumulative_repair_days: 31 },
    },
  },
  {
    name: '[汽车三包 第二十四条第一款第四项][第二十七条] 33 repair days: more than 30 (not the 35 of the repealed 2013 rules) → return, 180,000 × 12,345/1000 × 0.4 % = 8,888.4',
    topics: ['car', 'compensation'],
    input: car({
      invoiceDate: '2025-03-03',
      evaluationDate: '2025-09-15',
      mileageKm: 12_345,
      priceCNY: 180_000,
      repairs: [
        carRepair('2025-04-14T09:00:00', 260, '发动机', { faultCode: 'P0300' }),
        carRepair('2025-06-16T09:00:00', 250, '变速器', { faultCode: 'P0700' }),
        carRepair('2025-08-18T09:00:00', 241, '车身', { faultCode: 'B1234' }),
      ],
    }),
    expect: {
      remedy: 'return',
      free: false,
      amountOwedCNY: 8_888.4,
      counters: { cumulative_repair_days: 33 },
    },
  },
  {
    name: '[汽车三包 第二十四条第三款] 32 days, 48 h of them shipping a VIN-coded 防盗系统 part: 30 counted → free repair',
    topics: ['car'],
    input: car({
      invoiceDate: '2025-03-03',
      evaluationDate: '2025-09-15',
      mileageKm: 12_000,
      repairs: [
        carRepair('2025-04-14T09:00:00', 240, '发动机', { faultCode: 'P0300' }),
        carRepair('2025-06-16T09:00:00', 240, '变速器', { faultCode: 'P0700' }),
        carRepair('2025-08-18T09:00:00', 288, '防盗系统', {
          faultCode: 'B2799',
          excludedHours: 48,
          description: '防盗控制单元需按VIN定制，等待运输',
        }),
      ],
      currentFault: fault('2025-09-15', '防盗系统', { faultCode: 'B2799' }),
    }),
    expect: { remedy: 'repair', free: true, counters: { cumulative_repair_days: 30 } },
  },
  {
    name: '[汽车三包 第二十四条第一款第四项][民法典 第一千二百五十九条] P0171 repaired 4 times and back again: 超过4次 needs a 5th repair → free repair',
    topics: ['car'],
    input: car({
      invoiceDate: '2025-03-03',
      evaluationDate: '2025-09-01',
      mileageKm: 15_000,
      repairs: sameProblem('2025-04-01', 4, 'P0171', '发动机'),
      currentFault: fault('2025-09-01', '发动机', { faultCode: 'P0171' }),
    }),
    expect: {
      remedy: 'repair',
      free: true,
      lacks: ['return'],
      counters: { same_problem_repairs: 4 },
    },
  },
  {
    name: '[汽车三包 第二十四条第一款第四项] five repairs of two problems (3 × P0300, 2 × P0420) are not five of the same → free repair',
    topics: ['car'],
    input: car({
      invoiceDate: '2025-03-03',
      evaluationDate: '2025-10-01',
      mileageKm: 16_000,
      repairs: [
        ...sameProblem('2025-04-01', 3, 'P0300', '发动机'),
        ...sameProblem('2025-07-01', 2, 'P0420', '三元催化器'),
      ],
      currentFault: fault('2025-10-01', '发动机', { faultCode: 'P0300' }),
    }),
    expect: {
      remedy: 'repair',
      free: true,
      lacks: ['return'],
      counters: { same_problem_repairs: 3 },
    },
  },
  {
    name: '[汽车三包 第二十四条第一款第三项][第二十七条] the 制动总泵 replaced twice (written 制动总泵, 刹车总泵), the brakes fail again → return, 150,000 × 21,000/1000 × 0.4 % = 12,600',
    topics: ['car', 'compensation'],
    input: car({
      invoiceDate: '2025-01-06',
      evaluationDate: '2025-11-20',
      mileageKm: 21_000,
      repairs: [
        carRepair('2025-05-12T09:00:00', 8, '制动系统', {
          faultCode: 'C1010',
          partsReplaced: ['制动总泵'],
        }),
        carRepair('2025-08-11T09:00:00', 8, '制动系统', {
          faultCode: 'C1010',
          partsReplaced: [{ name: '刹车总泵', number: 'BMC-22' }],
        }),
      ],
      currentFault: fault('2025-11-20', '制动系统', {
        faultCode: 'C1010',
        mainPart: '制动总泵',
        description: '制动踏板变软',
      }),
    }),
    expect: {
      remedy: 'return',
      free: false,
      amountOwedCNY: 12_600,
      counters: { same_main_part_replacements: 2 },
    },
  },
  {
    name: '[汽车三包 第二十四条第二款] the 发动机总成 replaced once and its 曲轴 once: not counted together → free repair',
    topics: ['car'],
    input: car({
      invoiceDate: '2025-01-06',
      evaluationDate: '2025-11-20',
      mileageKm: 21_000,
      repairs: [
        carRepair('2025-05-12T09:00:00', 30, '发动机', {
          faultCode: 'P0016',
          partsReplaced: ['曲轴'],
        }),
        carRepair('2025-08-11T09:00:00', 50, '发动机', {
          faultCode: 'P0016',
          partsReplaced: ['发动机总成'],
        }),
      ],
      currentFault: fault('2025-11-20', '发动机', { faultCode: 'P0016' }),
    }),
    expect: {
      remedy: 'repair',
      free: true,
      lacks: ['return'],
      counters: { assembly_replacements: 1 },
    },
  },
  {
    name: '[汽车三包 第二十四条第一款第一项][第四十条] two serious-safety repairs (气囊不起爆, 高速熄火), then a new one (刹车失灵) in month 8 → return, 150,000 × 15,000/1000 × 0.4 % = 9,000',
    topics: ['car', 'compensation'],
    input: car({
      invoiceDate: '2025-01-06',
      evaluationDate: '2025-09-01',
      mileageKm: 15_000,
      repairs: [
        carRepair('2025-03-10T09:00:00', 20, '安全气囊', {
          faultCode: 'B0001',
          description: '碰撞时安全气囊不起爆',
          isSeriousSafetyFault: true,
        }),
        carRepair('2025-06-02T09:00:00', 30, '发动机', {
          faultCode: 'P0335',
          failureType: '高速熄火',
        }),
      ],
      currentFault: fault('2025-09-01', '制动系统', { failureType: '刹车失灵' }),
    }),
    expect: {
      remedy: 'return',
      free: false,
      amountOwedCNY: 9_000,
      counters: { serious_safety_repairs: 2 },
    },
  },
  {
    name: '[汽车三包 第十八条][民法典 第二百零三条] the 三包有效期 ends on Sunday 2026-03-15 and runs to Monday; the 5th repair of P0420 on 03-16 → return, 150,000 × 40,000/1000 × 0.4 % = 24,000',
    topics: ['car', 'holiday', 'compensation'],
    input: car({
      invoiceDate: '2024-03-15',
      evaluationDate: '2026-03-16',
      mileageKm: 40_000,
      repairs: [
        ...sameProblem('2025-06-02', 4, 'P0420', '三元催化器'),
        carRepair('2026-03-16T09:00:00', 6, '三元催化器', { faultCode: 'P0420' }),
      ],
    }),
    expect: {
      remedy: 'return',
      free: false,
      amountOwedCNY: 24_000,
      deadlines: { sanbao_period: '2026-03-16' },
    },
  },
  {
    name: '[汽车三包 第十八条第一款][第十九条] 52,000 km in month 14: the 三包有效期 is over by mileage, the 包修期 is not → free repair',
    topics: ['car'],
    input: car({
      invoiceDate: '2025-01-06',
      evaluationDate: '2026-03-02',
      mileageKm: 52_000,
      currentFault: fault('2026-03-02', '变速器', { faultCode: 'P0730' }),
    }),
    expect: { remedy: 'repair', free: true, lacks: ['return', 'exchange'] },
  },
  {
    name: '[汽车三包 第十八条第一款] 60,500 km in month 20: the 包修期 is over by mileage → none (a paid repair is only an offer)',
    topics: ['car'],
    input: car({
      invoiceDate: '2024-09-02',
      evaluationDate: '2026-05-11',
      mileageKm: 60_500,
      currentFault: fault('2026-05-11', '发动机', { faultCode: 'P0011' }),
    }),
    expect: { remedy: 'none', free: false, amountOwedCNY: null },
  },
  {
    name: '[汽车三包 第三十二条第一款第一项] a paint flaw the buyer was told of in writing (已书面告知瑕疵) → none',
    topics: ['car'],
    input: car({
      invoiceDate: '2025-05-06',
      evaluationDate: '2025-05-08',
      mileageKm: 120,
      currentFault: fault('2025-05-08', '车身', {
        description: '左后门漆面瑕疵',
        cause: '已书面告知瑕疵',
      }),
    }),
    expect: { remedy: 'none', free: false },
  },
  {
    name: '[汽车三包 第二十九条][第二十三条] exchanged on 06-10: the 60 days restart (to 08-11, day 60 is a Saturday); 刹车失灵 on day 40 at 1,200 km → free return, old repairs do not count',
    topics: ['car', 'exchange_restart', 'holiday'],
    input: car({
      invoiceDate: '2025-03-03',
      exchangeDate: '2025-06-10',
      evaluationDate: '2025-07-20',
      mileageKm: 1_200,
      repairs: sameProblem('2025-03-20', 3, 'C0040', '制动系统'),
      currentFault: fault('2025-07-20', '制动系统', { failureType: '刹车失灵' }),
    }),
    expect: {
      remedy: 'return',
      free: true,
      amountOwedCNY: 0,
      periodStart: '2025-06-10',
      deadlines: { safety_failure_60_days: '2025-08-11' },
      counters: { same_problem_repairs: 0 },
    },
  },
  {
    name: '[汽车三包 第二十一条][第四十条] exactly 120 h (5 days) is not more than 5 → no courtesy car',
    topics: ['car'],
    input: car({
      invoiceDate: '2025-03-03',
      evaluationDate: '2025-06-01',
      mileageKm: 6_000,
      repairs: [carRepair('2025-05-05T09:00:00', 120, '空调系统', { faultCode: 'B1001' })],
      currentFault: null,
    }),
    expect: { remedy: 'none', free: false, noNotes: ['CAR21 Art. 21'] },
  },
  {
    name: '[汽车三包 第二十八条] asked on Fri 2025-09-26: answer within 10 working days (10-16) and exchange within 20 (10-30) — make-up days 09-28 and 10-11 count, National Day does not',
    topics: ['car', 'holiday', 'compensation'],
    input: car({
      invoiceDate: '2025-01-06',
      evaluationDate: '2025-09-26',
      mileageKm: 18_000,
      repairs: sameProblem('2025-03-03', 5, 'P0700', '变速器'),
    }),
    expect: {
      remedy: 'return',
      free: false,
      amountOwedCNY: 10_800,
      notes: [{ clause: 'CAR21 Art. 28', includes: ['2025-10-16', '2025-10-30'] }],
    },
  },
  {
    name: '[汽车三包 第二十四条第一款第四项][第四十条] still in the shop (returnedDate null) since 08-01 09:00, 20 earlier days: at 08-11 10:00 it is 11 more → 31 → return',
    topics: ['car', 'in_shop', 'nulls', 'compensation'],
    input: car({
      invoiceDate: '2025-03-03',
      evaluationDate: '2025-08-11T10:00:00+08:00',
      mileageKm: 11_000,
      repairs: [
        carRepair('2025-04-01T09:00:00', 240, '空调系统', { faultCode: 'B1001' }),
        carRepair('2025-06-02T09:00:00', 240, '车身电器', { faultCode: 'B2002' }),
        repair('2025-08-01T09:00:00+08:00', null, '变速器', { faultCode: 'P0700' }),
      ],
      currentFault: null,
    }),
    expect: {
      remedy: 'return',
      free: false,
      amountOwedCNY: 6_600,
      counters: { cumulative_repair_days: 31 },
      notes: [{ clause: 'CAR21 Art. 21' }],
    },
  },
  {
    name: '[汽车三包 第二十二条][null] in the shop since day 4 with its 动力电池包 being replaced; price, mileage, n and the fault all null → free return',
    topics: ['car', 'in_shop', 'nulls'],
    input: car({
      invoiceDate: '2025-06-16',
      deliveryDate: null,
      evaluationDate: '2025-06-21',
      mileageKm: null,
      priceCNY: null,
      usageCompensationCoefficient: null,
      hasWarrantyCertificate: null,
      repairs: [
        repair('2025-06-20T14:00:00+08:00', null, '动力蓄电池', {
          faultCode: null,
          partsReplaced: ['动力电池包'],
          mileageKm: null,
        }),
      ],
      currentFault: null,
    }),
    expect: { remedy: 'return', free: true, amountOwedCNY: 0 },
  },
  {
    name: '[汽车三包 第四条第二款][第二十四条第一款第四项] the maker promises 3 years / 100,000 km: a 5th repair of P0700 in month 30 at 70,000 km → return, 150,000 × 70,000/1000 × 0.4 % = 42,000',
    topics: ['car', 'generous_terms', 'compensation'],
    input: car(
      {
        invoiceDate: '2024-01-08',
        evaluationDate: '2026-07-06',
        mileageKm: 70_000,
        repairs: sameProblem('2025-11-03', 5, 'P0700', '变速器'),
      },
      { terms: { wholeUnitMonths: 36, wholeUnitKm: 100_000 } },
    ),
    expect: { remedy: 'return', free: false, amountOwedCNY: 42_000 },
  },
  {
    name: '[汽车三包 第二十二条][第二十条] day 3: the 火花塞 (a wear part, no main part of the engine) must be replaced → free repair, no return, no engine swap',
    topics: ['car'],
    input: car({
      invoiceDate: '2025-06-16',
      evaluationDate: '2025-06-19',
      mileageKm: 180,
      currentFault: fault('2025-06-19', '发动机', {
        mainPart: '火花塞',
        requiresReplacement: true,
        description: '发动机抖动，火花塞烧蚀需更换',
      }),
    }),
    expect: { remedy: 'repair', free: true, lacks: ['return', 'exchange', 'assembly_swap'] },
  },
  {
    name: '[汽车三包 第二十二条][null] day 4, in the shop with its 换挡电磁阀 being replaced (a part of the 变速器, no main part) → free repair, not return',
    topics: ['car', 'in_shop', 'nulls'],
    input: car({
      invoiceDate: '2025-06-16',
      evaluationDate: '2025-06-21',
      mileageKm: 260,
      repairs: [
        repair('2025-06-20T10:00:00+08:00', null, '变速器', {
          faultCode: 'P0750',
          partsReplaced: ['换挡电磁阀'],
        }),
      ],
      currentFault: null,
    }),
    expect: { remedy: 'repair', free: true, lacks: ['return', 'exchange', 'assembly_swap'] },
  },
  {
    name: '[汽车三包 第二十四条第一款第二项] the 发动机支架 (engine mount) replaced twice is not the engine replaced twice → free repair',
    topics: ['car'],
    input: car({
      invoiceDate: '2025-01-06',
      evaluationDate: '2025-10-13',
      mileageKm: 14_000,
      repairs: [
        carRepair('2025-04-07T09:00:00', 5, '发动机', {
          faultCode: 'ENG-VIB',
          partsReplaced: ['发动机支架'],
        }),
        carRepair('2025-07-07T09:00:00', 5, '发动机', {
          faultCode: 'ENG-VIB',
          partsReplaced: ['发动机支架'],
        }),
      ],
      currentFault: fault('2025-10-13', '发动机', {
        faultCode: 'ENG-VIB',
        description: '怠速抖动',
      }),
    }),
    expect: {
      remedy: 'repair',
      free: true,
      lacks: ['return'],
      counters: { assembly_replacements: 0 },
    },
  },

  // ————————————————— Goods: P95 and its catalogue —————————————————
  {
    name: '[部分商品三包 第九条] washing machine sold 07-01, 不脱水 on day 7 → return at the invoice price, free',
    topics: ['goods'],
    input: goods('洗衣机', {
      invoiceDate: '2025-07-01',
      evaluationDate: '2025-07-08',
      currentFault: fault('2025-07-08', '电机', { description: '不脱水' }),
    }),
    expect: {
      remedy: 'return',
      free: true,
      amountOwedCNY: 0,
      deadlines: { return_window: '2025-07-08' },
    },
  },
  {
    name: '[部分商品三包 第十条] fridge, day 8 → free exchange, no return',
    topics: ['goods'],
    input: goods('冰箱', {
      invoiceDate: '2025-07-01',
      evaluationDate: '2025-07-09',
      currentFault: fault('2025-07-09', '压缩机', { description: '不制冷' }),
    }),
    expect: {
      remedy: 'exchange',
      free: true,
      lacks: ['return'],
      deadlines: { exchange_window: '2025-07-16' },
    },
  },
  {
    name: '[部分商品三包 第九条][民法典 第二百零三条] TV sold 03-28: day 7 is 清明 (04-04), the return window runs to Monday 04-07',
    topics: ['goods', 'holiday'],
    input: goods('液晶电视', {
      invoiceDate: '2025-03-28',
      evaluationDate: '2025-04-07',
      currentFault: fault('2025-04-07', '显示屏', { description: '无图像' }),
    }),
    expect: { remedy: 'return', free: true, deadlines: { return_window: '2025-04-07' } },
  },
  {
    name: '[部分商品三包 第十条][民法典 第二百零三条] washing machine sold 04-17: day 15 is in May Day (05-02), exchange until 05-06',
    topics: ['goods', 'holiday'],
    input: goods('洗衣机', {
      invoiceDate: '2025-04-17',
      evaluationDate: '2025-05-06',
      currentFault: fault('2025-05-06', '控制板'),
    }),
    expect: {
      remedy: 'exchange',
      free: true,
      lacks: ['return'],
      deadlines: { exchange_window: '2025-05-06' },
    },
  },
  {
    name: '[部分商品三包 第十一条][第十三条] LCD TV repaired twice (5 + 3 days), fails again; the seller has the model → return with depreciation 5,000 × 0.1 % × (161 − 8) = 765',
    topics: ['goods', 'compensation'],
    input: goods('液晶电视', {
      invoiceDate: '2025-01-10',
      priceCNY: 5_000,
      evaluationDate: '2025-06-20',
      sellerHasSameModel: true,
      repairs: [
        repair('2025-03-03', '2025-03-08', '电源板'),
        repair('2025-05-12', '2025-05-15', '电源板'),
      ],
      currentFault: fault('2025-06-20', '电源板', { description: '无法开机' }),
    }),
    expect: { remedy: 'return', free: false, amountOwedCNY: 765, has: ['exchange'] },
  },
  {
    name: '[部分商品三包 第十一条] two repairs, one of them for misuse (使用不当): one quality repair → free repair, not exchange',
    topics: ['goods'],
    input: goods('洗衣机', {
      invoiceDate: '2025-01-10',
      evaluationDate: '2025-08-01',
      repairs: [
        repair('2025-03-03', '2025-03-05', '电机'),
        repair('2025-05-12', '2025-05-14', '门锁', { cause: '使用不当' }),
      ],
      currentFault: fault('2025-08-01', '电机'),
    }),
    expect: {
      remedy: 'repair',
      free: true,
      lacks: ['exchange'],
      counters: { repairs_toward_exchange: 1 },
    },
  },
  {
    name: '[部分商品三包 第十二条][第十三条] air conditioner in the shop 92 days waiting for the producer’s 压缩机 → free exchange, or (Art. 13, 符合换货条件) return less depreciation 4,000 × 0.1 % × (151 − 92) = 236',
    topics: ['goods', 'in_shop'],
    input: goods('空调', {
      invoiceDate: '2025-03-03',
      evaluationDate: '2025-08-01',
      repairs: [
        repair('2025-05-01', null, '压缩机', {
          waitingForPartsFromProducer: true,
          description: '压缩机缺货，等待厂家供件',
        }),
      ],
      currentFault: null,
    }),
    expect: {
      remedy: 'return',
      free: false,
      amountOwedCNY: 236,
      has: ['exchange'],
      counters: { parts_waiting_days: 92 },
    },
  },
  {
    name: '[部分商品三包 第十二条][第十三条] washing machine held 31 days for the repairer’s own reasons → free exchange, or return less depreciation 3,500 × 0.1 % × (90 − 31) = 206.5',
    topics: ['goods', 'in_shop'],
    input: goods('洗衣机', {
      invoiceDate: '2025-03-03',
      priceCNY: 3_500,
      evaluationDate: '2025-06-01',
      repairs: [repair('2025-05-01', null, '控制板', { delayCause: 'repairer' })],
    }),
    expect: {
      remedy: 'return',
      free: false,
      amountOwedCNY: 206.5,
      has: ['exchange'],
      counters: { repairer_delay_days: 31 },
    },
  },
  {
    name: '[部分商品三包 第八条][民法典 第二百零三条] fridge: a 13-day repair pushes the year to 2026-02-23, the last day of Spring Festival → 02-24; 门封条 then → free repair',
    topics: ['goods', 'extension', 'holiday'],
    input: goods('冰箱', {
      invoiceDate: '2025-02-10',
      evaluationDate: '2026-02-24',
      repairs: [repair('2025-05-05', '2025-05-18', '压缩机')],
      currentFault: fault('2026-02-24', '门封条'),
    }),
    expect: { remedy: 'repair', free: true, deadlines: { whole_unit_period: '2026-02-24' } },
  },
  {
    name: '[部分商品三包 第八条] the same fridge one day later (02-25): whole-unit period over, 门封条 is no main part → none',
    topics: ['goods', 'extension'],
    input: goods('冰箱', {
      invoiceDate: '2025-02-10',
      evaluationDate: '2026-02-25',
      repairs: [repair('2025-05-05', '2025-05-18', '压缩机')],
      currentFault: fault('2026-02-25', '门封条'),
    }),
    expect: { remedy: 'none', free: false },
  },
  {
    name: '[部分商品三包 第八条] 20 days waiting for parts (无零配件待修) extend the washing machine’s year to 2025-12-10',
    topics: ['goods', 'extension'],
    input: goods('洗衣机', {
      invoiceDate: '2024-11-20',
      evaluationDate: '2025-12-08',
      repairs: [
        repair('2025-03-01', '2025-03-21', '电机', {
          waitingForPartsFromProducer: true,
        }),
      ],
      currentFault: fault('2025-12-08', '进水阀'),
    }),
    expect: { remedy: 'repair', free: true, deadlines: { whole_unit_period: '2025-12-10' } },
  },
  {
    name: '[部分商品三包 第十四条] fridge exchanged 2025-08-20: the year restarts (to 2026-08-20); a fault on 2026-07-01 → free repair',
    topics: ['goods', 'exchange_restart'],
    input: goods('冰箱', {
      invoiceDate: '2025-02-01',
      exchangeDate: '2025-08-20',
      evaluationDate: '2026-07-01',
      currentFault: fault('2026-07-01', '温控器'),
    }),
    expect: {
      remedy: 'repair',
      free: true,
      periodStart: '2025-08-20',
      deadlines: { whole_unit_period: '2026-08-20' },
    },
  },
  {
    name: '[部分商品三包 第九条][第十四条] 3 days after the exchange: the 7 days ran from the sale (售出之日), only the 三包有效期 restarts → free repair',
    topics: ['goods', 'exchange_restart'],
    input: goods('冰箱', {
      invoiceDate: '2025-02-01',
      exchangeDate: '2025-08-20',
      evaluationDate: '2025-08-23',
      currentFault: fault('2025-08-23', '压缩机'),
    }),
    expect: { remedy: 'repair', free: true, lacks: ['return'] },
  },
  {
    name: '[部分商品三包 第八条][目录 液晶电视] a 30-day repair in year 1 extends the 3-year main-part period to 2026-07-01; the 显示屏 fails 06-20 → free repair of the part',
    topics: ['goods', 'main_part_period', 'extension'],
    input: goods('液晶电视', {
      invoiceDate: '2023-06-01',
      evaluationDate: '2026-06-20',
      repairs: [repair('2023-09-01', '2023-10-01', '电源板')],
      currentFault: fault('2026-06-20', '显示屏'),
    }),
    expect: {
      remedy: 'repair',
      free: true,
      has: ['free_repair:part'],
      deadlines: { main_part_period: '2026-07-01' },
    },
  },
  {
    name: '[部分商品三包 第四条][第九条] the seller wrote “15天包退” on the receipt: an air conditioner failing on day 12 → return',
    topics: ['goods', 'generous_terms'],
    input: goods(
      '空调',
      {
        invoiceDate: '2025-07-01',
        evaluationDate: '2025-07-13',
        currentFault: fault('2025-07-13', '压缩机', { description: '不制冷' }),
      },
      { terms: { returnWindowDays: 15 } },
    ),
    expect: { remedy: 'return', free: true, amountOwedCNY: 0 },
  },
  // ————————————————— Microcomputers: PC —————————————————
  {
    name: '[微型计算机三包 第十条][目录] 内存 fails on the last day of the 2-year main-part period (2026-05-20) → free repair of the part',
    topics: ['pc', 'main_part_period'],
    input: goods('笔记本电脑', {
      invoiceDate: '2024-05-20',
      evaluationDate: '2026-05-20',
      currentFault: fault('2026-05-20', '内存'),
    }),
    expect: {
      remedy: 'repair',
      free: true,
      has: ['free_repair:part'],
      deadlines: { main_part_period: '2026-05-20' },
    },
  },
  {
    name: '[微型计算机三包 第十条] the same on 2026-05-21 → none',
    topics: ['pc', 'main_part_period'],
    input: goods('笔记本电脑', {
      invoiceDate: '2024-05-20',
      evaluationDate: '2026-05-21',
      currentFault: fault('2026-05-21', '内存'),
    }),
    expect: { remedy: 'none', free: false },
  },
  {
    name: '[微型计算机三包 第十二条][第十条] day 16 → free repair, no exchange',
    topics: ['pc'],
    input: goods('台式电脑', {
      invoiceDate: '2025-07-01',
      evaluationDate: '2025-07-17',
      currentFault: fault('2025-07-17', '主板', { description: '死机' }),
    }),
    expect: { remedy: 'repair', free: true, lacks: ['exchange', 'return'] },
  },
  {
    name: '[微型计算机三包] repaired twice within the year and failing again → free exchange of the whole unit',
    topics: ['pc'],
    input: goods('笔记本电脑', {
      invoiceDate: '2025-01-06',
      evaluationDate: '2025-10-09',
      repairs: [
        repair('2025-04-01', '2025-04-04', '主板'),
        repair('2025-07-01', '2025-07-03', '主板'),
      ],
      currentFault: fault('2025-10-09', '主板', { description: '无法开机' }),
    }),
    expect: { remedy: 'exchange', free: true, has: ['exchange'] },
  },

  // ————————————————— Mobile phones: PHONE —————————————————
  {
    name: '[移动电话三包 第十一条] sold 11-03, 无法开机 on day 7 → return at the invoice price',
    topics: ['phone'],
    input: goods('手机', {
      invoiceDate: '2025-11-03',
      evaluationDate: '2025-11-10',
      currentFault: fault('2025-11-10', '主机', { description: '无法开机' }),
    }),
    expect: { remedy: 'return', free: true, amountOwedCNY: 0 },
  },
  {
    name: '[移动电话三包 第十二条] day 15 (第8日至第15日) → exchange, no return',
    topics: ['phone'],
    input: goods('手机', {
      invoiceDate: '2025-11-03',
      evaluationDate: '2025-11-18',
      currentFault: fault('2025-11-18', '主机', { description: '屏幕无显示' }),
    }),
    expect: {
      remedy: 'exchange',
      free: true,
      lacks: ['return'],
      deadlines: { exchange_window: '2025-11-18' },
    },
  },
  {
    name: '[移动电话三包 第十三条] host repaired twice, no sound again → free host exchange (no return: the seller has the model)',
    topics: ['phone'],
    input: goods('手机', {
      invoiceDate: '2025-02-10',
      evaluationDate: '2025-09-01',
      repairs: [
        repair('2025-04-01', '2025-04-03', '主板'),
        repair('2025-06-02', '2025-06-04', '听筒'),
      ],
      currentFault: fault('2025-09-01', '主机', { description: '无声响' }),
    }),
    expect: { remedy: 'exchange', free: true, lacks: ['return'] },
  },
  {
    name: '[移动电话三包 附录1][民法典 第二百零三条] the battery’s 6 months end on Sunday 07-20 → Monday 07-21; it fails then → free battery exchange',
    topics: ['phone', 'accessory_period', 'holiday'],
    input: goods('手机', {
      invoiceDate: '2025-01-20',
      evaluationDate: '2025-07-21',
      currentFault: fault('2025-07-21', '电池', { description: '充电后仍无法正常使用' }),
    }),
    expect: {
      remedy: 'exchange',
      free: true,
      has: ['exchange:accessory'],
      deadlines: { accessory_battery: '2025-07-21' },
    },
  },
  {
    name: '[移动电话三包 附录1] wired headset (有线耳机, 3 months to 04-21) fails 04-25 → none',
    topics: ['phone', 'accessory_period'],
    input: goods('手机', {
      invoiceDate: '2025-01-20',
      evaluationDate: '2025-04-25',
      currentFault: fault('2025-04-25', '有线耳机', { description: '不能正常送受话' }),
    }),
    expect: { remedy: 'none', free: false, deadlines: { accessory_headset: '2025-04-21' } },
  },
  {
    name: '[移动电话三包 第十四条] the charger (充电器) exchanged twice fails again in month 9 → free return of the charger',
    topics: ['phone', 'accessory_period'],
    input: goods('手机', {
      invoiceDate: '2025-01-20',
      evaluationDate: '2025-10-20',
      repairs: [
        repair('2025-04-01', '2025-04-01', '充电器', { partsReplaced: ['充电器'] }),
        repair('2025-07-01', '2025-07-01', '充电器', { partsReplaced: ['充电器'] }),
      ],
      currentFault: fault('2025-10-20', '充电器', { description: '无法充电' }),
    }),
    expect: { remedy: 'return', free: true, has: ['return:accessory'] },
  },
  {
    name: '[移动电话三包 第十六条] exactly 60 days waiting for the producer’s parts (超过60日 excludes 60) → free repair, no exchange yet',
    topics: ['phone', 'in_shop'],
    input: goods('手机', {
      invoiceDate: '2025-02-10',
      evaluationDate: '2025-07-31',
      repairs: [repair('2025-06-01', null, '主板', { waitingForPartsFromProducer: true })],
      currentFault: null,
    }),
    expect: { remedy: 'repair', free: true, lacks: ['exchange'] },
  },
  {
    name: '[移动电话三包 三包有效期][民法典 第二百零三条] a 15-day repair pushes the host year to 2026-02-16, in Spring Festival → 02-24; a fault then → free repair',
    topics: ['phone', 'extension', 'holiday'],
    input: goods('手机', {
      invoiceDate: '2025-02-01',
      evaluationDate: '2026-02-24',
      repairs: [repair('2025-06-01', '2025-06-16', '主板')],
      currentFault: fault('2026-02-24', '主机', { description: '自动关机' }),
    }),
    expect: { remedy: 'repair', free: true, deadlines: { whole_unit_period: '2026-02-24' } },
  },
  // ————————————————— 消法 Art. 24 goods —————————————————
  {
    name: '[消法 第二十四条] water purifier ordered 05-30, received 06-03: quality failure on day 7 from receipt (06-10) → return',
    topics: ['cpl'],
    input: goods('净水器', {
      invoiceDate: '2025-05-30',
      deliveryDate: '2025-06-03',
      evaluationDate: '2025-06-10',
      currentFault: fault('2025-06-10', '滤芯', { description: '出水TDS超标' }),
    }),
    expect: { remedy: 'return', free: true, deadlines: { return_window: '2025-06-10' } },
  },
  {
    name: '[消法 第二十四条][民法典 第二百零三条] electric water heater received 2026-04-27: day 7 (05-04) is in May Day → return until 05-06',
    topics: ['cpl', 'holiday'],
    input: goods('电热水器', {
      invoiceDate: '2026-04-27',
      deliveryDate: '2026-04-27',
      evaluationDate: '2026-05-06',
      currentFault: fault('2026-05-06', '加热管', { description: '不加热' }),
    }),
    expect: { remedy: 'return', free: true, deadlines: { return_window: '2026-05-06' } },
  },
  {
    name: '[消法 第二十四条][民法典 第二百零三条] received 2025-09-21: day 7 is Sunday 09-28, a make-up working day, so the window ends then; 09-29 → no return',
    topics: ['cpl', 'holiday'],
    input: goods('净水机', {
      invoiceDate: '2025-09-21',
      deliveryDate: '2025-09-21',
      evaluationDate: '2025-09-29',
      currentFault: fault('2025-09-29', '增压泵'),
    }),
    expect: {
      remedy: 'exchange',
      free: true,
      lacks: ['return'],
      deadlines: { return_window: '2025-09-28' },
    },
  },
  {
    name: '[消法 第二十四条 按照约定] the maker promised 3 years on the heater and 8 years on its 内胆: the 内胆 leaks in month 50 → free repair of the part',
    topics: ['cpl', 'generous_terms', 'main_part_period'],
    input: goods(
      '电热水器',
      {
        invoiceDate: '2022-03-01',
        deliveryDate: '2022-03-01',
        evaluationDate: '2026-05-11',
        currentFault: fault('2026-05-11', '内胆', { description: '内胆漏水' }),
      },
      { terms: { wholeUnitMonths: 36, mainPartMonths: 96 }, mainParts: ['内胆'] },
    ),
    expect: { remedy: 'repair', free: true, has: ['free_repair:part'] },
  },
];

interface DecisionLike {
  remedy: string;
  free: boolean;
  amountOwedCNY: number | null;
  periodStart: string | null;
  remedies: Array<{ kind: string; scope: string }>;
  counters: Array<{ key: string; count: number }>;
  deadlines: Array<{ key: string; end: string }>;
  notes: Array<{ clause: string; explanation: { zh: string; en: string } }>;
}

/** Where a decision differs from the expectation (empty when it agrees). */
export function disagreements(d: DecisionLike, x: SecondReaderExpect): string[] {
  const out: string[] = [];
  const eq = (what: string, got: unknown, want: unknown) => {
    if (want !== undefined && got !== want)
      out.push(`${what}: engine ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
  };
  eq('remedy', d.remedy, x.remedy);
  eq('free', d.free, x.free);
  eq('amountOwedCNY', d.amountOwedCNY, x.amountOwedCNY);
  eq('periodStart', d.periodStart, x.periodStart);
  const kinds = new Set(d.remedies.flatMap((r) => [r.kind, `${r.kind}:${r.scope}`]));
  for (const k of x.has ?? []) if (!kinds.has(k)) out.push(`remedies lack ${k}`);
  for (const k of x.lacks ?? []) if (kinds.has(k)) out.push(`remedies include ${k}`);
  for (const [k, n] of Object.entries(x.counters ?? {}))
    eq(`counter ${k}`, d.counters.find((c) => c.key === k)?.count, n);
  for (const [k, end] of Object.entries(x.deadlines ?? {}))
    eq(`deadline ${k}`, d.deadlines.find((c) => c.key === k)?.end, end);
  for (const n of x.notes ?? []) {
    const hit = d.notes.filter((m) => m.clause.includes(n.clause));
    if (!hit.length) out.push(`no note ${n.clause}`);
    for (const s of n.includes ?? [])
      if (!hit.some((m) => m.explanation.zh.includes(s) && m.explanation.en.includes(s)))
        out.push(`note ${n.clause} lacks ${s}`);
  }
  for (const c of x.noNotes ?? [])
    if (d.notes.some((m) => m.clause.includes(c))) out.push(`unexpected note ${c}`);
  return out;
}
