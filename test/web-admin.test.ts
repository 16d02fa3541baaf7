import { existsSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Alert } from '../diagnostics/alert-schemas.ts';
import { adminDictionaries } from '../web/src/admin-i18n.ts';
import { dictionaries } from '../web/src/i18n.ts';
import { api, raiseFaultAlert } from './helpers/clients.ts';
import { describeWithService } from './helpers/require-service.ts';
import { startService, type RunningService } from './helpers/service.ts';
import {
  CHROMIUM,
  ensureBuilt,
  launchChromium,
  lowContrastText,
  openPage,
  SHOTS,
  unlabelledControls,
} from './web-browser.ts';

/**
 * The admin's page and the history panel in Debian's chromium (issue 25): an admin signs in,
 * creates an engineer from the keyboard and reads the one-time password once; the engineer
 * signs in with it, sets their own and lands on the alert queue; on the device page they
 * acknowledge an alert and its history names them; the engineer cannot open the admin API
 * (403) and the admin page, in Chinese, says so.
 */
const en = dictionaries.en;
const zh = dictionaries.zh;
const aen = adminDictionaries.en;
const azh = adminDictionaries.zh;

/** Signs in on signin.html from the keyboard, replacing the one-time password. */
async function signIn(page: Page, username: string, otp: string, own: string, l = en) {
  await page.getByLabel(l.username).fill(username);
  await page.getByLabel(l.password, { exact: true }).fill(otp);
  await page.keyboard.press('Enter');
  await page.getByText(l.mustChange).waitFor();
  await page.getByLabel(l.newPassword, { exact: true }).fill(own);
  await page.getByLabel(l.repeatPassword).fill(own);
  await page.keyboard.press('Enter');
}

/**
 * Console errors other than the browser's own line for a refused request (a 401/403 this test
 * provokes, or the 404 of a device whose serial is no registered 三包 unit).
 */
const unexpected = (errors: string[]) =>
  errors.filter(
    (e) =>
      !/Failed to load resource: the server responded with a status of 40[13]/.test(e) &&
      !/status of 404 .* @ \S+\/api\/v1\/units\//.test(e),
  );

describeWithService(
  'chromium',
  existsSync(CHROMIUM),
  `${CHROMIUM} missing (apt-get install chromium)`,
  'admin page and history panel in a real browser',
  () => {
    let svc: RunningService;
    let browser: Browser;
    let alert: Alert;
    let adminOtp: string;
    let engineerOtp = '';
    const engineerOwn = 'li own passphrase';

    beforeAll(async () => {
      await ensureBuilt('admin.html');
      [svc, browser] = await Promise.all([
        startService({ SESSION_COOKIE_SECURE: 'false' }),
        launchChromium(),
      ]);
      const made = await api<{ password: string }>(
        svc.httpUrl,
        'POST',
        '/api/v1/users',
        svc.adminToken,
        { username: 'root.wang', role: 'admin', displayName: 'Wang' },
      );
      expect(made.status).toBe(201);
      adminOtp = made.body.password;
      alert = await raiseFaultAlert<Alert>(svc);
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
      await svc?.stop();
    });

    it('an admin signs in, creates an engineer from the keyboard; the engineer signs in with the one-time password', async () => {
      const { page, errors, close } = await openPage(
        browser,
        `${svc.httpUrl}/signin.html`,
        'en-US',
        { width: 1280, height: 900 },
      );
      try {
        await signIn(page, 'root.wang', adminOtp, 'wang own passphrase');
        await page.waitForURL(/admin\.html$/);
        await page.locator('#users-table tr[data-username="root.wang"]').waitFor();
        expect(await unlabelledControls(page)).toEqual([]);
        expect(await lowContrastText(page)).toEqual([]);
        // The create form from the keyboard: name, Tab, display name, Tab, role, Enter.
        await page.getByLabel(aen.userName).focus();
        await page.keyboard.type('eng.li');
        await page.keyboard.press('Tab');
        await page.keyboard.type('Li');
        await page.keyboard.press('Tab');
        expect(await page.evaluate(() => document.activeElement?.id)).toBe('c-role');
        await page.getByLabel(aen.role).selectOption('engineer');
        await page.getByLabel(aen.displayName).focus();
        await page.keyboard.press('Enter');
        const box = page.locator('#otp-box');
        await box.waitFor();
        expect(await page.locator('#otp-for').textContent()).toBe(
          aen.oneTimePassword.replace('{user}', 'eng.li'),
        );
        engineerOtp = (await page.locator('#otp').textContent()) ?? '';
        expect(engineerOtp.length).toBeGreaterThanOrEqual(10);
        expect(await page.evaluate(() => document.activeElement?.id)).toBe('otp-box');
        const row = page.locator('#users-table tr[data-username="eng.li"]');
        await expect.poll(() => row.locator('td').first().textContent()).toBe('Li');
        expect(await row.locator('td.state').textContent()).toBe(
          `${aen.state_active} · ${aen.state_mustChange}`,
        );
        await page.screenshot({ path: `${SHOTS}admin-desktop.png`, fullPage: true });
        // Disable and enable again: the focus moves to the other button.
        await row.getByRole('button', { name: `${aen.disable}: eng.li` }).click();
        await expect.poll(() => row.locator('td.state').textContent()).toMatch(aen.state_disabled);
        expect(await page.evaluate(() => document.activeElement?.textContent)).toBe(aen.enable);
        await page.keyboard.press('Enter');
        await expect
          .poll(() => row.locator('td.state').textContent())
          .toMatch(new RegExp(`^${aen.state_active}`));
        await page.getByRole('button', { name: en.signOut }).click();
        await page.locator('#token-form').waitFor();

        await page.goto(`${svc.httpUrl}/signin.html`);
        await signIn(page, 'eng.li', engineerOtp, engineerOwn);
        await page.waitForURL(/engineer\.html$/);
        await page
          .getByText(en.signedInAs.replace('{name}', 'Li').replace('{role}', 'engineer'))
          .waitFor();
        expect(unexpected(errors)).toEqual([]);
      } finally {
        await close();
      }
    });

    it('the engineer acknowledges an alert on the device page and its history names them', async () => {
      expect(engineerOtp).not.toBe('');
      const { page, errors, close } = await openPage(
        browser,
        `${svc.httpUrl}/signin.html?next=${encodeURIComponent(`engineer.html?device=${alert.deviceId}&alert=${alert.id}`)}`,
        'en-US',
        { width: 1280, height: 900 },
      );
      try {
        await page.getByLabel(en.username).fill('eng.li');
        await page.getByLabel(en.password, { exact: true }).fill(engineerOwn);
        await page.keyboard.press('Enter');
        const detail = page.locator(`#alert-detail[data-alert="${alert.id}"]`);
        await detail.waitFor({ timeout: 15_000 });
        const history = detail.locator(`section.history[data-resource="alert:${alert.id}"]`);
        await history.getByText(aen.historyEmpty).waitFor();
        await detail.getByRole('button', { name: en.acknowledge }).click();
        const first = history.locator('tbody tr').first();
        await first.waitFor({ timeout: 10_000 });
        const cells = await first.locator('td').allTextContents();
        expect(cells.slice(1)).toEqual(['eng.li (engineer)', aen.what_ack, aen.viaSession]);
        expect(await history.getByRole('heading').textContent()).toBe(aen.historyTitle);
        await history.scrollIntoViewIfNeeded();
        await page.screenshot({ path: `${SHOTS}engineer-alert-history.png` });
        expect(unexpected(errors)).toEqual([]);
      } finally {
        await close();
      }
    });

    it('a signed-in engineer gets 403 from the admin API, and the admin page says so in Chinese', async () => {
      expect(engineerOtp).not.toBe('');
      const { page, errors, close } = await openPage(
        browser,
        `${svc.httpUrl}/signin.html?next=admin.html`,
        'zh-CN',
        { width: 390, height: 800 },
      );
      try {
        await page.getByLabel(zh.username).fill('eng.li');
        await page.getByLabel(zh.password, { exact: true }).fill(engineerOwn);
        await page.keyboard.press('Enter');
        await page.waitForURL(/admin\.html$/);
        await expect
          .poll(() => page.locator('#page-error').textContent())
          .toBe(azh.adminOnly.replace('{role}', 'engineer'));
        expect(await page.locator('#admin-view').isHidden()).toBe(true);
        const status = await page.evaluate(async () => (await fetch('/api/v1/users')).status);
        expect(status).toBe(403);
        expect(await page.title()).toBe(`${azh.adminTitle} · ${zh.appName}`);
        expect(unexpected(errors)).toEqual([]);
      } finally {
        await close();
      }
    });
    it("a maker's manager adds an outlet with its period and official phone on the fleet page", async () => {
      const made = await api<{ password: string }>(
        svc.httpUrl,
        'POST',
        '/api/v1/users',
        svc.adminToken,
        { username: 'mgr.chen', role: 'manufacturer', subject: 'acme', displayName: 'Chen' },
      );
      expect(made.status).toBe(201);
      const { page, errors, close } = await openPage(
        browser,
        `${svc.httpUrl}/signin.html`,
        'en-US',
        { width: 1280, height: 900 },
      );
      try {
        await signIn(page, 'mgr.chen', made.body.password, 'chen own passphrase');
        await page.waitForURL(/fleet\.html$/);
        const section = page.locator('#outlets');
        await section.getByText(aen.noOutlets).waitFor();
        expect(await unlabelledControls(page)).toEqual([]);
        await section.getByLabel(aen.outletId).fill('acme-sh-01');
        await section.getByLabel(aen.outletName).fill('Acme Shanghai Service');
        await section.getByLabel(aen.servicePhone).fill('400-800 1234');
        await section.getByLabel(aen.authorizedFrom).fill('2026-01-01');
        await section.getByLabel(aen.authorizedTo).fill('2030-12-31');
        await page.keyboard.press('Enter');
        const row = section.locator('tr[data-outlet="acme-sh-01"]');
        await row.waitFor();
        expect(await row.locator('td').allTextContents()).toEqual([
          'Acme Shanghai Service',
          '400-800 1234',
          '2026-01-01',
          '2030-12-31',
          aen.yes,
          '—', // no price list given
        ]);
        expect(await page.locator('#outlet-status').textContent()).toBe(
          aen.outletSaved.replace('{id}', 'acme-sh-01'),
        );
        // Owners' public check finds it by the phone that called them.
        const v = await api<{ authorized: boolean }>(
          svc.httpUrl,
          'GET',
          '/api/v1/warranty/outlets/verify?phone=4008001234',
        );
        expect(v.body.authorized).toBe(true);
        await section.screenshot({ path: `${SHOTS}fleet-outlets-desktop.png` });
        expect(unexpected(errors)).toEqual([]);
      } finally {
        await close();
      }
    });
  },
);
