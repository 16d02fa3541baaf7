import { lang, onLangChange } from './common.ts';

/**
 * The words of the admin's audit-trail page (audit.html, issue 25), in Chinese and English.
 * Kept apart from i18n.ts and admin-i18n.ts like the other pages' words; the same language
 * switch drives all of them.
 */
const en = {
  auditTitle: 'Audit trail',
  navAudit: 'Audit trail',
  auditLead:
    'Every state change: who made it, with which token or session, when, from where, with which answer, and what it changed.',
  auditOnly: 'Only an admin may read the audit trail; the service refused this account ({role}).',
  auditOnlyToken: 'Only an admin may read the audit trail; this token is refused.',
  searchTitle: 'Search',
  who: 'Who',
  whoHint: 'A user name, user id, token id or subject (a maker, an engineer…).',
  anyRole: 'Any role',
  method: 'Method',
  anyMethod: 'Any method',
  route: 'Route',
  routeHint: 'A route pattern, exactly: /api/v1/alerts/:id/ack',
  resource: 'Resource',
  resourceHint: 'kind:key, e.g. alert:a1b2, unit:SN-1, user:u1',
  from: 'From (China date)',
  to: 'To, inclusive (China date)',
  pageSize: 'Entries per page',
  search: 'Search',
  searching: 'Searching…',
  clear: 'Clear',
  downloadCsv: 'Download as CSV',
  downloading: 'Preparing the file…',
  downloaded: 'Downloaded {file}.',
  entriesTitle: 'Entries',
  entriesRange: '{first}–{last} of {total}, newest first',
  noEntries: 'No entry matches.',
  previous: 'Previous page',
  next: 'Next page',
  colWhen: 'When',
  colWho: 'Who',
  colVia: 'Token or session',
  colAddress: 'Address',
  colAction: 'Action',
  colResources: 'Resources',
  colStatus: 'Status',
  colChanges: 'Before and after',
  viaSession: 'session',
  viaToken: 'token {id}',
  nobody: 'not signed in',
  showChanges: 'Show',
  before: 'Before',
  after: 'After (request body, redacted)',
  none: '(none)',
  verifyTitle: 'Chain verification',
  verifyLead:
    "Re-computes every entry's hash from the first to the anchor: an edited, removed or inserted entry breaks the chain.",
  verify: 'Verify the chain',
  verifying: 'Verifying…',
  intact: 'Intact: {count} entries, head {head}.',
  broken: 'Broken: the first broken link is entry #{seq} ({reason}).',
  reason_missing_entry: 'an entry is missing',
  reason_hash_mismatch: "the entry's content does not match its hash",
  reason_prev_hash_mismatch: 'the entry does not follow the one before it',
  reason_anchor_mismatch: 'the last entry does not match the anchor',
  badDates: 'The "from" date must come before the "to" date.',
} as const;

export type UKey = keyof typeof en;

const zh: Record<UKey, string> = {
  auditTitle: '审计日志',
  navAudit: '审计日志',
  auditLead: '每一次状态变更：谁、用哪个令牌或会话、何时、从哪里、结果如何、改了什么。',
  auditOnly: '只有管理员可以查看审计日志；服务拒绝了此账户（{role}）。',
  auditOnlyToken: '只有管理员可以查看审计日志；此令牌被拒绝。',
  searchTitle: '查询',
  who: '操作人',
  whoHint: '用户名、用户编号、令牌编号或主体（生产者、工程师等）。',
  anyRole: '任意角色',
  method: '方法',
  anyMethod: '任意方法',
  route: '路由',
  routeHint: '完整的路由模式：/api/v1/alerts/:id/ack',
  resource: '资源',
  resourceHint: '类型:编号，如 alert:a1b2、unit:SN-1、user:u1',
  from: '起始日期（北京时间）',
  to: '截止日期，含当日（北京时间）',
  pageSize: '每页条数',
  search: '查询',
  searching: '正在查询…',
  clear: '清空',
  downloadCsv: '下载 CSV',
  downloading: '正在生成文件…',
  downloaded: '已下载 {file}。',
  entriesTitle: '记录',
  entriesRange: '第 {first}–{last} 条，共 {total} 条，最新在前',
  noEntries: '没有匹配的记录。',
  previous: '上一页',
  next: '下一页',
  colWhen: '时间',
  colWho: '操作人',
  colVia: '令牌或会话',
  colAddress: '地址',
  colAction: '操作',
  colResources: '资源',
  colStatus: '状态码',
  colChanges: '变更前后',
  viaSession: '登录会话',
  viaToken: '令牌 {id}',
  nobody: '未登录',
  showChanges: '查看',
  before: '变更前',
  after: '变更后（请求内容，已脱敏）',
  none: '（无）',
  verifyTitle: '哈希链校验',
  verifyLead: '从第一条到锚点重新计算每条记录的哈希：任何被修改、删除或插入的记录都会使链断开。',
  verify: '校验哈希链',
  verifying: '正在校验…',
  intact: '完整：共 {count} 条，链头 {head}。',
  broken: '已断开：第一个断点是第 {seq} 条（{reason}）。',
  reason_missing_entry: '缺少一条记录',
  reason_hash_mismatch: '记录内容与其哈希不符',
  reason_prev_hash_mismatch: '记录与前一条不衔接',
  reason_anchor_mismatch: '最后一条记录与锚点不符',
  badDates: '起始日期必须早于截止日期。',
};

export const auditDictionaries: Record<'zh' | 'en', Record<UKey, string>> = { en, zh };

/** An audit-page text in the page's current language, `{name}` filled from `vars`. */
export function tu(key: UKey, vars: Record<string, string | number> = {}): string {
  return auditDictionaries[lang()][key].replace(/\{(\w+)\}/g, (m, k: string) =>
    k in vars ? String(vars[k]) : m,
  );
}

/** Fills `data-tu` elements, now and after each language change. */
export function wireAuditTexts(): void {
  onLangChange(() => {
    for (const el of document.querySelectorAll<HTMLElement>('[data-tu]'))
      el.textContent = tu(el.dataset.tu as UKey);
  });
}
