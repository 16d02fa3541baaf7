import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { dictionaries } from '../web/src/i18n.ts';
import { ownerAccountDictionaries } from '../web/src/owner-account-i18n.ts';
import { api } from './helpers/clients.ts';
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
 * The owner's account on owner.html in Debian's chromium (issue 25): an owner creates an account
 * from the keyboard, links a unit by its serial and the code on its 三包 card (a wrong code is
 * refused in words), sees it with its remedy today and its cases, signs out and in again and
 * still has it, then unlinks it — and the service agrees at each step.
 */
const en = dictionaries.en;
const oen = ownerAccountDictionaries.en;
const ozh = ownerAccountDictionaries.zh;
const fill = (s: string, vars: Record<string, string | number>) =>
  s.replace(/\{(\w+)\}/g, (m, k: string) => (k in vars ? String(vars[k]) : m));

describeWithService(
  'chromium',
  existsSync(CHROMIUM),
  `${CHROMIUM} missing (apt-get install chromium)`,
  "an owner's account in a real browser",
  () => {
    let svc: RunningService;
    let browser: Browser;
    let code: string;
    const serial = 'OWN-ACC-1';

    beforeAll(async () => {
      await ensureBuilt('owner.html');
      [svc, browser] = await Promise.all([
        startService({ SESSION_COOKIE_SECURE: 'false' }),
        launchChromium(),
      ]);
      const r = await api<{ verificationCode: string }>(
        svc.httpUrl,
        'POST',
        '/api/v1/warranty/units',
        svc.adminToken,
        {
          serial,
          category: 'air_conditioner',
          model: 'KFR-35',
          manufacturer: 'Gree',
          invoiceDate: new Date(Date.now() - 100 * 86_400_000).toISOString().slice(0, 10),
        },
      );
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      code = r.body.verificationCode;
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
      await svc?.stop();
    });

    it('signs up, links a unit by its code, sees it, signs in again and unlinks it', async () => {
      const { page, errors, close } = await openPage(
        browser,
        `${svc.httpUrl}/owner.html`,
        'en-US',
        { width: 1280, height: 900 },
      );
      try {
        const section = page.locator('#account');
        await section.getByLabel(oen.accountName).fill('owner.liu');
        await section.getByLabel(oen.accountPassword).fill('liu owner passphrase');
        await section.getByRole('button', { name: oen.createAccount }).click();
        await section.getByText(fill(oen.accountSignedIn, { name: 'owner.liu' })).waitFor();
        expect(await page.evaluate(() => document.activeElement?.id)).toBe('link-serial');
        await section.getByText(oen.noUnits).waitFor();

        // A wrong code first: refused in words, nothing linked.
        await page.keyboard.type(serial);
        await page.keyboard.press('Tab');
        await page.keyboard.type('WRONG-00000');
        await page.keyboard.press('Enter');
        await expect
          .poll(() => section.locator('#account-error').textContent(), { timeout: 10_000 })
          .toBe(oen.badLinkCode);
        await section.getByLabel(oen.linkCode).fill(code);
        await section.getByLabel(oen.linkCode).press('Enter');
        const row = section.locator(`#my-units-table tr[data-serial="${serial}"]`);
        await row.waitFor();
        expect(await section.locator('#account-notice').textContent()).toBe(
          fill(oen.linked, { serial }),
        );
        // The remedy today and the cases are the service's.
        const cookieHeader = (await page.context().cookies())
          .map((c) => `${c.name}=${c.value}`)
          .join('; ');
        const status = await fetch(`${svc.httpUrl}/api/v1/units/${serial}/warranty`, {
          headers: { cookie: cookieHeader },
        });
        expect(status.status).toBe(200);
        const remedy = ((await status.json()) as { remedy: string }).remedy;
        expect(await row.locator('td[data-col="status"]').textContent()).toBe(
          en[`remedy_${remedy}` as keyof typeof en],
        );
        expect(await row.locator('td[data-col="cases"]').textContent()).toBe(
          fill(oen.casesCount, { n: 0, open: 0 }),
        );
        expect(
          await row.getByRole('link', { name: `${oen.openUnit}: ${serial}` }).getAttribute('href'),
        ).toBe(`/owner.html?serial=${serial}`);
        expect(await unlabelledControls(page)).toEqual([]);
        expect(await lowContrastText(page)).toEqual([]);
        await section.screenshot({ path: `${SHOTS}owner-account-desktop.png` });

        // Signed out and in again (another visit): the unit is still there.
        await section.getByRole('button', { name: oen.accountSignOut }).click();
        await section.getByLabel(oen.accountName).fill('owner.liu');
        await section.getByLabel(oen.accountPassword).fill('liu owner passphrase');
        await section.getByLabel(oen.accountPassword).press('Enter');
        await row.waitFor();

        // In Chinese, unlink it from the keyboard.
        await page.locator('#lang').selectOption('zh');
        await row.getByRole('button', { name: `${ozh.unlink}: ${serial}` }).focus();
        await page.keyboard.press('Enter');
        await section.getByText(ozh.noUnits).waitFor();
        expect(await section.locator('#account-notice').textContent()).toBe(
          fill(ozh.unlinked, { serial }),
        );
        const left = await page.evaluate(
          async () => (await (await fetch('/api/v1/me/units')).json()) as { units: unknown[] },
        );
        expect(left.units).toEqual([]);
        expect(errors.filter((e) => !/status of 401/.test(e))).toEqual([]);
      } finally {
        await close();
      }
    });
  },
);
