import { lang, onLangChange } from './common.ts';

/**
 * The words of the maker's page (maker.html, issue 25): technicians and their certificates,
 * product models and genuine parts, and the maker's own 三包 policies, in Chinese and English.
 * Kept apart from i18n.ts like the admin and case pages' words; the same language switch drives
 * all of them.
 */
const en = {
  makerTitle: 'Maker’s registry',
  makerLink: 'Manufacturers: technicians, models, parts and policies',
  makerLinkHint:
    'Certified technicians, product models with their main parts, genuine parts, and your own 三包 policies.',
  navMaker: 'Registry',
  makerNeedsMaker:
    'This page is for a maker’s staff: sign in as manufacturer staff, or use a token of your maker.',
  makerNotConfined:
    'This account or token is not tied to one maker; ask an admin for manufacturer staff with their maker.',
  makerIs: 'Maker: {maker}. Everything you add here is saved as this maker’s.',
  outletsElsewhere: 'Authorized outlets, with their periods, official phones and price lists',
  edit: 'Edit',
  editThis: 'Edit {id}',
  // Technicians
  techsTitle: 'Technicians and certificates',
  techsLead:
    'Technicians certified for your outlets, and whether each certificate is valid today. Repair orders check the technician against it.',
  certificate: 'Certificate number',
  techName: 'Name',
  outlet: 'Outlet',
  validFrom: 'Valid from',
  validTo: 'Valid until (optional)',
  validUntil: 'Valid until',
  validNow: 'Valid today',
  yes: 'yes',
  no: 'no',
  noTechs: 'No technician yet.',
  noOutletsFirst: 'Add an outlet first (on the fleet page): a technician is certified for one.',
  addTech: 'Add or update the technician',
  techSaved: 'Technician {id} saved.',
  // Models and parts
  modelsTitle: 'Product models and main parts',
  modelsLead:
    'Your models with the parts your 三包凭证 lists as main parts; a repair of one counts as a main-part repair.',
  category: 'Category',
  model: 'Model',
  mainParts: 'Main parts',
  mainPartsHint: 'One a line, e.g. compressor.',
  noModels: 'No model yet.',
  addModel: 'Add or update the model',
  modelSaved: 'Model {id} saved.',
  partsTitle: 'Genuine parts',
  partsLead:
    'Part numbers you supply or approve, and the serials you issued: owners and repair orders check a part against them.',
  partNumber: 'Part number',
  partName: 'Name',
  component: 'Component (optional)',
  componentShort: 'Component',
  serials: 'Serials issued (optional)',
  serialsHint: 'One a line. Saving again adds serials; none is ever removed.',
  serialCount: 'Serials',
  noParts: 'No genuine part yet.',
  addPart: 'Add or update the part',
  partSaved: 'Part {id} saved.',
  // Policies
  policiesTitle: 'Your 三包 policies',
  policiesLead:
    'Each model’s versions; a unit follows the version in force on the day its period starts. A version is never changed: save a new one. The service refuses a version weaker than the national rules.',
  version: 'Version',
  effectiveFrom: 'Effective from',
  effectiveTo: 'Until',
  inForce: 'In force today',
  inForceYes: 'in force',
  policyTitle: 'Published terms (title)',
  noPolicies: 'No policy saved yet.',
  newPolicy: 'Save a new version',
  termsLegend: 'Terms (leave empty: the national rules)',
  clauseOf: 'Clause of your terms for “{term}” (optional)',
  policySaved: 'Version {version} of {model} saved.',
  savePolicy: 'Save the version',
  policyWeaker: 'Refused: this version gives owners less than the national 三包 rules.',
  policyRetroactive:
    'Refused: back-dated, this version would take from units already sold under {displaced}.',
  policyConflict: 'Refused: {why}',
  weakerYours: 'yours: {v}',
  weakerMinimum: 'national rules: {v}',
  weakerDisplaced: 'the version it displaces: {v}',
  weakerClause: 'clause: {c}',
  weakerAgainst: '({id})',
  notSet: 'not set',
  // Field names, as the service's error details name them
  f_category: 'Category',
  f_startRule: 'Start of the period',
  f_mainParts: 'Main parts',
  f_extendsByRepairDays: 'Extension by repair days',
  f_restartAfterExchange: 'New period after an exchange',
  f_repairCountBasis: 'How repairs are counted',
  f_missingDocuments: 'Effect of missing documents',
  f_returnInsteadOfExchange: 'Return instead of exchange',
  f_accessories: 'Accessory period: {x}',
  f_exclusions: 'Exclusion: {x}',
  term_wholeUnitMonths: 'Whole-unit period (months)',
  term_wholeUnitKm: 'Whole-unit period (km)',
  term_repairMonths: 'Repair period (months)',
  term_repairKm: 'Repair period (km)',
  term_mainPartMonths: 'Main-part period (months)',
  term_returnWindowDays: 'Return window (days)',
  term_exchangeWindowDays: 'Exchange window (days)',
  term_assemblySwapDays: 'Assembly swap window (days)',
  term_assemblySwapKm: 'Assembly swap window (km)',
  term_safetyWindowDays: 'Safety window (days)',
  term_safetyWindowKm: 'Safety window (km)',
  term_seriousSafetyRepairLimit: 'Serious safety repairs before a remedy',
  term_assemblyReplacementLimit: 'Assembly replacements before a remedy',
  term_mainPartReplacementLimit: 'Main-part replacements before a remedy',
  term_sameProblemRepairLimit: 'Repairs of the same problem before a remedy',
  term_cumulativeRepairDaysLimit: 'Cumulative repair days before a remedy',
  term_courtesyCarAfterDays: 'Days before a courtesy car',
  term_usageCoefficientMax: 'Highest usage coefficient',
  term_sellerAnswerWorkingDays: 'Seller’s answer (working days)',
  term_exchangeCompletionWorkingDays: 'Exchange completed within (working days)',
  term_repairCountLimit: 'Repairs before an exchange',
  term_partsWaitingLimitDays: 'Longest wait for parts (days)',
  term_repairerDelayLimitDays: 'Longest repair delay (days)',
  term_loanerAfterDays: 'Days before a loaner',
  term_accessoryExchangeLimit: 'Accessory exchanges',
  term_depreciationPerDay: 'Depreciation per day',
};

export type MKey = keyof typeof en;

const zh: Record<MKey, string> = {
  makerTitle: '生产者备案',
  makerLink: '生产者：技术人员、型号、配件与三包政策',
  makerLinkHint: '持证技术人员、产品型号及其主要部件、原厂配件，以及贵方的三包政策。',
  navMaker: '备案',
  makerNeedsMaker: '本页供生产者员工使用：请以生产者员工身份登录，或使用贵方的生产者令牌。',
  makerNotConfined: '此账号或令牌未绑定生产者；请管理员为您创建带生产者的员工账号。',
  makerIs: '生产者：{maker}。在此添加的内容均记在该生产者名下。',
  outletsElsewhere: '授权网点（授权期限、官方电话与价目表）',
  edit: '修改',
  editThis: '修改 {id}',
  techsTitle: '技术人员与资格证书',
  techsLead: '贵方网点的持证技术人员，以及证书今日是否有效。维修单据会据此核对技术人员。',
  certificate: '证书编号',
  techName: '姓名',
  outlet: '网点',
  validFrom: '有效期起',
  validTo: '有效期至（可选）',
  validUntil: '有效期至',
  validNow: '今日有效',
  yes: '是',
  no: '否',
  noTechs: '尚无技术人员。',
  noOutletsFirst: '请先（在车队页面）添加网点：技术人员须隶属某一网点。',
  addTech: '添加或更新技术人员',
  techSaved: '已保存技术人员 {id}。',
  modelsTitle: '产品型号与主要部件',
  modelsLead: '贵方型号及三包凭证列明的主要部件；修理这些部件计为主要部件修理。',
  category: '品类',
  model: '型号',
  mainParts: '主要部件',
  mainPartsHint: '每行一个，例如 compressor。',
  noModels: '尚无型号。',
  addModel: '添加或更新型号',
  modelSaved: '已保存型号 {id}。',
  partsTitle: '原厂配件',
  partsLead: '贵方供应或认可的配件编号及所发序列号：车主与维修单据据此核对配件。',
  partNumber: '配件编号',
  partName: '名称',
  component: '所属部件（可选）',
  componentShort: '所属部件',
  serials: '已发序列号（可选）',
  serialsHint: '每行一个。再次保存只增不减。',
  serialCount: '序列号数',
  noParts: '尚无原厂配件。',
  addPart: '添加或更新配件',
  partSaved: '已保存配件 {id}。',
  policiesTitle: '贵方的三包政策',
  policiesLead:
    '各型号的政策版本；产品按其三包期起算日有效的版本处理。版本一经保存不可修改，请另存新版本。低于国家三包规定的版本将被拒绝。',
  version: '版本',
  effectiveFrom: '生效日',
  effectiveTo: '截止',
  inForce: '今日有效',
  inForceYes: '现行',
  policyTitle: '公布的承诺（标题）',
  noPolicies: '尚未保存政策。',
  newPolicy: '保存新版本',
  termsLegend: '条款（留空即按国家规定）',
  clauseOf: '“{term}”对应贵方条款（可选）',
  policySaved: '已保存 {model} 的版本 {version}。',
  savePolicy: '保存版本',
  policyWeaker: '已拒绝：此版本给予消费者的权益低于国家三包规定。',
  policyRetroactive: '已拒绝：此版本追溯生效，会减少按 {displaced} 已售产品的权益。',
  policyConflict: '已拒绝：{why}',
  weakerYours: '贵方：{v}',
  weakerMinimum: '国家规定：{v}',
  weakerDisplaced: '被取代的版本：{v}',
  weakerClause: '条款：{c}',
  weakerAgainst: '（{id}）',
  notSet: '未设定',
  f_category: '品类',
  f_startRule: '三包期起算',
  f_mainParts: '主要部件',
  f_extendsByRepairDays: '按修理天数顺延',
  f_restartAfterExchange: '换货后重新计算三包期',
  f_repairCountBasis: '修理次数的计算方式',
  f_missingDocuments: '缺少凭证的后果',
  f_returnInsteadOfExchange: '以退货代替换货',
  f_accessories: '附件三包期：{x}',
  f_exclusions: '免责情形：{x}',
  term_wholeUnitMonths: '整机三包有效期（月）',
  term_wholeUnitKm: '整车三包有效期（公里）',
  term_repairMonths: '包修期（月）',
  term_repairKm: '包修期（公里）',
  term_mainPartMonths: '主要部件三包有效期（月）',
  term_returnWindowDays: '退货期（天）',
  term_exchangeWindowDays: '换货期（天）',
  term_assemblySwapDays: '总成更换期（天）',
  term_assemblySwapKm: '总成更换期（公里）',
  term_safetyWindowDays: '安全性能故障期（天）',
  term_safetyWindowKm: '安全性能故障期（公里）',
  term_seriousSafetyRepairLimit: '严重安全性能故障修理次数上限',
  term_assemblyReplacementLimit: '总成更换次数上限',
  term_mainPartReplacementLimit: '主要零件更换次数上限',
  term_sameProblemRepairLimit: '同一质量问题修理次数上限',
  term_cumulativeRepairDaysLimit: '累计修理天数上限',
  term_courtesyCarAfterDays: '提供备用车前的天数',
  term_usageCoefficientMax: '使用补偿系数上限',
  term_sellerAnswerWorkingDays: '销售者答复时限（工作日）',
  term_exchangeCompletionWorkingDays: '完成换车时限（工作日）',
  term_repairCountLimit: '换货前的修理次数',
  term_partsWaitingLimitDays: '等待配件最长天数',
  term_repairerDelayLimitDays: '修理延误最长天数',
  term_loanerAfterDays: '提供备用机前的天数',
  term_accessoryExchangeLimit: '附件更换次数',
  term_depreciationPerDay: '每日折旧率',
};

export const makerDictionaries: Record<'zh' | 'en', Record<MKey, string>> = { en, zh };

/** A maker-page text in the page's current language, `{name}` filled from `vars`. */
export function tm(key: MKey, vars: Record<string, string | number> = {}): string {
  return makerDictionaries[lang()][key].replace(/\{(\w+)\}/g, (m, k: string) =>
    k in vars ? String(vars[k]) : m,
  );
}

/**
 * The name of a policy field as the service's error details give its path (`terms.mainPartMonths`,
 * `mainParts`, `accessories.…`), in the page's language; the path itself when unknown.
 */
export function fieldName(path: string): string {
  const p = path.replace(/^policy\./, '');
  const [head = '', ...rest] = p.split('.');
  const tail = rest.join('.');
  const d = makerDictionaries[lang()] as Record<string, string>;
  if (head === 'terms' && d[`term_${tail}`]) return d[`term_${tail}`]!;
  if ((head === 'accessories' || head === 'exclusions') && tail)
    return tm(head === 'accessories' ? 'f_accessories' : 'f_exclusions', { x: tail });
  return d[`f_${head}`] ?? p;
}

/** Fills `data-tm` elements, now and after each language change. */
export function wireMakerTexts(): void {
  onLangChange(() => {
    for (const el of document.querySelectorAll<HTMLElement>('[data-tm]'))
      el.textContent = tm(el.dataset.tm as MKey);
  });
}
