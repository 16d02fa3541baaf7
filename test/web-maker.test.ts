import { existsSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { adminDictionaries } from '../web/src/admin-i18n.ts';
import { categoryName, dictionaries } from '../web/src/i18n.ts';
import { makerDictionaries } from '../web/src/maker-i18n.ts';
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
 * The maker's page in Debian's chromium (issue 25): a maker's service manager signs in, adds an
 * outlet with its price list (fleet page), then on maker.html a technician with a certificate,
 * a product model with its main parts, a genuine part, and a policy version; a weaker version is
 * refused and the page names the weaker field, the national minimum and the clause, in English
 * and, after the switch, in Chinese. A second maker's manager sees none of it, and the API
 * answers 403 (another maker's lists and policies) or 404 (another maker's outlet).
 */
const en = dictionaries.en;
const aen = adminDictionaries.en;
const men = makerDictionaries.en;
const mzh = makerDictionaries.zh;

const MODEL = 'KFR-35GW/acme';

async function signIn(page: Page, username: string, otp: string, own: string) {
  await page.getByLabel(en.username).fill(username);
  await page.getByLabel(en.password, { exact: true }).fill(otp);
  await page.keyboard.press('Enter');
  await page.getByText(en.mustChange).waitFor();
  await page.getByLabel(en.newPassword, { exact: true }).fill(own);
  await page.getByLabel(en.repeatPassword).fill(own);
  await page.keyboard.press('Enter');
}

/** Console errors other than the browser's line for a refusal this test provokes. */
const unexpected = (errors: string[]) =>
  errors.filter(
    (e) => !/Failed to load resource: the server responded with a status of 4(03|22)/.test(e),
  );

describeWithService(
  'chromium',
  existsSync(CHROMIUM),
  `${CHROMIUM} missing (apt-get install chromium)`,
  "the maker's page in a real browser",
  () => {
    let svc: RunningService;
    let browser: Browser;
    const otp: Record<string, string> = {};

    beforeAll(async () => {
      await ensureBuilt('maker.html');
      [svc, browser] = await Promise.all([
        startService({ SESSION_COOKIE_SECURE: 'false' }),
        launchChromium(),
      ]);
      for (const [username, subject] of [
        ['mgr.acme', 'acme'],
        ['mgr.beta', 'beta'],
      ] as const) {
        const made = await api<{ password: string }>(
          svc.httpUrl,
          'POST',
          '/api/v1/users',
          svc.adminToken,
          { username, role: 'manufacturer', subject },
        );
        expect(made.status).toBe(201);
        otp[username] = made.body.password;
      }
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
      await svc?.stop();
    });

    it("a maker's manager adds an outlet with its price list, a technician, a model, a part and a policy; a weaker policy is refused field by field, in English and Chinese", async () => {
      const { page, errors, close } = await openPage(
        browser,
        `${svc.httpUrl}/signin.html`,
        'en-US',
        { width: 1280, height: 1000 },
      );
      try {
        await signIn(page, 'mgr.acme', otp['mgr.acme']!, 'acme own passphrase');
        await page.waitForURL(/fleet\.html$/);
        // The outlet, with its period, official phone and price list, on the fleet page.
        const outlets = page.locator('#outlets');
        await outlets.getByText(aen.noOutlets).waitFor();
        await outlets.getByLabel(aen.outletId).fill('acme-sh-01');
        await outlets.getByLabel(aen.outletName).fill('Acme Shanghai Service');
        await outlets.getByLabel(aen.servicePhone).fill('400-800 1234');
        await outlets.getByLabel(aen.authorizedFrom).fill('2026-01-01');
        await outlets.getByLabel(aen.labourRate).fill('80');
        await outlets.getByLabel(aen.towing).fill('200');
        await outlets.getByLabel(aen.workItems).fill('更换压缩机\n加氟');
        await outlets.getByLabel(aen.outletId).focus();
        await page.keyboard.press('Enter');
        const outletRow = outlets.locator('tr[data-outlet="acme-sh-01"]');
        await outletRow.waitFor();
        expect(await outletRow.locator('td.price').textContent()).toBe(
          'labour CN¥80.00/h · towing CN¥200.00更换压缩机、加氟',
        );
        const listed = await api<{ outlets: Array<{ priceList?: unknown }> }>(
          svc.httpUrl,
          'GET',
          '/api/v1/warranty/outlets?manufacturer=acme',
        );
        expect(listed.body.outlets[0]?.priceList).toEqual({
          labourRateCNY: 80,
          towingCNY: 200,
          workItems: ['更换压缩机', '加氟'],
        });

        // The header's link to the maker's page.
        await page.getByRole('link', { name: men.navMaker }).click();
        await page.waitForURL(/maker\.html$/);
        await page.getByText(men.makerIs.replace('{maker}', 'acme')).waitFor();
        await page.getByText(men.noTechs).waitFor();
        expect(await unlabelledControls(page)).toEqual([]);
        expect(await lowContrastText(page)).toEqual([]);

        // A technician with a certificate valid until 2030.
        const techs = page.locator('#techs');
        await techs.getByLabel(men.certificate, { exact: true }).fill('CERT-ACME-7');
        await techs.getByLabel(men.techName, { exact: true }).fill('李伟');
        expect(await techs.getByLabel(men.outlet, { exact: true }).inputValue()).toBe('acme-sh-01');
        await techs.getByLabel(men.validFrom, { exact: true }).fill('2026-01-01');
        await techs.getByLabel(men.validTo, { exact: true }).fill('2030-12-31');
        await techs.getByLabel(men.validTo, { exact: true }).press('Enter');
        const techRow = techs.locator('tr[data-tech="CERT-ACME-7"]');
        await techRow.waitFor();
        expect(await techRow.locator('td').allTextContents()).toEqual([
          '李伟',
          'acme-sh-01',
          '2026-01-01',
          '2030-12-31',
          men.yes,
          men.edit,
        ]);
        expect(await page.locator('#tech-status').textContent()).toBe(
          men.techSaved.replace('{id}', 'CERT-ACME-7'),
        );
        expect(await page.evaluate(() => document.activeElement?.id)).toBe('t-cert');
        // Updated from its row, from the keyboard: the certificate expired at the end of 2025.
        await techs
          .getByRole('button', { name: men.editThis.replace('{id}', 'CERT-ACME-7') })
          .focus();
        await page.keyboard.press('Enter');
        expect(await page.evaluate(() => document.activeElement?.id)).toBe('t-name');
        expect(await techs.getByLabel(men.certificate, { exact: true }).inputValue()).toBe(
          'CERT-ACME-7',
        );
        await techs.getByLabel(men.validTo, { exact: true }).fill('2025-12-31');
        await page.keyboard.press('Enter');
        await techRow.locator('td', { hasText: '2025-12-31' }).waitFor();
        expect(await techRow.locator('td').nth(4).textContent()).toBe(men.no);
        expect(await techs.locator('tr[data-tech]').count()).toBe(1);

        // A product model with its main parts, and a genuine part with two serials.
        const models = page.locator('#models');
        await models.getByLabel(men.category, { exact: true }).selectOption('air_conditioner');
        await models.getByLabel(men.model, { exact: true }).fill(MODEL);
        await models.getByLabel(men.mainParts, { exact: true }).fill('compressor\nfan_motor');
        await models.getByRole('button', { name: men.addModel }).click();
        const modelRow = models.locator(`tr[data-model="air_conditioner/${MODEL}"]`);
        await modelRow.waitFor();
        expect(await modelRow.locator('td').allTextContents()).toEqual([
          categoryName('en', 'air_conditioner'),
          'compressor、fan_motor',
          men.edit,
        ]);
        const parts = page.locator('#parts');
        await parts.getByLabel(men.partNumber, { exact: true }).fill('QXA-100');
        await parts.getByLabel(men.partName, { exact: true }).fill('压缩机');
        await parts.getByLabel(men.component, { exact: true }).fill('compressor');
        await parts.getByLabel(men.serials, { exact: true }).fill('S-1\nS-2');
        await parts.getByRole('button', { name: men.addPart }).click();
        const partRow = parts.locator('tr[data-part="QXA-100"]');
        await partRow.waitFor();
        expect(await partRow.locator('td').allTextContents()).toEqual([
          '压缩机',
          'compressor',
          '2',
          men.edit,
        ]);
        const verify = await api<{ genuine: boolean }>(
          svc.httpUrl,
          'GET',
          '/api/v1/warranty/parts/verify?number=QXA-100&serial=S-2',
        );
        expect(verify.body.genuine).toBe(true);

        // A policy version, more generous than the national rules: saved, in force today.
        const policies = page.locator('#policies');
        const fillPolicy = async (version: string, from: string, whole: string) => {
          await policies.getByLabel(men.category, { exact: true }).selectOption('air_conditioner');
          await policies.getByLabel(men.model, { exact: true }).fill(MODEL);
          await policies.getByLabel(men.version, { exact: true }).fill(version);
          await policies.getByLabel(men.effectiveFrom, { exact: true }).fill(from);
          await policies.getByLabel(men.policyTitle, { exact: true }).fill('Acme 空调三包服务承诺');
          await policies.getByLabel(men.term_wholeUnitMonths, { exact: true }).fill(whole);
          await policies
            .getByLabel(men.clauseOf.replace('{term}', men.term_wholeUnitMonths), { exact: true })
            .fill('第二条');
          await policies.getByLabel(men.term_mainPartMonths, { exact: true }).fill('72');
          await policies.getByRole('button', { name: men.savePolicy }).click();
        };
        await fillPolicy('2026.1', '2026-01-01', '24');
        const v1 = policies.locator(`tr[data-policy="air_conditioner/${MODEL}@2026.1"]`);
        await v1.waitFor();
        expect(await v1.locator('td').last().textContent()).toBe(men.inForceYes);
        expect(await page.locator('#policy-status').textContent()).toBe(
          men.policySaved.replace('{version}', '2026.1').replace('{model}', MODEL),
        );

        // A weaker one: refused, the page names the field, both values and the clause.
        await fillPolicy('2027.1', '2099-01-01', '6');
        const refusal = page.locator('#policy-refusal');
        await refusal.getByText(men.policyWeaker).waitFor();
        const same = await api<{ details: Array<{ path: string; clause: string }> }>(
          svc.httpUrl,
          'POST',
          '/api/v1/warranty/policies',
          svc.adminToken,
          {
            manufacturer: 'acme',
            category: 'air_conditioner',
            model: MODEL,
            version: '2027.1',
            effectiveFrom: '2099-01-01',
            title: 'x',
            terms: { wholeUnitMonths: 6, mainPartMonths: 72 },
          },
        );
        expect(same.status).toBe(422);
        expect(same.body.details.map((d) => d.path)).toEqual(['terms.wholeUnitMonths']);
        const clause = same.body.details[0]!.clause;
        const item = refusal.locator('li[data-path="terms.wholeUnitMonths"]');
        expect(await item.textContent()).toContain(
          `${men.term_wholeUnitMonths}: ${men.weakerYours.replace('{v}', '6')}; ${men.weakerMinimum.replace('{v}', '12')}; ${men.weakerClause.replace('{c}', clause)}`,
        );
        expect(await page.evaluate(() => document.activeElement?.id)).toBe('policy-refusal');
        expect(await policies.locator('tr[data-policy]').count()).toBe(1);
        await refusal.screenshot({ path: `${SHOTS}maker-policy-refused-en.png` });

        // The same page in Chinese: the refusal and the lists follow the switch.
        await page.locator('#lang').selectOption('zh');
        await refusal.getByText(mzh.policyWeaker).waitFor();
        expect(await item.textContent()).toContain(
          `${mzh.term_wholeUnitMonths}: ${mzh.weakerYours.replace('{v}', '6')}; ${mzh.weakerMinimum.replace('{v}', '12')}; ${mzh.weakerClause.replace('{c}', clause)}`,
        );
        expect(await page.locator('#techs-table th').first().textContent()).toBe(mzh.certificate);
        expect(await page.locator('#page-h').textContent()).toBe(mzh.makerTitle);
        expect(await unlabelledControls(page)).toEqual([]);
        expect(await lowContrastText(page)).toEqual([]);
        await page.screenshot({ path: `${SHOTS}maker-desktop-zh.png`, fullPage: true });
        expect(unexpected(errors)).toEqual([]);
      } finally {
        await close();
      }
    });

    it("another maker's manager sees none of it; the API refuses them the first maker's", async () => {
      const { page, errors, close } = await openPage(
        browser,
        `${svc.httpUrl}/signin.html?next=maker.html`,
        'en-US',
        { width: 1280, height: 900 },
      );
      try {
        await signIn(page, 'mgr.beta', otp['mgr.beta']!, 'beta own passphrase');
        await page.waitForURL(/maker\.html$/);
        await page.getByText(men.makerIs.replace('{maker}', 'beta')).waitFor();
        for (const none of [men.noTechs, men.noModels, men.noParts, men.noPolicies])
          await page.getByText(none, { exact: true }).waitFor();
        expect(await page.locator('#t-outlet option').count()).toBe(0);
        expect(await page.locator('#t-outlet-hint').textContent()).toBe(men.noOutletsFirst);
        expect(await page.getByText('CERT-ACME-7').count()).toBe(0);
        const statuses = await page.evaluate(async (model) => {
          const get = async (u: string) => (await fetch(u)).status;
          return [
            await get('/api/v1/warranty/technicians?manufacturer=acme'),
            await get('/api/v1/warranty/models?manufacturer=acme'),
            await get('/api/v1/warranty/parts?manufacturer=acme'),
            await get('/api/v1/warranty/policies?manufacturer=acme'),
            await get(
              `/api/v1/warranty/policies/acme/air_conditioner/${encodeURIComponent(model)}`,
            ),
          ];
        }, MODEL);
        expect(statuses).toEqual([403, 403, 403, 403, 403]);
        // A technician certified for the first maker's outlet: that outlet does not exist for them.
        const token = await api<{ token: string }>(
          svc.httpUrl,
          'POST',
          '/api/v1/tokens',
          svc.adminToken,
          {
            role: 'manufacturer',
            subject: 'beta',
          },
        );
        const linked = await api<{ error: string }>(
          svc.httpUrl,
          'POST',
          '/api/v1/warranty/technicians',
          token.body.token,
          {
            certificate: 'CERT-BETA-1',
            name: '王芳',
            outletId: 'acme-sh-01',
            validFrom: '2026-01-01',
          },
        );
        expect(linked.status).toBe(404);
        expect(linked.body.error).toBe('WARRANTY_ERR_UNKNOWN_OUTLET');
        // On the fleet page, no outlet of the first maker either.
        await page.goto(`${svc.httpUrl}/fleet.html`);
        await page.locator('#outlets').getByText(aen.noOutlets).waitFor();
        expect(unexpected(errors)).toEqual([]);
      } finally {
        await close();
      }
    });
  },
);
