import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeWithService } from './helpers/require-service.ts';
import { startService, type RunningService } from './helpers/service.ts';
import { CHROMIUM, ensureBuilt, launchChromium, openPage } from './web-browser.ts';

const ASSETS = fileURLToPath(new URL('../web/dist/assets/', import.meta.url));

/** A source map of the built pages (there is one per script). */
function someMap(): string {
  const map = readdirSync(ASSETS).find((f) => f.endsWith('.js.map'));
  if (!map) throw new Error('web/dist has no source map: the build makes them');
  return `/assets/${map}`;
}

/**
 * Security headers and source maps (issue 24, finding 9). Every answer — pages, API, errors —
 * carries the content security policy (no inline script or style, no framing), nosniff and no
 * referrer; the built pages' source maps are not served unless WEB_SOURCE_MAPS says so. The
 * pages themselves are loaded under this policy by test/web-*.test.ts, which fail on any
 * console error (a CSP violation is one); here the API explorer is.
 */
describe('security headers', () => {
  let svc: RunningService;
  beforeAll(async () => {
    await ensureBuilt('owner.html');
    svc = await startService();
  });
  afterAll(async () => {
    await svc?.stop();
  });

  it('sends CSP, nosniff, frame and referrer policies on pages, API answers and errors', async () => {
    for (const url of [
      '/',
      '/owner.html',
      '/api/v1/warranty/outlets?manufacturer=x',
      '/api/v1/devices',
      '/no/such/route',
      '/docs',
    ]) {
      const res = await fetch(`${svc.httpUrl}${url}`);
      const h = (n: string) => res.headers.get(n) ?? '';
      const csp = h('content-security-policy');
      expect(csp, url).toContain("default-src 'self'");
      expect(csp, url).toContain("script-src 'self'");
      expect(csp, url).toContain("frame-ancestors 'none'");
      expect(csp, url).not.toMatch(/script-src[^;]*unsafe/);
      // Only the API explorer (Swagger UI sets inline styles) may style inline.
      if (url !== '/docs') expect(csp, url).not.toContain('unsafe-inline');
      expect(h('x-content-type-options'), url).toBe('nosniff');
      expect(h('x-frame-options'), url).toBe('DENY');
      expect(h('referrer-policy'), url).toBe('no-referrer');
    }
  });

  it('does not serve source maps by default', async () => {
    const map = someMap();
    const res = await fetch(`${svc.httpUrl}${map}`);
    expect(res.status).toBe(404);
    // The scripts themselves are served.
    const js = map.replace(/\.map$/, '');
    expect((await fetch(`${svc.httpUrl}${js}`)).status).toBe(200);
  });

  it('serves them with WEB_SOURCE_MAPS=true (development)', async () => {
    const dev = await startService({ WEB_SOURCE_MAPS: 'true' });
    try {
      expect((await fetch(`${dev.httpUrl}${someMap()}`)).status).toBe(200);
    } finally {
      await dev.stop();
    }
  });
});

describeWithService(
  'chromium',
  existsSync(CHROMIUM),
  `${CHROMIUM} missing (apt-get install chromium)`,
  'the API explorer under the content security policy',
  () => {
    let svc: RunningService;
    let browser: Browser;
    beforeAll(async () => {
      svc = await startService();
      browser = await launchChromium();
    });
    afterAll(async () => {
      await browser?.close();
      await svc?.stop();
    });

    it('renders /docs with no console error (no CSP violation)', async () => {
      const { page, errors, close } = await openPage(browser, `${svc.httpUrl}/docs`, 'en-US', {
        width: 1200,
        height: 800,
      });
      try {
        await page.waitForSelector('.swagger-ui .opblock', { timeout: 15_000 });
        expect(errors).toEqual([]);
      } finally {
        await close();
      }
    });
  },
);
