import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Alert } from '../diagnostics/alert-schemas.ts';
import { dictionaries } from '../web/src/i18n.ts';
import { api, raiseFaultAlert } from './helpers/clients.ts';
import { describeWithService } from './helpers/require-service.ts';
import { startService, type RunningService } from './helpers/service.ts';
import {
  CHROMIUM,
  ensureBuilt,
  launchChromium,
  openPage,
  unlabelledControls,
} from './web-browser.ts';

/**
 * Sign-in in Debian's chromium (issue 25): an engineer an admin created signs in with the
 * one-time password from the keyboard, sets their own, lands on the alert queue with no token
 * pasted, and acknowledges an alert — which the API and the audit trail then attribute to them;
 * signing out ends it. The sign-in page in Chinese refuses a wrong password in Chinese.
 */
describeWithService(
  'chromium',
  existsSync(CHROMIUM),
  `${CHROMIUM} missing (apt-get install chromium)`,
  'sign-in page in a real browser',
  () => {
    let svc: RunningService;
    let browser: Browser;
    let alert: Alert;
    let userId: string;
    let otp: string;

    beforeAll(async () => {
      await ensureBuilt('signin.html');
      [svc, browser] = await Promise.all([
        startService({ SESSION_COOKIE_SECURE: 'false' }),
        launchChromium(),
      ]);
      const made = await api<{ user: { id: string }; password: string }>(
        svc.httpUrl,
        'POST',
        '/api/v1/users',
        svc.adminToken,
        { username: 'eng.zhou', role: 'engineer', displayName: 'Zhou' },
      );
      expect(made.status).toBe(201);
      userId = made.body.user.id;
      otp = made.body.password;
      alert = await raiseFaultAlert<Alert>(svc);
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
      await svc?.stop();
    });

    it('an engineer signs in from the keyboard, sets a password, acknowledges an alert, signs out', async () => {
      const en = dictionaries.en;
      const { page, errors, close } = await openPage(
        browser,
        `${svc.httpUrl}/signin.html`,
        'en-US',
        { width: 1280, height: 900 },
      );
      try {
        expect(await unlabelledControls(page)).toEqual([]);
        // The user name field has the focus: type, Tab, type, Enter.
        await page.keyboard.type('eng.zhou');
        await page.keyboard.press('Tab');
        await page.keyboard.type(otp);
        await page.keyboard.press('Enter');
        await page.getByText(en.mustChange).waitFor();
        await page.getByLabel(en.newPassword, { exact: true }).fill('zhou own passphrase');
        await page.getByLabel(en.repeatPassword).fill('zhou own passphrase');
        await page.keyboard.press('Enter');
        await page.waitForURL(/engineer\.html$/);
        await page
          .getByText(en.signedInAs.replace('{name}', 'Zhou').replace('{role}', 'engineer'))
          .waitFor();
        const row = page.locator(`#alerts-table tr[data-alert="${alert.id}"]`);
        await row.waitFor({ timeout: 15_000 });
        await row.getByRole('button', { name: en.acknowledge }).focus();
        await page.keyboard.press('Enter');
        await expect.poll(() => row.getAttribute('data-status')).toBe('acknowledged');
        const acked = await api<Alert>(
          svc.httpUrl,
          'GET',
          `/api/v1/alerts/${alert.id}`,
          svc.adminToken,
        );
        expect(acked.body).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'eng.zhou' });
        // The alert's history names the person, with the alert as it was before.
        await svc.service.audit.flush();
        const h = await api<{ entries: Array<Record<string, unknown>> }>(
          svc.httpUrl,
          'GET',
          `/api/v1/audit/history?resource=alert:${alert.id}`,
          svc.adminToken,
        );
        expect(h.body.entries[0]).toMatchObject({
          route: '/api/v1/alerts/:id/ack',
          userId,
          role: 'engineer',
          status: 200,
          before: { id: alert.id, status: 'open' },
        });
        await page.getByRole('button', { name: en.signOut }).click();
        await page.locator('#token-form').waitFor();
        const me = await page.evaluate(async () => (await fetch('/api/v1/session')).json());
        expect(me).toMatchObject({ signedIn: false });
        expect(errors).toEqual([]);
      } finally {
        await close();
      }
    });

    it('in Chinese, a wrong password is refused in Chinese', async () => {
      const zh = dictionaries.zh;
      const { page, errors, close } = await openPage(
        browser,
        `${svc.httpUrl}/signin.html`,
        'zh-CN',
        { width: 390, height: 800 },
      );
      try {
        await page.getByLabel(zh.username).fill('eng.zhou');
        await page.getByLabel(zh.password, { exact: true }).fill('not the password');
        await page.getByRole('button', { name: zh.signIn }).click();
        await expect.poll(() => page.locator('#signin-error').textContent()).toBe(zh.badSignIn);
        expect(errors.filter((e) => !/401/.test(e))).toEqual([]);
      } finally {
        await close();
      }
    });
  },
);
