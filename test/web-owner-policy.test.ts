import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { dictionaries, translate } from '../web/src/i18n.ts';
import { api } from './helpers/clients.ts';
import { describeWithService } from './helpers/require-service.ts';
import { startService, type RunningService } from './helpers/service.ts';
import { CHROMIUM, ensureBuilt, launchChromium, lowContrastText, openPage } from './web-browser.ts';

/**
 * The owner page says which policy decided (issue 20): the maker's own (whose, which version,
 * in force from when) or the national rules, in Chinese and in English. An excavator, which has
 * no national rules, is shown under its maker's policy; an air conditioner bought before its
 * maker's newer version under the older one.
 */
/** Each unit's verification code, as its registration answered it (made by the server). */
const codes = new Map<string, string>();
const chinaDate = (days: number): string =>
  new Date(Date.now() + days * 86_400_000 + 8 * 3_600_000).toISOString().slice(0, 10);

describeWithService(
  'chromium',
  existsSync(CHROMIUM),
  `${CHROMIUM} missing (apt-get install chromium)`,
  'owner page: which policy applied',
  () => {
    let svc: RunningService;
    let browser: Browser;

    beforeAll(async () => {
      await ensureBuilt('owner.html');
      [svc, browser] = await Promise.all([startService(), launchChromium()]);
      const post = async (url: string, body: unknown) => {
        const r = await api<{ serial?: string; verificationCode?: string }>(
          svc.httpUrl,
          'POST',
          url,
          svc.adminToken,
          body,
        );
        expect(r.status, `${url}: ${JSON.stringify(r.body)}`).toBe(201);
        if (r.body.serial && r.body.verificationCode)
          codes.set(r.body.serial, r.body.verificationCode);
      };
      const excavator = JSON.parse(
        await readFile(
          new URL('../warranty/examples/maker-policy-excavator.json', import.meta.url),
          'utf8',
        ),
      );
      await post('/api/v1/warranty/policies', excavator);
      const ac = JSON.parse(
        await readFile(
          new URL('../warranty/examples/maker-policy-air-conditioner.json', import.meta.url),
          'utf8',
        ),
      );
      await post('/api/v1/warranty/policies', ac);
      // A newer, longer promise from 30 days ago: units sold before keep the 2024 version.
      await post('/api/v1/warranty/policies', {
        ...ac,
        version: 'next',
        effectiveFrom: chinaDate(-30),
        terms: { ...ac.terms, wholeUnitMonths: { value: 36, clause: '第二条' } },
      });
      const unit = (serial: string, category: string, model: string, manufacturer: string) =>
        post('/api/v1/warranty/units', {
          serial,
          category,
          model,
          manufacturer,
          invoiceDate: chinaDate(-100),
        });
      await unit('EXC-OWNER-1', 'excavator', excavator.model, excavator.manufacturer);
      await unit('AC-OWNER-1', 'air_conditioner', ac.model, ac.manufacturer);
      await unit('AC-OWNER-2', 'air_conditioner', 'KFR-26GW', 'Nobody');
    });

    afterAll(async () => {
      await browser?.close();
      await svc?.stop();
    });

    async function lookUp(page: Page, serial: string): Promise<string> {
      await page.getByLabel(/Serial number|序列号/).fill(serial);
      await page.getByLabel(/Verification code|验证码/).fill(codes.get(serial)!);
      await page.getByLabel(/Verification code|验证码/).press('Enter');
      const line = page.locator('#policy-version');
      await expect.poll(() => page.locator('#unit-serial').textContent()).toBe(serial);
      return (await line.textContent()) ?? '';
    }

    it('in Chinese, then in English: the maker’s policy for an excavator, the older version for a unit sold before the newer one, the national rules otherwise', async () => {
      const { page, errors, close } = await openPage(
        browser,
        `${svc.httpUrl}/owner.html`,
        'zh-CN',
        {
          width: 390,
          height: 844,
        },
      );
      const maker = (lang: 'zh' | 'en', m: string, version: string, date: string) =>
        translate(lang, 'policyMaker', { maker: m, version, date });
      expect(await lookUp(page, 'EXC-OWNER-1')).toBe(
        maker('zh', 'DemoHeavy', '2025', '2024-01-01'),
      );
      expect(await page.locator('#policy').textContent()).toContain(
        '示例重工《挖掘机产品三包服务手册》2025版',
      );
      expect(await page.locator('#policy-version').getAttribute('data-issuer')).toBe(
        'manufacturer',
      );
      expect(await lowContrastText(page)).toEqual([]);

      await page.getByLabel('语言').selectOption('en');
      await expect
        .poll(() => page.locator('#policy-version').textContent())
        .toBe(maker('en', 'DemoHeavy', '2025', '2024-01-01'));
      expect(dictionaries.en.policyMaker).not.toBe(dictionaries.zh.policyMaker);

      expect(await lookUp(page, 'AC-OWNER-1')).toBe(maker('en', 'Acme', '2024.1', '2024-01-01'));
      expect(await lookUp(page, 'AC-OWNER-2')).toBe(
        translate('en', 'policyNational', { date: '1995-08-25' }),
      );
      await page.getByLabel('Language').selectOption('zh');
      await expect
        .poll(() => page.locator('#policy-version').textContent())
        .toBe(translate('zh', 'policyNational', { date: '1995-08-25' }));
      expect(errors).toEqual([]);
      await close();
    });
  },
);
