import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { analyticsDictionaries } from '../web/src/analytics-i18n.ts';
import { dictionaries } from '../web/src/i18n.ts';
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
 * The fleet page's analytics and reports in Debian's chromium (issue 25): a maker's manager,
 * signed in, analyses compressor reliability per production batch — the page shows the
 * service's rates, MTBF and Weibull fits, and names the bad batch a recall candidate — reads the
 * warranty exposure (a unit sold three days ago is at risk), and downloads the quarterly report
 * as CSV and the three ledgers as one XLSX workbook with the session cookie.
 */
const en = dictionaries.en;
const nen = analyticsDictionaries.en;
const fill = (s: string, vars: Record<string, string | number>) =>
  s.replace(/\{(\w+)\}/g, (m, k: string) => (k in vars ? String(vars[k]) : m));
const day = 86_400_000;
const chinaDate = (msAgo: number) =>
  new Date(Date.now() + 8 * 3_600_000 - msAgo).toISOString().slice(0, 10);

interface Group {
  id: string;
  units: number;
  failedUnits: number;
  ratePerUnitYear: number | null;
  mtbfDays: number | null;
  weibull: { ok: boolean; shape?: number; scale?: number };
}

describeWithService(
  'chromium',
  existsSync(CHROMIUM),
  `${CHROMIUM} missing (apt-get install chromium)`,
  'fleet analytics and reports in a real browser',
  () => {
    let svc: RunningService;
    let browser: Browser;
    let otp: string;

    beforeAll(async () => {
      await ensureBuilt('fleet.html');
      [svc, browser] = await Promise.all([
        startService({ SESSION_COOKIE_SECURE: 'false' }),
        launchChromium(),
      ]);
      const call = (method: string, url: string, token: string, body?: unknown) =>
        api<Record<string, unknown>>(svc.httpUrl, method, url, token, body);
      const issue = async (role: string, subject: string) =>
        (await call('POST', '/api/v1/tokens', svc.adminToken, { role, subject })).body
          .token as string;
      const eng = await issue('engineer', 'eng-wang');
      const maker = await issue('manufacturer', 'Gree');
      const made = await api<{ password: string }>(
        svc.httpUrl,
        'POST',
        '/api/v1/users',
        svc.adminToken,
        { username: 'mgr.gree', role: 'manufacturer', subject: 'Gree', displayName: 'Zhang' },
      );
      expect(made.status).toBe(201);
      otp = made.body.password;
      const outlet = await call('POST', '/api/v1/warranty/outlets', maker, {
        id: 'AN-O1',
        name: '格力授权服务站',
        manufacturer: 'Gree',
        authorizedFrom: chinaDate(2_000 * day),
      });
      expect(outlet.status).toBe(201);
      // Two batches of 16 units sold 400 days ago: the bad one's compressors fail early and
      // often, the good one's twice.
      const unit = async (serial: string, batch: string, soldDaysAgo: number) => {
        const r = await call('POST', '/api/v1/warranty/units', eng, {
          serial,
          category: 'air_conditioner',
          model: 'KFR-35GW',
          manufacturer: 'Gree',
          invoiceDate: chinaDate(soldDaysAgo * day),
          priceCNY: 3_200,
          productionBatch: batch,
          components: [{ component: 'compressor', supplier: batch === 'BAD' ? 'S-X' : 'S-A' }],
        });
        expect(r.status, JSON.stringify(r.body)).toBe(201);
      };
      const failure = async (serial: string, daysAgo: number) => {
        const r = await call('POST', `/api/v1/units/${serial}/repairs`, eng, {
          outletId: 'AN-O1',
          droppedOffAt: chinaDate(daysAgo * day),
          handedBackAt: chinaDate((daysAgo - 1) * day),
          reportedFault: '不制冷 — not cooling',
          diagnosis: {
            faultCode: 'E5',
            component: 'compressor',
            cause: 'quality',
            isMainPart: true,
          },
          parts: [{ name: 'compressor', number: 'QXA-B141', genuine: true, isMainPart: true }],
          signatures: { repairer: 'history' },
        });
        expect(r.status, JSON.stringify(r.body)).toBe(201);
      };
      for (let i = 0; i < 16; i++) {
        await unit(`AN-GOOD-${i}`, 'GOOD', 400);
        await unit(`AN-BAD-${i}`, 'BAD', 400);
        if (i < 12) await failure(`AN-BAD-${i}`, 400 - (40 + i * 17));
        if (i < 2) await failure(`AN-GOOD-${i}`, 400 - (150 + i * 90));
      }
      await unit('AN-NEW', 'BAD', 3);
    }, 120_000);

    afterAll(async () => {
      await browser?.close();
      await svc?.stop();
    });

    it("a maker's manager reads reliability and exposure and downloads the reports", async () => {
      const { page, errors, close } = await openPage(
        browser,
        `${svc.httpUrl}/signin.html`,
        'en-US',
        { width: 1280, height: 900 },
      );
      try {
        await page.getByLabel(en.username).fill('mgr.gree');
        await page.getByLabel(en.password, { exact: true }).fill(otp);
        await page.keyboard.press('Enter');
        await page.getByText(en.mustChange).waitFor();
        await page.getByLabel(en.newPassword, { exact: true }).fill('zhang own passphrase');
        await page.getByLabel(en.repeatPassword).fill('zhang own passphrase');
        await page.keyboard.press('Enter');
        await page.waitForURL(/fleet\.html$/);
        const section = page.locator('#analytics');
        await section.waitFor();
        expect(await unlabelledControls(page)).toEqual([]);

        // From the keyboard: category, component (compressor by default), split by batch.
        await section.getByLabel(nen.productCategory).selectOption('air_conditioner');
        await section.getByLabel(nen.groupBy).selectOption('batch');
        await section.getByLabel(nen.component).press('Enter');
        await section.locator('#rel-table').waitFor();

        // What the page shows is what the service computed.
        const r = await api<{ groups: Group[]; recallCandidates: Array<{ id: string }> }>(
          svc.httpUrl,
          'GET',
          '/api/v1/fleet/reliability?category=air_conditioner&component=compressor&by=batch',
          (
            await api<{ token: string }>(svc.httpUrl, 'POST', '/api/v1/tokens', svc.adminToken, {
              role: 'manufacturer',
              subject: 'Gree',
            })
          ).body.token,
        );
        expect(r.body.groups.map((g) => g.id).sort()).toEqual(['BAD', 'GOOD']);
        expect(r.body.recallCandidates.map((c) => c.id)).toEqual(['BAD']);
        for (const g of r.body.groups) {
          const row = section.locator(`#rel-table tr[data-group="${g.id}"]`);
          const cell = (c: string) => row.locator(`td[data-col="${c}"]`).textContent();
          expect(await cell('units')).toBe(String(g.units));
          expect(await cell('failed')).toBe(String(g.failedUnits));
          expect(await cell('rate')).toBe(g.ratePerUnitYear!.toFixed(3));
          expect(await cell('mtbf')).toBe(g.mtbfDays!.toFixed(0));
          expect(g.weibull.ok).toBe(true);
          expect(await cell('shape')).toBe(g.weibull.shape!.toFixed(2));
          expect(await cell('scale')).toBe(g.weibull.scale!.toFixed(0));
        }
        expect(
          await section
            .locator('#rel-table tr[data-group="BAD"] td[data-col="flag"]')
            .textContent(),
        ).toBe(nen.colFlag);
        expect(
          await section
            .locator('#rel-table tr[data-group="GOOD"] td[data-col="flag"]')
            .textContent(),
        ).toBe('');
        expect(await section.locator('#recall li').count()).toBe(1);
        expect(await section.locator('#recall li').textContent()).toMatch(
          /^BAD: 12 units failed where /,
        );

        // Exposure: the unit sold three days ago may still be exchanged.
        await section.locator('#exp-units tr[data-serial="AN-NEW"]').waitFor();
        expect(await section.locator('#exp-lead').textContent()).toMatch(
          /^Units whose exchange or return window is open today: [1-9]\d* of \d+ checked\.$/,
        );
        expect(await section.locator('#exp-horizons tbody tr').count()).toBe(2);
        expect(await lowContrastText(page)).toEqual([]);
        await section.screenshot({ path: `${SHOTS}fleet-analytics-desktop.png` });

        // The quarterly report as CSV, with the session cookie.
        const [csv] = await Promise.all([
          page.waitForEvent('download'),
          section.getByRole('button', { name: nen.download }).click(),
        ]);
        expect(csv.suggestedFilename()).toMatch(
          /^sanbao-quarterly-\d{4}-\d{2}-\d{2}_\d{4}-\d{2}-\d{2}\.csv$/,
        );
        const text = await readFile((await csv.path())!, 'utf8');
        expect(text.split(/\r?\n/)[0]!.split(',').length).toBeGreaterThan(3);
        await section
          .getByText(fill(nen.downloadedFile, { file: csv.suggestedFilename() }))
          .waitFor();
        // The three ledgers: one workbook (CSV cannot hold three tables, so XLSX is chosen).
        await section.getByLabel(nen.report, { exact: true }).selectOption('ledgers');
        expect(await section.getByLabel(nen.format).inputValue()).toBe('xlsx');
        const [xlsx] = await Promise.all([
          page.waitForEvent('download'),
          section.getByRole('button', { name: nen.download }).click(),
        ]);
        expect(xlsx.suggestedFilename()).toMatch(/^sanbao-ledgers-.*\.xlsx$/);
        const bytes = await readFile((await xlsx.path())!);
        expect(bytes.subarray(0, 2).toString('latin1')).toBe('PK');
        expect(errors).toEqual([]);
      } finally {
        await close();
      }
    });
  },
);
