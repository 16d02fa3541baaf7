/**
 * 三包 cases written from the primary texts as an outsider would send them (issue 20): Chinese
 * part names, `null` for what is absent, failures in words, dates on holidays. Each expectation
 * cites its clause; outside-cases.test.ts runs every case through the CLI and the HTTP API.
 * Texts: CAR21 (SAMR Order 43) [P]; P95 (1995) and its catalogue [R]; PHONE (2001) and PC (2002)
 * [R]/[S]; 消法 Art. 24 and 民法典 Arts. 201–203 [P] (docs/sanbao-rules.md).
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
  | 'vocabulary';

export interface Expect {
  remedy?: 'return' | 'exchange' | 'repair' | 'none';
  free?: boolean;
  amountOwedCNY?: number | null;
  /** Remedy kinds that must be offered, as `kind` or `kind:scope`. */
  has?: string[];
  lacks?: string[];
  /** Offers outside 三包 (paid repair) that must be listed. */
  offers?: string[];
  counters?: Record<string, number>;
  deadlines?: Record<string, string>;
  /** Clauses that must appear among the notes. */
  notes?: string[];
  /** Warning codes that must appear. */
  warnings?: string[];
  exclusion?: string;
  periodStart?: string | null;
}

export interface OutsideCase {
  name: string;
  topics: Topic[];
  input: { category: string; policy?: unknown; facts: Record<string, unknown> };
  expect: Expect;
}

const carFacts = {
  invoiceDate: '2025-03-03',
  priceCNY: 200_000,
  usageCompensationCoefficient: 0.005,
  hasInvoice: true,
  hasWarrantyCertificate: true,
};
const car = (facts: Record<string, unknown>, policy?: unknown) => ({
  category: 'household_car',
  ...(policy === undefined ? {} : { policy }),
  facts: { ...carFacts, ...facts },
});
const goods = (category: string, facts: Record<string, unknown>, policy?: unknown) => ({
  category,
  ...(policy === undefined ? {} : { policy }),
  facts: { invoiceDate: '2025-03-03', priceCNY: 3_000, hasInvoice: true, ...facts },
});
const fault = (date: string, component: string, extra: Record<string, unknown> = {}) => ({
  date,
  faultCode: '',
  component,
  description: `${component}故障`,
  cause: 'quality',
  ...extra,
});
const rep = (
  date: string,
  returnedDate: string | null,
  component: string,
  extra: Record<string, unknown> = {},
) => ({ date, returnedDate, faultCode: '', component, cause: 'quality', ...extra });
/** Five one-day repairs of the same problem P0700, a week apart from 2025-04-07. */
const fiveP0700 = Array.from({ length: 5 }, (_, i) => {
  const d = new Date(Date.UTC(2025, 3, 7 + i * 7)).toISOString().slice(0, 10);
  return rep(`${d}T09:00:00+08:00`, `${d}T17:00:00+08:00`, '变速器', { faultCode: 'P0700' });
});

export const OUTSIDE_CASES: OutsideCase[] = [
  // ——— Household cars (CAR21) ———
  {
    name: '[汽车三包 第二十二条] day 7: the 变速器 must be replaced → free return or exchange',
    topics: ['car', 'vocabulary'],
    input: car({
      evaluationDate: '2025-03-10',
      mileageKm: 300,
      currentFault: fault('2025-03-10', '变速器', { requiresReplacement: true }),
    }),
    expect: { remedy: 'return', free: true, amountOwedCNY: 0, has: ['return', 'exchange'] },
  },
  {
    name: '[汽车三包 第二十二条][第二十条] day 8: no return; a main part (齿轮) of the 变速箱 → free transmission swap',
    topics: ['car', 'vocabulary'],
    input: car({
      evaluationDate: '2025-03-11',
      mileageKm: 400,
      currentFault: fault('2025-03-11', '变速箱', { mainPart: '齿轮', requiresReplacement: true }),
    }),
    expect: { remedy: 'repair', free: true, has: ['assembly_swap'], lacks: ['return'] },
  },
  {
    name: '[汽车三包 第二十三条] 刹车失灵 on day 30 at 1,500 km → free return',
    topics: ['car', 'vocabulary'],
    input: car({
      evaluationDate: '2025-04-02',
      mileageKm: 1_500,
      currentFault: fault('2025-04-02', '制动系统', { failureType: '刹车失灵' }),
    }),
    expect: { remedy: 'return', free: true, amountOwedCNY: 0 },
  },
  {
    name: '[汽车三包 第二十三条] power battery fire (动力电池起火) on day 59 at 2,900 km → free return',
    topics: ['car', 'vocabulary'],
    input: car({
      evaluationDate: '2025-05-01',
      mileageKm: 2_900,
      currentFault: fault('2025-05-01', '动力电池', { failureType: '动力电池起火' }),
    }),
    expect: { remedy: 'return', free: true },
  },
  {
    name: '[汽车三包 第二十三条] fuel leak at 3,001 km is outside 3,000 km → free repair only',
    topics: ['car'],
    input: car({
      evaluationDate: '2025-03-25',
      mileageKm: 3_001,
      currentFault: fault('2025-03-25', '发动机', { failureType: '燃油泄漏' }),
    }),
    expect: { remedy: 'repair', free: true, lacks: ['return', 'exchange'] },
  },
  {
    name: '[汽车三包 第二十四条 第一款第二项] 发动机总成 replaced twice, the engine still fails → exchange or return with compensation',
    topics: ['car', 'vocabulary', 'compensation'],
    input: car({
      evaluationDate: '2025-12-01',
      mileageKm: 12_000,
      repairs: [
        rep('2025-05-10T09:00:00+08:00', '2025-05-14T09:00:00+08:00', '发动机', {
          faultCode: 'ENG-01',
          partsReplaced: ['发动机总成'],
          mileageKm: 5_000,
        }),
        rep('2025-09-01T09:00:00+08:00', '2025-09-05T09:00:00+08:00', '发动机', {
          faultCode: 'ENG-02',
          partsReplaced: [{ name: '发动机总成', number: 'E-778' }],
          mileageKm: 9_000,
        }),
      ],
      currentFault: fault('2025-12-01', '发动机', { description: '发动机抖动，无法正常行驶' }),
    }),
    expect: {
      remedy: 'return',
      free: false,
      amountOwedCNY: 12_000,
      counters: { assembly_replacements: 2 },
    },
  },
  {
    name: '[汽车三包 第二十四条 第一款第二项] 发动机总成 replaced once → free repair, counter 1 of 2',
    topics: ['car', 'vocabulary'],
    input: car({
      evaluationDate: '2025-12-01',
      mileageKm: 12_000,
      repairs: [
        rep('2025-05-10T09:00:00+08:00', '2025-05-14T09:00:00+08:00', '发动机', {
          faultCode: 'ENG-01',
          partsReplaced: ['发动机总成'],
        }),
      ],
      currentFault: fault('2025-12-01', '发动机'),
    }),
    expect: { remedy: 'repair', free: true, counters: { assembly_replacements: 1 } },
  },
  {
    name: '[汽车三包 第二十四条 第一款第三项] the same main part (转向机总成) replaced twice → exchange or return',
    topics: ['car', 'vocabulary', 'compensation'],
    input: car({
      evaluationDate: '2025-12-01',
      mileageKm: 15_000,
      repairs: [
        rep('2025-06-02T09:00:00+08:00', '2025-06-03T09:00:00+08:00', '转向系统', {
          faultCode: 'STR-1',
          partsReplaced: ['转向机总成'],
        }),
        rep('2025-09-02T09:00:00+08:00', '2025-09-03T09:00:00+08:00', '转向系统', {
          faultCode: 'STR-2',
          partsReplaced: ['方向机'],
        }),
      ],
      currentFault: fault('2025-12-01', '转向系统', { description: '转向沉重' }),
    }),
    expect: {
      remedy: 'return',
      free: false,
      amountOwedCNY: 15_000,
      counters: { same_main_part_replacements: 2 },
    },
  },
  {
    name: '[汽车三包 第二十四条 第一款第三项] two different main parts (转向拉杆, 转向节) → free repair',
    topics: ['car', 'vocabulary'],
    input: car({
      evaluationDate: '2025-12-01',
      mileageKm: 15_000,
      repairs: [
        rep('2025-06-02', '2025-06-03', '转向系统', { partsReplaced: ['转向拉杆'] }),
        rep('2025-09-02', '2025-09-03', '转向系统', { partsReplaced: ['转向节'] }),
      ],
      currentFault: fault('2025-12-01', '转向系统'),
    }),
    expect: { remedy: 'repair', free: true, counters: { same_main_part_replacements: 1 } },
  },
  {
    name: '[汽车三包 第二十四条 第一款第一项][第四十条] airbag failing to deploy (words, no flag) repaired twice and back → exchange or return',
    topics: ['car', 'vocabulary'],
    input: car({
      evaluationDate: '2025-10-01',
      mileageKm: 10_000,
      repairs: [
        rep('2025-05-06', '2025-05-07', '安全气囊', {
          faultCode: 'SRS-1',
          description: '安全气囊控制器故障，气囊无法弹出',
        }),
        rep('2025-07-08', '2025-07-09', '安全气囊', {
          faultCode: 'SRS-2',
          description: '碰撞测试时安全气囊未弹出',
        }),
      ],
      currentFault: fault('2025-10-01', '安全气囊', { description: '安全气囊仍不能弹出' }),
    }),
    expect: {
      remedy: 'return',
      free: false,
      amountOwedCNY: 10_000,
      counters: { serious_safety_repairs: 2 },
    },
  },
  {
    name: '[汽车三包 第二十四条 第一款第四项] the same problem repaired 5 times → exchange or return',
    topics: ['car', 'compensation'],
    input: car({ evaluationDate: '2025-06-20', mileageKm: 10_000, repairs: fiveP0700 }),
    expect: {
      remedy: 'return',
      free: false,
      amountOwedCNY: 10_000,
      counters: { same_problem_repairs: 5 },
    },
  },
  {
    name: '[汽车三包 第二十四条 第一款第四项][第四十条] 31 repair days with the car still in the shop (returnedDate null) → exchange or return',
    topics: ['car', 'in_shop', 'nulls', 'compensation'],
    input: car({
      evaluationDate: '2025-06-21T12:00:00+08:00',
      mileageKm: 8_000,
      repairs: [
        rep('2025-05-01T10:00:00+08:00', '2025-05-11T10:00:00+08:00', '车身', { faultCode: 'B1' }),
        rep('2025-06-01T10:00:00+08:00', null, '悬架系统', { faultCode: 'S1' }),
      ],
    }),
    expect: {
      remedy: 'return',
      free: false,
      amountOwedCNY: 8_000,
      counters: { cumulative_repair_days: 31 },
    },
  },
  {
    name: '[汽车三包 第二十四条 第三款] transport hours excluded: 30 counted days → free repair, not exchange',
    topics: ['car', 'in_shop'],
    input: car({
      evaluationDate: '2025-06-21T12:00:00+08:00',
      mileageKm: 8_000,
      repairs: [
        rep('2025-05-01T10:00:00+08:00', '2025-05-11T10:00:00+08:00', '车身', { faultCode: 'B1' }),
        rep('2025-06-01T10:00:00+08:00', null, '悬架系统', { faultCode: 'S1', excludedHours: 2 }),
      ],
    }),
    expect: { remedy: 'repair', free: true, counters: { cumulative_repair_days: 30 } },
  },
  {
    name: '[汽车三包 第十八条 第一款] 三包有效期 over by mileage (50,001 km): free repair only, however many repairs',
    topics: ['car'],
    input: car({
      evaluationDate: '2025-12-01',
      mileageKm: 50_001,
      repairs: fiveP0700,
      currentFault: fault('2025-12-01', '变速器', { faultCode: 'P0700' }),
    }),
    expect: { remedy: 'repair', free: true, lacks: ['return', 'exchange'] },
  },
  {
    name: '[汽车三包 第十八条][民法典 第二百零三条] 包修期 ends on the Dragon Boat holiday: a fault on 2025-06-03 is still free',
    topics: ['car', 'holiday'],
    input: car({
      invoiceDate: '2022-06-01',
      evaluationDate: '2025-06-03',
      mileageKm: 40_000,
      currentFault: fault('2025-06-03', '悬架系统'),
    }),
    expect: { remedy: 'repair', free: true, deadlines: { repair_period: '2025-06-03' } },
  },
  {
    name: '[汽车三包 第十八条][第十九条] 包修期 over: 三包 owes nothing, a paid repair is only an offer',
    topics: ['car'],
    input: car({
      invoiceDate: '2022-06-01',
      evaluationDate: '2025-06-04',
      mileageKm: 40_000,
      currentFault: fault('2025-06-04', '悬架系统'),
    }),
    expect: { remedy: 'none', free: false, offers: ['paid_repair'], lacks: ['free_repair'] },
  },
  {
    name: '[汽车三包 第三十二条 第二项] damage from missing maintenance (未按规定保养) → none',
    topics: ['car', 'vocabulary'],
    input: car({
      evaluationDate: '2025-08-01',
      mileageKm: 8_000,
      currentFault: fault('2025-08-01', '发动机', { cause: '未按规定保养' }),
    }),
    expect: { remedy: 'none', free: false, exclusion: 'consumer_no_maintenance' },
  },
  {
    name: '[汽车三包 第三十二条 第三项] the owner modified the suspension → none',
    topics: ['car'],
    input: car({
      evaluationDate: '2025-08-01',
      mileageKm: 8_000,
      currentFault: fault('2025-08-01', '悬架系统', { cause: 'consumer_modification' }),
    }),
    expect: { remedy: 'none', free: false, exclusion: 'consumer_modification' },
  },
  {
    name: '[汽车三包 第三十二条 第五项] flood damage (不可抗力) → none',
    topics: ['car'],
    input: car({
      evaluationDate: '2025-08-01',
      mileageKm: 8_000,
      currentFault: fault('2025-08-01', '发动机', { cause: '不可抗力' }),
    }),
    expect: { remedy: 'none', free: false, exclusion: 'force_majeure' },
  },
  {
    name: '[汽车三包 第十八条 第二款][第二十二条] delivered a week after the invoice: day 6 from delivery the engine needs replacing → free return',
    topics: ['car'],
    input: car({
      deliveryDate: '2025-03-10',
      evaluationDate: '2025-03-16',
      mileageKm: 500,
      currentFault: fault('2025-03-16', '发动机', { requiresReplacement: true }),
    }),
    expect: { remedy: 'return', free: true, periodStart: '2025-03-10' },
  },
  {
    name: '[汽车三包 第二十九条][第二十二条] after an exchange the 7 days restart: the transmission needs replacing 4 days later → free return',
    topics: ['car', 'exchange_restart'],
    input: car({
      exchangeDate: '2025-06-02',
      evaluationDate: '2025-06-06',
      mileageKm: 200,
      repairs: fiveP0700,
      currentFault: fault('2025-06-06', 'transmission', { requiresReplacement: true }),
    }),
    expect: {
      remedy: 'return',
      free: true,
      periodStart: '2025-06-02',
      counters: { same_problem_repairs: 0 },
    },
  },
  {
    name: '[汽车三包 第二十七条] 150,000 CNY × 8,000 km / 1000 × 0.3 % = 3,600 CNY',
    topics: ['car', 'compensation'],
    input: car({
      priceCNY: 150_000,
      usageCompensationCoefficient: 0.003,
      evaluationDate: '2025-06-20',
      mileageKm: 8_000,
      repairs: fiveP0700,
    }),
    expect: { remedy: 'return', free: false, amountOwedCNY: 3_600 },
  },
  {
    name: '[汽车三包 第二十七条] mileageKm null: the odometer at the fault is the mileage compensated',
    topics: ['car', 'compensation', 'nulls'],
    input: car({
      evaluationDate: '2025-06-20',
      mileageKm: null,
      repairs: fiveP0700,
      currentFault: fault('2025-06-20', '变速器', { faultCode: 'P0700', mileageKm: 6_000 }),
    }),
    expect: { remedy: 'return', free: false, amountOwedCNY: 6_000 },
  },
  {
    name: '[汽车三包 第二十一条] a single repair still open on day 7 → courtesy car from day 6, free repair',
    topics: ['car', 'in_shop', 'nulls'],
    input: car({
      evaluationDate: '2025-05-07T10:00:00+08:00',
      mileageKm: 4_000,
      repairs: [rep('2025-05-01T09:00:00+08:00', null, '发动机', { faultCode: 'E1' })],
    }),
    expect: { remedy: 'repair', free: true, notes: ['CAR21 Art. 21'] },
  },
  {
    name: '[汽车三包 第二十条] day 40 at 2,000 km the 曲轴 fails → free engine swap',
    topics: ['car', 'vocabulary'],
    input: car({
      evaluationDate: '2025-04-12',
      mileageKm: 2_000,
      currentFault: fault('2025-04-12', '发动机', { mainPart: '曲轴' }),
    }),
    expect: { remedy: 'repair', free: true, has: ['assembly_swap'] },
  },
  {
    name: '[汽车三包 第二十三条][民法典 第二百零三条] 60 days end in the National Day holiday: a brake failure on 2025-10-09 → free return',
    topics: ['car', 'holiday'],
    input: car({
      invoiceDate: '2025-08-02',
      evaluationDate: '2025-10-09',
      mileageKm: 2_000,
      currentFault: fault('2025-10-09', '制动系统', { failureType: '制动系统失效' }),
    }),
    expect: {
      remedy: 'return',
      free: true,
      deadlines: { safety_failure_60_days: '2025-10-09' },
    },
  },
  {
    name: '[汽车三包 第二十二条][第十九条 第二款] neither invoice nor 三包凭证: exchange and return need them, free repair only',
    topics: ['car'],
    input: car({
      hasInvoice: false,
      hasWarrantyCertificate: false,
      evaluationDate: '2025-03-08',
      mileageKm: 300,
      currentFault: fault('2025-03-08', '发动机', { requiresReplacement: true }),
    }),
    expect: {
      remedy: 'repair',
      free: true,
      lacks: ['return', 'exchange'],
      exclusion: 'no_invoice_no_certificate',
    },
  },
  {
    name: '[汽车三包 第二十二条] day 3, in the shop with its 变速箱总成 being replaced (returnedDate null) → free return or exchange',
    topics: ['car', 'in_shop', 'nulls', 'vocabulary'],
    input: car({
      evaluationDate: '2025-03-08',
      mileageKm: 150,
      repairs: [
        rep('2025-03-06T10:00:00+08:00', null, '变速箱', { partsReplaced: ['变速箱总成'] }),
      ],
    }),
    expect: { remedy: 'return', free: true, amountOwedCNY: 0 },
  },
  {
    name: '[汽车三包 第二十四条][null] currentFault null: status only → none, not a 400',
    topics: ['car', 'nulls'],
    input: car({ evaluationDate: '2025-05-01', mileageKm: 3_000, currentFault: null }),
    expect: { remedy: 'none', free: false },
  },
  {
    name: '[汽车三包 第十九条][null] null for every optional fact → decided',
    topics: ['car', 'nulls'],
    input: {
      category: 'household_car',
      policy: null,
      facts: {
        invoiceDate: '2025-03-03',
        deliveryDate: null,
        exchangeDate: null,
        installationCompletedDate: null,
        evaluationDate: '2025-04-01',
        mileageKm: null,
        priceCNY: null,
        usageCompensationCoefficient: null,
        hasInvoice: null,
        hasWarrantyCertificate: null,
        sellerHasSameModel: null,
        consumerAcceptsOtherModel: null,
        repairs: [
          {
            date: '2025-03-20',
            returnedDate: '2025-03-21',
            faultCode: null,
            description: null,
            component: '悬架系统',
            partsReplaced: null,
            isMainPart: null,
            isSeriousSafetyFault: null,
            cause: null,
            mileageKm: null,
            excludedHours: null,
            occupiedDays: null,
            waitingForPartsFromProducer: null,
            delayCause: null,
          },
        ],
        currentFault: {
          date: '2025-04-01',
          faultCode: null,
          description: null,
          component: '悬架系统',
          mainPart: null,
          isMainPart: null,
          requiresReplacement: null,
          isSeriousSafetyFault: null,
          failureType: null,
          cause: null,
          mileageKm: null,
        },
      },
    },
    expect: { remedy: 'repair', free: true },
  },
  {
    name: '[汽车三包 第二十四条 第一款第三项][第九条 第六项] a part only the 三包凭证 lists (三元催化器) replaced twice → exchange or return',
    topics: ['car', 'vocabulary'],
    input: car(
      {
        evaluationDate: '2025-11-03',
        mileageKm: 10_000,
        repairs: [
          rep('2025-06-02', '2025-06-03', '污染控制装置', { partsReplaced: ['三元催化器'] }),
          rep('2025-08-04', '2025-08-05', '污染控制装置', { partsReplaced: ['三元催化器'] }),
        ],
        currentFault: fault('2025-11-03', '污染控制装置'),
      },
      { mainParts: ['曲轴', '三元催化器', '转向机'] },
    ),
    expect: { remedy: 'return', free: false, amountOwedCNY: 10_000 },
  },
  {
    name: '[汽车三包 第四十一条] a part no table knows is a visible warning, never a silent "not a main part"',
    topics: ['car', 'vocabulary'],
    input: car({
      evaluationDate: '2025-06-02',
      mileageKm: 6_000,
      repairs: [rep('2025-05-06', '2025-05-07', '底盘', { partsReplaced: ['XJ-9000模块'] })],
    }),
    expect: { remedy: 'none', warnings: ['unknown_part'] },
  },
  // ——— Goods under P95 and its catalogue ———
  {
    name: '[部分商品三包 第九条] fridge, failure on day 7 → return at the invoice price',
    topics: ['goods'],
    input: goods('refrigerator', {
      evaluationDate: '2025-03-10',
      currentFault: fault('2025-03-10', '压缩机'),
    }),
    expect: { remedy: 'return', free: true },
  },
  {
    name: '[部分商品三包 第十条] washing machine, day 15 → free exchange, no return',
    topics: ['goods'],
    input: goods('washing_machine', {
      evaluationDate: '2025-03-18',
      currentFault: fault('2025-03-18', '电机'),
    }),
    expect: { remedy: 'exchange', free: true, lacks: ['return'] },
  },
  {
    name: '[部分商品三包 第十条][第十五条] day 16 → free repair',
    topics: ['goods'],
    input: goods('washing_machine', {
      evaluationDate: '2025-03-19',
      currentFault: fault('2025-03-19', '电机'),
    }),
    expect: { remedy: 'repair', free: true, lacks: ['exchange'] },
  },
  {
    name: '[部分商品三包 第十一条][第十三条] AC repaired twice, fails again → return with depreciation 3,000 × 0.1 % × 174 days',
    topics: ['goods', 'compensation'],
    input: goods('air_conditioner', {
      evaluationDate: '2025-09-01',
      repairs: [
        rep('2025-05-01', '2025-05-06', '压缩机'),
        rep('2025-07-01', '2025-07-04', '压缩机'),
      ],
      currentFault: fault('2025-09-01', '压缩机'),
    }),
    expect: { remedy: 'return', free: false, amountOwedCNY: 522, has: ['exchange'] },
  },
  {
    name: '[部分商品三包 第十一条][第十三条] same, the seller has no same model and other models are declined → free return',
    topics: ['goods'],
    input: goods('air_conditioner', {
      evaluationDate: '2025-09-01',
      sellerHasSameModel: false,
      consumerAcceptsOtherModel: false,
      repairs: [
        rep('2025-05-01', '2025-05-06', '压缩机'),
        rep('2025-07-01', '2025-07-04', '压缩机'),
      ],
      currentFault: fault('2025-09-01', '压缩机'),
    }),
    expect: { remedy: 'return', free: true },
  },
  {
    name: '[部分商品三包 第十二条] the producer’s parts missing, in the shop 91 days → free exchange',
    topics: ['goods', 'in_shop', 'extension'],
    input: goods('refrigerator', {
      evaluationDate: '2025-07-01',
      repairs: [rep('2025-04-01', null, '压缩机', { waitingForPartsFromProducer: true })],
    }),
    expect: { has: ['exchange'], counters: { parts_waiting_days: 91 } },
  },
  {
    name: '[部分商品三包 第十二条] exactly 90 days waiting (超过90日 excludes 90) → no exchange yet, free repair',
    topics: ['goods', 'in_shop'],
    input: goods('refrigerator', {
      evaluationDate: '2025-06-30',
      repairs: [rep('2025-04-01', null, '压缩机', { waitingForPartsFromProducer: true })],
    }),
    expect: { remedy: 'repair', free: true, lacks: ['exchange'] },
  },
  {
    name: '[部分商品三包 第八条] a 20-day repair extends the fridge’s year to 2026-03-23',
    topics: ['goods', 'extension'],
    input: goods('refrigerator', {
      evaluationDate: '2026-03-20',
      repairs: [rep('2025-06-01', '2025-06-21', '蒸发器')],
      currentFault: fault('2026-03-20', '门封条'),
    }),
    expect: {
      remedy: 'repair',
      free: true,
      deadlines: { whole_unit_period: '2026-03-23' },
    },
  },
  {
    name: '[部分商品三包 第八条][民法典 第二百零三条] a repair still open extends the period up to the evaluation date',
    topics: ['goods', 'extension', 'in_shop', 'nulls'],
    input: goods('refrigerator', {
      evaluationDate: '2026-03-10',
      repairs: [rep('2026-02-20', null, '冷凝器')],
    }),
    expect: { remedy: 'repair', free: true, deadlines: { whole_unit_period: '2026-03-23' } },
  },
  {
    name: '[部分商品三包 目录] AC 压缩机 in month 20 → main-part period (3 years): free repair of the part',
    topics: ['goods', 'main_part_period', 'vocabulary'],
    input: goods('air_conditioner', {
      evaluationDate: '2026-11-02',
      currentFault: fault('2026-11-02', '压缩机'),
    }),
    expect: { remedy: 'repair', free: true, has: ['free_repair:part'] },
  },
  {
    name: '[部分商品三包 第十一条][第八条 释义] the 压缩机 repaired twice within its main-part period, failing again in month 20 → exchange',
    topics: ['goods', 'main_part_period', 'vocabulary'],
    input: goods('air_conditioner', {
      evaluationDate: '2026-11-02',
      repairs: [
        rep('2026-05-04', '2026-05-06', '压缩机'),
        rep('2026-08-03', '2026-08-05', '空调压缩机'),
      ],
      currentFault: fault('2026-11-02', '压缩机'),
    }),
    expect: { has: ['exchange', 'free_repair:part'] },
  },
  {
    name: '[部分商品三包 目录] AC 遥控器 (not a main part) in month 20 → none',
    topics: ['goods', 'main_part_period', 'vocabulary'],
    input: goods('air_conditioner', {
      evaluationDate: '2026-11-02',
      currentFault: fault('2026-11-02', '遥控器'),
    }),
    expect: { remedy: 'none', free: false, offers: ['paid_repair'] },
  },
  {
    name: '[部分商品三包 目录] LCD TV 背光灯条 in month 30 → main part (3 years): free repair',
    topics: ['goods', 'main_part_period', 'vocabulary'],
    input: goods('tv', {
      evaluationDate: '2027-09-01',
      currentFault: fault('2027-09-01', '背光灯条'),
    }),
    expect: { remedy: 'repair', free: true, has: ['free_repair:part'] },
  },
  {
    name: '[部分商品三包 目录] LCD TV 主板 in month 18 → not a catalogue main part: none',
    topics: ['goods', 'main_part_period', 'vocabulary'],
    input: goods('tv', {
      evaluationDate: '2026-09-01',
      currentFault: fault('2026-09-01', '主板'),
    }),
    expect: { remedy: 'none', free: false },
  },
  {
    name: '[部分商品三包 第九条][2011年第20号公告] TV installed a week after the sale: day 9 from the sale is past the 7-day return',
    topics: ['goods'],
    input: goods('tv', {
      installationCompletedDate: '2025-03-10',
      evaluationDate: '2025-03-12',
      currentFault: fault('2025-03-12', '显示屏'),
    }),
    expect: { remedy: 'exchange', free: true, periodStart: '2025-03-10' },
  },
  {
    name: '[2011年第20号公告] the TV’s whole-unit year runs from installation',
    topics: ['goods'],
    input: goods('tv', {
      installationCompletedDate: '2025-03-10',
      evaluationDate: '2026-03-09',
      currentFault: fault('2026-03-09', '电源板'),
    }),
    expect: { remedy: 'repair', free: true, deadlines: { whole_unit_period: '2026-03-10' } },
  },
  {
    name: '[部分商品三包 第十四条] exchanged on 2025-06-03: the period restarts, earlier repairs no longer count',
    topics: ['goods', 'exchange_restart'],
    input: goods('air_conditioner', {
      exchangeDate: '2025-06-03',
      evaluationDate: '2026-05-20',
      repairs: [
        rep('2025-04-01', '2025-04-03', '压缩机'),
        rep('2025-05-06', '2025-05-08', '压缩机'),
      ],
      currentFault: fault('2026-05-20', '风扇电机'),
    }),
    expect: {
      remedy: 'repair',
      free: true,
      periodStart: '2025-06-03',
      counters: { repairs_toward_exchange: 0 },
      deadlines: { whole_unit_period: '2026-06-03' },
    },
  },
  {
    name: '[部分商品三包 不实行三包 第二项] dismantled by a shop that is not the 三包 repairer (私自拆机) → none',
    topics: ['goods', 'vocabulary'],
    input: goods('washing_machine', {
      evaluationDate: '2025-06-02',
      currentFault: fault('2025-06-02', '电机', { cause: '私自拆机' }),
    }),
    expect: { remedy: 'none', free: false, exclusion: 'unauthorized_disassembly' },
  },
  {
    name: '[部分商品三包 不实行三包 第三项][null] invoiceDate null, no invoice and no 三包凭证 → none, not a 400',
    topics: ['goods', 'nulls'],
    input: {
      category: 'refrigerator',
      facts: {
        invoiceDate: null,
        hasInvoice: false,
        hasWarrantyCertificate: false,
        evaluationDate: '2025-06-02',
        currentFault: fault('2025-06-02', '压缩机'),
      },
    },
    expect: { remedy: 'none', free: false, exclusion: 'no_invoice_no_certificate' },
  },
  {
    name: '[部分商品三包 第八条 释义][null] invoice lost (null) but the 三包凭证 and the delivery date prove the sale → free repair',
    topics: ['goods', 'nulls'],
    input: {
      category: 'refrigerator',
      facts: {
        invoiceDate: null,
        deliveryDate: '2025-03-03',
        hasInvoice: false,
        hasWarrantyCertificate: true,
        evaluationDate: '2025-10-01',
        currentFault: fault('2025-10-01', '压缩机'),
      },
    },
    expect: { remedy: 'repair', free: true },
  },
  // ——— Mobile phones (PHONE) ———
  {
    name: '[移动电话三包 第十一条] day 7: 无法开机 → return',
    topics: ['phone'],
    input: goods('mobile_phone', {
      evaluationDate: '2025-03-10',
      currentFault: fault('2025-03-10', '手机', { description: '无法开机' }),
    }),
    expect: { remedy: 'return', free: true },
  },
  {
    name: '[移动电话三包 第十二条] day 8 → exchange',
    topics: ['phone'],
    input: goods('mobile_phone', {
      evaluationDate: '2025-03-11',
      currentFault: fault('2025-03-11', '主机'),
    }),
    expect: { remedy: 'exchange', free: true, lacks: ['return'] },
  },
  {
    name: '[移动电话三包 第十三条] host repaired twice (主板, 屏幕), fails again → free host exchange',
    topics: ['phone', 'vocabulary'],
    input: goods('mobile_phone', {
      evaluationDate: '2025-06-03',
      repairs: [rep('2025-04-01', '2025-04-03', '主板'), rep('2025-05-06', '2025-05-08', '屏幕')],
      currentFault: fault('2025-06-03', '屏幕'),
    }),
    expect: { remedy: 'exchange', free: true },
  },
  {
    name: '[移动电话三包 第十三条][第十八条] same, no same model and other models declined → free return',
    topics: ['phone'],
    input: goods('mobile_phone', {
      evaluationDate: '2025-06-03',
      sellerHasSameModel: false,
      consumerAcceptsOtherModel: false,
      repairs: [rep('2025-04-01', '2025-04-03', '主板'), rep('2025-05-06', '2025-05-08', '屏幕')],
      currentFault: fault('2025-06-03', '屏幕'),
    }),
    expect: { remedy: 'return', free: true },
  },
  {
    name: '[移动电话三包 第十四条][附录1] 电池 in month 5 → free exchange of the battery',
    topics: ['phone', 'accessory_period', 'vocabulary'],
    input: goods('mobile_phone', {
      evaluationDate: '2025-08-01',
      currentFault: fault('2025-08-01', '电池'),
    }),
    expect: { remedy: 'exchange', free: true, has: ['exchange:accessory'] },
  },
  {
    name: '[移动电话三包 附录1] 电池 in month 7 (6-month period) → none',
    topics: ['phone', 'accessory_period'],
    input: goods('mobile_phone', {
      evaluationDate: '2025-09-04',
      currentFault: fault('2025-09-04', '电池'),
    }),
    expect: { remedy: 'none', free: false, deadlines: { accessory_battery: '2025-09-03' } },
  },
  {
    name: '[移动电话三包 附录1] 有线耳机 in month 4 (3-month period) → none',
    topics: ['phone', 'accessory_period', 'vocabulary'],
    input: goods('mobile_phone', {
      evaluationDate: '2025-07-01',
      currentFault: fault('2025-07-01', '有线耳机'),
    }),
    expect: { remedy: 'none', free: false },
  },
  {
    name: '[移动电话三包 附录1] 充电器 in month 11 (1-year period) → free exchange of the charger',
    topics: ['phone', 'accessory_period', 'vocabulary'],
    input: goods('mobile_phone', {
      evaluationDate: '2026-02-02',
      currentFault: fault('2026-02-02', '充电器'),
    }),
    expect: { remedy: 'exchange', free: true, has: ['exchange:accessory'] },
  },
  {
    name: '[移动电话三包 第十四条] the battery exchanged twice fails again → free return of the battery',
    topics: ['phone', 'accessory_period'],
    input: goods('mobile_phone', {
      evaluationDate: '2025-08-01',
      repairs: [rep('2025-04-01', '2025-04-01', '电池'), rep('2025-05-06', '2025-05-06', '电池')],
      currentFault: fault('2025-08-01', '电池'),
    }),
    expect: { remedy: 'return', free: true, has: ['return:accessory'] },
  },
  {
    name: '[移动电话三包 第十五条] host in the shop 8 days (returnedDate null) → loaner phone, free repair',
    topics: ['phone', 'in_shop', 'nulls'],
    input: goods('mobile_phone', {
      evaluationDate: '2025-05-09',
      repairs: [rep('2025-05-01', null, '主板')],
    }),
    expect: { remedy: 'repair', free: true, notes: ['PHONE Art. 15'] },
  },
  {
    name: '[移动电话三包 第十六条] the producer’s parts missing 61 days, still in the shop → free host exchange',
    topics: ['phone', 'in_shop', 'extension'],
    input: goods('mobile_phone', {
      evaluationDate: '2025-06-01',
      repairs: [rep('2025-04-01', null, '屏幕', { waitingForPartsFromProducer: true })],
    }),
    expect: { remedy: 'exchange', free: true },
  },
  {
    name: '[移动电话三包 附录3] water damage (进水) → none',
    topics: ['phone', 'vocabulary'],
    input: goods('mobile_phone', {
      evaluationDate: '2025-06-01',
      currentFault: fault('2025-06-01', '主板', { cause: '进水' }),
    }),
    expect: { remedy: 'none', free: false, exclusion: 'consumer_misuse' },
  },
  // ——— Microcomputers (PC) ———
  {
    name: '[微型计算机三包 第十一条] day 7 → return',
    topics: ['pc'],
    input: goods('microcomputer', {
      priceCNY: 6_000,
      evaluationDate: '2025-03-10',
      currentFault: fault('2025-03-10', '主板'),
    }),
    expect: { remedy: 'return', free: true },
  },
  {
    name: '[微型计算机三包 第十二条] day 15 → exchange',
    topics: ['pc'],
    input: goods('microcomputer', {
      evaluationDate: '2025-03-18',
      currentFault: fault('2025-03-18', '硬盘'),
    }),
    expect: { remedy: 'exchange', free: true, lacks: ['return'] },
  },
  {
    name: '[微型计算机三包 第十条] 主板 in month 18 → main-part period (2 years): free repair of the part',
    topics: ['pc', 'main_part_period', 'vocabulary'],
    input: goods('microcomputer', {
      evaluationDate: '2026-09-01',
      currentFault: fault('2026-09-01', '主板'),
    }),
    expect: { remedy: 'repair', free: true, has: ['free_repair:part'] },
  },
  {
    name: '[微型计算机三包 第十条] 硬盘 in month 25 → main-part period over: none',
    topics: ['pc', 'main_part_period'],
    input: goods('microcomputer', {
      evaluationDate: '2027-04-05',
      currentFault: fault('2027-04-05', '硬盘'),
    }),
    expect: { remedy: 'none', free: false },
  },
  {
    name: '[微型计算机三包 第十条] 鼠标 (not a main part) in month 13 → none',
    topics: ['pc', 'main_part_period', 'vocabulary'],
    input: goods('microcomputer', {
      evaluationDate: '2026-04-10',
      currentFault: fault('2026-04-10', '鼠标'),
    }),
    expect: { remedy: 'none', free: false },
  },
  {
    name: '[微型计算机三包 第九条] invoice and certificate lost: exchange or repair, no return',
    topics: ['pc'],
    input: goods('microcomputer', {
      hasInvoice: false,
      hasWarrantyCertificate: false,
      evaluationDate: '2025-03-08',
      currentFault: fault('2025-03-08', '主板'),
    }),
    expect: { remedy: 'exchange', free: true, lacks: ['return'] },
  },
  // ——— 消法 Art. 24 goods ———
  {
    name: '[消法 第二十四条] water purifier, quality failure on day 7 after receipt → return',
    topics: ['cpl'],
    input: goods('water_purifier', {
      deliveryDate: '2025-03-05',
      evaluationDate: '2025-03-12',
      currentFault: fault('2025-03-12', '滤芯'),
    }),
    expect: { remedy: 'return', free: true },
  },
  {
    name: '[消法 第二十四条] day 8 after receipt → exchange or repair, no return',
    topics: ['cpl'],
    input: goods('water_purifier', {
      deliveryDate: '2025-03-05',
      evaluationDate: '2025-03-13',
      currentFault: fault('2025-03-13', '滤芯'),
    }),
    expect: { remedy: 'exchange', lacks: ['return'] },
  },
  {
    name: '[消法 第二十四条 按照约定] the seller promised a 15-day return: day 12 → return',
    topics: ['cpl'],
    input: goods(
      'water_purifier',
      {
        deliveryDate: '2025-03-05',
        evaluationDate: '2025-03-17',
        currentFault: fault('2025-03-17', '水泵'),
      },
      { terms: { returnWindowDays: 15 } },
    ),
    expect: { remedy: 'return', free: true },
  },
  {
    name: '[消法 第二十四条 按照约定] electric water heater, promised 3-year warranty: month 20 → free repair',
    topics: ['cpl'],
    input: goods(
      'water_heater_electric',
      {
        deliveryDate: '2025-03-05',
        evaluationDate: '2026-11-02',
        currentFault: fault('2026-11-02', '加热管'),
      },
      { terms: { wholeUnitMonths: 36 } },
    ),
    expect: { remedy: 'repair', free: true },
  },
  {
    name: '[消法 第二十四条 按照约定] same heater in month 38, after the promised 3 years → none',
    topics: ['cpl'],
    input: goods(
      'water_heater_electric',
      {
        deliveryDate: '2025-03-05',
        evaluationDate: '2028-05-02',
        currentFault: fault('2028-05-02', '加热管'),
      },
      { terms: { wholeUnitMonths: 36 } },
    ),
    expect: { remedy: 'none', free: false },
  },
  {
    name: '[消法 第二十四条] damage from misuse (使用不当) is not a quality failure → none',
    topics: ['cpl'],
    input: goods('water_purifier', {
      deliveryDate: '2025-03-05',
      evaluationDate: '2025-03-08',
      currentFault: fault('2025-03-08', '滤芯', { cause: '使用不当' }),
    }),
    expect: { remedy: 'none', free: false },
  },
  {
    name: '[消法 第二十四条][民法典 第二百零三条] 7 days from receipt end in the National Day holiday: day 13 is still inside',
    topics: ['cpl', 'holiday'],
    input: goods('water_heater_electric', {
      invoiceDate: '2025-09-26',
      deliveryDate: '2025-09-26',
      evaluationDate: '2025-10-09',
      currentFault: fault('2025-10-09', '温控器'),
    }),
    expect: { remedy: 'return', free: true, deadlines: { return_window: '2025-10-09' } },
  },
  // ——— Windows ending on rest days (民法典 Art. 203) ———
  {
    name: '[部分商品三包 第十条][民法典 第二百零三条] 15 days end in the Spring Festival: exchange on 2026-02-24',
    topics: ['goods', 'holiday'],
    input: goods('washing_machine', {
      invoiceDate: '2026-02-05',
      evaluationDate: '2026-02-24',
      currentFault: fault('2026-02-24', '电机'),
    }),
    expect: { remedy: 'exchange', deadlines: { exchange_window: '2026-02-24' } },
  },
  {
    name: '[部分商品三包 第九条][民法典 第二百零三条] a Saturday last day moves to Monday',
    topics: ['goods', 'holiday'],
    input: goods('refrigerator', {
      invoiceDate: '2025-03-01',
      evaluationDate: '2025-03-10',
      currentFault: fault('2025-03-10', '压缩机'),
    }),
    expect: { remedy: 'return', deadlines: { return_window: '2025-03-10' } },
  },
  {
    name: '[部分商品三包 第九条][民法典 第二百零三条] a make-up working Saturday (2026-02-28) is a working day: the window ends on it',
    topics: ['goods', 'holiday'],
    input: goods('refrigerator', {
      invoiceDate: '2026-02-21',
      evaluationDate: '2026-03-01',
      currentFault: fault('2026-03-01', '压缩机'),
    }),
    expect: { remedy: 'exchange', deadlines: { return_window: '2026-02-28' } },
  },
  {
    name: '[部分商品三包 目录][民法典 第二百零三条] a year ending on National Day runs to 2026-10-08',
    topics: ['goods', 'holiday'],
    input: goods('air_conditioner', {
      invoiceDate: '2025-10-01',
      evaluationDate: '2026-10-08',
      currentFault: fault('2026-10-08', '遥控器'),
    }),
    expect: { remedy: 'repair', free: true, deadlines: { whole_unit_period: '2026-10-08' } },
  },
];

interface DecisionLike {
  remedy: string;
  free: boolean;
  amountOwedCNY: number | null;
  periodStart: string | null;
  remedies: Array<{ kind: string; scope: string }>;
  offers?: Array<{ kind: string }>;
  counters: Array<{ key: string; count: number }>;
  deadlines: Array<{ key: string; end: string }>;
  notes: Array<{ clause: string }>;
  exclusions: Array<{ reason: string }>;
  warnings: Array<{ code: string } | string>;
}

/** Every way a decision misses its expectation (empty when it meets it). */
export function mismatches(d: DecisionLike, x: Expect): string[] {
  const out: string[] = [];
  const eq = (what: string, got: unknown, want: unknown) => {
    if (want !== undefined && got !== want)
      out.push(`${what}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
  };
  eq('remedy', d.remedy, x.remedy);
  eq('free', d.free, x.free);
  eq('amountOwedCNY', d.amountOwedCNY, x.amountOwedCNY);
  eq('periodStart', d.periodStart, x.periodStart);
  const kinds = new Set(d.remedies.flatMap((r) => [r.kind, `${r.kind}:${r.scope}`]));
  for (const k of x.has ?? []) if (!kinds.has(k)) out.push(`remedies lack ${k}`);
  for (const k of x.lacks ?? []) if (kinds.has(k)) out.push(`remedies include ${k}`);
  for (const k of x.offers ?? [])
    if (!(d.offers ?? []).some((o) => o.kind === k)) out.push(`offers lack ${k}`);
  for (const [k, n] of Object.entries(x.counters ?? {}))
    eq(`counter ${k}`, d.counters.find((c) => c.key === k)?.count, n);
  for (const [k, end] of Object.entries(x.deadlines ?? {}))
    eq(`deadline ${k}`, d.deadlines.find((c) => c.key === k)?.end, end);
  for (const c of x.notes ?? [])
    if (!d.notes.some((n) => n.clause.includes(c))) out.push(`no note ${c}`);
  const codes = d.warnings.map((w) => (typeof w === 'string' ? w : w.code));
  for (const c of x.warnings ?? []) if (!codes.includes(c)) out.push(`no warning ${c}`);
  if (x.exclusion && !d.exclusions.some((e) => e.reason === x.exclusion))
    out.push(`no exclusion ${x.exclusion}`);
  return out;
}
