import './style.css';
import { browserLang, translate, type Key, type Lang } from './i18n.ts';

/** What every page shares: the language switch, element building, and JSON calls to the API. */

const LANG_KEY = 'sanbao.lang';
const listeners: Array<(lang: Lang) => void> = [];
let current: Lang = 'en';

function storedLang(): Lang | undefined {
  try {
    const v = localStorage.getItem(LANG_KEY);
    return v === 'zh' || v === 'en' ? v : undefined;
  } catch {
    return undefined; // storage disabled: the browser language still works
  }
}

/** The page's current language. */
export const lang = (): Lang => current;

/** A page text in the current language. */
export const t = (key: Key, vars?: Record<string, string | number>): string =>
  translate(current, key, vars);

/** Picks the text of the current language from an API `{ zh, en }` pair. */
export const pick = (text: { zh: string; en: string }): string => text[current];

/** Calls `fn` now and after every language change (pages re-render their dynamic parts). */
export function onLangChange(fn: (lang: Lang) => void): void {
  listeners.push(fn);
  fn(current);
}

function applyStatic(): void {
  document.documentElement.lang = current === 'zh' ? 'zh-CN' : 'en';
  for (const el of document.querySelectorAll<HTMLElement>('[data-i18n]'))
    el.textContent = t(el.dataset.i18n as Key);
  for (const el of document.querySelectorAll<HTMLElement>('[data-i18n-placeholder]'))
    el.setAttribute('placeholder', t(el.dataset.i18nPlaceholder as Key));
  const title = document.body.dataset.title as Key | undefined;
  if (title) document.title = `${t(title)} · ${t('appName')}`;
}

/** Sets the language (from the switch), remembers it, and re-renders. */
export function setLang(l: Lang): void {
  current = l;
  try {
    localStorage.setItem(LANG_KEY, l);
  } catch {
    // not remembered, still applied
  }
  applyStatic();
  for (const fn of listeners) fn(l);
}

/** Starts the page: language from the stored choice or the browser, and the switch wired. */
export function initPage(): void {
  current = storedLang() ?? browserLang(navigator.languages ?? [navigator.language]);
  const sel = document.querySelector<HTMLSelectElement>('#lang');
  if (sel) {
    sel.value = current;
    sel.addEventListener('change', () => setLang(sel.value === 'zh' ? 'zh' : 'en'));
  }
  applyStatic();
}

type Child = Node | string | number | null | undefined | false;

/**
 * Builds an element. Text from the API only ever goes in as text nodes, never as HTML.
 * `attrs` keys starting with `on` are not supported on purpose: use addEventListener.
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | boolean | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'number' ? String(c) : c);
  }
  return el;
}

/** An API error: the HTTP status and the service's `{ error, message, details? }` envelope. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The envelope's `details` (which field, why, which clause), when the service gave some. */
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** GET a JSON resource of the service's API; throws ApiError on a non-2xx answer. */
export async function getJson<T>(url: string, headers: Record<string, string> = {}): Promise<T> {
  return readJson<T>(await fetch(url, { headers: { accept: 'application/json', ...headers } }));
}

/** POST a JSON body to the service's API; throws ApiError on a non-2xx answer. */
export async function postJson<T>(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<T> {
  return readJson<T>(
    await fetch(url, {
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    }),
  );
}

async function readJson<T>(res: Response): Promise<T> {
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (!res.ok) {
    const env = (body ?? {}) as { error?: string; message?: string; details?: unknown };
    throw new ApiError(
      res.status,
      env.error ?? `HTTP_${res.status}`,
      env.message ?? res.statusText,
      env.details,
    );
  }
  return body as T;
}

/** A civil date or an instant shown as the owner reads it: `2026-03-01 09:00` in China time. */
export function formatWhen(s: string): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) return s;
  const d = new Date(s);
  if (Number.isNaN(d.getTime())) return s;
  // 三包 dates are China civil dates (warranty/calendar.ts), whatever the browser's zone.
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: 'Asia/Shanghai',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(d);
  const p = (type: string) => parts.find((x) => x.type === type)?.value ?? '';
  return `${p('year')}-${p('month')}-${p('day')} ${p('hour')}:${p('minute')}`;
}

/** Money in yuan. */
export const formatCNY = (n: number): string =>
  new Intl.NumberFormat(current === 'zh' ? 'zh-CN' : 'en', {
    style: 'currency',
    currency: 'CNY',
    maximumFractionDigits: 2,
  }).format(n);
