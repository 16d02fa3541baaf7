import { lang, onLangChange } from './common.ts';

/**
 * The words of the owner's account on owner.html (issue 25), in Chinese and English. The link
 * form's labels avoid the lookup form's words ("serial number", "verification code") so that
 * each label names one control.
 */
const en = {
  accountTitle: 'My account',
  accountLead:
    'With an account, the units you link stay at hand: their 三包 status and cases, without typing their codes again.',
  accountName: 'Account name',
  accountNameHint: 'Letters, digits and . _ @ + - (3 to 64).',
  accountPassword: 'Account password',
  accountPasswordHint: 'At least 10 characters, not the account name.',
  signInAccount: 'Sign in',
  createAccount: 'Create an account',
  accountSignOut: 'Sign out',
  accountSignedIn: 'Signed in as {name}.',
  notOwnerAccount:
    'This is a staff account ({role}): owners’ units are linked with an owner account.',
  linkTitle: 'Link a unit',
  linkSerial: 'Unit to link (its serial)',
  linkCode: 'Code on its 三包 card',
  linkButton: 'Link',
  linked: '{serial} is linked to your account.',
  unlinked: '{serial} is no longer linked to your account.',
  myUnits: 'My units',
  noUnits: 'No unit linked yet.',
  colUnit: 'Unit',
  colStatus: '三包 today',
  colCases: 'Cases',
  colLinked: 'Linked',
  colActions: 'Actions',
  casesCount: '{n} ({open} open)',
  openUnit: 'Open',
  unlink: 'Unlink',
  statusUnknown: 'unknown',
  badSignIn: 'Wrong account name or password.',
  nameTaken: 'This account name is taken.',
  weakPassword: 'Password refused: at least 10 characters, not the account name.',
  badLinkCode: 'No unit matches this serial and code.',
  tooMany: 'Too many tries from this network or for this unit. Wait a while and try again.',
  locked: 'Too many wrong passwords: this account is locked for a while.',
} as const;

export type OKey = keyof typeof en;

const zh: Record<OKey, string> = {
  accountTitle: '我的账户',
  accountLead: '有了账户，已关联的产品随时可查：三包状态和案件，无需再次输入校验信息。',
  accountName: '账户名',
  accountNameHint: '字母、数字及 . _ @ + -（3 至 64 个字符）。',
  accountPassword: '账户密码',
  accountPasswordHint: '至少 10 个字符，且不能与账户名相同。',
  signInAccount: '登录',
  createAccount: '注册账户',
  accountSignOut: '退出登录',
  accountSignedIn: '已登录：{name}。',
  notOwnerAccount: '这是工作人员账户（{role}）：请用车主/用户账户关联产品。',
  linkTitle: '关联产品',
  linkSerial: '要关联的产品编号',
  linkCode: '三包凭证上的校验码',
  linkButton: '关联',
  linked: '已将 {serial} 关联到您的账户。',
  unlinked: '已解除 {serial} 与您账户的关联。',
  myUnits: '我的产品',
  noUnits: '尚未关联任何产品。',
  colUnit: '产品',
  colStatus: '今日三包',
  colCases: '案件',
  colLinked: '关联时间',
  colActions: '操作',
  casesCount: '{n}（{open} 件办理中）',
  openUnit: '查看',
  unlink: '解除关联',
  statusUnknown: '未知',
  badSignIn: '账户名或密码错误。',
  nameTaken: '该账户名已被使用。',
  weakPassword: '密码不符合要求：至少 10 个字符，且不能与账户名相同。',
  badLinkCode: '没有与该编号和校验码相符的产品。',
  tooMany: '本网络或该产品的尝试次数过多，请稍后再试。',
  locked: '密码错误次数过多，此账户暂时锁定。',
};

export const ownerAccountDictionaries: Record<'zh' | 'en', Record<OKey, string>> = { en, zh };

/** An owner-account text in the page's current language, `{name}` filled from `vars`. */
export function to(key: OKey, vars: Record<string, string | number> = {}): string {
  return ownerAccountDictionaries[lang()][key].replace(/\{(\w+)\}/g, (m, k: string) =>
    k in vars ? String(vars[k]) : m,
  );
}

/** Fills `data-to` elements, now and after each language change. */
export function wireOwnerAccountTexts(): void {
  onLangChange(() => {
    for (const el of document.querySelectorAll<HTMLElement>('[data-to]'))
      el.textContent = to(el.dataset.to as OKey);
  });
}
