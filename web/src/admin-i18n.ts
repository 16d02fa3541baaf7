import { lang, onLangChange } from './common.ts';

/**
 * The words of the admin page (users and roles), of the history panel (a resource's audit
 * trail) and of the maker's outlets section, in Chinese and English (issue 25). Kept apart from
 * i18n.ts like the case pages' words; the same language switch drives all of them.
 */
const en = {
  adminTitle: 'Users and roles',
  adminLink: 'Admins: users and roles',
  adminLinkHint: 'Create users with their role, reset passwords, disable and enable accounts.',
  navAdmin: 'Users',
  tokenHintAdmin: 'An admin token. Better: sign in with an admin account.',
  adminOnly: 'Only an admin may manage users; the service refused this account ({role}).',
  adminOnlyToken: 'Only an admin may manage users; this token is refused.',
  users: 'Users',
  usersCount: '{n} users',
  createUser: 'Create a user',
  createUserLead:
    'The service makes a one-time password; the user chooses their own at the first sign-in.',
  displayName: 'Name (optional)',
  name: 'Name',
  subjectShort: 'Maker or subject',
  role: 'Role',
  role_owner: 'Owner',
  role_engineer: 'Engineer',
  role_manufacturer: 'Manufacturer staff',
  role_admin: 'Admin',
  role_desk: 'Service desk',
  role_regulator: 'Regulator',
  subject: 'Maker or subject (optional)',
  subjectHint:
    'Manufacturer staff: their maker (e.g. acme). Engineers, desk and regulators act under their user name unless given another.',
  create: 'Create user',
  creating: 'Creating…',
  userName: 'User name',
  state: 'State',
  created: 'Created',
  actions: 'Actions',
  state_active: 'active',
  state_disabled: 'disabled',
  state_locked: 'locked until {when}',
  state_mustChange: 'must set a password',
  resetPassword: 'Reset password',
  disable: 'Disable',
  enable: 'Enable',
  oneTimePassword: 'One-time password for {user}:',
  oneTimeHint:
    'Give it to them in person or by phone: it is shown only this once. They choose their own when they sign in.',
  disabledDone: '{user} is disabled: their sessions ended and their API tokens are revoked.',
  enabledDone: '{user} may sign in again.',
  noUsers: 'No users yet.',
  // History panel (audit/)
  historyTitle: 'History',
  historyEmpty: 'No change recorded yet.',
  historyLoading: 'Loading the history…',
  historyWhen: 'When',
  historyWho: 'Who',
  historyWhat: 'What',
  historyWhere: 'From where',
  historyError: 'The history cannot be shown: {why}',
  viaSession: 'signed in',
  viaToken: 'API token {id}',
  refused: 'refused ({status})',
  what_ack: 'acknowledged',
  what_assign: 'assigned',
  what_resolve: 'resolved',
  what_dismiss: 'dismissed',
  what_order: 'opened a repair order',
  // Outlets (warranty/)
  outletsTitle: 'Authorized outlets',
  outletsLead:
    'Your authorized 三包 outlets with their authorisation period and the official service phone that owners check.',
  outletsNeedMaker: 'Sign in as manufacturer staff (or use a manufacturer token) to see outlets.',
  outletId: 'Outlet id',
  outletName: 'Name',
  outletAddress: 'Address (optional)',
  servicePhone: 'Official service phone',
  servicePhoneHint: 'Digits, spaces, + - ( ); owners check a caller against it.',
  authorizedFrom: 'Authorised from',
  authorizedTo: 'Authorised until (optional)',
  authorizedNow: 'Authorised today',
  yes: 'yes',
  no: 'no',
  addOutlet: 'Add or update the outlet',
  outletSaved: 'Outlet {id} saved.',
  noOutlets: 'No outlet yet.',
} as const;

export type AKey = keyof typeof en;

const zh: Record<AKey, string> = {
  adminTitle: '用户与角色',
  adminLink: '管理员：用户与角色',
  adminLinkHint: '创建用户并指定角色、重置密码、停用和启用账户。',
  navAdmin: '用户',
  tokenHintAdmin: '管理员令牌。更好的做法：用管理员账户登录。',
  adminOnly: '只有管理员可以管理用户；服务拒绝了此账户（{role}）。',
  adminOnlyToken: '只有管理员可以管理用户；此令牌被拒绝。',
  users: '用户',
  usersCount: '共 {n} 个用户',
  createUser: '创建用户',
  createUserLead: '服务会生成一次性密码；用户首次登录时设置自己的密码。',
  displayName: '姓名（可选）',
  name: '姓名',
  subjectShort: '生产者或主体',
  role: '角色',
  role_owner: '车主/用户',
  role_engineer: '工程师',
  role_manufacturer: '生产者员工',
  role_admin: '管理员',
  role_desk: '服务台',
  role_regulator: '监管部门',
  subject: '生产者或主体（可选）',
  subjectHint: '生产者员工：所属生产者（如 acme）。工程师、服务台和监管人员默认以其用户名行事。',
  create: '创建用户',
  creating: '正在创建…',
  userName: '用户名',
  state: '状态',
  created: '创建时间',
  actions: '操作',
  state_active: '正常',
  state_disabled: '已停用',
  state_locked: '锁定至 {when}',
  state_mustChange: '须设置密码',
  resetPassword: '重置密码',
  disable: '停用',
  enable: '启用',
  oneTimePassword: '{user} 的一次性密码：',
  oneTimeHint: '请当面或电话告知：仅此一次显示。用户登录时会设置自己的密码。',
  disabledDone: '已停用 {user}：其会话已结束，API 令牌已吊销。',
  enabledDone: '{user} 可以重新登录。',
  noUsers: '尚无用户。',
  historyTitle: '历史记录',
  historyEmpty: '尚无变更记录。',
  historyLoading: '正在加载历史记录…',
  historyWhen: '时间',
  historyWho: '操作人',
  historyWhat: '操作',
  historyWhere: '来源',
  historyError: '无法显示历史记录：{why}',
  viaSession: '登录会话',
  viaToken: 'API 令牌 {id}',
  refused: '被拒绝（{status}）',
  what_ack: '确认',
  what_assign: '指派',
  what_resolve: '解决',
  what_dismiss: '驳回',
  what_order: '开立维修单',
  outletsTitle: '授权维修网点',
  outletsLead: '贵方的三包授权网点，含授权期限和供车主核实的官方服务电话。',
  outletsNeedMaker: '请以生产者员工身份登录（或使用生产者令牌）以查看网点。',
  outletId: '网点编号',
  outletName: '名称',
  outletAddress: '地址（可选）',
  servicePhone: '官方服务电话',
  servicePhoneHint: '数字、空格及 + - ( )；车主据此核实来电。',
  authorizedFrom: '授权起始日',
  authorizedTo: '授权截止日（可选）',
  authorizedNow: '今日有效',
  yes: '是',
  no: '否',
  addOutlet: '添加或更新网点',
  outletSaved: '已保存网点 {id}。',
  noOutlets: '尚无网点。',
};

export const adminDictionaries: Record<'zh' | 'en', Record<AKey, string>> = { en, zh };

/** An admin-page text in the page's current language, `{name}` filled from `vars`. */
export function ta(key: AKey, vars: Record<string, string | number> = {}): string {
  return adminDictionaries[lang()][key].replace(/\{(\w+)\}/g, (m, k: string) =>
    k in vars ? String(vars[k]) : m,
  );
}

/** Fills `data-ta` elements, now and after each language change. */
export function wireAdminTexts(): void {
  onLangChange(() => {
    for (const el of document.querySelectorAll<HTMLElement>('[data-ta]'))
      el.textContent = ta(el.dataset.ta as AKey);
  });
}
