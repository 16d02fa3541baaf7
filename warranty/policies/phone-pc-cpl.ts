import { term, type Policy } from '../policy-schema.ts';

/**
 * Baselines for mobile phones (PHONE, 2001), microcomputers (PC, 2002) and the consumer-protection
 * -law default (消法 Art. 24) for products with no national 三包 catalogue (electric water heaters,
 * water purifiers). docs/sanbao-rules.md §3, §4, §5.
 */
const R = 'R' as const;
const S = 'S' as const;

export const PHONE: Policy = {
  id: 'cn-phone-mobile_phone',
  version: '2001-11-15',
  regime: 'PHONE',
  category: 'mobile_phone',
  title: '移动电话机商品修理更换退货责任规定 (2001)',
  issuer: 'national',
  // The reference gives only the year 2001; 2001-11-15 is the commonly cited effective date (unverified).
  effectiveFrom: '2001-11-15',
  startRule: {
    kind: 'invoice',
    clause: 'PHONE 三包有效期 (from the invoice date)',
    source: S,
    uncertain: true,
    note: 'article number NOT FOUND',
  },
  terms: {
    wholeUnitMonths: term(12, 'months', 'PHONE 附录1 (host)', S),
    returnWindowDays: term(7, 'days', 'PHONE Art. 11', R),
    exchangeWindowDays: term(15, 'days', 'PHONE Art. 12', R, '"第8日至第15日"'),
    repairCountLimit: term(
      2,
      'count',
      'PHONE Art. 13',
      R,
      'host failure still present after two repairs → free host exchange',
    ),
    accessoryExchangeLimit: term(
      2,
      'count',
      'PHONE Art. 14',
      R,
      'accessory still failing after 2 exchanges → free return',
    ),
    loanerAfterDays: term(7, 'days', 'PHONE Art. 15', R),
    partsWaitingLimitDays: term(
      60,
      'days',
      'PHONE Art. 16',
      R,
      '"超过60日": producer did not supply parts',
    ),
  },
  mainParts: {
    names: ['host'],
    clause: 'PHONE Art. 11–13',
    source: R,
    uncertain: false,
    note: 'phones have host and accessories, no separate main-part period',
  },
  accessories: [
    { name: 'battery', months: term(6, 'months', 'PHONE 附录1', S) },
    {
      name: 'charger',
      months: term(
        12,
        'months',
        'PHONE 附录1',
        S,
        'unconfirmed: 1 year per most [S] pages, 6 months per an older page',
      ),
    },
    { name: 'sim_card', months: term(12, 'months', 'PHONE 附录1 (移动终端卡)', S) },
    { name: 'headset', months: term(3, 'months', 'PHONE 附录1 (wired headset)', S) },
    { name: 'data_card', months: term(12, 'months', 'PHONE 附录1 (数据接口卡)', S) },
  ],
  extendsByRepairDays: {
    value: true,
    clause: 'PHONE 三包有效期',
    source: S,
    uncertain: true,
    note: 'period minus repair and parts-waiting time [S]',
  },
  restartAfterExchange: {
    value: true,
    clause: 'P95 Art. 14 (by analogy)',
    source: 'NOT_FOUND',
    uncertain: true,
    note: 'PHONE article NOT FOUND',
  },
  repairCountBasis: 'any_quality_repair',
  missingDocuments: {
    effect: 'repair_only',
    clause: 'PHONE (IMEI factory date + 90 days)',
    source: S,
    uncertain: true,
    note: 'without invoice and certificate, free repair only, counted from day 90 after the IMEI factory date [S]',
  },
  returnInsteadOfExchange: {
    effect: 'only_if_no_same_model',
    clause: 'PHONE Art. 18',
    source: R,
    uncertain: false,
  },
  exclusions: {
    consumer_misuse: {
      clause: 'PHONE 附录3 (customer-caused failures excluded)',
      source: S,
      uncertain: true,
      note: 'exclusion article NOT FOUND',
    },
    consumer_no_maintenance: {
      clause: 'PHONE 附录3',
      source: S,
      uncertain: true,
      note: 'exclusion article NOT FOUND',
    },
    consumer_modification: {
      clause: 'PHONE 附录3',
      source: S,
      uncertain: true,
      note: 'exclusion article NOT FOUND',
    },
    unauthorized_disassembly: {
      clause: 'PHONE 附录3',
      source: S,
      uncertain: true,
      note: 'exclusion article NOT FOUND',
    },
    force_majeure: {
      clause: 'PHONE (exclusion article NOT FOUND)',
      source: 'NOT_FOUND',
      uncertain: true,
    },
  },
};

export const PC: Policy = {
  id: 'cn-pc-microcomputer',
  version: '2002-09-01',
  regime: 'PC',
  category: 'microcomputer',
  title: '微型计算机商品修理更换退货责任规定 (2002)',
  issuer: 'national',
  effectiveFrom: '2002-09-01',
  startRule: { kind: 'invoice', clause: 'PC Art. 9', source: S, uncertain: true },
  terms: {
    wholeUnitMonths: term(12, 'months', 'PC catalogue (整机)', S),
    mainPartMonths: term(24, 'months', 'PC catalogue (主要部件)', S),
    returnWindowDays: term(
      7,
      'days',
      'PC Art. 11',
      R,
      '"自售出之日起7日内" (text reproduced on third-party pages; issue 20)',
    ),
    exchangeWindowDays: term(
      15,
      'days',
      'PC Art. 12',
      R,
      '"自售出之日起第8日至第15日内" (text reproduced on third-party pages; issue 20)',
    ),
    repairCountLimit: term(
      2,
      'count',
      'PC 1-year rule',
      S,
      'two repairs and still failing → exchange; article number NOT FOUND',
    ),
  },
  mainParts: {
    names: ['motherboard', 'cpu', 'memory', 'display', 'hard_disk', 'keyboard', 'power_adapter'],
    clause: 'PC Art. 10; catalogue',
    source: S,
    uncertain: true,
    note: 'notebook reading of the catalogue [S]',
  },
  accessories: [],
  extendsByRepairDays: {
    value: true,
    clause: 'P95 Art. 8 (by analogy)',
    source: 'NOT_FOUND',
    uncertain: true,
    note: 'PC text NOT FOUND',
  },
  restartAfterExchange: {
    value: true,
    clause: 'P95 Art. 14 (by analogy)',
    source: 'NOT_FOUND',
    uncertain: true,
    note: 'PC text NOT FOUND',
  },
  repairCountBasis: 'any_quality_repair',
  missingDocuments: {
    effect: 'no_return',
    clause: 'PC Art. 9',
    source: S,
    uncertain: true,
    note: 'repair and exchange still owed when coverage can be proved',
  },
  returnInsteadOfExchange: {
    effect: 'only_if_no_same_model',
    clause: 'P95 Art. 13 / PHONE Art. 18 (by analogy)',
    source: 'NOT_FOUND',
    uncertain: true,
  },
  exclusions: {
    consumer_misuse: {
      clause: 'PC exclusions',
      source: S,
      uncertain: true,
      note: 'exclusion text NOT FOUND; [S] lists 10 exclusions',
    },
    consumer_no_maintenance: {
      clause: 'PC exclusions',
      source: S,
      uncertain: true,
      note: 'exclusion text NOT FOUND',
    },
    consumer_modification: {
      clause: 'PC exclusions',
      source: S,
      uncertain: true,
      note: 'exclusion text NOT FOUND',
    },
    unauthorized_disassembly: {
      clause: 'PC exclusions',
      source: S,
      uncertain: true,
      note: 'exclusion text NOT FOUND',
    },
    force_majeure: {
      clause: 'PC exclusions',
      source: S,
      uncertain: true,
      note: 'exclusion text NOT FOUND',
    },
  },
};

/** 消费者权益保护法 (2013 amendment, effective 2014-03-15) Art. 24: no national rule, no agreement. */
export function cplPolicy(category: string, title: string): Policy {
  const P = 'P' as const;
  const notQuality = {
    clause: '消法 Art. 24',
    source: P,
    uncertain: false,
    note: 'the right covers goods that fail quality requirements only',
  };
  return {
    id: `cn-cpl-${category}`,
    version: '2014-03-15',
    regime: 'CPL',
    category,
    title: `消费者权益保护法 Art. 24 (no national 三包 catalogue) — ${title}`,
    issuer: 'national',
    effectiveFrom: '2014-03-15',
    startRule: {
      kind: 'delivery',
      clause: '消法 Art. 24',
      source: P,
      uncertain: false,
      note: '"自收到商品之日起七日内"',
    },
    terms: { returnWindowDays: term(7, 'days', '消法 Art. 24', P) },
    mainParts: {
      names: [],
      clause: '消法 Art. 24',
      source: P,
      uncertain: false,
      note: 'no statutory main-part list; use the maker’s promise',
    },
    accessories: [],
    extendsByRepairDays: {
      value: false,
      clause: '消法 Art. 24',
      source: P,
      uncertain: true,
      note: 'no statutory period to extend',
    },
    restartAfterExchange: {
      value: false,
      clause: '消法 Art. 24',
      source: P,
      uncertain: true,
      note: 'no statutory period to restart',
    },
    repairCountBasis: 'any_quality_repair',
    missingDocuments: { effect: 'none', clause: '消法 Art. 24', source: P, uncertain: false },
    returnInsteadOfExchange: {
      effect: 'no',
      clause: '消法 Art. 24',
      source: P,
      uncertain: false,
      note: 'after 7 days, return only where the statutory conditions for ending the contract are met',
    },
    exclusions: {
      consumer_misuse: notQuality,
      consumer_no_maintenance: notQuality,
      consumer_modification: notQuality,
      unauthorized_disassembly: notQuality,
      force_majeure: notQuality,
    },
  };
}

export const CPL_WATER_HEATER_ELECTRIC = cplPolicy('water_heater_electric', '电热水器');
export const CPL_WATER_PURIFIER = cplPolicy('water_purifier', '净水机');
