import { term, type Policy, type SourceTag, type Term } from '../policy-schema.ts';

/**
 * National baselines under 《部分商品修理更换退货责任规定》 (国经贸〔1995〕458号, "P95") and its
 * catalogue 《实施三包的部分商品目录》 (docs/sanbao-rules.md §2). The articles are [R]; catalogue rows
 * are [R] for TVs only — fridge, washer, AC and gas-heater rows are [S], range hoods NOT FOUND.
 */
interface CatalogueRow {
  category: string;
  title: string;
  wholeUnit: Term;
  mainPart: Term;
  mainParts: { names: string[]; source: SourceTag; note?: string };
  depreciation: Term;
  startRule?: Policy['startRule'];
}

const R = 'R' as const;

/** The P95 articles shared by every catalogue product. */
export function p95Policy(row: CatalogueRow, effectiveFrom = '1995-08-25'): Policy {
  return {
    id: `cn-p95-${row.category}`,
    version: effectiveFrom,
    regime: 'P95',
    category: row.category,
    title: `部分商品修理更换退货责任规定 (1995) — ${row.title}`,
    issuer: 'national',
    effectiveFrom,
    startRule: row.startRule ?? {
      kind: 'invoice',
      clause: 'P95 Art. 8',
      source: R,
      uncertain: false,
    },
    terms: {
      wholeUnitMonths: row.wholeUnit,
      mainPartMonths: row.mainPart,
      returnWindowDays: term(7, 'days', 'P95 Art. 9', R),
      exchangeWindowDays: term(15, 'days', 'P95 Art. 10', R),
      repairCountLimit: term(
        2,
        'count',
        'P95 Art. 11',
        R,
        'repaired twice and still not usable normally → exchange or return',
      ),
      partsWaitingLimitDays: term(
        90,
        'days',
        'P95 Art. 12',
        R,
        '"超过90日": producer did not supply parts',
      ),
      repairerDelayLimitDays: term(
        30,
        'days',
        'P95 Art. 12',
        R,
        '"超过30日" for the repairer’s own reasons',
      ),
      depreciationPerDay: row.depreciation,
    },
    mainParts: {
      names: row.mainParts.names,
      clause: 'P95 catalogue',
      source: row.mainParts.source,
      uncertain: row.mainParts.source !== 'R' && row.mainParts.source !== 'P',
      ...(row.mainParts.note ? { note: row.mainParts.note } : {}),
    },
    accessories: [],
    extendsByRepairDays: {
      value: true,
      clause: 'P95 Art. 8',
      source: R,
      uncertain: false,
      note: 'minus repair and parts-waiting time',
    },
    restartAfterExchange: { value: true, clause: 'P95 Art. 14', source: R, uncertain: false },
    repairCountBasis: 'any_quality_repair',
    missingDocuments: {
      effect: 'no_sanbao',
      clause: 'P95 exclusions (3) (article number not verified, probably Art. 17)',
      source: 'S',
      uncertain: true,
      note: 'no 三包凭证 and no valid invoice → no 三包, paid repair only; the 释义 to Art. 8 keeps 三包 when the owner can otherwise prove coverage',
    },
    returnInsteadOfExchange: {
      effect: 'with_depreciation',
      clause: 'P95 Art. 13',
      source: R,
      uncertain: false,
      note: 'no same model and other models declined → return without depreciation; same model available → return with depreciation',
    },
    exclusions: {
      consumer_misuse: {
        clause: 'P95 exclusions (1)',
        source: 'S',
        uncertain: true,
        note: 'article number not verified',
      },
      consumer_no_maintenance: {
        clause: 'P95 exclusions (1)',
        source: 'S',
        uncertain: true,
        note: 'article number not verified',
      },
      consumer_modification: {
        clause: 'P95 exclusions (1)/(2)',
        source: 'S',
        uncertain: true,
        note: 'modification read as improper use; article number not verified',
      },
      unauthorized_disassembly: {
        clause: 'P95 exclusions (2)',
        source: 'S',
        uncertain: true,
        note: 'article number not verified',
      },
      force_majeure: {
        clause: 'P95 exclusions (5)',
        source: 'S',
        uncertain: true,
        note: 'article number not verified',
      },
    },
  };
}

const catalogue = (months: number, source: SourceTag, note?: string) =>
  term(months, 'months', 'P95 catalogue', source, note);
const rate = (r: number, source: SourceTag, note?: string) =>
  term(r, 'rate_per_day', 'P95 Art. 13; catalogue', source, note);
const RATE_GUESS =
  'daily depreciation rate NOT FOUND for this product; 0.1 %/day is the LCD-TV catalogue rate — configure from the official catalogue';

/** LCD/plasma TVs: 质检总局2011年第20号公告, effective 2011-03-01 [R]. */
export const P95_TV = p95Policy(
  {
    category: 'tv',
    title: '液晶电视机',
    wholeUnit: catalogue(12, R),
    mainPart: catalogue(36, R),
    mainParts: { names: ['display_panel', 'backlight', 'logic_board', 'tuner'], source: R },
    depreciation: rate(0.001, R),
    startRule: {
      kind: 'installation_or_invoice',
      clause: '质检总局2011年第20号公告',
      source: R,
      uncertain: false,
      note: 'from the end of agreed delivery/installation/commissioning, else the invoice date',
    },
  },
  '2011-03-01',
);

export const P95_AIR_CONDITIONER = p95Policy({
  category: 'air_conditioner',
  title: '家用空调器',
  wholeUnit: catalogue(12, 'S', 'catalogue row NOT FOUND in a primary table; 1 year per [S]'),
  mainPart: catalogue(36, 'S', 'catalogue row NOT FOUND in a primary table; 3 years per [S]'),
  mainParts: { names: ['compressor', 'fan_motor', 'thermostat'], source: 'S' },
  depreciation: rate(0.001, 'S', '0.1 %/day per [S]'),
});

export const P95_REFRIGERATOR = p95Policy({
  category: 'refrigerator',
  title: '家用电冰箱',
  wholeUnit: catalogue(12, 'S', 'catalogue row NOT FOUND in a primary table; 1 year per [S]'),
  mainPart: catalogue(36, 'S', 'catalogue row NOT FOUND in a primary table; 3 years per [S]'),
  mainParts: {
    names: ['compressor', 'refrigeration_system', 'evaporator', 'condenser'],
    source: 'S',
  },
  depreciation: rate(0.001, 'NOT_FOUND', RATE_GUESS),
});

export const P95_WASHING_MACHINE = p95Policy({
  category: 'washing_machine',
  title: '洗衣机',
  wholeUnit: catalogue(12, 'S', 'catalogue row NOT FOUND in a primary table; 1 year per [S]'),
  mainPart: catalogue(36, 'S', 'catalogue row NOT FOUND in a primary table; 3 years per [S]'),
  mainParts: { names: ['motor', 'control_board'], source: 'S' },
  depreciation: rate(0.001, 'NOT_FOUND', RATE_GUESS),
});

export const P95_WATER_HEATER_GAS = p95Policy({
  category: 'water_heater_gas',
  title: '燃气热水器',
  wholeUnit: catalogue(12, 'S', '1 year per a consumer association quoted in news [S]'),
  mainPart: catalogue(12, 'S', 'main parts also 1 year per the same [S] source'),
  mainParts: {
    names: ['heat_exchanger', 'gas_valve', 'controller', 'fan'],
    source: 'NOT_FOUND',
    note: 'main-part list NOT FOUND; names are placeholders to configure',
  },
  depreciation: rate(0.001, 'NOT_FOUND', RATE_GUESS),
});

export const P95_RANGE_HOOD = p95Policy({
  category: 'range_hood',
  title: '吸排油烟机',
  wholeUnit: catalogue(
    12,
    'NOT_FOUND',
    'catalogue row NOT FOUND (nothing reliable); 12 months is the shortest period of any P95 product — configure',
  ),
  mainPart: catalogue(
    12,
    'NOT_FOUND',
    'main-part period NOT FOUND; set equal to the whole-unit period — configure',
  ),
  mainParts: { names: ['motor'], source: 'NOT_FOUND', note: 'main-part list NOT FOUND' },
  depreciation: rate(0.001, 'NOT_FOUND', RATE_GUESS),
});
