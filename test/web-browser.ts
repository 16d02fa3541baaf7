import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

/**
 * What the staff-page browser tests share: Debian's chromium driven by playwright-core, the
 * pages built if a lone `vitest run` finds none, pages that collect console errors, and the
 * accessibility basics checked in the page (labels, text contrast).
 */
export const CHROMIUM = '/usr/bin/chromium';
export const SHOTS = fileURLToPath(new URL('../docs/screenshots/', import.meta.url));

/** Builds web/dist unless `page` is already there (`npm test` builds first, in pretest). */
export async function ensureBuilt(page: string): Promise<void> {
  if (existsSync(fileURLToPath(new URL(`../web/dist/${page}`, import.meta.url)))) return;
  const { build } = await import('vite');
  await build({
    configFile: fileURLToPath(new URL('../web/vite.config.ts', import.meta.url)),
    logLevel: 'warn',
  });
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
  });
}

/** A page in a fresh context with the browser language `locale`; collects console errors. */
export async function openPage(
  browser: Browser,
  url: string,
  locale: string,
  viewport: { width: number; height: number },
) {
  const context = await browser.newContext({ locale, viewport });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`${m.text()} @ ${m.location().url}`);
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(url);
  return { page, errors, close: () => context.close() };
}

/** Visible form controls without an accessible name (label, aria-label(ledby), button text). */
export function unlabelledControls(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll('input, select, textarea, button')]
      .filter((e) => !e.closest('[hidden], dialog:not([open])'))
      .filter((e) => {
        const c = e as HTMLInputElement;
        return !(
          (c.labels?.length ?? 0) > 0 ||
          c.getAttribute('aria-label') ||
          c.getAttribute('aria-labelledby') ||
          (c.tagName === 'BUTTON' && c.textContent?.trim())
        );
      })
      .map((e) => e.outerHTML.slice(0, 100)),
  );
}

/**
 * Visible text whose colour against its background is below WCAG 2.x AA (4.5:1, or 3:1 for
 * large text), as "ratio tag: text". Text drawn on a canvas (chart axes) is not seen here.
 */
export function lowContrastText(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    type Rgba = { r: number; g: number; b: number; a: number };
    const parse = (c: string): Rgba | null => {
      const m = /rgba?\(([^)]+)\)/.exec(c);
      if (!m) return null;
      const [r = 0, g = 0, b = 0, a = 1] = m[1]!
        .split(/[\s,/]+/)
        .filter(Boolean)
        .map(Number);
      return { r, g, b, a };
    };
    const lum = ({ r, g, b }: Rgba) => {
      const f = (v: number) => {
        const s = v / 255;
        return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      };
      return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    const background = (el: Element | null): Rgba => {
      for (let e = el; e; e = e.parentElement) {
        const c = parse(getComputedStyle(e).backgroundColor);
        if (c && c.a >= 0.5) return c;
      }
      return { r: 255, g: 255, b: 255, a: 1 };
    };
    const bad: string[] = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const text = n.textContent?.trim();
      const el = n.parentElement;
      if (!text || !el || el.closest('option, script, style, .visually-hidden, [hidden]')) continue;
      if (!el.checkVisibility({ opacityProperty: true, visibilityProperty: true })) continue;
      const st = getComputedStyle(el);
      const fg = parse(st.color);
      if (!fg) continue;
      const l1 = lum(fg);
      const l2 = lum(background(el));
      const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
      const size = parseFloat(st.fontSize);
      const large = size >= 24 || (size >= 18.66 && Number(st.fontWeight) >= 700);
      if (ratio < (large ? 3 : 4.5))
        bad.push(`${ratio.toFixed(2)} ${el.tagName.toLowerCase()}: ${text.slice(0, 40)}`);
    }
    return bad;
  });
}
