import { lang, onLangChange } from './common.ts';

/**
 * The words of the fleet page's analytics and reports (issue 25): reliability, warranty exposure
 * and the regulators' ledgers, in Chinese and English. Kept apart like the other pages' words;
 * the same language switch drives all of them.
 */
const en = {
  analyticsTitle: 'Reliability, exposure and reports',
  analyticsLead:
    "One component's failure rate, MTBF and Weibull fit per production batch, supplier or model, with the groups that stand out as recall candidates; the exchanges and returns it may cost ahead; and the regulators' ledgers to download.",
  analyticsNeedMaker:
    'Sign in as manufacturer staff (or use a manufacturer token) to see analytics.',
  productCategory: 'Product category',
  component: 'Component',
  componentHint: 'As repair records name it, e.g. compressor.',
  modelOptional: 'Model (optional)',
  groupBy: 'Split by',
  by_batch: 'Production batch',
  by_supplier: 'Component supplier',
  by_model: 'Model',
  analyse: 'Analyse',
  analysing: 'Analysing…',
  overall: 'All units: {units} units, {failed} with a failure, {repairs} repairs.',
  colGroup: 'Group',
  colUnits: 'Units',
  colFailed: 'Failed units',
  colRate: 'Repairs per unit-year',
  colMtbf: 'MTBF (days)',
  colShape: 'Weibull shape β',
  colScale: 'Weibull scale η (days)',
  colB10: 'B10 life (days)',
  colFlag: 'Recall candidate',
  noGroups: 'No unit of this category has this component on record.',
  recallTitle: 'Recall candidates',
  noRecall: 'No group stands out at a false-discovery rate of {alpha}.',
  recallWhy:
    '{id}: {failed} units failed where {expected} were expected (rate ratio {ratio}, adjusted p = {p}).',
  fit_no_failures: 'no failure yet',
  fit_single_failure: 'one failure: too few to fit',
  fit_identical_failure_times: 'failures all at one age: cannot fit',
  fit_no_convergence: 'the fit did not converge',
  exposureTitle: 'Warranty exposure',
  exposureLead:
    'Units whose exchange or return window is open today: {atRisk} of {evaluated} checked.',
  colHorizon: 'Next',
  colExpected: 'Expected failures giving an exchange or a return',
  colInterval: '95 % interval',
  days: '{n} days',
  colSerial: 'Serial',
  colRemedy: 'Remedy',
  colWindowEnds: 'Window ends',
  colAge: 'Age (days)',
  colProbability: 'Probability of failing',
  remedy_exchange: 'exchange',
  remedy_return: 'return',
  remedy_repair: 'repair',
  exposureNoFit: 'No forecast: {why}.',
  reportsTitle: 'Reports for the regulator',
  reportsLead:
    'The ledgers (一台账两清单) and the quarterly report for a quarter, as CSV or as an Excel workbook.',
  report: 'Report',
  report_outlets: 'Outlets ledger',
  report_problems: 'Problems list',
  report_rectifications: 'Rectifications list',
  report_quarterly: 'Quarterly report',
  report_ledgers: 'All three ledgers (one workbook)',
  quarter: 'Quarter',
  quarterHint: 'e.g. 2026Q3',
  format: 'Format',
  download: 'Download',
  preparing: 'Preparing the file…',
  downloadedFile: 'Downloaded {file}.',
} as const;

export type NKey = keyof typeof en;

const zh: Record<NKey, string> = {
  analyticsTitle: '可靠性、三包风险与报表',
  analyticsLead:
    '按生产批次、零部件供应商或型号统计某一部件的故障率、平均故障间隔（MTBF）和威布尔拟合，并标出需考虑召回的分组；预测今后可能产生的换货和退货；下载报送监管部门的台账。',
  analyticsNeedMaker: '请以生产者员工身份登录（或使用生产者令牌）以查看分析。',
  productCategory: '产品品类',
  component: '部件',
  componentHint: '与维修记录中的名称一致，如 compressor。',
  modelOptional: '型号（可选）',
  groupBy: '分组依据',
  by_batch: '生产批次',
  by_supplier: '零部件供应商',
  by_model: '型号',
  analyse: '分析',
  analysing: '正在分析…',
  overall: '全部产品：{units} 台，其中 {failed} 台发生故障，共维修 {repairs} 次。',
  colGroup: '分组',
  colUnits: '台数',
  colFailed: '故障台数',
  colRate: '每台年维修次数',
  colMtbf: 'MTBF（天）',
  colShape: '威布尔形状参数 β',
  colScale: '威布尔尺度参数 η（天）',
  colB10: 'B10 寿命（天）',
  colFlag: '召回候选',
  noGroups: '该品类没有记录此部件的产品。',
  recallTitle: '召回候选',
  noRecall: '在错误发现率 {alpha} 下，没有分组明显偏高。',
  recallWhy: '{id}：{failed} 台故障，预期 {expected} 台（率比 {ratio}，校正后 p = {p}）。',
  fit_no_failures: '尚无故障',
  fit_single_failure: '仅一次故障，无法拟合',
  fit_identical_failure_times: '故障全在同一使用时长，无法拟合',
  fit_no_convergence: '拟合未收敛',
  exposureTitle: '三包风险',
  exposureLead: '今日仍在换货或退货期内的产品：已检查 {evaluated} 台，其中 {atRisk} 台。',
  colHorizon: '未来',
  colExpected: '预计导致换货或退货的故障数',
  colInterval: '95% 区间',
  days: '{n} 天',
  colSerial: '序列号',
  colRemedy: '三包方式',
  colWindowEnds: '期限截止',
  colAge: '使用天数',
  colProbability: '故障概率',
  remedy_exchange: '换货',
  remedy_return: '退货',
  remedy_repair: '修理',
  exposureNoFit: '无法预测：{why}。',
  reportsTitle: '报送监管部门的报表',
  reportsLead: '按季度导出一台账两清单及季度报告，格式为 CSV 或 Excel 工作簿。',
  report: '报表',
  report_outlets: '维修网点台账',
  report_problems: '问题清单',
  report_rectifications: '整改清单',
  report_quarterly: '季度报告',
  report_ledgers: '一台账两清单（一个工作簿）',
  quarter: '季度',
  quarterHint: '如 2026Q3',
  format: '格式',
  download: '下载',
  preparing: '正在生成文件…',
  downloadedFile: '已下载 {file}。',
};

export const analyticsDictionaries: Record<'zh' | 'en', Record<NKey, string>> = { en, zh };

/** An analytics text in the page's current language, `{name}` filled from `vars`. */
export function tn(key: NKey, vars: Record<string, string | number> = {}): string {
  return analyticsDictionaries[lang()][key].replace(/\{(\w+)\}/g, (m, k: string) =>
    k in vars ? String(vars[k]) : m,
  );
}

/** Fills `data-tn` elements, now and after each language change. */
export function wireAnalyticsTexts(): void {
  onLangChange(() => {
    for (const el of document.querySelectorAll<HTMLElement>('[data-tn]'))
      el.textContent = tn(el.dataset.tn as NKey);
  });
}
